package io.zerogate.config;

import io.zerogate.cli.CertificateMint;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import io.zerogate.testing.TestPki;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class TlsMaterialTest {

    private static final CertificateMint.Issued CA = TestPki.rootCa("ca");

    @TempDir
    Path dir;

    private GatewayConfig load(String tls) throws Exception {
        Path file = dir.resolve("gateway.yaml");
        Files.writeString(file, """
                version: 1
                listeners:
                  - name: edge
                    address: 127.0.0.1:0
                    tls:
                      certificate: server.crt
                      private_key: server.key
                """ + tls + "services: {}\nroutes: []\n");
        return ConfigLoader.load(file);
    }

    @Test
    void rereadingPicksUpNewFiles() throws Exception {
        TestPki.server(CA).write(dir, "server");
        ListenerTls loaded = load("").listeners().get(0).tls();
        CertificateMint.Issued next = TestPki.server(CA);
        next.write(dir, "server");
        ListenerTls reread = TlsMaterial.reread("listener edge", loaded);
        assertThat(reread.identity().leaf()).isEqualTo(next.certificate());
        assertThat(reread.identity().certificate()).isEqualTo(loaded.identity().certificate());
        assertThat(reread.protocols()).isEqualTo(loaded.protocols());
    }

    @Test
    void aKeyThatNoLongerMatchesIsRefused() throws Exception {
        TestPki.server(CA).write(dir, "server");
        ListenerTls loaded = load("").listeners().get(0).tls();
        Path[] other = TestPki.server(CA).write(Files.createDirectory(dir.resolve("other")), "server");
        Files.copy(other[0], dir.resolve("server.crt"), StandardCopyOption.REPLACE_EXISTING);
        ConfigException e = catchThrowableOfType(ConfigException.class, () -> TlsMaterial.reread("listener edge", loaded));
        assertThat(e.source()).isEqualTo("listener edge");
        assertThat(e.problem()).contains("does not belong to the certificate");
    }

    @Test
    void crlsAreReadFromPemAndRefusedWhenBroken() throws Exception {
        TestPki.server(CA).write(dir, "server");
        CA.writeCertificate(dir, "ca");
        CertificateMint.Issued revoked = TestPki.client(CA, "revoked");
        Files.writeString(dir.resolve("ca.crl"), TestPki.crl(CA, Instant.now().plus(Duration.ofDays(1)), revoked.certificate())
                + TestPki.crl(CA, Instant.now().plus(Duration.ofDays(1))));
        ListenerTls tls = load("      client_auth: optional\n      client_ca: ca.crt\n      crl: ca.crl\n").listeners().get(0).tls();
        assertThat(tls.crl()).isEqualTo(dir.resolve("ca.crl"));
        List<java.security.cert.X509CRL> crls = TlsMaterial.crls("listener edge", tls.crl());
        assertThat(crls).hasSize(2);
        assertThat(crls.get(0).isRevoked(revoked.certificate())).isTrue();

        Files.writeString(dir.resolve("bad.crl"), "-----BEGIN X509 CRL-----\nAAAA\n-----END X509 CRL-----\n");
        ConfigException e = catchThrowableOfType(ConfigException.class,
                () -> load("      client_auth: optional\n      client_ca: ca.crt\n      crl: bad.crl\n"));
        assertThat(e.keyPath()).isEqualTo("listeners[0].tls.crl");
        assertThat(e.line()).isEqualTo(10);
        assertThat(e.problem()).contains("holds a CRL that cannot be read");
    }

    @Test
    void theDigestFollowsTheContents() throws Exception {
        Path a = Files.writeString(dir.resolve("a"), "one");
        Path b = Files.writeString(dir.resolve("b"), "two");
        byte[] first = TlsMaterial.digest(List.of(a, b));
        assertThat(TlsMaterial.digest(List.of(a, b))).isEqualTo(first);
        // Moving a byte from one file to the other changes the digest.
        Files.writeString(a, "onet");
        Files.writeString(b, "wo");
        assertThat(TlsMaterial.digest(List.of(a, b))).isNotEqualTo(first);
        Files.delete(b);
        assertThat(TlsMaterial.digest(List.of(a, b))).isNotEqualTo(first);
    }
}
