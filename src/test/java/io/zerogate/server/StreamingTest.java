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
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * A gigabyte each way through a real gateway in this JVM (surefire gives it 1 GiB of heap, so a gateway
 * that buffered a body would fail with OutOfMemoryError), checking every byte arrives and that neither the
 * heap nor Netty's buffer pool grows with the size of the body.
 */
@Timeout(value = 5, unit = TimeUnit.MINUTES)
class StreamingTest {

    private static final long GIB = 1L << 30;
    private static final long RETAINED_HEAP_BOUND = 128L << 20;
    /**
     * Sampled use includes garbage not yet collected, whose amount depends on how large the collector has grown
     * the young generation for the tests that ran before in the same JVM; so it gets a loose bound, still well
     * below the gibibyte a buffered body would take. Retained use is the precise check.
     */
    private static final long SAMPLED_HEAP_BOUND = 512L << 20;
    private static final long NETTY_POOL_BOUND = 64L << 20;

    private final ExecutorService threads = Executors.newCachedThreadPool();

    @AfterEach
    void stopThreads() {
        threads.shutdownNow();
    }

    @Test
    void gigabyteUploadWithContentLengthAndChunkedDownload() throws Exception {
        transferBothWays(false, true);
    }

    @Test
    void gigabyteChunkedUploadAndContentLengthDownload() throws Exception {
        transferBothWays(true, false);
    }

    /** The upstream reads the whole upload, then answers with a body of the same size. */
    private void transferBothWays(boolean chunkedUpload, boolean chunkedDownload) throws Exception {
        Wire.Tally received = new Wire.Tally();
        AtomicReference<String> upstreamHead = new AtomicReference<>();
        try (TestUpstream up = TestUpstream.start((socket, u) -> {
                 InputStream in = new BufferedInputStream(socket.getInputStream(), 64 * 1024);
                 OutputStream out = new BufferedOutputStream(socket.getOutputStream(), 64 * 1024);
                 String head = Wire.readHead(in);
                 upstreamHead.set(head);
                 long n = Wire.readBody(head, in, received, false);
                 Wire.write(out, "HTTP/1.1 200 OK\r\nContent-Type: application/octet-stream\r\n"
                         + (chunkedDownload ? "Transfer-Encoding: chunked\r\n" : "Content-Length: " + n + "\r\n") + "\r\n");
                 Wire.writeGenerated(out, n, chunkedDownload, null);
             });
             RunningGateway gw = RunningGateway.start(route(up));
             Socket client = gw.connect();
             MemoryWatch memory = MemoryWatch.start()) {
            client.setSoTimeout(60_000);
            OutputStream out = new BufferedOutputStream(client.getOutputStream(), 64 * 1024);
            long start = System.nanoTime();
            Future<?> upload = threads.submit(() -> {
                Wire.write(out, "POST /bulk HTTP/1.1\r\nHost: example.com\r\nContent-Type: application/octet-stream\r\n"
                        + (chunkedUpload ? "Transfer-Encoding: chunked\r\n" : "Content-Length: " + GIB + "\r\n") + "\r\n");
                Wire.writeGenerated(out, GIB, chunkedUpload, null);
                return null;
            });
            InputStream in = new BufferedInputStream(client.getInputStream(), 64 * 1024);
            String head = Wire.readHead(in);
            long uploaded = System.nanoTime();
            upload.get(10, TimeUnit.SECONDS);
            Wire.Tally downloaded = new Wire.Tally();
            long n = Wire.readBody(head, in, downloaded, true);
            long done = System.nanoTime();
            memory.close();

            assertThat(Wire.status(head)).isEqualTo(200);
            assertThat(upstreamHead.get()).startsWith("POST /bulk HTTP/1.1\r\n");
            if (chunkedUpload) {
                assertThat(Wire.header(upstreamHead.get(), "transfer-encoding")).isEqualTo("chunked");
            } else {
                assertThat(Wire.header(upstreamHead.get(), "content-length")).isEqualTo(Long.toString(GIB));
            }
            if (chunkedDownload) {
                assertThat(Wire.header(head, "transfer-encoding")).isEqualTo("chunked");
            } else {
                assertThat(Wire.header(head, "content-length")).isEqualTo(Long.toString(GIB));
            }
            long expectedCrc = Wire.generatedCrc(GIB);
            assertThat(received.bytes()).isEqualTo(GIB);
            assertThat(received.crc()).isEqualTo(expectedCrc);
            assertThat(n).isEqualTo(GIB);
            assertThat(downloaded.bytes()).isEqualTo(GIB);
            assertThat(downloaded.crc()).isEqualTo(expectedCrc);
            System.out.printf("1 GiB %s upload in %d ms, 1 GiB %s download in %d ms; %s%n",
                    chunkedUpload ? "chunked" : "content-length", TimeUnit.NANOSECONDS.toMillis(uploaded - start),
                    chunkedDownload ? "chunked" : "content-length", TimeUnit.NANOSECONDS.toMillis(done - uploaded), memory);
            assertThat(memory.peakRetainedHeapDelta()).as("heap retained after collections: %s", memory)
                    .isLessThan(RETAINED_HEAP_BOUND);
            assertThat(memory.peakSampledHeapDelta()).as("heap as sampled: %s", memory).isLessThan(SAMPLED_HEAP_BOUND);
            assertThat(memory.peakNettyPooledDelta()).as("Netty pooled memory: %s", memory).isLessThan(NETTY_POOL_BOUND);
            Await.until("no request in flight", Duration.ofSeconds(5), () -> gw.gateway().inFlight() == 0);
        }
    }

    @Test
    void serverSentEventsReachTheClientAsTheyAreSent() throws Exception {
        eventStream(true);
    }

    @Test
    void closeDelimitedEventStreamIsReframedAndNotBuffered() throws Exception {
        eventStream(false);
    }

    /**
     * The upstream sends one event, then waits (up to 2 s) for the client to have it before sending the
     * second: a gateway that held the first back makes the client see it only after the second was sent.
     */
    private void eventStream(boolean chunked) throws Exception {
        CountDownLatch clientHasFirst = new CountDownLatch(1);
        AtomicBoolean secondSent = new AtomicBoolean();
        try (TestUpstream up = TestUpstream.start((socket, u) -> {
                 InputStream in = socket.getInputStream();
                 OutputStream out = socket.getOutputStream();
                 u.skipBody(u.readHead(in), in);
                 Wire.write(out, "HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\nCache-Control: no-cache\r\n"
                         + (chunked ? "Transfer-Encoding: chunked\r\n" : "Connection: close\r\n") + "\r\n");
                 Wire.write(out, chunked ? chunk(FIRST_EVENT) : FIRST_EVENT);
                 clientHasFirst.await(2, TimeUnit.SECONDS);
                 secondSent.set(true);
                 Wire.write(out, chunked ? chunk(SECOND_EVENT) + "0\r\n\r\n" : SECOND_EVENT);
             });
             RunningGateway gw = RunningGateway.start(route(up));
             Socket client = gw.connect()) {
            Wire.write(client.getOutputStream(), "GET /bulk HTTP/1.1\r\nHost: example.com\r\nAccept: text/event-stream\r\n\r\n");
            InputStream in = client.getInputStream();
            String head = Wire.readHead(in);
            assertThat(Wire.status(head)).isEqualTo(200);
            assertThat(Wire.header(head, "content-type")).isEqualTo("text/event-stream");
            assertThat(Wire.header(head, "transfer-encoding")).isEqualTo("chunked");

            assertThat(readChunk(in)).isEqualTo(FIRST_EVENT);
            assertThat(secondSent).as("second event sent before the client had the first").isFalse();
            clientHasFirst.countDown();
            assertThat(readChunk(in)).isEqualTo(SECOND_EVENT);
            assertThat(readChunk(in)).as("terminating chunk").isEmpty();
            // The client connection stays usable after the stream ended.
            Wire.write(client.getOutputStream(), "GET /bulk HTTP/1.1\r\nHost: example.com\r\nConnection: close\r\n\r\n");
            assertThat(Wire.status(Wire.readHead(in))).isEqualTo(200);
        }
    }

    private static final String FIRST_EVENT = "id: 1\ndata: first\n\n";
    private static final String SECOND_EVENT = "id: 2\ndata: second\n\n";

    private static String chunk(String text) {
        return Integer.toHexString(text.length()) + "\r\n" + text + "\r\n";
    }

    /** Reads one chunk of a chunked body (the terminating chunk reads as empty). */
    private static String readChunk(InputStream in) throws java.io.IOException {
        int size = Integer.parseInt(Wire.readLine(in), 16);
        String text = new String(in.readNBytes(size), java.nio.charset.StandardCharsets.UTF_8);
        assertThat(Wire.readLine(in)).isEmpty();
        return text;
    }

    static String route(TestUpstream up) {
        return """
                services:
                  s:
                    targets: [%s]
                    tls: none
                routes:
                  - id: r
                    match: { path: /bulk }
                    service: s
                    public: true
                """.formatted(up.target());
    }
}
