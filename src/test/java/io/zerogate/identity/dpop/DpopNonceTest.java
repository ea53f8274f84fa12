package io.zerogate.identity.dpop;

import static io.zerogate.identity.dpop.DpopFixture.assertInvalid;
import static io.zerogate.identity.dpop.DpopFixture.assertValid;
import static org.assertj.core.api.Assertions.assertThat;

import io.zerogate.config.DpopConfig;
import io.zerogate.config.Secret;
import io.zerogate.testing.MutableClock;
import java.time.Duration;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** Server nonces (RFC 9449 section 8): a proof must carry a nonce this gateway issued, not long ago. */
class DpopNonceTest {

    private static final Secret SECRET = new Secret("nonce-secret-shared-by-the-cluster");

    private static DpopConfig config(boolean requireNonce, Secret secret) {
        return new DpopConfig(Set.of("ES256"), Duration.ofSeconds(60), requireNonce, Duration.ofMinutes(4), secret);
    }

    private final DpopFixture fixture = new DpopFixture(config(true, SECRET));

    private String proofWithNonce(ProofMaker.ClientKey key, Object nonce) throws Exception {
        Map<String, Object> claims = fixture.claims();
        if (nonce != null) {
            claims.put("nonce", nonce);
        }
        return ProofMaker.sign(key, ProofMaker.header(key), claims);
    }

    @Test
    void aProofWithoutNonceGetsOneAndThenPasses() throws Exception {
        ProofMaker.ClientKey key = ProofMaker.es256();
        String nonce = fixture.verifier.nonce();
        assertThat(fixture.check(proofWithNonce(key, null)))
                .isEqualTo(new DpopCheck.NonceRequired(nonce, "the proof carries no nonce"));
        assertValid(fixture.check(proofWithNonce(key, nonce)), key);
    }

    @Test
    void anExpiredNonceIsReplacedByACurrentOne() throws Exception {
        ProofMaker.ClientKey key = ProofMaker.es256();
        String nonce = fixture.verifier.nonce();
        fixture.clock.advance(Duration.ofMinutes(4));
        String current = fixture.verifier.nonce();
        assertThat(current).isNotEqualTo(nonce);
        assertThat(fixture.check(proofWithNonce(key, nonce)))
                .isEqualTo(new DpopCheck.NonceRequired(current, "the proof's nonce is not current"));
        assertValid(fixture.check(proofWithNonce(key, current)), key);
    }

    @Test
    void anyNonceThisGatewayDidNotIssueIsRefused() throws Exception {
        ProofMaker.ClientKey key = ProofMaker.es256();
        String current = fixture.verifier.nonce();
        DpopFixture foreign = new DpopFixture(config(true, new Secret("another-secret")));
        for (Object nonce : new Object[] {foreign.verifier.nonce(), "", "x".repeat(32), current + "A",
                current.substring(0, 31) + (current.charAt(31) == 'A' ? 'B' : 'A'), 42}) {
            assertThat(fixture.check(proofWithNonce(key, nonce)))
                    .as("nonce %s", nonce)
                    .isEqualTo(new DpopCheck.NonceRequired(current, "the proof's nonce is not current"));
        }
    }

    @Test
    void nodesSharingTheSecretAcceptEachOthersNonces() throws Exception {
        ProofMaker.ClientKey key = ProofMaker.es256();
        DpopFixture other = new DpopFixture(config(true, SECRET));
        assertThat(other.verifier.nonce()).isEqualTo(fixture.verifier.nonce());
        assertValid(fixture.check(proofWithNonce(key, other.verifier.nonce())), key);
    }

    @Test
    void withoutASecretEachProcessHasItsOwnNonces() throws Exception {
        DpopFixture first = new DpopFixture(config(true, null));
        DpopFixture second = new DpopFixture(config(true, null));
        assertThat(first.verifier.nonce()).isNotEqualTo(second.verifier.nonce());
        ProofMaker.ClientKey key = ProofMaker.es256();
        Map<String, Object> claims = first.claims();
        claims.put("nonce", second.verifier.nonce());
        assertThat(first.check(ProofMaker.sign(key, ProofMaker.header(key), claims)))
                .isInstanceOf(DpopCheck.NonceRequired.class);
        claims.put("nonce", first.verifier.nonce());
        assertValid(first.check(ProofMaker.sign(key, ProofMaker.header(key), claims)), key);
    }

    @Test
    void aProofThatFailsAnotherCheckIsRefusedRatherThanAskedForANonce() throws Exception {
        ProofMaker.ClientKey key = ProofMaker.es256();
        Map<String, Object> claims = fixture.claims();
        claims.put("htm", "POST");
        assertInvalid(fixture.check(ProofMaker.sign(key, ProofMaker.header(key), claims)),
                "htm does not match the request method");
    }

    @Test
    void askingForANonceDoesNotUseUpTheJti() throws Exception {
        ProofMaker.ClientKey key = ProofMaker.es256();
        Map<String, Object> claims = fixture.claims();
        assertThat(fixture.check(ProofMaker.sign(key, ProofMaker.header(key), claims)))
                .isInstanceOf(DpopCheck.NonceRequired.class);
        claims.put("nonce", fixture.verifier.nonce());
        assertValid(fixture.check(ProofMaker.sign(key, ProofMaker.header(key), claims)), key);
    }

    @Test
    void whenNoncesAreNotRequiredANonceClaimIsIgnored() throws Exception {
        DpopFixture optional = new DpopFixture(config(false, SECRET));
        ProofMaker.ClientKey key = ProofMaker.es256();
        Map<String, Object> claims = optional.claims();
        claims.put("nonce", "not-one-of-ours");
        assertValid(optional.check(ProofMaker.sign(key, ProofMaker.header(key), claims)), key);
        assertValid(optional.check(optional.proof(key)), key);
    }

    @Test
    void theNonceStaysTheSameForAQuarterOfItsLifetime() {
        MutableClock clock = fixture.clock;
        String nonce = fixture.verifier.nonce();
        clock.advance(Duration.ofSeconds(59));
        assertThat(fixture.verifier.nonce()).isEqualTo(nonce);
        clock.advance(Duration.ofSeconds(1));
        assertThat(fixture.verifier.nonce()).isNotEqualTo(nonce).hasSize(32).matches("[A-Za-z0-9_-]{32}");
    }
}
