package io.zerogate.server;

import static org.assertj.core.api.Assertions.assertThat;

import io.zerogate.testing.Await;
import io.zerogate.testing.RunningGateway;
import io.zerogate.testing.TestUpstream;
import io.zerogate.testing.Wire;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.Base64;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * A WebSocket opening handshake through the gateway: the upstream's 101 reaches the client, then the
 * connection is a raw byte tunnel both ways until either end closes it, which closes the other end too.
 */
@Timeout(value = 1, unit = TimeUnit.MINUTES)
class UpgradeTunnelTest {

    private static final String KEY = "dGhlIHNhbXBsZSBub25jZQ==";
    private static final String UPGRADE_REQUEST = "GET /ws HTTP/1.1\r\nHost: example.com\r\nConnection: Upgrade\r\n"
            + "Upgrade: websocket\r\nSec-WebSocket-Key: " + KEY + "\r\nSec-WebSocket-Version: 13\r\n\r\n";
    private static final byte[] GREETING = "server speaks first".getBytes(StandardCharsets.US_ASCII);

    private final ExecutorService threads = Executors.newCachedThreadPool();
    private final CountDownLatch upstreamSawEnd = new CountDownLatch(1);

    @AfterEach
    void stopThreads() {
        threads.shutdownNow();
    }

    /** Answers 101 with its greeting in the same write, then echoes until the gateway closes the connection. */
    private TestUpstream echoUpstream(boolean closeAfterGreeting) throws Exception {
        return TestUpstream.start((socket, u) -> {
            InputStream in = socket.getInputStream();
            OutputStream out = socket.getOutputStream();
            String head = u.readHead(in);
            String accept = Base64.getEncoder().encodeToString(MessageDigest.getInstance("SHA-1")
                    .digest((Wire.header(head, "sec-websocket-key") + "258EAFA5-E914-47DA-95CA-C5AB0DC85B11")
                            .getBytes(StandardCharsets.US_ASCII)));
            byte[] answer = ("HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                    + "Sec-WebSocket-Accept: " + accept + "\r\n\r\n").getBytes(StandardCharsets.US_ASCII);
            byte[] both = new byte[answer.length + GREETING.length];
            System.arraycopy(answer, 0, both, 0, answer.length);
            System.arraycopy(GREETING, 0, both, answer.length, GREETING.length);
            out.write(both);
            out.flush();
            if (closeAfterGreeting) {
                return;
            }
            byte[] buf = new byte[16 * 1024];
            int r;
            while ((r = in.read(buf)) >= 0) {
                out.write(buf, 0, r);
                out.flush();
            }
            upstreamSawEnd.countDown();
        });
    }

    private static String route(TestUpstream up) {
        return """
                services:
                  s:
                    targets: [%s]
                    tls: none
                routes:
                  - id: ws
                    match: { methods: [GET], path: /ws }
                    service: s
                    public: true
                """.formatted(up.target());
    }

    @Test
    void bytesAfterTheSwitchAreEchoedBothWaysAndAClientCloseReachesTheUpstream() throws Exception {
        try (TestUpstream up = echoUpstream(false); RunningGateway gw = RunningGateway.start(route(up));
             Socket client = gw.connect()) {
            OutputStream out = client.getOutputStream();
            InputStream in = client.getInputStream();
            Wire.write(out, UPGRADE_REQUEST);

            String head = Wire.readHead(in);
            assertThat(Wire.status(head)).isEqualTo(101);
            assertThat(Wire.header(head, "upgrade")).isEqualToIgnoringCase("websocket");
            assertThat(Wire.header(head, "connection")).isEqualToIgnoringCase("upgrade");
            assertThat(Wire.header(head, "sec-websocket-accept")).isEqualTo("s3pPLMBiTxaQ9kYGzzhZRbK+xOo=");
            String forwarded = up.nextHead();
            assertThat(Wire.header(forwarded, "upgrade")).isEqualTo("websocket");
            assertThat(Wire.header(forwarded, "connection")).isEqualToIgnoringCase("upgrade");
            assertThat(Wire.header(forwarded, "sec-websocket-key")).isEqualTo(KEY);

            assertThat(in.readNBytes(GREETING.length)).as("bytes the upstream sent with its 101").isEqualTo(GREETING);
            // Bytes that would be an HTTP request if anything still parsed them.
            byte[] small = "GET /not-http HTTP/1.1\r\n\r\n\0\u0081\u00ff".getBytes(StandardCharsets.ISO_8859_1);
            out.write(small);
            out.flush();
            assertThat(in.readNBytes(small.length)).isEqualTo(small);

            // More than the socket buffers and the gateway's write limits hold, so the echo must stream.
            byte[] large = new byte[4 << 20];
            ThreadLocalRandom.current().nextBytes(large);
            Future<?> writing = threads.submit(() -> {
                out.write(large);
                out.flush();
                return null;
            });
            assertThat(in.readNBytes(large.length)).isEqualTo(large);
            writing.get(10, TimeUnit.SECONDS);

            client.close();
            assertThat(upstreamSawEnd.await(5, TimeUnit.SECONDS)).as("upstream saw the end of the tunnel").isTrue();
            Await.until("no request in flight", Duration.ofSeconds(5), () -> gw.gateway().inFlight() == 0);
            assertThat(gw.gateway().metrics().requestCount("public", "ws", 101, "forwarded")).isEqualTo(1);
        }
    }

    @Test
    void anUpstreamCloseEndsTheClientConnection() throws Exception {
        try (TestUpstream up = echoUpstream(true); RunningGateway gw = RunningGateway.start(route(up));
             Socket client = gw.connect()) {
            Wire.write(client.getOutputStream(), UPGRADE_REQUEST);
            InputStream in = client.getInputStream();
            assertThat(Wire.status(Wire.readHead(in))).isEqualTo(101);

            assertThat(in.readNBytes(GREETING.length)).isEqualTo(GREETING);
            assertThat(in.read()).as("end of stream after the upstream closed").isEqualTo(-1);
            Await.until("no request in flight", Duration.ofSeconds(5), () -> gw.gateway().inFlight() == 0);
        }
    }

    @Test
    void declinedUpgradeIsAnOrdinaryResponseAndTheConnectionStaysHttp() throws Exception {
        try (TestUpstream up = TestUpstream.start((socket, u) -> {
                 InputStream in = socket.getInputStream();
                 String head;
                 while ((head = u.readHead(in)) != null) {
                     String body = head.toLowerCase(java.util.Locale.ROOT).contains("upgrade: websocket") ? "no" : "plain";
                     Wire.write(socket.getOutputStream(), "HTTP/1.1 426 Upgrade Required\r\nContent-Length: " + body.length()
                             + "\r\n\r\n" + body);
                 }
             });
             RunningGateway gw = RunningGateway.start(route(up)); Socket client = gw.connect()) {
            InputStream in = client.getInputStream();
            Wire.write(client.getOutputStream(), UPGRADE_REQUEST);
            String head = Wire.readHead(in);
            assertThat(Wire.status(head)).isEqualTo(426);
            assertThat(Wire.readBodyText(head, in)).isEqualTo("no");

            Wire.write(client.getOutputStream(), "GET /ws HTTP/1.1\r\nHost: example.com\r\n\r\n");
            String next = Wire.readHead(in);
            assertThat(Wire.status(next)).isEqualTo(426);
            assertThat(Wire.readBodyText(next, in)).isEqualTo("plain");
            assertThat(up.connections()).isEqualTo(1);
        }
    }
}
