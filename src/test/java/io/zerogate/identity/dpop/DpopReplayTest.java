package io.zerogate.identity.dpop;

import static io.zerogate.identity.dpop.DpopFixture.METHOD;
import static io.zerogate.identity.dpop.DpopFixture.TOKEN;
import static io.zerogate.identity.dpop.DpopFixture.URI;
import static io.zerogate.identity.dpop.DpopFixture.assertInvalid;
import static io.zerogate.identity.dpop.DpopFixture.assertValid;
import static org.assertj.core.api.Assertions.assertThat;

import io.zerogate.chain.ReasonCode;
import io.zerogate.config.DpopConfig;
import io.zerogate.testing.MutableClock;
import io.zerogate.state.StateStore;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** A proof is good for one request: its jti is claimed in the state store once every other check passed. */
class DpopReplayTest {

    private static final DpopCheck REPLAYED =
            new DpopCheck.Invalid(ReasonCode.DPOP_PROOF_REPLAYED, "the proof's jti was used before");

    private final DpopFixture fixture = new DpopFixture();

    @Test
    void theSameProofTwiceIsAReplay() throws Exception {
        ProofMaker.ClientKey key = ProofMaker.es256();
        String proof = fixture.proof(key);
        assertValid(fixture.check(proof), key);
        assertThat(fixture.check(proof)).isEqualTo(REPLAYED);
        assertThat(fixture.check(proof)).isEqualTo(REPLAYED);
    }

    @Test
    void aFreshProofWithAUsedJtiIsAReplayAndAnotherKeysJtiIsNot() throws Exception {
        ProofMaker.ClientKey key = ProofMaker.es256();
        Map<String, Object> claims = fixture.claims();
        assertValid(fixture.check(ProofMaker.sign(key, ProofMaker.header(key), claims)), key);
        fixture.clock.advance(Duration.ofSeconds(1));
        claims.put("iat", fixture.clock.instant().getEpochSecond());
        assertThat(fixture.check(ProofMaker.sign(key, ProofMaker.header(key), claims))).isEqualTo(REPLAYED);
        ProofMaker.ClientKey other = ProofMaker.es256();
        assertValid(fixture.check(ProofMaker.sign(other, ProofMaker.header(other), claims)), other);
    }

    @Test
    void aRefusedProofDoesNotUseUpItsJti() throws Exception {
        ProofMaker.ClientKey key = ProofMaker.es256();
        Map<String, Object> claims = fixture.claims();
        claims.put("htm", "POST");
        assertInvalid(fixture.check(ProofMaker.sign(key, ProofMaker.header(key), claims)),
                "htm does not match the request method");
        assertInvalid(fixture.check(ProofMaker.sign(key, ProofMaker.header(key), claims), "another-jkt"),
                "htm does not match the request method");
        claims.put("htm", METHOD);
        assertInvalid(fixture.check(ProofMaker.sign(key, ProofMaker.header(key), claims), "another-jkt"),
                "the proof's key is not the key the access token is bound to (cnf.jkt)");
        assertValid(fixture.check(ProofMaker.sign(key, ProofMaker.header(key), claims)), key);
    }

    @Test
    void theClaimIsTheKeysThumbprintAndJtiForTwiceTheMaximumAgeAndASecond() throws Exception {
        ProofMaker.ClientKey key = ProofMaker.es256();
        Map<String, Object> claims = fixture.claims();
        assertValid(fixture.check(ProofMaker.sign(key, ProofMaker.header(key), claims)), key);
        String claimKey = "dpop:" + key.thumbprint() + ":" + claims.get("jti");
        fixture.clock.advance(Duration.ofSeconds(121).minusMillis(1));
        assertThat(claim(fixture.store, claimKey)).isFalse();
        fixture.clock.advance(Duration.ofMillis(1));
        assertThat(claim(fixture.store, claimKey)).isTrue();
    }

    @Test
    void aProofAheadOfTheClockStaysAReplayUntilItIsTooOld() throws Exception {
        ProofMaker.ClientKey key = ProofMaker.es256();
        Map<String, Object> claims = fixture.claims();
        claims.put("iat", fixture.clock.instant().getEpochSecond() + 60);
        String proof = ProofMaker.sign(key, ProofMaker.header(key), claims);
        assertValid(fixture.check(proof), key);
        fixture.clock.advance(Duration.ofSeconds(120));
        assertThat(fixture.check(proof)).isEqualTo(REPLAYED);
        fixture.clock.advance(Duration.ofMillis(1));
        assertInvalid(fixture.check(proof), "iat is older than the proof's maximum age");
    }

    private static boolean claim(StateStore store, String key) throws Exception {
        return store.claimOnce(key, Duration.ofSeconds(1)).toCompletableFuture().get(1, TimeUnit.SECONDS);
    }

    @Test
    void aStoreThatFailsRefusesTheProof() throws Exception {
        ProofMaker.ClientKey key = ProofMaker.es256();
        MutableClock clock = fixture.clock;
        List<StateStore> broken = List.of(
                store((k, ttl) -> CompletableFuture.failedFuture(new IllegalStateException("connection reset"))),
                store((k, ttl) -> {
                    throw new IllegalStateException("closed");
                }),
                store((k, ttl) -> null),
                store((k, ttl) -> CompletableFuture.completedFuture(null)));
        List<String> details = new ArrayList<>();
        for (StateStore store : broken) {
            DpopVerifier verifier = new DpopVerifier(DpopConfig.DEFAULT, store, clock);
            DpopCheck check = DpopFixture.done(verifier.verify(fixture.proof(key), METHOD, URI, TOKEN, null));
            assertThat(check).isInstanceOf(DpopCheck.Invalid.class);
            assertThat(((DpopCheck.Invalid) check).reason()).isEqualTo(ReasonCode.STATE_UNAVAILABLE);
            details.add(((DpopCheck.Invalid) check).detail());
        }
        assertThat(details).containsExactly(
                "the replay check could not be made: the state store failed (IllegalStateException)",
                "the replay check could not be made: the state store failed (IllegalStateException)",
                "the replay check could not be made: the state store gave no answer",
                "the replay check could not be made: the state store gave no answer");
    }

    @Test
    void aStoreThatAnswersLaterCompletesTheCheckThen() throws Exception {
        CompletableFuture<Boolean> answer = new CompletableFuture<>();
        List<String> claimed = new ArrayList<>();
        StateStore slow = store((k, ttl) -> {
            claimed.add(k + " " + ttl);
            return answer;
        });
        DpopVerifier verifier = new DpopVerifier(DpopConfig.DEFAULT, slow, fixture.clock);
        ProofMaker.ClientKey key = ProofMaker.es256();
        Map<String, Object> claims = fixture.claims();
        CompletableFuture<DpopCheck> check = verifier.verify(ProofMaker.sign(key, ProofMaker.header(key), claims),
                METHOD, URI, TOKEN, null).toCompletableFuture();
        assertThat(check).isNotDone();
        assertThat(claimed).containsExactly("dpop:" + key.thumbprint() + ":" + claims.get("jti") + " PT2M1S");
        answer.complete(false);
        assertThat(check).isCompletedWithValue(REPLAYED);
    }

    private static StateStore store(Claimer claimer) {
        return new StateStore() {
            @Override
            public CompletionStage<Boolean> claimOnce(String key, Duration ttl) {
                return claimer.claim(key, ttl);
            }

            @Override
            public CompletionStage<io.zerogate.state.ChargeVerdict> charge(java.util.List<io.zerogate.state.Charge> charges,
                                                                           String leaseId) {
                throw new AssertionError("DPoP never charges limits");
            }

            @Override
            public CompletionStage<Void> release(java.util.List<io.zerogate.state.Charge> charges, String leaseId) {
                throw new AssertionError("DPoP never charges limits");
            }

            @Override
            public CompletionStage<java.util.List<io.zerogate.state.ChargeResult>> peek(
                    java.util.List<io.zerogate.state.Charge> charges) {
                throw new AssertionError("DPoP never charges limits");
            }

            @Override
            public void close() {
            }
        };
    }

    private interface Claimer {
        CompletionStage<Boolean> claim(String key, Duration ttl);
    }
}
