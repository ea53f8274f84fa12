package io.zerogate.server;

import static org.assertj.core.api.Assertions.assertThat;

import io.zerogate.testing.RunningGateway;
import io.zerogate.testing.TestUpstream;
import org.junit.jupiter.api.Test;

class ProxySmokeTest {

    @Test
    void forwardsARequestAndRewritesForwardingHeaders() throws Exception {
        try (TestUpstream up = TestUpstream.fixed("hi");
             RunningGateway gw = RunningGateway.start("""
                     services:
                       s:
                         targets: [%s]
                         tls: none
                     routes:
                       - id: r
                         match: { path: /hello }
                         service: s
                         public: true
                     """.formatted(up.target()))) {
            String res = gw.exchange("GET /hello HTTP/1.1\r\nHost: example.com\r\nX-Forwarded-For: 6.6.6.6\r\nConnection: close\r\n\r\n");
            assertThat(RunningGateway.status(res)).isEqualTo(200);
            assertThat(res).endsWith("\r\n\r\nhi").containsIgnoringCase("x-request-id:");
            String head = up.nextHead();
            assertThat(head).startsWith("GET /hello HTTP/1.1\r\n")
                    .containsIgnoringCase("x-forwarded-for: 127.0.0.1\r\n")
                    .doesNotContain("6.6.6.6")
                    .containsIgnoringCase("forwarded: for=127.0.0.1;proto=http;host=\"example.com\"")
                    .doesNotContainIgnoringCase("connection: close");
        }
    }
}
