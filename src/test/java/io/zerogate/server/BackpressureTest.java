package io.zerogate.server;

import static org.assertj.core.api.Assertions.assertThat;

import io.zerogate.testing.Await;
import io.zerogate.testing.MemoryWatch;
import io.zerogate.testing.RunningGateway;
import io.zerogate.testing.TestUpstream;
import io.zerogate.testing.Wire;
import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongSupplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * The side that reads slowly sets the pace: when it stops, the gateway stops reading the other side, so
 * the writer there blocks once the socket buffers in between are full. The gateway holds no more than a
 * read's worth of the body meanwhile.
 */
@Timeout(value = 2, unit = TimeUnit.MINUTES)
class BackpressureTest {

    private static final long BODY = 256L << 20;
    /**
     * Socket buffers between the two ends (the kernel may autotune the gateway's receive buffer up to
     * net.ipv4.tcp_rmem's maximum) hold this much at most; a gateway that buffered would take the whole body.
     */
    private static final long IN_TRANSIT_BOUND = 32L << 20;
    private static final long NETTY_POOL_BOUND = 16L << 20;

    private final ExecutorService threads = Executors.newCachedThreadPool();

    @AfterEach
    void stopThreads() {
        threads.shutdownNow();
    }

    @Test
    void clientThatStopsReadingStopsTheUpstreamWriter() throws Exception {
        AtomicLong written = new AtomicLong();
        try (TestUpstream up = TestUpstream.start((socket, u) -> {
                 socket.setSendBufferSize(64 * 1024);
                 InputStream in = socket.getInputStream();
                 OutputStream out = new BufferedOutputStream(socket.getOutputStream(), 64 * 1024);
                 u.skipBody(u.readHead(in), in);
                 Wire.write(out, "HTTP/1.1 200 OK\r\nContent-Length: " + BODY + "\r\n\r\n");
                 Wire.writeGenerated(out, BODY, false, written);
             });
             RunningGateway gw = RunningGateway.start(StreamingTest.route(up));
             Socket client = new Socket();
             MemoryWatch memory = MemoryWatch.start()) {
            client.setReceiveBufferSize(64 * 1024);
            client.connect(gw.address());
            client.setSoTimeout(30_000);
            Wire.write(client.getOutputStream(), "GET /bulk HTTP/1.1\r\nHost: example.com\r\n\r\n");
            InputStream in = new BufferedInputStream(client.getInputStream(), 64 * 1024);
            String head = Wire.readHead(in);
            assertThat(Wire.status(head)).isEqualTo(200);

            long stalledAt = awaitPlateau(written::get);
            long nettyWhileStalled = memory.peakNettyPooledDelta();
            System.out.printf("slow client: upstream stalled after %d KiB of %d MiB; %s%n", stalledAt >> 10, BODY >> 20, memory);
            assertThat(stalledAt).isLessThan(IN_TRANSIT_BOUND);
            assertThat(nettyWhileStalled).as("Netty pooled memory: %s", memory).isLessThan(NETTY_POOL_BOUND);

            Wire.Tally got = new Wire.Tally();
            assertThat(Wire.readBody(head, in, got, true)).isEqualTo(BODY);
            assertThat(got.crc()).isEqualTo(Wire.generatedCrc(BODY));
            assertThat(written.get()).isEqualTo(BODY);
        }
    }

    @Test
    void upstreamThatStopsReadingStopsTheClientWriter() throws Exception {
        CountDownLatch startReading = new CountDownLatch(1);
        Wire.Tally received = new Wire.Tally();
        try (TestUpstream up = TestUpstream.start((socket, u) -> {
                 socket.setReceiveBufferSize(64 * 1024);
                 InputStream in = new BufferedInputStream(socket.getInputStream(), 64 * 1024);
                 String head = Wire.readHead(in);
                 if (!startReading.await(30, TimeUnit.SECONDS)) {
                     return;
                 }
                 long n = Wire.readBody(head, in, received, false);
                 Wire.write(socket.getOutputStream(), "HTTP/1.1 200 OK\r\nContent-Length: " + Long.toString(n).length()
                         + "\r\n\r\n" + n);
             });
             RunningGateway gw = RunningGateway.start(StreamingTest.route(up));
             Socket client = new Socket();
             MemoryWatch memory = MemoryWatch.start()) {
            client.setSendBufferSize(64 * 1024);
            client.connect(gw.address());
            client.setSoTimeout(30_000);
            AtomicLong sent = new AtomicLong();
            OutputStream out = new BufferedOutputStream(client.getOutputStream(), 64 * 1024);
            Future<?> upload = threads.submit(() -> {
                Wire.write(out, "POST /bulk HTTP/1.1\r\nHost: example.com\r\nContent-Length: " + BODY + "\r\n\r\n");
                Wire.writeGenerated(out, BODY, false, sent);
                return null;
            });

            long stalledAt = awaitPlateau(sent::get);
            long nettyWhileStalled = memory.peakNettyPooledDelta();
            System.out.printf("slow upstream: client stalled after %d KiB of %d MiB; %s%n", stalledAt >> 10, BODY >> 20, memory);
            assertThat(upload).isNotDone();
            assertThat(stalledAt).isLessThan(IN_TRANSIT_BOUND);
            assertThat(nettyWhileStalled).as("Netty pooled memory: %s", memory).isLessThan(NETTY_POOL_BOUND);

            startReading.countDown();
            upload.get(60, TimeUnit.SECONDS);
            InputStream in = new BufferedInputStream(client.getInputStream());
            String head = Wire.readHead(in);
            assertThat(Wire.status(head)).isEqualTo(200);
            assertThat(Wire.readBodyText(head, in)).isEqualTo(Long.toString(BODY));
            assertThat(received.crc()).isEqualTo(Wire.generatedCrc(BODY));
            Await.until("no request in flight", Duration.ofSeconds(5), () -> gw.gateway().inFlight() == 0);
        }
    }

    /**
     * Waits until a byte count stops growing for half a second (the writer is blocked) and returns it. Fails
     * when it keeps growing for 20 s.
     */
    static long awaitPlateau(LongSupplier count) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
        long last = -1;
        long since = System.nanoTime();
        while (System.nanoTime() - deadline < 0) {
            long now = count.getAsLong();
            if (now != last) {
                last = now;
                since = System.nanoTime();
            } else if (now > 0 && System.nanoTime() - since > TimeUnit.MILLISECONDS.toNanos(500)) {
                return now;
            }
            Thread.sleep(20);
        }
        throw new AssertionError("the writer never stalled; it wrote " + last + " bytes");
    }
}
