package io.zerogate.server;

import io.zerogate.cli.CertificateMint;
import static org.assertj.core.api.Assertions.assertThat;

import io.zerogate.testing.Await;
import io.zerogate.testing.RunningGateway;
import io.zerogate.testing.TestPki;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.time.Instant;
import javax.net.ssl.SSLSocket;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Certificates, keys, client CAs and CRLs rotated on disk while the gateway runs: new handshakes use the new
 * files, established connections keep working, and files that cannot be used leave the old ones in place.
 */
@Timeout(60)
class CertificateReloadTest {

    /** Files are checked every 2 s; a reload is expected well within this. */
    private static final Duration RELOAD_BOUND = Duration.ofSeconds(10);

    private static final CertificateMint.Issued CA = TestPki.rootCa("server-ca");
    private static final CertificateMint.Issued CLIENT_CA = TestPki.rootCa("client-ca");
    private static final CertificateMint.Issued NEXT_CLIENT_CA = TestPki.rootCa("next-client-ca");

    @TempDir
    Path dir;

    private EchoUpstream upstream;
    private RunningGateway gw;
    private int versions;

    @BeforeEach
    void startUpstream() throws Exception {
        upstream = EchoUpstream.start();
    }

    @AfterEach
    void stop() throws Exception {
        if (gw != null) {
            gw.close();
        }
        upstream.close();
    }

    private void start(String tlsExtra) throws Exception {
        gw = RunningGateway.start("""
                listeners:
                  - name: public
                    address: 127.0.0.1:0
                    tls:
                      certificate: "%s"
                      private_key: "%s"
                """.formatted(current().resolve("server.crt"), current().resolve("server.key")) + tlsExtra + """
                services:
                  app:
                    targets: [%s]
                    tls: none
                routes:
                  - id: open
                    match: { path: "/{rest...}" }
                    service: app
                    public: true
                """.formatted(upstream.target()));
    }

    /**
     * Installs a server identity the way a Kubernetes secret mount changes: the files sit in a new directory
     * and one symlink swap makes certificate and key change together.
     */
    private void install(CertificateMint.Issued identity) throws Exception {
        Path version = Files.createDirectories(dir.resolve("v" + versions++));
        identity.write(version, "server");
        Path link = dir.resolve("current.tmp");
        Files.createSymbolicLink(link, version.getFileName());
        Files.move(link, current(), StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    }

    private Path current() {
        return dir.resolve("current");
    }

    private double reloads(String result) {
        return gw.gateway().metrics().tlsCertificateReloads("public", result);
    }

    private void awaitReloads(String result, double atLeast) throws InterruptedException {
        Await.until(result + " TLS reloads", RELOAD_BOUND, () -> reloads(result) >= atLeast);
    }

    @Test
    void newConnectionsGetTheRotatedCertificateAndOpenOnesKeepWorking() throws Exception {
        CertificateMint.Issued first = TestPki.server(CA);
        CertificateMint.Issued second = TestPki.server(CA);
        install(first);
        start("");
        TlsClient client = TlsClient.trusting(CA);
        try (SSLSocket open = client.connect(gw.port(), "localhost")) {
            assertThat(TlsClient.request(open, "GET", "/before", "localhost", false).status()).isEqualTo(200);
            assertThat(open.getSession().getPeerCertificates()[0]).isEqualTo(first.certificate());

            install(second);
            awaitReloads("applied", 1);

            assertThat(client.servedCertificate(gw.port(), "localhost")).isEqualTo(second.certificate());
            assertThat(client.get(gw.port(), "/after").status()).isEqualTo(200);
            // The connection made before the rotation goes on with its own handshake.
            assertThat(TlsClient.request(open, "GET", "/still", "localhost", true).status()).isEqualTo(200);
            assertThat(open.getSession().getPeerCertificates()[0]).isEqualTo(first.certificate());
        }
        assertThat(reloads("rejected")).isZero();
    }

    @Test
    void filesThatCannotBeUsedLeaveTheOldCertificateInPlace() throws Exception {
        CertificateMint.Issued first = TestPki.server(CA);
        install(first);
        start("");
        TlsClient client = TlsClient.trusting(CA);

        Files.writeString(current().resolve("server.crt"), "-----BEGIN CERTIFICATE-----\nnot base64!\n-----END CERTIFICATE-----\n");
        awaitReloads("rejected", 1);
        assertThat(client.servedCertificate(gw.port(), "localhost")).isEqualTo(first.certificate());
        assertThat(client.get(gw.port(), "/x").status()).isEqualTo(200);

        // A certificate with someone else's key is refused the same way.
        CertificateMint.Issued other = TestPki.server(CA);
        Path[] otherFiles = other.write(Files.createDirectories(dir.resolve("other")), "other");
        Files.copy(otherFiles[0], current().resolve("server.crt"), StandardCopyOption.REPLACE_EXISTING);
        awaitReloads("rejected", 2);
        assertThat(client.servedCertificate(gw.port(), "localhost")).isEqualTo(first.certificate());

        // Fixing the files brings the new certificate in.
        Files.copy(otherFiles[1], current().resolve("server.key"), StandardCopyOption.REPLACE_EXISTING);
        awaitReloads("applied", 1);
        assertThat(client.servedCertificate(gw.port(), "localhost")).isEqualTo(other.certificate());
    }

    @Test
    void aRotatedClientCaAndCrlTakeEffect() throws Exception {
        install(TestPki.server(CA));
        Path clientCa = CLIENT_CA.writeCertificate(dir, "clients");
        Path crl = dir.resolve("clients.crl");
        Files.writeString(crl, TestPki.crl(CLIENT_CA, Instant.now().plus(Duration.ofDays(1))));
        CertificateMint.Issued alice = TestPki.client(CLIENT_CA, "alice");
        CertificateMint.Issued bob = TestPki.client(NEXT_CLIENT_CA, "bob");
        start("""
                      client_auth: required
                      client_ca: "%s"
                      crl: "%s"
                """.formatted(clientCa, crl));
        assertThat(TlsClient.presenting(CA, alice).get(gw.port(), "/alice").status()).isEqualTo(200);
        TlsClient.presenting(CA, bob).refusedGet(gw.port());

        // Alice's certificate is revoked.
        Files.writeString(crl, TestPki.crl(CLIENT_CA, Instant.now().plus(Duration.ofDays(1)), alice.certificate()));
        awaitReloads("applied", 1);
        TlsClient.presenting(CA, alice).refusedGet(gw.port());
        Await.until("a revoked certificate counted", RELOAD_BOUND,
                () -> gw.gateway().metrics().tlsHandshakeFailures("public", "certificate_revoked") == 1);

        // The CRL file gains the next CA's list, then the bundle the next CA: each change on its own.
        Files.writeString(crl, Files.readString(crl) + TestPki.crl(NEXT_CLIENT_CA, Instant.now().plus(Duration.ofDays(1))));
        awaitReloads("applied", 2);
        TlsClient.presenting(CA, bob).refusedGet(gw.port());
        Files.writeString(clientCa, Files.readString(clientCa) + Files.readString(NEXT_CLIENT_CA.writeCertificate(dir, "next")));
        awaitReloads("applied", 3);
        assertThat(TlsClient.presenting(CA, bob).get(gw.port(), "/bob").status()).isEqualTo(200);
        TlsClient.presenting(CA, alice).refusedGet(gw.port());
    }
}
