package io.zerogate.server;

import static org.assertj.core.api.Assertions.assertThat;

import io.zerogate.admin.GatewayMetrics;
import io.zerogate.testing.RunningGateway;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.Test;

/** Requests that try to be checked against one route and served as another, and how a broken body is counted. */
class RouteConfusionTest {

    @ParameterizedTest
    @ValueSource(strings = {"/api/admin;x", "/api/admin;jsessionid=1", "/api/admin%3Bx", "/api/admin;/"})
    void aPathParameterDoesNotMoveARequestOffTheRouteItNames(String target) throws Exception {
        try (EchoUpstream up = EchoUpstream.start(); RunningGateway gw = RunningGateway.start("""
                services: { app: { targets: [%s], tls: none } }
                routes:
                  - { id: api, match: { path: "/api/{rest...}" }, service: app, public: true }
                  - { id: admin, match: { path: /api/admin }, service: app }
                """.formatted(up.target()))) {
            RawResponse r = RawResponse.parseOne(gw.exchange("GET " + target + " HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n"));
            assertThat(r.status()).isEqualTo(400);
            assertThat(r.problemCode()).isEqualTo("path_rejected");
            assertThat(up.heads()).isEmpty();
        }
    }

    @Test
    void aBodyThatLosesItsFramingIsOneRefusalOnItsRoute() throws Exception {
        try (EchoUpstream up = EchoUpstream.start(); RunningGateway gw = RunningGateway.start("""
                services: { app: { targets: [%s], tls: none } }
                routes:
                  - { id: public, match: { path: "/public/{x}" }, service: app, public: true }
                """.formatted(up.target()))) {
            try (RawClient c = RawClient.open(gw)) {
                c.send("POST /public/a HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n");
                assertThat(up.nextHead()).startsWith("POST /public/a HTTP/1.1");
                RawResponse r = c.send("zz\r\n").read();
                assertThat(r.status()).isEqualTo(400);
                assertThat(r.problemCode()).isEqualTo("ambiguous_framing");
                c.assertClosedByPeer();
            }
            gw.awaitRequestCount("public", 400, "ambiguous_framing", 1);
            GatewayMetrics m = gw.gateway().metrics();
            assertThat(m.requestCount("public", "public", 0, "client_aborted")).isZero();
            assertThat(m.requestCount("public", null, 400, "ambiguous_framing")).isZero();
        }
    }
}
