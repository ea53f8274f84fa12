package io.zerogate.admin;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.zerogate.audit.incident.Incident;
import io.zerogate.cli.CertificateMint;
import io.zerogate.config.ConfigLoader;
import io.zerogate.config.GatewayConfig;
import io.zerogate.testing.TestPki;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The configuration as the admin API shows it: every section rendered, every secret masked. */
class RecordJsonTest {

    @TempDir
    static Path dir;

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final CertificateMint.Issued CA = TestPki.rootCa("ca");

    /** Every value here that must never be shown. */
    private static final List<String> SECRETS = List.of("hmac-secret-value-that-is-long-enough-0123456789",
            "introspection-client-secret-value", "api-key-hash-key-value-0123456789abcdef", "dpop-nonce-secret-0123456789abcdef",
            "redis-password-value", "audit-sink-bearer-value", "webhook-query-token-value", "webhook-header-value",
            "secret-from-the-environment-0123456789abcdef");

    private static GatewayConfig config;
    private static String rendered;

    @BeforeAll
    static void load() throws Exception {
        TestPki.server(CA).write(dir, "server");
        CA.writeCertificate(dir, "ca");
        Files.writeString(dir.resolve("assertion.key"), Files.readString(dir.resolve("server.key")));
        Path file = dir.resolve("gateway.yaml");
        Files.writeString(file, """
                version: 1
                listeners:
                  - name: public
                    address: 127.0.0.1:8443
                    tls: { certificate: DIR/server.crt, private_key: DIR/server.key, client_auth: optional, client_ca: DIR/ca.crt }
                admin:
                  tls: { certificate: DIR/server.crt, private_key: DIR/server.key, client_ca: DIR/ca.crt }
                  tokens: [{ name: ops, sha256: %s }]
                identity:
                  issuers:
                    - name: shared
                      issuer: https://shared.example.com
                      audiences: [api]
                      algorithms: [HS256]
                      hmac_secret: hmac-secret-value-that-is-long-enough-0123456789
                    - name: corp
                      issuer: https://sso.example.com
                      audiences: [api]
                      jwks_uri: https://sso.example.com/keys
                      introspection:
                        endpoint: https://sso.example.com/introspect
                        client_id: gateway
                        client_secret: introspection-client-secret-value
                  api_keys: { file: DIR/keys.jsonl, hash_key: api-key-hash-key-value-0123456789abcdef }
                  dpop: { nonce_secret: "${env:NONCE_SECRET}" }
                  assertion: { key_file: DIR/assertion.key }
                state:
                  store: redis
                  uri: "redis://:redis-password-value@10.0.0.9:6379/2"
                audit:
                  file: { directory: DIR/audit }
                  signing_key: DIR/audit/signing.pem
                  http:
                    url: https://collector.example.com/ingest
                    headers: { Authorization: "Bearer audit-sink-bearer-value" }
                  incidents:
                    webhook:
                      url: "https://hooks.example.com/alert?token=webhook-query-token-value"
                      headers: { X-Hook-Key: webhook-header-value }
                services:
                  orders: { targets: [http://127.0.0.1:9000], tls: none }
                routes:
                  - id: orders
                    match: { path: /orders }
                    service: orders
                    authenticate: [corp]
                """.formatted(AdminTokens.sha256("zgadmin_x")).replace("DIR", dir.toString()));
        config = ConfigLoader.parse(file.toString(), Files.readString(file),
                name -> name.equals("NONCE_SECRET") ? "secret-from-the-environment-0123456789abcdef" : null);
        rendered = RecordJson.render(config);
    }

    @Test
    void noSecretValueAppears() {
        for (String secret : SECRETS) {
            assertThat(rendered).as(secret).doesNotContain(secret);
        }
        assertThat(rendered).doesNotContain("PRIVATE KEY").doesNotContain("Secret[redacted]");
    }

    @Test
    void secretsAndKeyPathsAreMaskedWhereTheyAre() throws Exception {
        JsonNode root = JSON.readTree(rendered);
        JsonNode identity = root.path("identity");
        assertThat(identity.path("issuers").get(0).path("hmac_secret").asText()).isEqualTo("***");
        assertThat(identity.path("issuers").get(1).path("introspection").path("client_secret").asText()).isEqualTo("***");
        assertThat(identity.path("issuers").get(1).path("introspection").path("client_id").asText()).isEqualTo("gateway");
        assertThat(identity.path("api_keys").path("hash_key").asText()).isEqualTo("***");
        assertThat(identity.path("api_keys").path("file").asText()).isEqualTo("***");
        assertThat(identity.path("api_keys").path("header").asText()).isEqualTo("X-Api-Key");
        assertThat(identity.path("dpop").path("nonce_secret").asText()).isEqualTo("***");
        assertThat(identity.path("assertion").path("key_file").asText()).isEqualTo("***");
        JsonNode listenerTls = root.path("listeners").get(0).path("tls");
        assertThat(listenerTls.path("identity").path("private_key").asText()).isEqualTo("***");
        assertThat(listenerTls.path("identity").path("key").asText()).isEqualTo("***");
        assertThat(listenerTls.path("identity").path("certificate").asText()).isEqualTo(dir.resolve("server.crt").toString());
        assertThat(listenerTls.path("client_cas").get(0).path("subject").asText()).contains("CN=ca");
        assertThat(root.path("admin").path("tls").path("identity").path("private_key").asText()).isEqualTo("***");
        assertThat(root.path("state").path("redis").path("nodes").get(0).asText()).isEqualTo("redis://***@10.0.0.9:6379/2");
        JsonNode audit = root.path("audit");
        assertThat(audit.path("signing_key").asText()).isEqualTo("***");
        assertThat(audit.path("http").path("headers").path("Authorization").asText()).isEqualTo("***");
        assertThat(audit.path("incidents").path("webhook").path("url").asText()).isEqualTo("https://hooks.example.com/alert?***");
        assertThat(audit.path("incidents").path("webhook").path("headers").path("X-Hook-Key").asText()).isEqualTo("***");
    }

    @Test
    void whatIsNotSecretIsShownByItsConfigurationName() throws Exception {
        JsonNode root = JSON.readTree(rendered);
        assertThat(root.path("listeners").get(0).path("name").asText()).isEqualTo("public");
        assertThat(root.path("listeners").get(0).path("address").asText()).isEqualTo("127.0.0.1:8443");
        assertThat(root.path("listeners").get(0).path("tls").path("client_auth").asText()).isEqualTo("optional");
        assertThat(root.path("admin").path("address").asText()).isEqualTo("127.0.0.1:9901");
        assertThat(root.path("admin").path("tokens").get(0).path("name").asText()).isEqualTo("ops");
        assertThat(root.path("identity").path("issuers").get(1).path("jwks_uri").asText()).isEqualTo("https://sso.example.com/keys");
        assertThat(root.path("services").path("orders").path("tls").path("kind").asText()).isEqualTo("plain");
        assertThat(root.path("services").path("orders").path("targets").get(0).path("port").asInt()).isEqualTo(9000);
        assertThat(root.path("routes").get(0).path("authenticate").path("methods").get(0).asText()).isEqualTo("corp");
        assertThat(root.path("timeouts").path("idle").asText()).isEqualTo("PT1M");
        assertThat(root.path("audit").path("http").path("url").asText()).isEqualTo("https://collector.example.com/ingest");
    }

    @Test
    void aRenderingOfOneValueIsAlwaysTheSame() {
        assertThat(RecordJson.render(config)).isEqualTo(rendered);
    }

    @Test
    void incidentsAreRenderedFromTheirComponents() throws Exception {
        Incident incident = new Incident("i-1", "rate_limited", "subject:alice", "orders", 429,
                Instant.parse("2026-01-01T10:00:00Z"), Instant.parse("2026-01-01T10:01:00Z"), 12, true, "req-9", "12 refusals");
        JsonNode node = JSON.readTree(RecordJson.render(List.of(incident))).get(0);
        assertThat(node.path("id").asText()).isEqualTo("i-1");
        assertThat(node.path("route_id").asText()).isEqualTo("orders");
        assertThat(node.path("first_seen").asText()).isEqualTo("2026-01-01T10:00:00Z");
        assertThat(node.path("count").asLong()).isEqualTo(12);
        assertThat(node.path("alerted").asBoolean()).isTrue();
        assertThat(node.path("last_request_id").asText()).isEqualTo("req-9");
    }

    @Test
    void valuesOfUnknownTypesAndCredentialNamesAreMasked() throws Exception {
        record Unknown(Object thing, String password, String apiToken, String tokenType) {}
        JsonNode node = JSON.readTree(RecordJson.render(new Unknown(new Object(), "pw", "tk", "at+jwt")));
        assertThat(node.path("thing").asText()).isEqualTo("***");
        assertThat(node.path("password").asText()).isEqualTo("***");
        assertThat(node.path("api_token").asText()).isEqualTo("***");
        assertThat(node.path("token_type").asText()).isEqualTo("at+jwt");
        assertThat(JSON.readTree(RecordJson.render(Map.of("b", 2, "a", 1))).fieldNames()).toIterable().containsExactly("a", "b");
    }
}
