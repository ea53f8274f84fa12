package io.zerogate.config;

import io.zerogate.cli.CertificateMint;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.zerogate.identity.SpiffeId;
import io.zerogate.testing.TestPki;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class TlsConfigTest {

    @TempDir
    static Path dir;

    private static final CertificateMint.Issued CA = TestPki.rootCa("ca");
    private static final CertificateMint.Issued OTHER_CA = TestPki.rootCa("other");

    @BeforeAll
    static void files() throws Exception {
        TestPki.server(CA).write(dir, "server");
        CA.writeCertificate(dir, "ca");
        TestPki.client(CA, "gateway").write(dir, "client");
        CertificateMint.Issued other = TestPki.server(OTHER_CA);
        other.write(dir, "other");
        // A key that belongs to another certificate.
        Files.copy(dir.resolve("other.key"), dir.resolve("mismatched.key"));
        Files.writeString(dir.resolve("pkcs1.key"), "-----BEGIN EC PRIVATE KEY-----\nAAAA\n-----END EC PRIVATE KEY-----\n");
        Files.writeString(dir.resolve("empty.crt"), "nothing here\n");
    }

    private static GatewayConfig load(String body) throws Exception {
        Path file = dir.resolve("gateway.yaml");
        Files.writeString(file, "version: 1\n" + body);
        return ConfigLoader.load(file);
    }

    private static ConfigException refused(String body) {
        return (ConfigException) org.assertj.core.api.Assertions.catchThrowable(() -> load(body));
    }

    private static final String SERVICES = "services: {}\nroutes: []\n";

    @Test
    void aTlsListenerWithMutualTls() throws Exception {
        GatewayConfig c = load("""
                listeners:
                  - address: 127.0.0.1:0
                    tls:
                      certificate: server.crt
                      private_key: server.key
                      client_auth: required
                      client_ca: ca.crt
                      max_chain_depth: 2
                      protocols: [TLSv1.3]
                workloads: { trust_domains: [example.org] }
                """ + SERVICES);
        ListenerTls tls = c.listeners().get(0).tls();
        assertThat(tls.clientAuth()).isEqualTo(ListenerTls.ClientAuth.REQUIRED);
        assertThat(tls.identity().chain()).hasSize(1);
        assertThat(tls.clientCas()).containsExactly(CA.certificate());
        assertThat(tls.maxChainDepth()).isEqualTo(2);
        assertThat(tls.protocols()).containsExactly("TLSv1.3");
        assertThat(tls.identity().toString()).doesNotContain("PRIVATE");
        assertThat(c.workloads().trustDomains()).containsExactly("example.org");
    }

    @Test
    void listenerTlsProblemsNameTheLine() {
        String head = "listeners:\n  - address: 127.0.0.1:0\n    tls:\n";
        ConfigException e = refused(head + "      certificate: missing.crt\n      private_key: server.key\n" + SERVICES);
        assertThat(e.line()).isEqualTo(5);
        assertThat(e.keyPath()).isEqualTo("listeners[0].tls.certificate");
        assertThat(e.problem()).startsWith("no readable file at");

        e = refused(head + "      certificate: server.crt\n      private_key: mismatched.key\n" + SERVICES);
        assertThat(e.line()).isEqualTo(6);
        assertThat(e.problem()).contains("does not belong to the certificate");

        e = refused(head + "      certificate: server.crt\n      private_key: pkcs1.key\n" + SERVICES);
        assertThat(e.problem()).contains("convert it to PKCS#8");

        e = refused(head + "      certificate: empty.crt\n      private_key: server.key\n" + SERVICES);
        assertThat(e.problem()).contains("holds no PEM certificate");

        e = refused(head + "      certificate: server.crt\n      private_key: server.key\n      client_auth: required\n" + SERVICES);
        assertThat(e.keyPath()).isEqualTo("listeners[0].tls.client_ca");
        assertThat(e.problem()).contains("client_ca is required when client_auth is required");

        e = refused(head + "      certificate: server.crt\n      private_key: server.key\n      protocols: [SSLv3]\n" + SERVICES);
        assertThat(e.problem()).isEqualTo("unsupported protocol 'SSLv3' (expected: TLSv1.3, TLSv1.2)");

        e = refused(head + "      certificate: server.crt\n" + SERVICES);
        assertThat(e.keyPath()).isEqualTo("listeners[0].tls.private_key");
    }

    @Test
    void upstreamTlsWithAnExpectedSpiffeIdAndAClientCertificate() throws Exception {
        GatewayConfig c = load("""
                listeners: [{ address: 127.0.0.1:0 }]
                workloads: { trust_domains: [example.org] }
                services:
                  orders:
                    targets: [https://127.0.0.1:8443]
                    tls: { ca: ca.crt, spiffe_id: "spiffe://example.org/orders", certificate: client.crt, private_key: client.key }
                    callers: ["spiffe://example.org/checkout"]
                routes: []
                """);
        ServiceConfig orders = c.services().get("orders");
        UpstreamTls.Verified tls = (UpstreamTls.Verified) orders.tls();
        assertThat(tls.spiffeId()).isEqualTo(SpiffeId.parse("spiffe://example.org/orders"));
        assertThat(tls.clientCertificate()).isNotNull();
        assertThat(orders.targets().get(0).scheme()).isEqualTo("https");
        assertThat(orders.callers()).extracting(Object::toString).containsExactly("spiffe://example.org/checkout");
    }

    @Test
    void callersMustBeInATrustedDomain() {
        ConfigException e = refused("""
                listeners: [{ address: 127.0.0.1:0 }]
                services:
                  orders:
                    targets: [http://127.0.0.1:8080]
                    tls: none
                    callers: ["spiffe://example.org/checkout"]
                routes: []
                """);
        assertThat(e.line()).isEqualTo(7);
        assertThat(e.keyPath()).isEqualTo("services.orders.callers[0]");
        assertThat(e.problem()).contains("not in workloads.trust_domains (none configured)");
    }

    @Test
    void serverNameAndSpiffeIdAreExclusive() {
        ConfigException e = refused("""
                listeners: [{ address: 127.0.0.1:0 }]
                services:
                  orders:
                    targets: [https://127.0.0.1:8443]
                    tls: { ca: ca.crt, server_name: orders.internal, spiffe_id: "spiffe://example.org/orders" }
                routes: []
                """);
        assertThat(e.problem()).isEqualTo("give server_name or spiffe_id, not both");
    }

    @Test
    void aRouteCanRequireAClientCertificate() throws Exception {
        GatewayConfig c = load("""
                listeners: [{ address: 127.0.0.1:0 }]
                services: { s: { targets: [http://127.0.0.1:1], tls: none } }
                routes:
                  - id: r
                    match: { path: /x }
                    service: s
                    require: { client_certificate: true }
                """);
        assertThat(c.routes().get(0).requireClientCertificate()).isTrue();
        assertThatThrownBy(() -> load("""
                listeners: [{ address: 127.0.0.1:0 }]
                services: { s: { targets: [http://127.0.0.1:1], tls: none } }
                routes:
                  - id: r
                    match: { path: /x }
                    service: s
                    require: { client_cert: true }
                """)).isInstanceOf(ConfigException.class).hasMessageContaining("unknown key 'client_cert' (allowed: client_certificate, scopes, roles, mfa, acr, max_auth_age, bound_token, device)");
    }
}
