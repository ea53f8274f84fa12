package io.zerogate.server;

import io.zerogate.cli.CertificateMint;
import static org.assertj.core.api.Assertions.assertThat;

import io.zerogate.testing.Await;
import io.zerogate.testing.RunningGateway;
import io.zerogate.testing.TestPki;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Client certificates on real handshakes: which certificates a listener with {@code client_auth: required}
 * refuses, and what counts and is logged when it does; {@code client_auth: optional} with routes that
 * require a certificate; workload identities and micro-segmentation by {@code callers}.
 */
@Timeout(60)
class MutualTlsTest {

    @TempDir
    static Path dir;

    private static final CertificateMint.Issued SERVER_CA = TestPki.rootCa("server-ca");
    private static final CertificateMint.Issued CLIENT_CA = TestPki.rootCa("client-ca");
    private static final CertificateMint.Issued CLIENT_INTERMEDIATE = TestPki.intermediateCa(CLIENT_CA, "client-intermediate");
    private static final CertificateMint.Issued CLIENT_INTERMEDIATE_2 = TestPki.intermediateCa(CLIENT_INTERMEDIATE, "client-intermediate-2");
    private static final CertificateMint.Issued OTHER_CA = TestPki.rootCa("other-ca");

    private static final String A = "spiffe://example.org/ns/prod/sa/checkout";
    private static final String B = "spiffe://example.org/ns/prod/sa/billing";

    private static final CertificateMint.Issued WORKLOAD_A = TestPki.client(CLIENT_CA, "checkout", A);
    private static final CertificateMint.Issued WORKLOAD_B = TestPki.client(CLIENT_CA, "billing", B);
    private static final CertificateMint.Issued PERSON = TestPki.client(CLIENT_CA, "alice");
    private static final CertificateMint.Issued TWO_IDS = TestPki.client(CLIENT_CA, "twice", A, B);
    private static final CertificateMint.Issued FOREIGN_DOMAIN = TestPki.client(CLIENT_CA, "foreign", "spiffe://evil.example/ns/prod/sa/checkout");
    private static final CertificateMint.Issued FROM_OTHER_CA = TestPki.client(OTHER_CA, "stranger", A);
    private static final CertificateMint.Issued EXPIRED = TestPki.client(CLIENT_CA, "expired",
            Instant.now().minus(Duration.ofDays(10)), Instant.now().minus(Duration.ofDays(1)), A);
    private static final CertificateMint.Issued VIA_ONE_INTERMEDIATE = TestPki.client(CLIENT_INTERMEDIATE, "deep", A);
    private static final CertificateMint.Issued VIA_TWO_INTERMEDIATES = TestPki.client(CLIENT_INTERMEDIATE_2, "deeper", A);
    private static final CertificateMint.Issued REVOKED = TestPki.client(CLIENT_CA, "revoked", A);

    private static EchoUpstream upstream;
    private static RunningGateway required;
    private static RunningGateway optional;
    private static RunningGateway revocation;

    @BeforeAll
    static void start() throws Exception {
        Path[] server = TestPki.server(SERVER_CA).write(dir, "server");
        Path clientCa = CLIENT_CA.writeCertificate(dir, "client-ca");
        Path crl = dir.resolve("client-ca.crl");
        Files.writeString(crl, TestPki.crl(CLIENT_CA, Instant.now().plus(Duration.ofDays(1)), REVOKED.certificate()));
        upstream = EchoUpstream.start();
        String services = """
                workloads: { trust_domains: [example.org] }
                services:
                  open:
                    targets: [%1$s]
                    tls: none
                  checkout-only:
                    targets: [%1$s]
                    tls: none
                    callers: ["%2$s"]
                  billing-only:
                    targets: [%1$s]
                    tls: none
                    callers: ["spiffe://example.org/ns/*/sa/billing"]
                routes:
                  - id: x
                    match: { path: /x }
                    service: checkout-only
                  - id: y
                    match: { path: /y }
                    service: billing-only
                  - id: cert
                    match: { path: /cert }
                    service: open
                    public: true
                    require: { client_certificate: true }
                  - id: open
                    match: { path: "/{rest...}" }
                    service: open
                    public: true
                """.formatted(upstream.target(), A);
        required = RunningGateway.start(listener(server, "required", clientCa, 3, null) + services);
        optional = RunningGateway.start(listener(server, "optional", clientCa, 4, null) + services);
        revocation = RunningGateway.start(listener(server, "required", clientCa, 4, crl) + services);
    }

    private static String listener(Path[] server, String clientAuth, Path clientCa, int depth, Path crl) {
        return """
                listeners:
                  - name: public
                    address: 127.0.0.1:0
                    tls:
                      certificate: "%s"
                      private_key: "%s"
                      client_auth: %s
                      client_ca: "%s"
                      max_chain_depth: %d
                """.formatted(server[0], server[1], clientAuth, clientCa, depth)
                + (crl == null ? "" : "      crl: \"" + crl + "\"\n");
    }

    @AfterAll
    static void stop() throws IOException {
        for (RunningGateway g : new RunningGateway[] {required, optional, revocation}) {
            if (g != null) {
                g.close();
            }
        }
        if (upstream != null) {
            upstream.close();
        }
    }

    @BeforeEach
    void forgetEarlierRequests() {
        upstream.clear();
    }

    private static TlsClient as(CertificateMint.Issued identity) {
        return TlsClient.presenting(SERVER_CA, identity);
    }

    private static double failures(RunningGateway g, String reason) {
        return g.gateway().metrics().tlsHandshakeFailures("public", reason);
    }

    private static void awaitFailures(RunningGateway g, String reason, double atLeast) throws InterruptedException {
        Await.until(reason + " handshake failures", Duration.ofSeconds(5), () -> failures(g, reason) >= atLeast);
    }

    // ---- client_auth: required -----------------------------------------------------------------------

    @Test
    void aValidCertificateIsAccepted() throws Exception {
        RawResponse r = as(PERSON).get(required.port(), "/hello");
        assertThat(r.status()).isEqualTo(200);
        assertThat(EchoUpstream.headerValues(upstream.nextHead(), "x-forwarded-proto")).containsExactly("https");
    }

    @Test
    void noCertificateIsRefusedInTheHandshake() throws Exception {
        double before = failures(required, "certificate_missing");
        IOException e = TlsClient.trusting(SERVER_CA).refusedGet(required.port());
        assertThat(e).isNotNull();
        awaitFailures(required, "certificate_missing", before + 1);
        assertThat(upstream.heads()).isEmpty();
    }

    @Test
    void aCertificateFromAnotherCaIsRefused() throws Exception {
        double before = failures(required, "certificate_untrusted");
        as(FROM_OTHER_CA).refusedGet(required.port());
        awaitFailures(required, "certificate_untrusted", before + 1);
        assertThat(upstream.heads()).isEmpty();
    }

    @Test
    void anExpiredCertificateIsRefused() throws Exception {
        double before = failures(required, "certificate_expired");
        as(EXPIRED).refusedGet(required.port());
        awaitFailures(required, "certificate_expired", before + 1);
        assertThat(upstream.heads()).isEmpty();
    }

    @Test
    void aChainWithinMaxChainDepthIsAccepted() throws Exception {
        // leaf, intermediate, root: three certificates, the listener's limit.
        assertThat(as(VIA_ONE_INTERMEDIATE).get(required.port(), "/hello").status()).isEqualTo(200);
    }

    @Test
    void aChainLongerThanMaxChainDepthIsRefused() throws Exception {
        double before = failures(required, "chain_too_long");
        // leaf, two intermediates, root: four certificates against a limit of three.
        as(VIA_TWO_INTERMEDIATES).refusedGet(required.port());
        awaitFailures(required, "chain_too_long", before + 1);
        // The same chain passes where the limit is four.
        assertThat(as(VIA_TWO_INTERMEDIATES).get(optional.port(), "/hello").status()).isEqualTo(200);
    }

    @Test
    void aRevokedCertificateIsRefusedAndOthersPass() throws Exception {
        double before = failures(revocation, "certificate_revoked");
        as(REVOKED).refusedGet(revocation.port());
        awaitFailures(revocation, "certificate_revoked", before + 1);
        assertThat(as(WORKLOAD_A).get(revocation.port(), "/x").status()).isEqualTo(200);
        // Where no CRL is configured the same certificate passes.
        assertThat(as(REVOKED).get(required.port(), "/x").status()).isEqualTo(200);
    }

    @Test
    void aPlainHttpRequestToATlsListenerIsCounted() throws Exception {
        double before = failures(required, "not_tls");
        String answer = required.exchange("GET / HTTP/1.1\r\nHost: localhost\r\n\r\n");
        assertThat(answer).doesNotContain("HTTP/1.1");
        awaitFailures(required, "not_tls", before + 1);
    }

    @Test
    void theFailureMetricIsExposed() throws Exception {
        TlsClient.trusting(SERVER_CA).refusedGet(required.port());
        awaitFailures(required, "certificate_missing", 1);
        assertThat(required.gateway().metrics().scrape())
                .contains("zerogate_tls_handshake_failures_total{listener=\"public\",reason=\"certificate_missing\"}");
    }

    // ---- client_auth: optional and require.client_certificate ------------------------------------------

    @Test
    void anOptionalCertificateIsRequiredWhereTheRouteSaysSo() throws Exception {
        RawResponse without = TlsClient.trusting(SERVER_CA).get(optional.port(), "/cert");
        assertThat(without.status()).isEqualTo(401);
        assertThat(without.problemCode()).isEqualTo("client_certificate_required");
        assertThat(upstream.heads()).isEmpty();

        assertThat(as(PERSON).get(optional.port(), "/cert").status()).isEqualTo(200);
        // Routes that do not require one are open without it.
        assertThat(TlsClient.trusting(SERVER_CA).get(optional.port(), "/hello").status()).isEqualTo(200);
    }

    @Test
    void anOptionalCertificateFromAnotherCaStillFailsTheHandshake() throws Exception {
        double before = failures(optional, "certificate_untrusted");
        as(FROM_OTHER_CA).refusedGet(optional.port());
        awaitFailures(optional, "certificate_untrusted", before + 1);
    }

    // ---- workloads and callers ------------------------------------------------------------------------

    @Test
    void aWorkloadReachesTheServicesThatListItAndNoOthers() throws Exception {
        assertThat(as(WORKLOAD_A).get(required.port(), "/x").status()).isEqualTo(200);
        RawResponse refused = as(WORKLOAD_A).get(required.port(), "/y");
        assertThat(refused.status()).isEqualTo(403);
        assertThat(refused.problemCode()).isEqualTo("caller_not_allowed");

        assertThat(as(WORKLOAD_B).get(required.port(), "/y").status()).isEqualTo(200);
        assertThat(as(WORKLOAD_B).get(required.port(), "/x").problemCode()).isEqualTo("caller_not_allowed");
        required.awaitRequestCount("y", 403, "caller_not_allowed", 1);
    }

    @Test
    void aCertificateWithoutWorkloadIdentityIsNoCaller() throws Exception {
        RawResponse r = as(PERSON).get(required.port(), "/x");
        assertThat(r.status()).isEqualTo(403);
        assertThat(r.problemCode()).isEqualTo("caller_not_allowed");
        RawResponse anonymous = TlsClient.trusting(SERVER_CA).get(optional.port(), "/x");
        assertThat(anonymous.problemCode()).isEqualTo("caller_not_allowed");
        assertThat(upstream.heads()).isEmpty();
    }

    @Test
    void aCertificateWithTwoSpiffeIdsIsRejected() throws Exception {
        RawResponse r = as(TWO_IDS).get(required.port(), "/hello");
        assertThat(r.status()).isEqualTo(403);
        assertThat(r.problemCode()).isEqualTo("client_certificate_rejected");
        assertThat(as(TWO_IDS).get(required.port(), "/x").problemCode()).isEqualTo("client_certificate_rejected");
        assertThat(upstream.heads()).isEmpty();
    }

    @Test
    void aSpiffeIdFromAnUntrustedTrustDomainIsRejected() throws Exception {
        RawResponse r = as(FOREIGN_DOMAIN).get(required.port(), "/x");
        assertThat(r.status()).isEqualTo(403);
        assertThat(r.problemCode()).isEqualTo("client_certificate_rejected");
        assertThat(upstream.heads()).isEmpty();
    }

    @Test
    void everyRequestOnAConnectionCarriesItsIdentity() throws Exception {
        try (var s = as(WORKLOAD_A).connect(required.port(), "localhost")) {
            assertThat(TlsClient.request(s, "GET", "/x", "localhost", false).status()).isEqualTo(200);
            assertThat(TlsClient.request(s, "GET", "/y", "localhost", false).problemCode()).isEqualTo("caller_not_allowed");
            assertThat(TlsClient.request(s, "GET", "/x", "localhost", true).status()).isEqualTo(200);
        }
    }
}
