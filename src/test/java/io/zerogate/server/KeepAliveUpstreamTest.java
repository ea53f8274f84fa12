package io.zerogate.server;

import static org.assertj.core.api.Assertions.assertThat;

import io.zerogate.testing.RunningGateway;
import io.zerogate.testing.TestUpstream;
import io.zerogate.testing.Wire;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;

/** Reuse of upstream connections: pooled when the exchange allows it, never when the upstream says close. */
@Timeout(value = 1, unit = TimeUnit.MINUTES)
class KeepAliveUpstreamTest {

    private static final String GET = "GET /r HTTP/1.1\r\nHost: example.com\r\n\r\n";

    private static String config(TestUpstream up, String extra) {
        return """
                services:
                  s:
                    targets: [%s]
                    tls: none
                %s
                routes:
                  - id: r
                    match: { path: /r }
                    service: s
                    public: true
                """.formatted(up.target(), extra.indent(4).stripTrailing());
    }

    /** Sends one request on {@code client} and returns the response body; asserts a 200. */
    private static String get(Socket client, String request) throws Exception {
        Wire.write(client.getOutputStream(), request);
        InputStream in = client.getInputStream();
        String head = Wire.readHead(in);
        assertThat(head).isNotNull();
        assertThat(Wire.status(head)).as(head).isEqualTo(200);
        return Wire.readBodyText(head, in);
    }

    @Test
    void sequentialRequestsOnOneClientConnectionShareOneUpstreamConnection() throws Exception {
        try (TestUpstream up = TestUpstream.fixed("ok"); RunningGateway gw = RunningGateway.start(config(up, ""));
             Socket client = gw.connect()) {
            for (int i = 0; i < 20; i++) {
                assertThat(get(client, GET)).isEqualTo("ok");
            }
            assertThat(up.heads()).hasSize(20);
            assertThat(up.connections()).isEqualTo(1);
        }
    }

    @Test
    void connectionTheUpstreamClosedWhileIdleIsNotUsedAgain() throws Exception {
        // Answers once per connection without announcing it, then closes: the pool must notice.
        try (TestUpstream up = TestUpstream.start((socket, u) -> {
                 InputStream in = socket.getInputStream();
                 u.skipBody(u.readHead(in), in);
                 Wire.write(socket.getOutputStream(), "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok");
             });
             RunningGateway gw = RunningGateway.start(config(up, ""));
             Socket client = gw.connect()) {
            for (int i = 0; i < 5; i++) {
                assertThat(get(client, GET)).isEqualTo("ok");
            }
            assertThat(up.connections()).isEqualTo(5);
        }
    }

    @Test
    void getOnAPooledConnectionTheUpstreamDropsIsSentAgainOnAFreshOne() throws Exception {
        // Every connection answers its first request and closes on reading a second, unanswered: the
        // race where the upstream's idle timeout fires just as the gateway reuses the connection.
        try (TestUpstream up = TestUpstream.start((socket, u) -> {
                 InputStream in = socket.getInputStream();
                 u.skipBody(u.readHead(in), in);
                 Wire.write(socket.getOutputStream(), "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok");
                 u.readHead(in);
             });
             RunningGateway gw = RunningGateway.start(config(up, ""));
             Socket client = gw.connect()) {
            assertThat(get(client, GET)).isEqualTo("ok");
            assertThat(get(client, GET)).isEqualTo("ok");
            assertThat(get(client, GET)).isEqualTo("ok");
            assertThat(up.heads()).as("the second and third requests were each sent twice").hasSize(5);
            assertThat(up.connections()).isEqualTo(3);
            gw.awaitRequestCount("r", 200, "forwarded", 3);
        }
    }

    @Test
    void postOnAPooledConnectionTheUpstreamDropsIsNotSentAgain() throws Exception {
        try (TestUpstream up = TestUpstream.start((socket, u) -> {
                 InputStream in = socket.getInputStream();
                 u.skipBody(u.readHead(in), in);
                 Wire.write(socket.getOutputStream(), "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok");
                 u.readHead(in);
             });
             RunningGateway gw = RunningGateway.start(config(up, ""));
             Socket client = gw.connect()) {
            assertThat(get(client, GET)).isEqualTo("ok");
            Wire.write(client.getOutputStream(), "POST /r HTTP/1.1\r\nHost: example.com\r\nContent-Length: 5\r\n\r\nhello");
            String head = Wire.readHead(client.getInputStream());
            assertThat(Wire.status(head)).isEqualTo(502);
            assertThat(Wire.problemCode(Wire.readBodyText(head, client.getInputStream()))).isEqualTo("upstream_protocol_error");
            assertThat(up.heads()).hasSize(2);
            assertThat(up.connections()).isEqualTo(1);
        }
    }

    @Test
    void headResponseAnnouncingABodyLeavesTheConnectionReusable() throws Exception {
        try (TestUpstream up = TestUpstream.start((socket, u) -> {
                 InputStream in = socket.getInputStream();
                 String head;
                 while ((head = u.readHead(in)) != null) {
                     u.skipBody(head, in);
                     // The same head either way; only the GET carries the 1000 bytes it announces.
                     Wire.write(socket.getOutputStream(), "HTTP/1.1 200 OK\r\nContent-Length: 1000\r\n\r\n"
                             + (head.startsWith("HEAD ") ? "" : "y".repeat(1000)));
                 }
             });
             RunningGateway gw = RunningGateway.start(config(up, ""));
             Socket client = gw.connect()) {
            InputStream in = client.getInputStream();
            for (int i = 0; i < 3; i++) {
                Wire.write(client.getOutputStream(), "HEAD /r HTTP/1.1\r\nHost: example.com\r\n\r\n");
                String head = Wire.readHead(in);
                assertThat(Wire.status(head)).isEqualTo(200);
                assertThat(Wire.header(head, "content-length")).isEqualTo("1000");
                assertThat(get(client, GET)).isEqualTo("y".repeat(1000));
            }
            assertThat(up.connections()).isEqualTo(1);
        }
    }

    @Test
    void http10ClientGetsAChunkedUpstreamBodyDelimitedByTheClose() throws Exception {
        try (TestUpstream up = TestUpstream.start((socket, u) -> {
                 InputStream in = socket.getInputStream();
                 String head;
                 while ((head = u.readHead(in)) != null) {
                     Wire.write(socket.getOutputStream(), "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
                             + "5\r\nhello\r\n6\r\n world\r\n0\r\n\r\n");
                 }
             });
             // One event loop: pools are per loop, and the two client connections must share one.
             RunningGateway gw = RunningGateway.start(config(up, ""), 1)) {
            String res = gw.exchange("GET /r HTTP/1.0\r\n\r\n");
            assertThat(res).startsWith("HTTP/1.1 200 ").endsWith("\r\n\r\nhello world");
            assertThat(Wire.header(res, "transfer-encoding")).isNull();
            assertThat(Wire.header(res, "connection")).isEqualToIgnoringCase("close");
            assertThat(Wire.header(up.nextHead(), "host")).isEqualTo("127.0.0.1:" + up.port());
            // The upstream connection finished cleanly and is kept for the next request.
            assertThat(gw.exchange("GET /r HTTP/1.0\r\n\r\n")).endsWith("hello world");
            assertThat(up.connections()).isEqualTo(1);
        }
    }

    @Test
    void connectionCloseFromTheUpstreamIsHonouredEvenIfTheUpstreamKeepsTheSocketOpen() throws Exception {
        AtomicInteger sawEnd = new AtomicInteger();
        CountDownLatch ended = new CountDownLatch(2);
        try (TestUpstream up = TestUpstream.start((socket, u) -> {
                 InputStream in = socket.getInputStream();
                 OutputStream out = socket.getOutputStream();
                 u.skipBody(u.readHead(in), in);
                 Wire.write(out, "HTTP/1.1 200 OK\r\nContent-Length: 2\r\nConnection: close\r\n\r\nok");
                 socket.setSoTimeout(10_000);
                 if (in.read() < 0) {
                     sawEnd.incrementAndGet();
                 }
                 ended.countDown();
             });
             RunningGateway gw = RunningGateway.start(config(up, ""));
             Socket client = gw.connect()) {
            assertThat(get(client, GET)).isEqualTo("ok");
            assertThat(get(client, GET)).isEqualTo("ok");
            assertThat(ended.await(10, TimeUnit.SECONDS)).isTrue();
            assertThat(sawEnd.get()).as("connections the gateway closed itself").isEqualTo(2);
            assertThat(up.connections()).isEqualTo(2);
        }
    }

    @Test
    void noIdleConnectionsAreKeptWhenMaxIdleIsZero() throws Exception {
        try (TestUpstream up = TestUpstream.fixed("ok");
             RunningGateway gw = RunningGateway.start(config(up, "max_idle_connections: 0"));
             Socket client = gw.connect()) {
            for (int i = 0; i < 3; i++) {
                assertThat(get(client, GET)).isEqualTo("ok");
            }
            assertThat(up.connections()).isEqualTo(3);
        }
    }
}
