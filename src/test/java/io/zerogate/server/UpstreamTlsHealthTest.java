package io.zerogate.server;

import io.zerogate.cli.CertificateMint;
import static org.assertj.core.api.Assertions.assertThat;

import io.zerogate.testing.Await;
import io.zerogate.testing.RunningGateway;
import io.zerogate.testing.TestPki;
import io.zerogate.testing.TlsUpstream;
import io.zerogate.testing.Wire;
import io.zerogate.upstream.UpstreamTarget;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** Active health probes of https targets: over TLS, verified and authenticated like the requests they guard. */
@Timeout(value = 1, unit = TimeUnit.MINUTES)
class UpstreamTlsHealthTest {

    private static final String GET = "GET /r HTTP/1.1\r\nHost: example.com\r\nConnection: close\r\n\r\n";
    private static final CertificateMint.Issued UPSTREAM_CA = TestPki.rootCa("upstream-ca");
    private static final CertificateMint.Issued OTHER_CA = TestPki.rootCa("other-ca");
    private static final CertificateMint.Issued GATEWAY_CA = TestPki.rootCa("gateway-ca");
    private static final CertificateMint.Issued SERVER = TestPki.server(UPSTREAM_CA, "api.internal");

    @TempDir
    static Path dir;
    private static Path upstreamCa;
    private static Path otherCa;
    private static Path[] gatewayClient;

    @BeforeAll
    static void files() throws Exception {
        upstreamCa = UPSTREAM_CA.writeCertificate(dir, "upstream-ca");
        otherCa = OTHER_CA.writeCertificate(dir, "other-ca");
        gatewayClient = TestPki.client(GATEWAY_CA, "zerogate-gateway").write(dir, "gateway");
    }

    private static String config(TlsUpstream up, Path ca) {
        return """
                services:
                  s:
                    targets: [https://127.0.0.1:%d]
                    tls: { ca: "%s", server_name: api.internal, certificate: "%s", private_key: "%s" }
                    health:
                      active: { path: /healthz, interval: 300ms, timeout: 250ms, healthy_after: 1, unhealthy_after: 2 }
                routes:
                  - { id: r, match: { path: /r }, service: s, public: true }
                """.formatted(up.port(), ca, gatewayClient[0], gatewayClient[1]);
    }

    private static UpstreamTarget target(RunningGateway gw) {
        return gw.gateway().snapshot().upstreams().service("s").targets().get(0);
    }

    @Test
    void probesSpeakMutualTlsAndFollowTheTargetsAnswers() throws Exception {
        // The upstream requires the gateway's certificate, so only a probe that presents it is answered.
        try (TlsUpstream up = TlsUpstream.start(SERVER, GATEWAY_CA);
             RunningGateway gw = RunningGateway.start(config(up, upstreamCa))) {
            UpstreamTarget target = target(gw);
            Await.until("a probe answered over TLS", Duration.ofSeconds(10), () -> up.requests().contains("GET /healthz"));
            assertThat(target.isProbeHealthy()).isTrue();

            up.status(503);
            Await.until("target out of rotation", Duration.ofSeconds(10), () -> !target.isProbeHealthy());
            String res = gw.exchange(GET);
            assertThat(RunningGateway.status(res)).isEqualTo(503);
            assertThat(Wire.problemCode(res)).isEqualTo("upstream_unavailable");

            up.status(200);
            Await.until("target back in rotation", Duration.ofSeconds(10), target::isProbeHealthy);
            assertThat(RunningGateway.status(gw.exchange(GET))).isEqualTo(200);
        }
    }

    @Test
    void targetThatFailsVerificationFailsItsProbes() throws Exception {
        try (TlsUpstream up = TlsUpstream.start(SERVER, GATEWAY_CA);
             RunningGateway gw = RunningGateway.start(config(up, otherCa))) {
            UpstreamTarget target = target(gw);
            Await.until("target out of rotation", Duration.ofSeconds(10), () -> !target.isProbeHealthy());
            assertThat(up.connections()).as("probes were made").isGreaterThanOrEqualTo(2);
            assertThat(up.requests()).as("no probe reached the upstream's HTTP").isEmpty();
            String res = gw.exchange(GET);
            assertThat(RunningGateway.status(res)).isEqualTo(503);
            assertThat(Wire.problemCode(res)).isEqualTo("upstream_unavailable");
        }
    }
}
