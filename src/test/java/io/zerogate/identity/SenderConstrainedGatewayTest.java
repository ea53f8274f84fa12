package io.zerogate.identity;

import io.zerogate.testing.Closing;
import static org.assertj.core.api.Assertions.assertThat;

import com.nimbusds.jose.JOSEObjectType;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.crypto.ECDSASigner;
import com.nimbusds.jose.jwk.Curve;
import com.nimbusds.jose.jwk.ECKey;
import com.nimbusds.jose.jwk.gen.ECKeyGenerator;
import com.nimbusds.jose.util.Base64URL;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.SignedJWT;
import io.zerogate.cli.CertificateMint;
import io.zerogate.testing.RunningGateway;
import io.zerogate.testing.TestPki;
import io.zerogate.testing.TestUpstream;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.KeyStore;
import java.security.MessageDigest;
import java.security.cert.Certificate;
import java.security.cert.X509Certificate;
import java.time.Instant;
import java.util.Date;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.TrustManagerFactory;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Sender-constrained tokens through a real gateway: certificate-bound tokens (RFC 8705) over real mutual TLS
 * handshakes with certificates minted in the test, and DPoP-bound tokens (RFC 9449) with proofs built the way a
 * client builds them, including replay, the wrong scheme, and the server nonce.
 */
@Timeout(60)
class SenderConstrainedGatewayTest {

    private static final String DPOP_ALGS = "algs=\"ES256 ES384 EdDSA PS256 RS256\"";
    private static final String WORKLOAD = "spiffe://example.org/ns/prod/sa/checkout";

    private static final CertificateMint.Issued SERVER_CA = TestPki.rootCa("server-ca");
    private static final CertificateMint.Issued CLIENT_CA = TestPki.rootCa("client-ca");
    private static final CertificateMint.Issued ALICE = TestPki.client(CLIENT_CA, "alice-laptop");
    private static final CertificateMint.Issued OTHER = TestPki.client(CLIENT_CA, "someone-else");
    private static final CertificateMint.Issued CHECKOUT = TestPki.client(CLIENT_CA, "checkout", WORKLOAD);

    @TempDir
    static Path dir;

    private static TestIssuer issuer;
    private static TestUpstream upstream;
    private static RunningGateway mtls;
    private static RunningGateway dpop;
    private static RunningGateway nonces;
    private static ECKey clientKey;

    @BeforeAll
    static void start() throws Exception {
        issuer = TestIssuer.start();
        upstream = TestUpstream.fixed("ok");
        clientKey = new ECKeyGenerator(Curve.P_256).generate();
        Path[] server = TestPki.server(SERVER_CA).write(dir, "server");
        Path clientCa = CLIENT_CA.writeCertificate(dir, "client-ca");
        mtls = RunningGateway.start("""
                listeners:
                  - name: public
                    address: 127.0.0.1:0
                    tls:
                      certificate: "%s"
                      private_key: "%s"
                      client_auth: optional
                      client_ca: "%s"
                workloads: { trust_domains: [example.org] }
                """.formatted(server[0], server[1], clientCa) + rest("dpop: { require_nonce: false }"));
        dpop = RunningGateway.start(rest("dpop: { require_nonce: false }"));
        nonces = RunningGateway.start(rest("dpop: { require_nonce: true }"));
    }

    private static String rest(String dpopSection) {
        return """
                identity:
                  issuers:
                    - name: corp
                      issuer: %s
                      audiences: [orders-api]
                      jwks_uri: %s
                  %s
                services:
                  orders:
                    targets: [%s]
                    tls: none
                routes:
                  - id: orders
                    match: { path: "/orders/{id}" }
                    service: orders
                    authenticate: [corp]
                  - id: certificate-only
                    match: { path: /certificate-only }
                    service: orders
                    authenticate: [corp]
                    require: { bound_token: certificate }
                  - id: dpop-only
                    match: { path: /dpop-only }
                    service: orders
                    authenticate: [corp]
                    require: { bound_token: dpop }
                  - id: open
                    match: { path: /open }
                    service: orders
                    public: true
                """.formatted(TestIssuer.ISSUER, issuer.jwksUri(), dpopSection, upstream.target());
    }

    @AfterAll
    static void stop() throws Exception {
        Closing.all(mtls, dpop, nonces, upstream, issuer);
    }

    @BeforeEach
    void forgetEarlierRequests() {
        upstream.heads().clear();
    }

    private static GatewayClient.Head forwarded() throws InterruptedException {
        String head = upstream.nextHead();
        assertThat(head).as("request head at the upstream").isNotNull();
        return GatewayClient.Head.parse(head);
    }

    // ---- RFC 8705: certificate-bound tokens -------------------------------------------------------------------

    /** The RFC 8705 {@code x5t#S256} of a certificate, computed here rather than by the code under test. */
    private static String x5tS256(X509Certificate certificate) throws Exception {
        return Base64URL.encode(MessageDigest.getInstance("SHA-256").digest(certificate.getEncoded())).toString();
    }

    private static String boundToCertificate(CertificateMint.Issued holder) throws Exception {
        return issuer.sign(TestIssuer.claims("alice", "orders-api")
                .claim("cnf", Map.of("x5t#S256", x5tS256(holder.certificate()))).build());
    }

    /** A TLS connection to the mTLS gateway that trusts the test's server CA and presents {@code client}, if any. */
    private static SSLSocket tls(CertificateMint.@Nullable Issued client) throws Exception {
        KeyStore trust = KeyStore.getInstance("PKCS12");
        trust.load(null, null);
        trust.setCertificateEntry("ca", SERVER_CA.certificate());
        TrustManagerFactory tmf = TrustManagerFactory.getInstance("PKIX");
        tmf.init(trust);
        KeyManagerFactory kmf = null;
        if (client != null) {
            char[] password = "test".toCharArray();
            KeyStore identity = KeyStore.getInstance("PKCS12");
            identity.load(null, null);
            identity.setKeyEntry("client", client.keys().getPrivate(), password, new Certificate[] {client.certificate()});
            kmf = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
            kmf.init(identity, password);
        }
        SSLContext context = SSLContext.getInstance("TLS");
        context.init(kmf == null ? null : kmf.getKeyManagers(), tmf.getTrustManagers(), null);
        SSLSocket socket = (SSLSocket) context.getSocketFactory().createSocket(InetAddress.getLoopbackAddress(), mtls.port());
        socket.setSoTimeout(10_000);
        socket.startHandshake();
        return socket;
    }

    private static GatewayClient.Reply overTls(CertificateMint.@Nullable Issued client, String path, String... headers)
            throws Exception {
        try (SSLSocket socket = tls(client)) {
            return GatewayClient.send(socket, "localhost:" + mtls.port(), "GET", path, headers);
        }
    }

    @Test
    void aCertificateBoundTokenIsAcceptedFromItsHolder() throws Exception {
        String token = boundToCertificate(ALICE);

        GatewayClient.Reply r = overTls(ALICE, "/orders/1", "Authorization: Bearer " + token);

        assertThat(r.status()).as(r.toString()).isEqualTo(200);
        GatewayClient.Head head = forwarded();
        assertThat(head.all("authorization")).isEmpty();
        JWTClaimsSet assertion = AssertionCheck.verified(mtls, head, "orders");
        assertThat(assertion.getSubject()).isEqualTo("alice");
        assertThat(assertion.getStringClaim("kind")).isEqualTo("user");
    }

    @Test
    void aCertificateBoundTokenFromAnotherCertificateIsRefused() throws Exception {
        String token = boundToCertificate(ALICE);
        // Accepted once, so that the verified token is remembered: the binding is checked on every request anyway.
        assertThat(overTls(ALICE, "/orders/1", "Authorization: Bearer " + token).status()).isEqualTo(200);
        upstream.heads().clear();

        GatewayClient.Reply r = overTls(OTHER, "/orders/1", "Authorization: Bearer " + token);

        assertThat(r.status()).isEqualTo(401);
        assertThat(r.code()).isEqualTo("token_binding_mismatch");
        assertThat(r.all("www-authenticate")).containsExactly("Bearer realm=\"zerogate\", error=\"invalid_token\"");
        assertThat(upstream.heads()).isEmpty();
    }

    @Test
    void aCertificateBoundTokenWithoutACertificateIsRefused() throws Exception {
        String token = boundToCertificate(ALICE);
        assertThat(overTls(ALICE, "/orders/1", "Authorization: Bearer " + token).status()).isEqualTo(200);
        upstream.heads().clear();

        GatewayClient.Reply noCertificate = overTls(null, "/orders/1", "Authorization: Bearer " + token);
        GatewayClient.Reply noTls = GatewayClient.get(dpop, "/orders/1", "Authorization: Bearer " + token);

        for (GatewayClient.Reply r : List.of(noCertificate, noTls)) {
            assertThat(r.status()).isEqualTo(401);
            assertThat(r.code()).isEqualTo("token_binding_mismatch");
            assertThat(r.wwwAuthenticate()).isEqualTo("Bearer realm=\"zerogate\", error=\"invalid_token\"");
        }
        assertThat(upstream.heads()).isEmpty();
    }

    @Test
    void aRouteThatRequiresACertificateBoundTokenRefusesABearerToken() throws Exception {
        String unbound = issuer.sign(TestIssuer.claims("alice", "orders-api").build());

        GatewayClient.Reply r = overTls(ALICE, "/certificate-only", "Authorization: Bearer " + unbound);

        assertThat(r.status()).isEqualTo(401);
        assertThat(r.code()).isEqualTo("bound_token_required");
        assertThat(upstream.heads()).isEmpty();
        assertThat(overTls(ALICE, "/certificate-only", "Authorization: Bearer " + boundToCertificate(ALICE)).status())
                .isEqualTo(200);
    }

    @Test
    void aWorkloadCertificateAloneMakesAWorkloadAssertion() throws Exception {
        GatewayClient.Reply r = overTls(CHECKOUT, "/open");

        assertThat(r.status()).isEqualTo(200);
        JWTClaimsSet assertion = AssertionCheck.verified(mtls, forwarded(), "orders");
        assertThat(assertion.getSubject()).isEqualTo(WORKLOAD);
        assertThat(assertion.getStringClaim("kind")).isEqualTo("workload");
    }

    @Test
    void aTokenOverAWorkloadsConnectionNamesTheTokensSubject() throws Exception {
        GatewayClient.Reply r = overTls(CHECKOUT, "/orders/1", "Authorization: Bearer " + boundToCertificate(CHECKOUT));

        assertThat(r.status()).as(r.toString()).isEqualTo(200);
        JWTClaimsSet assertion = AssertionCheck.verified(mtls, forwarded(), "orders");
        assertThat(assertion.getSubject()).isEqualTo("alice");
        assertThat(assertion.getStringClaim("kind")).isEqualTo("user");
    }

    // ---- RFC 9449: DPoP ---------------------------------------------------------------------------------------

    private static String boundToKey(ECKey key) throws Exception {
        return issuer.sign(TestIssuer.claims("alice", "orders-api")
                .claim("cnf", Map.of("jkt", key.computeThumbprint().toString())).build());
    }

    private static String ath(String token) throws Exception {
        return Base64URL.encode(MessageDigest.getInstance("SHA-256").digest(token.getBytes(StandardCharsets.US_ASCII)))
                .toString();
    }

    /** A proof as a client makes it: {@code typ dpop+jwt}, its public key in {@code jwk}, signed with its private key. */
    private static String proof(ECKey key, String method, String htu, String token, @Nullable String nonce) throws Exception {
        JWTClaimsSet.Builder claims = new JWTClaimsSet.Builder()
                .jwtID(UUID.randomUUID().toString())
                .claim("htm", method)
                .claim("htu", htu)
                .issueTime(Date.from(Instant.now()))
                .claim("ath", ath(token));
        if (nonce != null) {
            claims.claim("nonce", nonce);
        }
        SignedJWT jwt = new SignedJWT(new JWSHeader.Builder(JWSAlgorithm.ES256)
                .type(new JOSEObjectType("dpop+jwt"))
                .jwk(key.toPublicJWK())
                .build(), claims.build());
        jwt.sign(new ECDSASigner(key));
        return jwt.serialize();
    }

    private static String htu(RunningGateway g, String path) {
        return "http://127.0.0.1:" + g.port() + path;
    }

    @Test
    void aDpopBoundTokenWithAValidProofIsAcceptedAndNeitherIsPassedOn() throws Exception {
        String token = boundToKey(clientKey);
        String proof = proof(clientKey, "GET", htu(dpop, "/orders/5"), token, null);

        GatewayClient.Reply r = GatewayClient.get(dpop, "/orders/5", "Authorization: DPoP " + token, "DPoP: " + proof);

        assertThat(r.status()).as(r.toString()).isEqualTo(200);
        GatewayClient.Head head = forwarded();
        assertThat(head.all("authorization")).isEmpty();
        assertThat(head.all("dpop")).isEmpty();
        assertThat(AssertionCheck.verified(dpop, head, "orders").getSubject()).isEqualTo("alice");
    }

    @Test
    void aReplayedProofIsRefused() throws Exception {
        String token = boundToKey(clientKey);
        String proof = proof(clientKey, "GET", htu(dpop, "/orders/6"), token, null);
        assertThat(GatewayClient.get(dpop, "/orders/6", "Authorization: DPoP " + token, "DPoP: " + proof).status())
                .isEqualTo(200);
        upstream.heads().clear();

        GatewayClient.Reply replay = GatewayClient.get(dpop, "/orders/6", "Authorization: DPoP " + token, "DPoP: " + proof);

        assertThat(replay.status()).isEqualTo(401);
        assertThat(replay.code()).isEqualTo("dpop_proof_replayed");
        assertThat(replay.all("www-authenticate"))
                .containsExactly("DPoP realm=\"zerogate\", error=\"invalid_request\", " + DPOP_ALGS);
        assertThat(upstream.heads()).isEmpty();
    }

    @Test
    void aDpopBoundTokenSentAsABearerTokenIsRefused() throws Exception {
        String token = boundToKey(clientKey);
        String proof = proof(clientKey, "GET", htu(dpop, "/orders/7"), token, null);
        assertThat(GatewayClient.get(dpop, "/orders/7", "Authorization: DPoP " + token,
                "DPoP: " + proof(clientKey, "GET", htu(dpop, "/orders/7"), token, null)).status()).isEqualTo(200);
        upstream.heads().clear();

        GatewayClient.Reply withoutProof = GatewayClient.get(dpop, "/orders/7", "Authorization: Bearer " + token);
        GatewayClient.Reply withProof = GatewayClient.get(dpop, "/orders/7", "Authorization: Bearer " + token, "DPoP: " + proof);

        for (GatewayClient.Reply r : List.of(withoutProof, withProof)) {
            assertThat(r.status()).isEqualTo(401);
            assertThat(r.code()).isEqualTo("token_binding_mismatch");
            assertThat(r.wwwAuthenticate()).isEqualTo("DPoP realm=\"zerogate\", error=\"invalid_token\", " + DPOP_ALGS);
        }
        assertThat(upstream.heads()).isEmpty();
    }

    @Test
    void theDpopSchemeWithAnUnboundTokenIsRefused() throws Exception {
        String unbound = issuer.sign(TestIssuer.claims("alice", "orders-api").build());
        String proof = proof(clientKey, "GET", htu(dpop, "/orders/8"), unbound, null);

        GatewayClient.Reply r = GatewayClient.get(dpop, "/orders/8", "Authorization: DPoP " + unbound, "DPoP: " + proof);

        assertThat(r.status()).isEqualTo(401);
        assertThat(r.code()).isEqualTo("token_binding_mismatch");
    }

    @Test
    void aRouteThatRequiresDpopRefusesAnUnboundToken() throws Exception {
        String unbound = issuer.sign(TestIssuer.claims("alice", "orders-api").build());

        GatewayClient.Reply r = GatewayClient.get(dpop, "/dpop-only", "Authorization: Bearer " + unbound);

        assertThat(r.status()).isEqualTo(401);
        assertThat(r.code()).isEqualTo("bound_token_required");
        assertThat(r.all("www-authenticate")).containsExactly("DPoP realm=\"zerogate\", error=\"invalid_token\", " + DPOP_ALGS);
        assertThat(upstream.heads()).isEmpty();

        String token = boundToKey(clientKey);
        String proof = proof(clientKey, "GET", htu(dpop, "/dpop-only"), token, null);
        assertThat(GatewayClient.get(dpop, "/dpop-only", "Authorization: DPoP " + token, "DPoP: " + proof).status())
                .isEqualTo(200);
    }

    @Test
    void aProofForAnotherRequestOrFromAnotherKeyIsInvalid() throws Exception {
        String token = boundToKey(clientKey);
        ECKey stranger = new ECKeyGenerator(Curve.P_256).generate();
        List<String> proofs = List.of(
                proof(clientKey, "GET", htu(dpop, "/orders/other"), token, null),
                proof(clientKey, "POST", htu(dpop, "/orders/9"), token, null),
                proof(clientKey, "GET", "http://127.0.0.1:1/orders/9", token, null),
                proof(clientKey, "GET", htu(dpop, "/orders/9"), token + "x", null),
                proof(stranger, "GET", htu(dpop, "/orders/9"), token, null));

        for (String proof : proofs) {
            GatewayClient.Reply r = GatewayClient.get(dpop, "/orders/9", "Authorization: DPoP " + token, "DPoP: " + proof);
            assertThat(r.status()).isEqualTo(401);
            assertThat(r.code()).isEqualTo("dpop_proof_invalid");
            assertThat(r.wwwAuthenticate()).isEqualTo("DPoP realm=\"zerogate\", error=\"invalid_request\", " + DPOP_ALGS);
        }
        GatewayClient.Reply noProof = GatewayClient.get(dpop, "/orders/9", "Authorization: DPoP " + token);
        assertThat(noProof.code()).isEqualTo("dpop_proof_invalid");
        assertThat(upstream.heads()).isEmpty();
    }

    @Test
    void aProofMustCarryTheServersNonceWhenItAsksForOne() throws Exception {
        String token = boundToKey(clientKey);

        GatewayClient.Reply first = GatewayClient.get(nonces, "/orders/10", "Authorization: DPoP " + token,
                "DPoP: " + proof(clientKey, "GET", htu(nonces, "/orders/10"), token, null));

        assertThat(first.status()).isEqualTo(401);
        assertThat(first.code()).isEqualTo("dpop_nonce_required");
        assertThat(first.all("www-authenticate"))
                .containsExactly("DPoP realm=\"zerogate\", error=\"use_dpop_nonce\", " + DPOP_ALGS);
        String nonce = first.header("dpop-nonce");
        assertThat(nonce).isNotBlank();
        assertThat(upstream.heads()).isEmpty();

        GatewayClient.Reply stale = GatewayClient.get(nonces, "/orders/10", "Authorization: DPoP " + token,
                "DPoP: " + proof(clientKey, "GET", htu(nonces, "/orders/10"), token, "made-up-nonce"));
        assertThat(stale.code()).isEqualTo("dpop_nonce_required");

        GatewayClient.Reply second = GatewayClient.get(nonces, "/orders/10", "Authorization: DPoP " + token,
                "DPoP: " + proof(clientKey, "GET", htu(nonces, "/orders/10"), token, nonce));

        assertThat(second.status()).as(second.toString()).isEqualTo(200);
        GatewayClient.Head head = forwarded();
        assertThat(head.all("dpop")).isEmpty();
        assertThat(head.all("authorization")).isEmpty();
    }

    private static GatewayClient.Reply withProofFor(String sent, String named) throws Exception {
        String token = boundToKey(clientKey);
        return GatewayClient.get(dpop, sent, "Authorization: DPoP " + token,
                "DPoP: " + proof(clientKey, "GET", htu(dpop, named), token, null));
    }

    @Test
    void htuIsComparedWithThePathTheGatewayAuthorisesAndForwards() throws Exception {
        // sent, named in htu, forwarded
        String[][] matching = {
                {"/orders/%7E15", "/orders/~15", "/orders/~15"},
                {"/orders/~16", "/orders/%7e16", "/orders/~16"},
                {"/orders/a%3a17", "/orders/a%3A17", "/orders/a%3A17"},
                {"/orders//18", "/orders/18", "/orders/18"},
                {"/orders/x/../19", "/orders/19", "/orders/19"},
        };
        for (String[] c : matching) {
            GatewayClient.Reply r = withProofFor(c[0], c[1]);
            assertThat(r.status()).as("sent %s, htu %s: %s", c[0], c[1], r).isEqualTo(200);
            assertThat(forwarded().target()).isEqualTo(c[2]);
        }
        String[][] other = {
                {"/orders/20", "/orders/x/../21"},
                {"/orders/20", "/orders/20/"},
                {"/orders/x/../20", "/orders/x/20"},
                {"/orders/20", "/Orders/20"},
        };
        for (String[] c : other) {
            GatewayClient.Reply r = withProofFor(c[0], c[1]);
            assertThat(r.status()).as("sent %s, htu %s", c[0], c[1]).isEqualTo(401);
            assertThat(r.code()).isEqualTo("dpop_proof_invalid");
        }
        assertThat(upstream.heads()).isEmpty();
    }

    @Test
    void aProofNamingThePathExactlyAsSentIsAccepted() throws Exception {
        for (String sent : List.of("/orders//22", "/orders/x/../23")) {
            GatewayClient.Reply r = withProofFor(sent, sent);
            assertThat(r.status()).as("sent and named %s: %s", sent, r).isEqualTo(200);
        }
    }

    @Test
    void aNonceStaysGoodAcrossAConfigurationReload() throws Exception {
        Path file = dir.resolve("nonce-reload.yaml");
        String before = RunningGateway.document(rest("dpop: { require_nonce: true }"));
        java.nio.file.Files.writeString(file, before);
        try (RunningGateway g = RunningGateway.startWatching(file, 1)) {
            String token = boundToKey(clientKey);
            GatewayClient.Reply asked = GatewayClient.get(g, "/orders/30", "Authorization: DPoP " + token,
                    "DPoP: " + proof(clientKey, "GET", htu(g, "/orders/30"), token, null));
            assertThat(asked.code()).isEqualTo("dpop_nonce_required");
            String nonce = asked.header("dpop-nonce");

            java.nio.file.Files.writeString(file, before + """
                      - id: health
                        match: { path: /health }
                        service: orders
                        public: true
                    """);
            io.zerogate.testing.Await.until("the edited configuration is in force", java.time.Duration.ofSeconds(15), () -> {
                try {
                    return GatewayClient.get(g, "/health").status() == 200;
                } catch (java.io.IOException e) {
                    throw new IllegalStateException(e);
                }
            });
            upstream.heads().clear();

            GatewayClient.Reply r = GatewayClient.get(g, "/orders/30", "Authorization: DPoP " + token,
                    "DPoP: " + proof(clientKey, "GET", htu(g, "/orders/30"), token, nonce));
            assertThat(r.status()).as("a nonce the gateway issued a moment ago: %s", r).isEqualTo(200);
        }
    }
}
