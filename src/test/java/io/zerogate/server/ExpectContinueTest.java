package io.zerogate.server;

import static org.assertj.core.api.Assertions.assertThat;

import io.zerogate.testing.DeadTargets;
import io.zerogate.testing.RunningGateway;
import io.zerogate.testing.TestUpstream;
import io.zerogate.testing.Wire;
import java.io.InputStream;
import java.net.Socket;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;

/** {@code Expect: 100-continue}: the client is invited to send its body only once an upstream is connected. */
@Timeout(value = 1, unit = TimeUnit.MINUTES)
class ExpectContinueTest {

    private static final String HEAD = "PUT /r HTTP/1.1\r\nHost: example.com\r\nExpect: 100-continue\r\nContent-Length: 5\r\n\r\n";

    private static String config(String target) {
        return """
                services:
                  s: { targets: [%s], tls: none }
                routes:
                  - { id: r, match: { path: /r }, service: s, public: true }
                """.formatted(target);
    }

    @Test
    void continueComesBeforeTheBodyAndTheUpstreamNeverSeesTheExpectation() throws Exception {
        try (TestUpstream up = TestUpstream.start((socket, u) -> {
                 InputStream in = socket.getInputStream();
                 String head = u.readHead(in);
                 long n = u.skipBody(head, in);
                 Wire.write(socket.getOutputStream(), "HTTP/1.1 200 OK\r\nContent-Length: 1\r\n\r\n" + n);
             });
             RunningGateway gw = RunningGateway.start(config(up.target()));
             Socket client = gw.connect()) {
            Wire.write(client.getOutputStream(), HEAD);
            InputStream in = client.getInputStream();
            assertThat(Wire.status(Wire.readHead(in))).isEqualTo(100);
            Wire.write(client.getOutputStream(), "hello");
            String head = Wire.readHead(in);
            assertThat(Wire.status(head)).isEqualTo(200);
            assertThat(Wire.readBodyText(head, in)).isEqualTo("5");
            assertThat(up.nextHead()).doesNotContainIgnoringCase("expect:");
        }
    }

    @Test
    void unreachableUpstreamIsAnsweredWithoutInvitingTheBody() throws Exception {
        try (RunningGateway gw = RunningGateway.start(config(DeadTargets.refusing()));
             Socket client = gw.connect()) {
            Wire.write(client.getOutputStream(), HEAD);
            InputStream in = client.getInputStream();
            String head = Wire.readHead(in);
            assertThat(Wire.status(head)).isEqualTo(502);
            assertThat(Wire.header(head, "connection")).isEqualToIgnoringCase("close");
            assertThat(Wire.problemCode(Wire.readBodyText(head, in))).isEqualTo("upstream_connect_failed");
            assertThat(in.read()).isEqualTo(-1);
        }
    }
}
