package io.zerogate.config;

import static org.assertj.core.api.Assertions.assertThat;

import io.zerogate.cli.CertificateMint;
import io.zerogate.testing.TestPki;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The {@code admin} section: address, TLS with an admin client CA, hashed tokens, public metrics, and its errors. */
class AdminConfigTest {

    @TempDir
    static Path dir;

    private static final CertificateMint.Issued CA = TestPki.rootCa("admin-server-ca");
    private static final CertificateMint.Issued ADMIN_CA = TestPki.rootCa("admin-client-ca");
    private static final String HASH = "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08";
    private static final String OTHER_HASH = "60303ae22b998861bce3b28f33eec1be758a213c86c93c076dbe9f558c11c752";

    /** Six lines; the admin section starts on line 7. */
    private static final String HEAD = """
            version: 1
            listeners: [{ address: 127.0.0.1:0 }]
            services:
              sample: { tls: none, targets: [http://127.0.0.1:9000] }
            routes: []
            # the admin section follows
            """;

    @BeforeAll
    static void files() throws Exception {
        TestPki.server(CA).write(dir, "admin");
        ADMIN_CA.writeCertificate(dir, "admin-ca");
    }

    private static GatewayConfig load(String admin) throws Exception {
        Path file = dir.resolve("gateway.yaml");
        Files.writeString(file, HEAD + admin);
        return ConfigLoader.load(file);
    }

    private static ConfigException refused(String admin) {
        try {
            load(admin);
        } catch (ConfigException e) {
            return e;
        } catch (Exception e) {
            throw new AssertionError(e);
        }
        throw new AssertionError("expected the admin section to be refused:\n" + admin);
    }

    private static void assertProblem(ConfigException e, int line, String keyPath, String fragment) {
        assertThat(e.line()).as(e.getMessage()).isEqualTo(line);
        assertThat(e.keyPath()).as(e.getMessage()).isEqualTo(keyPath);
        assertThat(e.problem()).contains(fragment);
        assertThat(e.getMessage()).isEqualTo(dir.resolve("gateway.yaml") + ":" + line + ": " + keyPath + ": " + e.problem());
    }

    @Test
    void withoutTheSectionTheAdminListenerIsOnLoopbackAndTakesNoCredentials() throws Exception {
        AdminConfig admin = load("").admin();
        assertThat(admin).isEqualTo(new AdminConfig(new InetSocketAddress(InetAddress.getByName("127.0.0.1"), 9901)));
        assertThat(admin.authenticates()).isFalse();
        assertThat(admin.publicMetrics()).isFalse();
    }

    @Test
    void tlsWithAnAdminClientCaTokensAndPublicMetrics() throws Exception {
        AdminConfig admin = load("""
                admin:
                  address: 0.0.0.0:9443
                  tls: { certificate: admin.crt, private_key: admin.key, client_ca: admin-ca.crt }
                  tokens:
                    - { name: ops-alice, sha256: %s }
                    - { name: prometheus, sha256: %s }
                  public: [metrics]
                """.formatted(HASH.toUpperCase(java.util.Locale.ROOT), OTHER_HASH)).admin();
        assertThat(admin.address().getPort()).isEqualTo(9443);
        assertThat(admin.tls().identity().leaf().getSubjectX500Principal().getName()).contains("server");
        assertThat(admin.tls().clientCaFile()).isEqualTo(dir.resolve("admin-ca.crt"));
        assertThat(admin.tls().clientCas()).containsExactly(ADMIN_CA.certificate());
        assertThat(admin.tokens()).containsExactly(new AdminConfig.Token("ops-alice", HASH),
                new AdminConfig.Token("prometheus", OTHER_HASH));
        assertThat(admin.publicMetrics()).isTrue();
        assertThat(admin.authenticates()).isTrue();
    }

    @Test
    void tlsWithoutAClientCaAuthenticatesByTokenOnly() throws Exception {
        AdminConfig admin = load("admin:\n  tls: { certificate: admin.crt, private_key: admin.key }\n").admin();
        assertThat(admin.tls().clientCaFile()).isNull();
        assertThat(admin.tls().clientCas()).isEmpty();
        assertThat(admin.authenticates()).isFalse();
    }

    @Test
    void onlyTheAddressAndTlsNeedARestart() throws Exception {
        AdminConfig one = load("admin:\n  tokens: [{ name: a, sha256: " + HASH + " }]\n").admin();
        AdminConfig two = load("admin:\n  tokens: [{ name: b, sha256: " + OTHER_HASH + " }]\n  public: [metrics]\n").admin();
        AdminConfig moved = load("admin:\n  address: 127.0.0.1:9902\n").admin();
        assertThat(one.listenerSettings()).isEqualTo(two.listenerSettings()).isNotEqualTo(moved.listenerSettings());
    }

    @Test
    void problemsNameTheLineAndKey() {
        assertProblem(refused("admin:\n  tokens:\n    - { name: a, sha256: abc }\n"), 9, "admin.tokens[0].sha256",
                "expected the SHA-256 of the token as 64 hex digits");
        assertProblem(refused("admin:\n  tokens:\n    - { name: a, sha256: " + HASH + " }\n    - { name: a, sha256: "
                + OTHER_HASH + " }\n"), 10, "admin.tokens[1].name", "duplicate token name 'a' (also used by tokens[0])");
        assertProblem(refused("admin:\n  tokens:\n    - { name: a, sha256: " + HASH + " }\n    - { name: b, sha256: "
                + HASH + " }\n"), 10, "admin.tokens[1].sha256", "the same hash as tokens[0]");
        assertProblem(refused("admin:\n  tokens:\n    - { name: 'a b', sha256: " + HASH + " }\n"), 9, "admin.tokens[0].name",
                "is not a valid token name");
        assertProblem(refused("admin:\n  tokens:\n    - { name: a, token: x }\n"), 9, "admin.tokens[0].token",
                "unknown key 'token' (allowed: name, sha256)");
        assertProblem(refused("admin:\n  public: [config]\n"), 8, "admin.public[0]",
                "unknown admin endpoint 'config' (expected: metrics;");
        assertProblem(refused("admin:\n  public: [metrics, metrics]\n"), 8, "admin.public[1]", "'metrics' is listed twice");
        assertProblem(refused("admin:\n  address: 0.0.0.0:9901\n  tokens: [{ name: a, sha256: " + HASH + " }]\n"), 9,
                "admin.tokens", "admin tokens would cross the network in clear text: add admin.tls");
        assertProblem(refused("admin:\n  tls: { certificate: admin.crt, private_key: admin.key, client_ca: missing.crt }\n"), 8,
                "admin.tls.client_ca", "no readable file at");
        assertProblem(refused("admin:\n  tls: { certificate: admin.crt }\n"), 8, "admin.tls.private_key", "required key is missing");
        assertProblem(refused("admin:\n  tls: { certificate: admin.crt, private_key: admin.key, client_auth: required }\n"), 8,
                "admin.tls.client_auth", "unknown key 'client_auth' (allowed: certificate, private_key, client_ca)");
        assertProblem(refused("admin:\n  token: []\n"), 8, "admin.token",
                "unknown key 'token' (allowed: enabled, address, tls, tokens, public)");
    }
}
