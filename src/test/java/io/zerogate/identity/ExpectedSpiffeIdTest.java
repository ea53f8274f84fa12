package io.zerogate.identity;

import io.zerogate.cli.CertificateMint;
import static org.assertj.core.api.Assertions.assertThat;

import io.zerogate.testing.TestPki;
import org.junit.jupiter.api.Test;

/** Which certificates prove an expected workload identity: exactly that SPIFFE ID, and no other beside it. */
class ExpectedSpiffeIdTest {

    private static final CertificateMint.Issued CA = TestPki.rootCa("test-ca");
    private static final ExpectedSpiffeId ORDERS = new ExpectedSpiffeId(SpiffeId.parse("spiffe://example.org/ns/shop/sa/orders"));

    @Test
    void certificateWithExactlyThatIdProvesIt() {
        assertThat(ORDERS.mismatch(TestPki.workloadServer(CA, "spiffe://example.org/ns/shop/sa/orders").certificate())).isNull();
    }

    @Test
    void otherUrisBesideTheIdDoNotMatter() {
        assertThat(ORDERS.mismatch(TestPki.workloadServer(CA, "https://orders.example.org/",
                "spiffe://example.org/ns/shop/sa/orders").certificate())).isNull();
    }

    @Test
    void anotherWorkloadInTheSameTrustDomainIsNamedInTheMismatch() {
        assertThat(ORDERS.mismatch(TestPki.workloadServer(CA, "spiffe://example.org/ns/shop/sa/billing").certificate()))
                .isEqualTo("the certificate names spiffe://example.org/ns/shop/sa/billing (expected: spiffe://example.org/ns/shop/sa/orders)");
    }

    @Test
    void samePathInAnotherTrustDomainDoesNotMatch() {
        assertThat(ORDERS.mismatch(TestPki.workloadServer(CA, "spiffe://example.com/ns/shop/sa/orders").certificate()))
                .contains("not in a trusted trust domain");
    }

    @Test
    void certificateWithoutSpiffeIdDoesNotMatch() {
        assertThat(ORDERS.mismatch(TestPki.server(CA, "orders.example.org").certificate()))
                .startsWith("the certificate carries no SPIFFE ID");
    }

    @Test
    void secondSpiffeIdMakesTheCertificateAmbiguousEvenWhenOneMatches() {
        assertThat(ORDERS.mismatch(TestPki.workloadServer(CA, "spiffe://example.org/ns/shop/sa/orders",
                "spiffe://example.org/ns/shop/sa/billing").certificate())).contains("more than one SPIFFE ID");
        assertThat(ORDERS.mismatch(TestPki.workloadServer(CA, "spiffe://example.org/ns/shop/sa/orders",
                "spiffe://example.org/ns/shop/sa/orders").certificate())).contains("more than one SPIFFE ID");
    }

    @Test
    void idsThatOnlyLookAlikeDoNotMatch() {
        for (String lookalike : new String[] {"SPIFFE://example.org/ns/shop/sa/orders", "spiffe://example.org/ns/shop/sa/orders/",
                "spiffe://example.org/ns/shop/sa/orders/x", "spiffe://example.org/ns/shop/sa/Orders",
                "spiffe://example.org/ns/shop/sa/./orders"}) {
            assertThat(ORDERS.mismatch(TestPki.workloadServer(CA, lookalike).certificate())).as(lookalike).isNotNull();
        }
    }
}
