package io.zerogate.identity;

import io.zerogate.cli.CertificateMint;
import static org.assertj.core.api.Assertions.assertThat;

import io.zerogate.chain.Decision;
import io.zerogate.chain.Exchange;
import io.zerogate.chain.ReasonCode;
import io.zerogate.testing.Exchanges;
import io.zerogate.testing.TestPki;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

class ClientCertificateStageTest {

    private static final CertificateMint.Issued CA = TestPki.rootCa("ca");
    private static final Set<String> DOMAINS = Set.of("example.org");
    private static final String CHECKOUT = "spiffe://example.org/ns/prod/sa/checkout";

    private final ClientCertificateStage stage = new ClientCertificateStage();

    private static Exchange exchange(boolean requireClientCertificate) {
        return Exchanges.exchange("r1", true, requireClientCertificate, Exchanges.service("svc"));
    }

    private Decision run(Exchange exchange) {
        return stage.evaluate(exchange).toCompletableFuture().getNow(null);
    }

    private static TransportIdentity presented(CertificateMint.Issued certificate) {
        return TransportIdentity.of(List.of(certificate.certificate(), CA.certificate()), DOMAINS);
    }

    @Test
    void aRouteThatRequiresNothingPassesWithoutCertificate() {
        Exchange plain = exchange(false);
        assertThat(run(plain)).isEqualTo(Decision.proceed());
        Exchange anonymous = exchange(false);
        anonymous.put(TransportIdentity.KEY, TransportIdentity.Anonymous.INSTANCE);
        assertThat(run(anonymous)).isEqualTo(Decision.proceed());
        assertThat(anonymous.get(ClientCertificate.KEY)).isNull();
        assertThat(anonymous.get(Subject.KEY)).isNull();
    }

    @Test
    void aRouteThatRequiresACertificateRefusesTlsWithoutOne() {
        Exchange anonymous = exchange(true);
        anonymous.put(TransportIdentity.KEY, TransportIdentity.Anonymous.INSTANCE);
        Decision.Deny deny = (Decision.Deny) run(anonymous);
        assertThat(deny.reason()).isEqualTo(ReasonCode.CLIENT_CERTIFICATE_REQUIRED);
        assertThat(deny.status()).isEqualTo(401);
        assertThat(deny.ruleId()).isEqualTo("r1");
        assertThat(deny.detail()).contains("none was presented");
    }

    @Test
    void aRouteThatRequiresACertificateRefusesPlainHttp() {
        Decision.Deny deny = (Decision.Deny) run(exchange(true));
        assertThat(deny.reason()).isEqualTo(ReasonCode.CLIENT_CERTIFICATE_REQUIRED);
        assertThat(deny.detail()).contains("does not use TLS");
    }

    @Test
    void aWorkloadCertificateBecomesFactsAndAWorkloadSubject() {
        CertificateMint.Issued workload = TestPki.client(CA, "checkout", CHECKOUT);
        Exchange ex = exchange(true);
        ex.put(TransportIdentity.KEY, presented(workload));
        assertThat(run(ex)).isEqualTo(Decision.proceed());
        ClientCertificate facts = ex.get(ClientCertificate.KEY);
        assertThat(facts).isNotNull();
        assertThat(facts.spiffeId()).isEqualTo(SpiffeId.parse(CHECKOUT));
        assertThat(facts.thumbprint()).isEqualTo(ClientCertificate.thumbprint(workload.certificate()));
        Subject subject = ex.get(Subject.KEY);
        assertThat(subject).isEqualTo(Subject.workload(SpiffeId.parse(CHECKOUT)));
    }

    @Test
    void aCertificateWithoutSpiffeIdGivesFactsButNoSubject() {
        Exchange ex = exchange(true);
        ex.put(TransportIdentity.KEY, presented(TestPki.client(CA, "alice")));
        assertThat(run(ex)).isEqualTo(Decision.proceed());
        assertThat(ex.get(ClientCertificate.KEY).subjectDn()).contains("CN=alice");
        assertThat(ex.get(Subject.KEY)).isNull();
    }

    @Test
    void anUnusableCertificateIsRefusedEvenWhereNoneIsRequired() {
        TransportIdentity twoIds = presented(TestPki.client(CA, "twice", CHECKOUT, "spiffe://example.org/ns/prod/sa/billing"));
        TransportIdentity foreign = presented(TestPki.client(CA, "foreign", "spiffe://evil.example/sa/checkout"));
        TransportIdentity invalid = presented(TestPki.client(CA, "invalid", "spiffe://example.org/a/../b"));
        for (TransportIdentity t : List.of(twoIds, foreign, invalid)) {
            assertThat(t).isInstanceOf(TransportIdentity.Rejected.class);
            Exchange ex = exchange(false);
            ex.put(TransportIdentity.KEY, t);
            Decision.Deny deny = (Decision.Deny) run(ex);
            assertThat(deny.reason()).isEqualTo(ReasonCode.CLIENT_CERTIFICATE_REJECTED);
            assertThat(deny.status()).isEqualTo(403);
            assertThat(ex.get(ClientCertificate.KEY)).isNull();
            assertThat(ex.get(Subject.KEY)).isNull();
        }
        assertThat(((TransportIdentity.Rejected) twoIds).problem()).contains("more than one SPIFFE ID");
        assertThat(((TransportIdentity.Rejected) foreign).problem()).contains("not in a trusted trust domain");
    }

    @Test
    void noChainMeansNoCertificate() {
        assertThat(TransportIdentity.of(List.of(), DOMAINS)).isSameAs(TransportIdentity.Anonymous.INSTANCE);
    }
}
