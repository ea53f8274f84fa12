package io.zerogate.identity.dpop;

import static org.assertj.core.api.Assertions.assertThat;

import io.zerogate.chain.ReasonCode;
import io.zerogate.config.DpopConfig;
import io.zerogate.state.EmbeddedStateStore;
import io.zerogate.testing.MutableClock;
import io.zerogate.state.StateStore;
import java.time.Instant;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

/** A verifier over an embedded store and a fake clock, and the request its proofs are checked against. */
final class DpopFixture {

    static final String METHOD = "GET";
    static final String URI = "https://api.example.com/orders/42";
    static final String TOKEN = "eyJhbGciOiJFUzI1NiJ9.eyJzdWIiOiJhbGljZSJ9.c2lnbmF0dXJl";
    static final Instant START = Instant.parse("2025-01-01T00:00:00Z");

    final MutableClock clock = new MutableClock(START);
    final StateStore store = new EmbeddedStateStore(clock);
    final DpopVerifier verifier;

    DpopFixture() {
        this(DpopConfig.DEFAULT);
    }

    DpopFixture(DpopConfig config) {
        verifier = new DpopVerifier(config, store, clock);
    }

    Map<String, Object> claims() {
        return ProofMaker.claims(METHOD, URI, TOKEN, clock.instant());
    }

    String proof(ProofMaker.ClientKey key) throws Exception {
        return ProofMaker.sign(key, ProofMaker.header(key), claims());
    }

    DpopCheck check(String proof) {
        return check(proof, null);
    }

    DpopCheck check(String proof, String expectedJkt) {
        return done(verifier.verify(proof, METHOD, URI, TOKEN, expectedJkt));
    }

    /** The outcome of a check that needed no waiting, as every check over the embedded store does. */
    static DpopCheck done(CompletionStage<DpopCheck> stage) {
        CompletableFuture<DpopCheck> future = stage.toCompletableFuture();
        assertThat(future).as("a check over the embedded store completes at once").isDone();
        return future.join();
    }

    static void assertInvalid(DpopCheck check, String detail) {
        assertThat(check).isEqualTo(new DpopCheck.Invalid(ReasonCode.DPOP_PROOF_INVALID, detail));
    }

    static void assertValid(DpopCheck check, ProofMaker.ClientKey key) throws Exception {
        assertThat(check).isEqualTo(new DpopCheck.Valid(key.thumbprint()));
    }
}
