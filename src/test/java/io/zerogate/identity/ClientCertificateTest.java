package io.zerogate.identity;

import io.zerogate.cli.CertificateMint;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;

import io.zerogate.testing.TestPki;
import java.security.MessageDigest;
import java.util.Base64;
import java.util.Set;
import org.junit.jupiter.api.Test;

class ClientCertificateTest {

    private static final CertificateMint.Issued CA = TestPki.rootCa("test-ca");

    @Test
    void aWorkloadCertificateYieldsItsSpiffeIdAndThumbprint() throws Exception {
        CertificateMint.Issued cert = TestPki.client(CA, "checkout", "spiffe://example.org/ns/shop/sa/checkout");
        ClientCertificate facts = ClientCertificate.of(cert.certificate(), Set.of("example.org"));
        assertThat(facts.spiffeId()).isEqualTo(SpiffeId.parse("spiffe://example.org/ns/shop/sa/checkout"));
        assertThat(facts.subjectDn()).contains("CN=checkout").contains("O=ZeroGate");
        assertThat(facts.uris()).containsExactly("spiffe://example.org/ns/shop/sa/checkout");
        String expected = Base64.getUrlEncoder().withoutPadding().encodeToString(
                MessageDigest.getInstance("SHA-256").digest(cert.certificate().getEncoded()));
        assertThat(facts.thumbprint()).isEqualTo(expected).hasSize(43);
    }

    @Test
    void aPersonCertificateHasNoSpiffeId() {
        ClientCertificate facts = ClientCertificate.of(TestPki.client(CA, "alice").certificate(), Set.of("example.org"));
        assertThat(facts.spiffeId()).isNull();
        assertThat(facts.uris()).isEmpty();
    }

    @Test
    void aForeignTrustDomainIsRefused() {
        assertThatIllegalArgumentException().isThrownBy(() -> ClientCertificate.of(
                TestPki.client(CA, "x", "spiffe://evil.org/app").certificate(), Set.of("example.org")))
                .withMessageContaining("not in a trusted trust domain");
    }

    @Test
    void twoSpiffeIdsAreRefused() {
        assertThatIllegalArgumentException().isThrownBy(() -> ClientCertificate.of(
                TestPki.client(CA, "x", "spiffe://example.org/a", "spiffe://example.org/b").certificate(), Set.of("example.org")))
                .withMessageContaining("more than one SPIFFE ID");
    }

    @Test
    void anInvalidSpiffeIdIsRefused() {
        assertThatIllegalArgumentException().isThrownBy(() -> ClientCertificate.of(
                TestPki.client(CA, "x", "spiffe://example.org/a/../b").certificate(), Set.of("example.org")));
    }
}
