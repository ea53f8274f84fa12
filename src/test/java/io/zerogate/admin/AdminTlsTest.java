package io.zerogate.admin;

import static org.assertj.core.api.Assertions.assertThat;

import io.zerogate.cli.CertificateMint;
import io.zerogate.testing.Await;
import io.zerogate.testing.RunningGateway;
import io.zerogate.testing.TestPki;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** The admin listener over TLS: real handshakes with certificates minted here, admin client certificates and tokens. */
@Timeout(value = 1, unit = TimeUnit.MINUTES)
class AdminTlsTest {

    private static final CertificateMint.Issued SERVER_CA = TestPki.rootCa("admin-server-ca");
    private static final CertificateMint.Issued ADMIN_CA = TestPki.rootCa("admin-ca");
    private static final CertificateMint.Issued OTHER_CA = TestPki.rootCa("other-ca");
    private static final CertificateMint.Issued OPERATOR = TestPki.client(ADMIN_CA, "ops-alice");
    private static final CertificateMint.Issued STRANGER = TestPki.client(OTHER_CA, "ops-mallory");

    @TempDir
    static Path dir;

    private static RunningGateway gateway;

    @BeforeAll
    static void start() throws Exception {
        Path[] server = TestPki.server(SERVER_CA).write(dir, "admin");
        Path ca = ADMIN_CA.writeCertificate(dir, "admin-ca");
        gateway = RunningGateway.start("""
                admin:
                  address: 127.0.0.1:0
                  tls: { certificate: %s, private_key: %s, client_ca: %s }
                  tokens: [{ name: tests, sha256: %s }]
                services:
                  s: { targets: [http://127.0.0.1:9], tls: none }
                routes: []
                """.formatted(server[0], server[1], ca, AdminTokens.sha256(RunningGateway.ADMIN_TOKEN)));
    }

    @AfterAll
    static void stop() throws IOException {
        gateway.close();
    }

    private static HttpResponse<String> get(CertificateMint.@Nullable Issued client, String path, @Nullable String token)
            throws IOException, InterruptedException {
        try (HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5))
                .sslContext(TestPki.clientContext(SERVER_CA, client)).build()) {
            HttpRequest.Builder b = HttpRequest.newBuilder(URI.create("https://localhost:" + gateway.adminPort() + path))
                    .timeout(Duration.ofSeconds(10));
            if (token != null) {
                b.header("Authorization", "Bearer " + token);
            }
            return http.send(b.build(), HttpResponse.BodyHandlers.ofString());
        }
    }

    @Test
    void aCertificateFromTheAdminCaIsAccepted() throws Exception {
        HttpResponse<String> config = get(OPERATOR, "/admin/config", null);
        assertThat(config.statusCode()).isEqualTo(200);
        assertThat(config.body()).contains("\"tokens\"");
        assertThat(get(OPERATOR, "/metrics", null).statusCode()).isEqualTo(200);
    }

    @Test
    void aTokenIsAcceptedWithoutACertificate() throws Exception {
        assertThat(get(null, "/admin/incidents", RunningGateway.ADMIN_TOKEN).statusCode()).isEqualTo(200);
    }

    @Test
    void withoutCertificateOrTokenOnlyTheOpenEndpointsAnswer() throws Exception {
        assertThat(get(null, "/healthz", null).statusCode()).isEqualTo(200);
        assertThat(get(null, "/.well-known/jwks.json", null).statusCode()).isEqualTo(200);
        HttpResponse<String> refused = get(null, "/admin/config", null);
        assertThat(refused.statusCode()).isEqualTo(401);
        assertThat(refused.headers().firstValue("www-authenticate")).hasValue("Bearer realm=\"zerogate-admin\"");
    }

    @Test
    void aWrongTokenIsRefusedEvenWithAGoodCertificate() throws Exception {
        assertThat(get(OPERATOR, "/admin/config", RunningGateway.ADMIN_TOKEN + "0").statusCode()).isEqualTo(401);
    }

    @Test
    void aCertificateFromAnotherCaIsRefusedAndCounted() throws Exception {
        double before = gateway.gateway().metrics().adminAuthFailures("tls_handshake");
        int status;
        try {
            status = get(STRANGER, "/admin/config", null).statusCode();
        } catch (IOException refusedInTheHandshake) {
            status = -1;
        }
        assertThat(status).as("refused in the handshake").isEqualTo(-1);
        Await.until("the failed handshake counted", Duration.ofSeconds(5),
                () -> gateway.gateway().metrics().adminAuthFailures("tls_handshake") > before);
    }

    @Test
    void plainHttpOnTheTlsPortGetsNoAnswer() {
        try (HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build()) {
            int status;
            try {
                status = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + gateway.adminPort() + "/healthz"))
                        .timeout(Duration.ofSeconds(10)).build(), HttpResponse.BodyHandlers.ofString()).statusCode();
            } catch (IOException | InterruptedException notTls) {
                status = -1;
            }
            assertThat(status).isEqualTo(-1);
        }
    }
}
