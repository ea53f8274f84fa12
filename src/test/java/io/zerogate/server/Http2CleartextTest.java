package io.zerogate.server;

import static org.assertj.core.api.Assertions.assertThat;

import io.zerogate.testing.RunningGateway;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * HTTP/2 in plain text ({@code h2c}) only with prior knowledge and only where a listener says {@code http2: true};
 * the same listener keeps serving HTTP/1.1, and an HTTP/1.1 request to upgrade to h2c is never honoured.
 */
@Timeout(60)
class Http2CleartextTest {

    private static EchoUpstream upstream;
    private static RunningGateway h2c;
    private static RunningGateway plain;

    @BeforeAll
    static void start() throws Exception {
        upstream = EchoUpstream.start();
        String rest = """
                services:
                  app:
                    targets: [%s]
                    tls: none
                routes:
                  - id: open
                    match: { path: "/{rest...}" }
                    service: app
                    public: true
                """.formatted(upstream.target());
        h2c = RunningGateway.start("""
                listeners:
                  - name: public
                    address: 127.0.0.1:0
                    http2: true
                """ + rest);
        plain = RunningGateway.start(rest);
    }

    @AfterAll
    static void stop() throws Exception {
        h2c.close();
        plain.close();
        upstream.close();
    }

    @BeforeEach
    void clear() {
        upstream.clear();
    }

    @Test
    void priorKnowledgeSpeaksHttp2AndTheUpstreamGetsOneCleanHttp11Request() throws Exception {
        try (H2Wire h2 = H2Wire.start(h2c.connect())) {
            h2.get(1, "/a/b?q=1", "accept", "text/plain");
            H2Wire.Reply reply = h2.reply(1);
            assertThat(reply.status()).isEqualTo(200);
            assertThat(reply.header("x-echo-line")).isEqualTo("GET /a/b?q=1 HTTP/1.1");
            assertThat(reply.header("x-request-id")).hasSize(32);
            assertThat(reply.header("connection")).isNull();
        }
        String head = upstream.nextHead();
        assertThat(head).startsWith("GET /a/b?q=1 HTTP/1.1\r\n")
                .containsIgnoringCase("\r\nhost: localhost\r\n")
                .containsIgnoringCase("\r\naccept: text/plain\r\n")
                .containsIgnoringCase("\r\nx-forwarded-proto: http\r\n")
                .doesNotContainIgnoringCase("x-http2")
                .doesNotContainIgnoringCase("transfer-encoding")
                .doesNotContain(":method", ":path", ":authority", ":scheme");
        assertThat(upstream.heads()).isEmpty();
    }

    @Test
    void theSameListenerStillServesHttp11() throws Exception {
        String res = h2c.exchange("GET /x HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n");
        assertThat(RunningGateway.status(res)).isEqualTo(200);
        assertThat(upstream.nextHead()).startsWith("GET /x HTTP/1.1\r\n");
    }

    @Test
    void anUpgradeToH2cIsNotHonoured() throws Exception {
        String res = h2c.exchange("GET /x HTTP/1.1\r\nHost: localhost\r\nConnection: Upgrade, HTTP2-Settings\r\n"
                + "Upgrade: h2c\r\nHTTP2-Settings: AAMAAABkAAQAAP__\r\nConnection: close\r\n\r\n");
        assertThat(RunningGateway.status(res)).isEqualTo(200);
        assertThat(res).doesNotStartWith("HTTP/1.1 101").doesNotContainIgnoringCase("\nupgrade:");
        String head = upstream.nextHead();
        assertThat(head).doesNotContainIgnoringCase("upgrade").doesNotContainIgnoringCase("http2-settings");
    }

    @Test
    void withoutHttp2OnThePlainListenerThePrefaceIsRefusedAsHttp11() throws Exception {
        try (Socket s = plain.connect()) {
            OutputStream out = s.getOutputStream();
            out.write("PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
            out.flush();
            String res = RunningGateway.readAll(s.getInputStream());
            assertThat(RunningGateway.status(res)).isEqualTo(400);
            assertThat(res).contains("\"code\":\"malformed_request\"");
        }
    }
}
