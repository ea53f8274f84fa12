package io.zerogate.server;

import static org.assertj.core.api.Assertions.assertThat;

import io.zerogate.testing.Await;
import io.zerogate.testing.RunningGateway;
import io.zerogate.testing.TestUpstream;
import io.zerogate.testing.Wire;
import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * A client that goes away mid-exchange: the gateway closes the upstream connection (the upstream sees the
 * end promptly instead of finishing a body nobody will read) and stops counting the request as in flight.
 */
@Timeout(value = 1, unit = TimeUnit.MINUTES)
class ClientDisconnectTest {

    private static final long BODY = 256L << 20;

    @ParameterizedTest(name = "reset={0}")
    @ValueSource(booleans = {false, true})
    void clientLeavingDuringALargeResponseEndsTheUpstreamConnection(boolean reset) throws Exception {
        CountDownLatch upstreamFailed = new CountDownLatch(1);
        AtomicLong written = new AtomicLong();
        try (TestUpstream up = TestUpstream.start((socket, u) -> {
                 InputStream in = socket.getInputStream();
                 OutputStream out = new BufferedOutputStream(socket.getOutputStream(), 64 * 1024);
                 u.skipBody(u.readHead(in), in);
                 try {
                     Wire.write(out, "HTTP/1.1 200 OK\r\nContent-Length: " + BODY + "\r\n\r\n");
                     Wire.writeGenerated(out, BODY, false, written);
                 } catch (IOException expected) {
                     upstreamFailed.countDown();
                 }
             });
             RunningGateway gw = RunningGateway.start(StreamingTest.route(up))) {
            Socket client = gw.connect();
            Wire.write(client.getOutputStream(), "GET /bulk HTTP/1.1\r\nHost: example.com\r\n\r\n");
            InputStream in = new BufferedInputStream(client.getInputStream());
            assertThat(Wire.status(Wire.readHead(in))).isEqualTo(200);
            assertThat(in.readNBytes(1 << 20)).hasSize(1 << 20);
            close(client, reset);

            assertThat(upstreamFailed.await(10, TimeUnit.SECONDS)).as("the upstream's writes failed").isTrue();
            assertThat(written.get()).isLessThan(BODY);
            Await.until("no request in flight", Duration.ofSeconds(5), () -> gw.gateway().inFlight() == 0);
            gw.awaitRequestCount("r", 200, "client_aborted", 1);
        }
    }

    @ParameterizedTest(name = "reset={0}")
    @ValueSource(booleans = {false, true})
    void clientLeavingDuringALargeUploadEndsTheUpstreamConnection(boolean reset) throws Exception {
        CountDownLatch upstreamSawEnd = new CountDownLatch(1);
        AtomicLong upstreamRead = new AtomicLong();
        CountDownLatch someArrived = new CountDownLatch(1);
        try (TestUpstream up = TestUpstream.start((socket, u) -> {
                 InputStream in = socket.getInputStream();
                 u.readHead(in);
                 byte[] buf = new byte[64 * 1024];
                 try {
                     int r;
                     while ((r = in.read(buf)) >= 0) {
                         if (upstreamRead.addAndGet(r) >= 1 << 20) {
                             someArrived.countDown();
                         }
                     }
                 } catch (IOException resetByGateway) {
                     // a reset is an end too
                 }
                 upstreamSawEnd.countDown();
             });
             RunningGateway gw = RunningGateway.start(StreamingTest.route(up))) {
            Socket client = gw.connect();
            OutputStream out = new BufferedOutputStream(client.getOutputStream(), 64 * 1024);
            Wire.write(out, "POST /bulk HTTP/1.1\r\nHost: example.com\r\nContent-Length: " + BODY + "\r\n\r\n");
            Wire.writeGenerated(out, 2L << 20, false, null);
            assertThat(someArrived.await(10, TimeUnit.SECONDS)).isTrue();
            close(client, reset);

            assertThat(upstreamSawEnd.await(10, TimeUnit.SECONDS)).as("the upstream saw its connection end").isTrue();
            assertThat(upstreamRead.get()).isLessThan(BODY);
            Await.until("no request in flight", Duration.ofSeconds(5), () -> gw.gateway().inFlight() == 0);
            gw.awaitRequestCount("r", 0, "client_aborted", 1);
        }
    }

    @Test
    void clientLeavingWhileTheUpstreamThinksEndsTheUpstreamConnection() throws Exception {
        CountDownLatch upstreamHasRequest = new CountDownLatch(1);
        CountDownLatch upstreamSawEnd = new CountDownLatch(1);
        try (TestUpstream up = TestUpstream.start((socket, u) -> {
                 InputStream in = socket.getInputStream();
                 u.readHead(in);
                 upstreamHasRequest.countDown();
                 if (in.read() < 0) {
                     upstreamSawEnd.countDown();
                 }
             });
             RunningGateway gw = RunningGateway.start(StreamingTest.route(up))) {
            Socket client = gw.connect();
            Wire.write(client.getOutputStream(), "GET /bulk HTTP/1.1\r\nHost: example.com\r\n\r\n");
            assertThat(upstreamHasRequest.await(5, TimeUnit.SECONDS)).isTrue();
            client.close();

            assertThat(upstreamSawEnd.await(5, TimeUnit.SECONDS)).isTrue();
            Await.until("no request in flight", Duration.ofSeconds(5), () -> gw.gateway().inFlight() == 0);
            gw.awaitRequestCount("r", 0, "client_aborted", 1);
        }
    }

    private static void close(Socket client, boolean reset) throws IOException {
        if (reset) {
            client.setSoLinger(true, 0);
        }
        client.close();
    }
}
