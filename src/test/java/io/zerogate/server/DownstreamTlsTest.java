package io.zerogate.server;

import io.zerogate.cli.CertificateMint;
import static org.assertj.core.api.Assertions.assertThat;

import io.zerogate.testing.Await;
import io.zerogate.testing.RunningGateway;
import io.zerogate.testing.TestPki;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import javax.net.ssl.SSLSocket;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * HTTPS listeners on real handshakes: requests reach the upstream with the scheme the client used, the
 * certificate follows SNI, and only TLS 1.3 and forward-secret AEAD suites of TLS 1.2 are spoken.
 */
@Timeout(60)
class DownstreamTlsTest {

    @TempDir
    static Path dir;

    private static final CertificateMint.Issued CA = TestPki.rootCa("server-ca");
    private static final CertificateMint.Issued DEFAULT = TestPki.server(CA);
    private static final CertificateMint.Issued API = TestPki.server(CA, "api.example.com");
    private static final CertificateMint.Issued APPS = TestPki.server(CA, "*.apps.example.com");

    private static EchoUpstream upstream;
    private static RunningGateway gw;
    private static RunningGateway tls13;
    private static RunningGateway impatient;

    @BeforeAll
    static void start() throws Exception {
        Path[] identity = DEFAULT.write(dir, "default");
        Path[] api = API.write(dir, "api");
        Path[] apps = APPS.write(dir, "apps");
        upstream = EchoUpstream.start();
        String routes = """
                services:
                  app:
                    targets: [%s]
                    tls: none
                routes:
                  - id: open
                    match: { path: "/{rest...}" }
                    service: app
                    public: true
                """.formatted(upstream.target());
        gw = RunningGateway.start("""
                listeners:
                  - name: public
                    address: 127.0.0.1:0
                    tls:
                      certificate: "%s"
                      private_key: "%s"
                      sni:
                        - hosts: [api.example.com]
                          certificate: "%s"
                          private_key: "%s"
                        - hosts: ["*.apps.example.com", API.Example.ORG]
                          certificate: "%s"
                          private_key: "%s"
                """.formatted(identity[0], identity[1], api[0], api[1], apps[0], apps[1]) + routes);
        tls13 = RunningGateway.start("""
                listeners:
                  - name: public
                    address: 127.0.0.1:0
                    tls:
                      certificate: "%s"
                      private_key: "%s"
                      protocols: [TLSv1.3]
                """.formatted(identity[0], identity[1]) + routes);
        impatient = RunningGateway.start("""
                listeners:
                  - name: public
                    address: 127.0.0.1:0
                    tls:
                      certificate: "%s"
                      private_key: "%s"
                timeouts:
                  request_header: 300ms
                """.formatted(identity[0], identity[1]) + routes);
    }

    @AfterAll
    static void stop() throws IOException {
        if (gw != null) {
            gw.close();
        }
        if (tls13 != null) {
            tls13.close();
        }
        if (impatient != null) {
            impatient.close();
        }
        if (upstream != null) {
            upstream.close();
        }
    }

    @BeforeEach
    void forgetEarlierRequests() {
        upstream.clear();
    }

    @Test
    void anHttpsRequestReachesThePlainUpstreamAsHttps() throws Exception {
        RawResponse r = TlsClient.trusting(CA).get(gw.port(), "/orders?id=1");
        assertThat(r.status()).isEqualTo(200);
        String head = upstream.nextHead();
        assertThat(EchoUpstream.requestLine(head)).isEqualTo("GET /orders?id=1 HTTP/1.1");
        assertThat(EchoUpstream.headerValues(head, "x-forwarded-proto")).containsExactly("https");
        assertThat(EchoUpstream.headerValues(head, "forwarded")).containsExactly("for=127.0.0.1;proto=https;host=\"localhost\"");
    }

    @Test
    void aClientCannotClaimAnotherScheme() throws Exception {
        try (SSLSocket s = TlsClient.trusting(CA).connect(gw.port(), "localhost")) {
            OutputStream out = s.getOutputStream();
            out.write("GET /x HTTP/1.1\r\nHost: localhost\r\nX-Forwarded-Proto: http\r\nConnection: close\r\n\r\n"
                    .getBytes(StandardCharsets.ISO_8859_1));
            out.flush();
            assertThat(RawResponse.read(s.getInputStream(), false).status()).isEqualTo(200);
        }
        assertThat(EchoUpstream.headerValues(upstream.nextHead(), "x-forwarded-proto")).containsExactly("https");
    }

    @Test
    void requestsShareAConnection() throws Exception {
        try (SSLSocket s = TlsClient.trusting(CA).connect(gw.port(), "localhost")) {
            for (int i = 0; i < 3; i++) {
                assertThat(TlsClient.request(s, "GET", "/n" + i, "localhost", false).status()).isEqualTo(200);
            }
        }
        assertThat(upstream.heads()).hasSize(3);
    }

    @Test
    void sniPicksTheCertificate() throws Exception {
        TlsClient client = TlsClient.trusting(CA);
        int port = gw.port();
        assertThat(client.servedCertificate(port, "api.example.com")).isEqualTo(API.certificate());
        assertThat(client.servedCertificate(port, "API.EXAMPLE.COM")).isEqualTo(API.certificate());
        assertThat(client.servedCertificate(port, "shop.apps.example.com")).isEqualTo(APPS.certificate());
        assertThat(client.servedCertificate(port, "api.example.org")).isEqualTo(APPS.certificate());
        // A wildcard covers one label, as in certificate names.
        assertThat(client.servedCertificate(port, "a.shop.apps.example.com")).isEqualTo(DEFAULT.certificate());
        assertThat(client.servedCertificate(port, "apps.example.com")).isEqualTo(DEFAULT.certificate());
        assertThat(client.servedCertificate(port, "localhost")).isEqualTo(DEFAULT.certificate());
        assertThat(client.servedCertificate(port, null)).isEqualTo(DEFAULT.certificate());
        // The client's own name check passes with the chosen certificate.
        try (SSLSocket s = client.connect(port, "api.example.com")) {
            assertThat(TlsClient.request(s, "GET", "/sni", "api.example.com", true).status()).isEqualTo(200);
        }
    }

    @Test
    void tls12NegotiatesAForwardSecretAeadSuite() throws Exception {
        try (SSLSocket s = TlsClient.trusting(CA).onlyProtocols("TLSv1.2").connect(gw.port(), "localhost")) {
            assertThat(s.getSession().getProtocol()).isEqualTo("TLSv1.2");
            assertThat(s.getSession().getCipherSuite()).matches("TLS_ECDHE_ECDSA_WITH_(AES_(128|256)_GCM_SHA(256|384)|CHACHA20_POLY1305_SHA256)");
            assertThat(TlsClient.request(s, "GET", "/v12", "localhost", true).status()).isEqualTo(200);
        }
        try (SSLSocket s = TlsClient.trusting(CA).connect(gw.port(), "localhost")) {
            assertThat(s.getSession().getProtocol()).isEqualTo("TLSv1.3");
        }
    }

    @Test
    void cbcSuitesAreNotSpoken() throws Exception {
        double before = gw.gateway().metrics().tlsHandshakeFailures("public", "protocol");
        IOException e = TlsClient.trusting(CA).onlyProtocols("TLSv1.2")
                .onlyCipherSuites("TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA256", "TLS_ECDHE_ECDSA_WITH_AES_256_CBC_SHA")
                .refusedGet(gw.port());
        assertThat(e).isNotNull();
        Await.until("a protocol failure", Duration.ofSeconds(5),
                () -> gw.gateway().metrics().tlsHandshakeFailures("public", "protocol") >= before + 1);
    }

    @Test
    void aClientThatSendsNoClientHelloIsCutOff() throws Exception {
        long start = System.nanoTime();
        try (java.net.Socket s = impatient.connect()) {
            assertThat(s.getInputStream().read()).isEqualTo(-1);
        }
        assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(5));
        Await.until("a timeout counted", Duration.ofSeconds(5),
                () -> impatient.gateway().metrics().tlsHandshakeFailures("public", "timeout") >= 1);
    }

    @Test
    void aClientThatStallsInTheHandshakeIsCutOff() throws Exception {
        double before = impatient.gateway().metrics().tlsHandshakeFailures("public", "timeout");
        try (java.net.Socket s = impatient.connect()) {
            // The first bytes of a ClientHello record, and then nothing.
            s.getOutputStream().write(new byte[] {0x16, 0x03, 0x01, 0x02, 0x00, 0x01, 0x00, 0x01, (byte) 0xfc});
            s.getOutputStream().flush();
            assertThat(s.getInputStream().read()).isEqualTo(-1);
        }
        Await.until("a timeout counted", Duration.ofSeconds(5),
                () -> impatient.gateway().metrics().tlsHandshakeFailures("public", "timeout") >= before + 1);
    }

    @Test
    void aTls13OnlyListenerRefusesTls12() throws Exception {
        double before = tls13.gateway().metrics().tlsHandshakeFailures("public", "protocol");
        TlsClient.trusting(CA).onlyProtocols("TLSv1.2").refusedGet(tls13.port());
        Await.until("a protocol failure", Duration.ofSeconds(5),
                () -> tls13.gateway().metrics().tlsHandshakeFailures("public", "protocol") >= before + 1);
        assertThat(TlsClient.trusting(CA).get(tls13.port(), "/v13").status()).isEqualTo(200);
    }
}
