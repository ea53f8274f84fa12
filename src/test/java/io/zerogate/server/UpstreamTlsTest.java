package io.zerogate.server;

import io.zerogate.cli.CertificateMint;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

import io.zerogate.config.ConfigException;
import io.zerogate.config.ConfigLoader;
import io.zerogate.testing.RunningGateway;
import io.zerogate.testing.TestPki;
import io.zerogate.testing.TestUpstream;
import io.zerogate.testing.TlsUpstream;
import io.zerogate.testing.Wire;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * TLS from the gateway to its upstreams, against real TLS upstreams with certificates minted here: which
 * upstream identities are accepted, how the gateway proves its own, and what the client sees when
 * verification fails.
 */
@Timeout(value = 1, unit = TimeUnit.MINUTES)
class UpstreamTlsTest {

    private static final String GET = "GET /r HTTP/1.1\r\nHost: example.com\r\nConnection: close\r\n\r\n";

    private static final CertificateMint.Issued UPSTREAM_CA = TestPki.rootCa("upstream-ca");
    private static final CertificateMint.Issued OTHER_CA = TestPki.rootCa("other-ca");
    private static final CertificateMint.Issued GATEWAY_CA = TestPki.rootCa("gateway-ca");
    /** Names localhost, 127.0.0.1 and api.internal. */
    private static final CertificateMint.Issued SERVER = TestPki.server(UPSTREAM_CA, "api.internal");
    private static final CertificateMint.Issued ORDERS_WORKLOAD = TestPki.workloadServer(UPSTREAM_CA, "spiffe://example.org/orders");

    @TempDir
    static Path dir;
    private static Path upstreamCa;
    private static Path otherCa;
    private static Path[] gatewayClient;

    @BeforeAll
    static void files() throws Exception {
        upstreamCa = UPSTREAM_CA.writeCertificate(dir, "upstream-ca");
        otherCa = OTHER_CA.writeCertificate(dir, "other-ca");
        gatewayClient = TestPki.client(GATEWAY_CA, "zerogate-gateway", "spiffe://example.org/gateway").write(dir, "gateway");
    }

    /** One service {@code s} with the given targets and {@code tls} mapping (flow style), route /r. */
    private static String config(String targets, String tls, String extra) {
        return """
                services:
                  s:
                    targets: [%s]
                    tls: %s
                %s
                routes:
                  - id: r
                    match: { path: /r }
                    service: s
                    public: true
                """.formatted(targets, tls, extra.indent(4).stripTrailing());
    }

    private static String config(String targets, String tls) {
        return config(targets, tls, "");
    }

    private static String ip(TlsUpstream up) {
        return "https://127.0.0.1:" + up.port();
    }

    private static String trusting(Path ca, String more) {
        return "{ ca: \"" + ca + "\"" + (more.isEmpty() ? "" : ", " + more) + " }";
    }

    private static String withGatewayCertificate(String more) {
        return (more.isEmpty() ? "" : more + ", ") + "certificate: \"" + gatewayClient[0] + "\", private_key: \"" + gatewayClient[1] + "\"";
    }

    private static void assertAnswered(String response) {
        assertThat(RunningGateway.status(response)).as(response).isEqualTo(200);
        assertThat(response).endsWith("\r\n\r\n" + TlsUpstream.BODY);
    }

    private static void assertTlsFailed(RunningGateway gw, String response) throws InterruptedException {
        assertThat(RunningGateway.status(response)).as(response).isEqualTo(502);
        assertThat(Wire.problemCode(response)).isEqualTo("upstream_tls_failed");
        gw.awaitRequestCount("r", 502, "upstream_tls_failed", 1);
    }

    // ---- the upstream proves its identity -------------------------------------------------------------

    @Test
    void upstreamWithTheConfiguredServerNameAnswersAndGetsThatNameAsSni() throws Exception {
        try (TlsUpstream up = TlsUpstream.start(SERVER, null);
             RunningGateway gw = RunningGateway.start(config(ip(up), trusting(upstreamCa, "server_name: api.internal")))) {
            String res = gw.exchange(GET);
            assertAnswered(res);
            assertThat(Wire.header(res, TlsUpstream.SEEN_SNI)).isEqualTo("api.internal");
            assertThat(up.requests()).containsExactly("GET /r");
        }
    }

    @Test
    void targetHostNameIsVerifiedAndSentAsSniWhenNoServerNameIsGiven() throws Exception {
        try (TlsUpstream up = TlsUpstream.start(SERVER, null);
             RunningGateway gw = RunningGateway.start(config("https://localhost:" + up.port(), trusting(upstreamCa, "")))) {
            String res = gw.exchange(GET);
            assertAnswered(res);
            assertThat(Wire.header(res, TlsUpstream.SEEN_SNI)).isEqualTo("localhost");
        }
    }

    @Test
    void ipTargetIsVerifiedAgainstTheCertificatesIpAddressAndSendsNoSni() throws Exception {
        try (TlsUpstream up = TlsUpstream.start(SERVER, null);
             RunningGateway gw = RunningGateway.start(config(ip(up), trusting(upstreamCa, "")))) {
            String res = gw.exchange(GET);
            assertAnswered(res);
            assertThat(Wire.header(res, TlsUpstream.SEEN_SNI)).as("an IP address is never sent as SNI").isEqualTo("-");
        }
    }

    @Test
    void upstreamCertificateFromAnotherCaIs502UpstreamTlsFailed() throws Exception {
        // The upstream's CA is not configured; neither is the platform's trust store consulted.
        try (TlsUpstream up = TlsUpstream.start(SERVER, null);
             RunningGateway gw = RunningGateway.start(config(ip(up), trusting(otherCa, "server_name: api.internal")))) {
            assertTlsFailed(gw, gw.exchange(GET));
            assertThat(up.requests()).as("nothing reached the upstream's HTTP").isEmpty();
            assertThat(up.handshakes()).isZero();
        }
    }

    @Test
    void serverNameTheCertificateDoesNotCarryIs502UpstreamTlsFailed() throws Exception {
        try (TlsUpstream up = TlsUpstream.start(SERVER, null);
             RunningGateway gw = RunningGateway.start(config(ip(up), trusting(upstreamCa, "server_name: billing.internal")))) {
            assertTlsFailed(gw, gw.exchange(GET));
            assertThat(up.requests()).isEmpty();
        }
    }

    @Test
    void ipTargetWhoseCertificateLacksThatAddressIs502UpstreamTlsFailed() throws Exception {
        // Signed by the trusted CA, but it names a workload, not 127.0.0.1.
        try (TlsUpstream up = TlsUpstream.start(ORDERS_WORKLOAD, null);
             RunningGateway gw = RunningGateway.start(config(ip(up), trusting(upstreamCa, "")))) {
            assertTlsFailed(gw, gw.exchange(GET));
            assertThat(up.requests()).isEmpty();
        }
    }

    @Test
    void upstreamWithTheConfiguredSpiffeIdAnswers() throws Exception {
        try (TlsUpstream up = TlsUpstream.start(ORDERS_WORKLOAD, null);
             RunningGateway gw = RunningGateway.start(config(ip(up),
                     trusting(upstreamCa, "spiffe_id: \"spiffe://example.org/orders\"")))) {
            assertAnswered(gw.exchange(GET));
        }
    }

    @Test
    void upstreamWithAnotherSpiffeIdIs502UpstreamTlsFailed() throws Exception {
        try (TlsUpstream up = TlsUpstream.start(ORDERS_WORKLOAD, null);
             RunningGateway gw = RunningGateway.start(config(ip(up),
                     trusting(upstreamCa, "spiffe_id: \"spiffe://example.org/billing\"")))) {
            assertTlsFailed(gw, gw.exchange(GET));
            assertThat(up.requests()).isEmpty();
        }
    }

    @Test
    void upstreamWithoutAnySpiffeIdIs502WhenOneIsExpected() throws Exception {
        // A valid certificate for the host is no substitute for the workload identity.
        try (TlsUpstream up = TlsUpstream.start(SERVER, null);
             RunningGateway gw = RunningGateway.start(config(ip(up),
                     trusting(upstreamCa, "spiffe_id: \"spiffe://example.org/orders\"")))) {
            assertTlsFailed(gw, gw.exchange(GET));
        }
    }

    // ---- the gateway proves its identity ----------------------------------------------------------------

    @Test
    void gatewayPresentsItsCertificateToAnUpstreamThatRequiresOne() throws Exception {
        try (TlsUpstream up = TlsUpstream.start(SERVER, GATEWAY_CA);
             RunningGateway gw = RunningGateway.start(config(ip(up), trusting(upstreamCa, withGatewayCertificate("server_name: api.internal"))))) {
            String res = gw.exchange(GET);
            assertAnswered(res);
            assertThat(Wire.header(res, TlsUpstream.SEEN_CLIENT_SUBJECT)).isEqualTo("O=ZeroGate,CN=zerogate-gateway");
            assertThat(Wire.header(res, TlsUpstream.SEEN_CLIENT_SPIFFE)).isEqualTo("spiffe://example.org/gateway");
        }
    }

    @Test
    void upstreamRequiringACertificateTheGatewayDoesNotPresentIs502() throws Exception {
        // TLS 1.3: the gateway's side of the handshake completes; the upstream refuses with an alert afterwards.
        try (TlsUpstream up = TlsUpstream.start(SERVER, GATEWAY_CA);
             RunningGateway gw = RunningGateway.start(config(ip(up), trusting(upstreamCa, "server_name: api.internal")))) {
            assertTlsFailed(gw, gw.exchange(GET));
            assertThat(up.requests()).isEmpty();
            assertThat(up.handshakes()).isZero();
        }
    }

    @Test
    void upstreamRequiringACertificateTheGatewayDoesNotPresentIs502OverTls12() throws Exception {
        // TLS 1.2: the upstream refuses within the handshake.
        try (TlsUpstream up = TlsUpstream.start(SERVER, GATEWAY_CA, "TLSv1.2");
             RunningGateway gw = RunningGateway.start(config(ip(up), trusting(upstreamCa, "server_name: api.internal")))) {
            assertTlsFailed(gw, gw.exchange(GET));
            assertThat(up.requests()).isEmpty();
        }
    }

    @Test
    void upstreamThatDoesNotTrustTheGatewaysCertificateIs502() throws Exception {
        try (TlsUpstream up = TlsUpstream.start(SERVER, OTHER_CA);
             RunningGateway gw = RunningGateway.start(config(ip(up), trusting(upstreamCa, withGatewayCertificate(""))))) {
            assertTlsFailed(gw, gw.exchange(GET));
            assertThat(up.requests()).isEmpty();
        }
    }

    // ---- connections --------------------------------------------------------------------------------------

    @Test
    void sequentialRequestsShareOneVerifiedConnection() throws Exception {
        try (TlsUpstream up = TlsUpstream.start(SERVER, GATEWAY_CA);
             RunningGateway gw = RunningGateway.start(config(ip(up), trusting(upstreamCa, withGatewayCertificate(""))));
             Socket client = gw.connect()) {
            InputStream in = client.getInputStream();
            for (int i = 0; i < 10; i++) {
                Wire.write(client.getOutputStream(), "GET /r HTTP/1.1\r\nHost: example.com\r\n\r\n");
                String head = Wire.readHead(in);
                assertThat(Wire.status(head)).as(head).isEqualTo(200);
                assertThat(Wire.readBodyText(head, in)).isEqualTo(TlsUpstream.BODY);
            }
            assertThat(up.requests()).hasSize(10);
            assertThat(up.connections()).isEqualTo(1);
            assertThat(up.handshakes()).isEqualTo(1);
        }
    }

    @Test
    void servicesWithDifferentTlsSettingsNeverShareAConnection() throws Exception {
        // Both services reach the same target; only the first one's expected name is on the certificate. On
        // one event loop the first service's pooled connection is right there, and must not serve the second.
        try (TlsUpstream up = TlsUpstream.start(SERVER, null);
             RunningGateway gw = RunningGateway.start("""
                     services:
                       a: { targets: [%1$s], tls: %2$s }
                       b: { targets: [%1$s], tls: %3$s }
                     routes:
                       - { id: a, match: { path: /a }, service: a, public: true }
                       - { id: b, match: { path: /b }, service: b, public: true }
                     """.formatted(ip(up), trusting(upstreamCa, "server_name: api.internal"),
                     trusting(upstreamCa, "server_name: billing.internal")), 1);
             Socket client = gw.connect()) {
            InputStream in = client.getInputStream();
            Wire.write(client.getOutputStream(), "GET /a HTTP/1.1\r\nHost: example.com\r\n\r\n");
            String a = Wire.readHead(in);
            assertThat(Wire.status(a)).isEqualTo(200);
            Wire.readBodyText(a, in);

            Wire.write(client.getOutputStream(), "GET /b HTTP/1.1\r\nHost: example.com\r\n\r\n");
            String b = Wire.readHead(in);
            assertThat(Wire.status(b)).isEqualTo(502);
            assertThat(Wire.problemCode(Wire.readBodyText(b, in))).isEqualTo("upstream_tls_failed");

            Wire.write(client.getOutputStream(), "GET /a HTTP/1.1\r\nHost: example.com\r\n\r\n");
            String again = Wire.readHead(in);
            assertThat(Wire.status(again)).isEqualTo(200);
            Wire.readBodyText(again, in);

            assertThat(up.requests()).containsExactly("GET /a", "GET /a");
            assertThat(up.connections()).as("a's connection, reused, and b's own failed one").isEqualTo(2);
            assertThat(up.handshakes()).isEqualTo(1);
        }
    }

    @Test
    void reloadBuildsNewTlsContextsAndRetiresConnectionsMadeUnderTheOldOnes() throws Exception {
        try (TlsUpstream up = TlsUpstream.start(SERVER, null);
             RunningGateway gw = RunningGateway.start(config(ip(up), trusting(upstreamCa, "server_name: api.internal")), 1);
             Socket client = gw.connect()) {
            InputStream in = client.getInputStream();
            Wire.write(client.getOutputStream(), "GET /r HTTP/1.1\r\nHost: example.com\r\n\r\n");
            String first = Wire.readHead(in);
            assertThat(Wire.status(first)).isEqualTo(200);
            Wire.readBodyText(first, in);

            // The upstream's CA is no longer trusted: the connection verified under the old CA is not used.
            gw.gateway().reload(ConfigLoader.parse("test.yaml",
                    RunningGateway.document(config(ip(up), trusting(otherCa, "server_name: api.internal"))), name -> null));
            Wire.write(client.getOutputStream(), "GET /r HTTP/1.1\r\nHost: example.com\r\n\r\n");
            String second = Wire.readHead(in);
            assertThat(Wire.status(second)).isEqualTo(502);
            assertThat(Wire.problemCode(Wire.readBodyText(second, in))).isEqualTo("upstream_tls_failed");

            gw.gateway().reload(ConfigLoader.parse("test.yaml",
                    RunningGateway.document(config(ip(up), trusting(upstreamCa, "server_name: api.internal"))), name -> null));
            Wire.write(client.getOutputStream(), "GET /r HTTP/1.1\r\nHost: example.com\r\n\r\n");
            String third = Wire.readHead(in);
            assertThat(Wire.status(third)).isEqualTo(200);
            Wire.readBodyText(third, in);
            assertThat(up.connections()).as("one per configuration").isEqualTo(3);
            assertThat(up.handshakes()).isEqualTo(2);
        }
    }

    @Test
    void plainTargetWithTlsNoneIsReachedWithoutTls() throws Exception {
        try (TestUpstream up = TestUpstream.fixed("plain");
             RunningGateway gw = RunningGateway.start(config(up.target(), "none"))) {
            String res = gw.exchange(GET);
            assertThat(RunningGateway.status(res)).isEqualTo(200);
            assertThat(res).endsWith("\r\n\r\nplain");
            assertThat(up.nextHead()).startsWith("GET /r HTTP/1.1\r\n");
        }
    }

    @Test
    void targetHostThatCannotBeSentAsSniIsRefusedWhenTheConfigurationIsCompiled() {
        // A legal DNS label for the configuration, but not for SNI: caught before any connection, not on one.
        ConfigException e = (ConfigException) catchThrowable(() -> RunningGateway.start(config("https://orders_v2:8443",
                trusting(upstreamCa, ""))));
        assertThat(e.keyPath()).isEqualTo("services.s.tls");
        assertThat(e.problem()).contains("'orders_v2' cannot be sent as a TLS server name").contains("set server_name");
    }

    // ---- failures ---------------------------------------------------------------------------------------------

    @Test
    void handshakeThatNeverCompletesIs504WithinTheConnectTimeout() throws Exception {
        // The kernel accepts the connection; nobody ever answers the ClientHello.
        try (ServerSocket mute = new ServerSocket(0, 8, InetAddress.getLoopbackAddress());
             RunningGateway gw = RunningGateway.start(config("https://127.0.0.1:" + mute.getLocalPort(),
                     trusting(upstreamCa, ""), "connect_timeout: 300ms"))) {
            long start = System.nanoTime();
            String res = gw.exchange(GET);
            long tookMillis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
            assertThat(RunningGateway.status(res)).isEqualTo(504);
            assertThat(Wire.problemCode(res)).isEqualTo("upstream_timeout");
            assertThat(tookMillis).isBetween(300L, 5_000L);
        }
    }

    @Test
    void tlsFailureIsNotRetriedOnTheSameTargetAndCountsTowardsEjection() throws Exception {
        try (TlsUpstream up = TlsUpstream.start(SERVER, null);
             RunningGateway gw = RunningGateway.start(config(ip(up), trusting(otherCa, ""),
                     "health: { passive: { consecutive_failures: 1, cool_down: 1m } }"))) {
            assertTlsFailed(gw, gw.exchange(GET));
            assertThat(up.connections()).as("one attempt").isEqualTo(1);
            String res = gw.exchange(GET);
            assertThat(RunningGateway.status(res)).isEqualTo(503);
            assertThat(Wire.problemCode(res)).isEqualTo("upstream_unavailable");
            assertThat(up.connections()).isEqualTo(1);
        }
    }

    @Test
    void refusalAfterTheHandshakeCountsTowardsEjectionLikeAFailedHandshake() throws Exception {
        // TLS 1.3: the gateway's side of each handshake completes before the upstream refuses it, which must
        // not count as a successful connect that resets the failure streak.
        try (TlsUpstream up = TlsUpstream.start(SERVER, GATEWAY_CA, "TLSv1.3");
             RunningGateway gw = RunningGateway.start(config(ip(up), trusting(upstreamCa, ""),
                     "health: { passive: { consecutive_failures: 2, cool_down: 1m } }"))) {
            for (int i = 0; i < 2; i++) {
                String res = gw.exchange(GET);
                assertThat(RunningGateway.status(res)).isEqualTo(502);
                assertThat(Wire.problemCode(res)).isEqualTo("upstream_tls_failed");
            }
            String res = gw.exchange(GET);
            assertThat(RunningGateway.status(res)).isEqualTo(503);
            assertThat(Wire.problemCode(res)).isEqualTo("upstream_unavailable");
            assertThat(up.connections()).isEqualTo(2);
        }
    }

    @Test
    void idempotentRequestMovesOnFromATargetThatFailsVerification() throws Exception {
        CertificateMint.Issued impostor = TestPki.server(OTHER_CA, "api.internal");
        try (TlsUpstream bad = TlsUpstream.start(impostor, null);
             TlsUpstream good = TlsUpstream.start(SERVER, null);
             RunningGateway gw = RunningGateway.start(config(ip(bad) + ", " + ip(good), trusting(upstreamCa, "server_name: api.internal"),
                     "health: { passive: { consecutive_failures: 100 } }"))) {
            assertAnswered(gw.exchange(GET));
            assertThat(bad.connections()).isEqualTo(1);
            assertThat(bad.requests()).isEmpty();
            assertThat(good.requests()).containsExactly("GET /r");
        }
    }
}
