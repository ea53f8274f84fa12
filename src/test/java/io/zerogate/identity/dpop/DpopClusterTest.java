package io.zerogate.identity.dpop;

import static io.zerogate.identity.dpop.DpopFixture.METHOD;
import static io.zerogate.identity.dpop.DpopFixture.TOKEN;
import static io.zerogate.identity.dpop.DpopFixture.URI;
import static org.assertj.core.api.Assertions.assertThat;

import io.zerogate.chain.ReasonCode;
import io.zerogate.config.DpopConfig;
import io.zerogate.state.RedisServer;
import io.zerogate.state.RedisStateStore;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** Gateway nodes that share a Redis share their replay claims: a proof accepted by one is a replay on every other. */
class DpopClusterTest {

    private static final DpopCheck REPLAYED =
            new DpopCheck.Invalid(ReasonCode.DPOP_PROOF_REPLAYED, "the proof's jti was used before");

    @RegisterExtension
    static final RedisServer.PerClass redis = new RedisServer.PerClass();

    private static DpopCheck await(DpopVerifier verifier, String proof) throws Exception {
        return verifier.verify(proof, METHOD, URI, TOKEN, null).toCompletableFuture().get(5, TimeUnit.SECONDS);
    }

    private static String proof(ProofMaker.ClientKey key) throws Exception {
        return ProofMaker.sign(key, ProofMaker.header(key), ProofMaker.claims(METHOD, URI, TOKEN, Clock.systemUTC().instant()));
    }

    @Test
    void aProofAcceptedByOneNodeIsAReplayOnTheOthers() throws Exception {
        try (RedisStateStore shared = RedisStateStore.connect(redis.uri(), Duration.ofSeconds(2));
             RedisStateStore ownConnection = RedisStateStore.connect(redis.uri(), Duration.ofSeconds(2))) {
            DpopVerifier first = new DpopVerifier(DpopConfig.DEFAULT, shared, Clock.systemUTC());
            DpopVerifier second = new DpopVerifier(DpopConfig.DEFAULT, shared, Clock.systemUTC());
            DpopVerifier third = new DpopVerifier(DpopConfig.DEFAULT, ownConnection, Clock.systemUTC());
            ProofMaker.ClientKey key = ProofMaker.es256();
            String proof = proof(key);
            assertThat(await(first, proof)).isEqualTo(new DpopCheck.Valid(key.thumbprint()));
            assertThat(await(second, proof)).isEqualTo(REPLAYED);
            assertThat(await(third, proof)).isEqualTo(REPLAYED);
            String next = proof(key);
            assertThat(await(third, next)).isEqualTo(new DpopCheck.Valid(key.thumbprint()));
            assertThat(await(first, next)).isEqualTo(REPLAYED);
        }
    }

    @Test
    void aProofSentToEveryNodeAtOnceIsAcceptedExactlyOnce() throws Exception {
        int nodes = 4;
        int copiesPerNode = 8;
        List<RedisStateStore> stores = new ArrayList<>();
        ExecutorService pool = Executors.newFixedThreadPool(nodes * copiesPerNode);
        try {
            List<DpopVerifier> verifiers = new ArrayList<>();
            for (int i = 0; i < nodes; i++) {
                RedisStateStore store = RedisStateStore.connect(redis.uri(), Duration.ofSeconds(2));
                stores.add(store);
                verifiers.add(new DpopVerifier(DpopConfig.DEFAULT, store, Clock.systemUTC()));
            }
            for (int round = 0; round < 5; round++) {
                ProofMaker.ClientKey key = ProofMaker.es256();
                String proof = proof(key);
                CountDownLatch start = new CountDownLatch(1);
                List<Future<CompletableFuture<DpopCheck>>> checks = new ArrayList<>();
                for (DpopVerifier verifier : verifiers) {
                    for (int copy = 0; copy < copiesPerNode; copy++) {
                        checks.add(pool.submit(() -> {
                            start.await();
                            return verifier.verify(proof, METHOD, URI, TOKEN, null).toCompletableFuture();
                        }));
                    }
                }
                start.countDown();
                int valid = 0;
                int replayed = 0;
                for (Future<CompletableFuture<DpopCheck>> check : checks) {
                    DpopCheck outcome = check.get(10, TimeUnit.SECONDS).get(10, TimeUnit.SECONDS);
                    if (outcome.equals(new DpopCheck.Valid(key.thumbprint()))) {
                        valid++;
                    } else if (outcome.equals(REPLAYED)) {
                        replayed++;
                    }
                }
                assertThat(valid).as("accepted in round %d", round).isEqualTo(1);
                assertThat(replayed).as("replays in round %d", round).isEqualTo(nodes * copiesPerNode - 1);
            }
        } finally {
            pool.shutdownNow();
            stores.forEach(RedisStateStore::close);
        }
    }

    @Test
    void whenRedisIsGoneProofsAreRefusedWithinTheTimeout() throws Exception {
        try (RedisServer doomed = RedisServer.start();
             RedisStateStore store = RedisStateStore.connect(doomed.uri(), Duration.ofMillis(500))) {
            DpopVerifier verifier = new DpopVerifier(DpopConfig.DEFAULT, store, Clock.systemUTC());
            ProofMaker.ClientKey key = ProofMaker.es256();
            assertThat(await(verifier, proof(key))).isEqualTo(new DpopCheck.Valid(key.thumbprint()));
            doomed.pause();
            long start = System.nanoTime();
            DpopCheck frozen = await(verifier, proof(key));
            assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofMillis(1_500));
            assertThat(frozen).isEqualTo(new DpopCheck.Invalid(ReasonCode.STATE_UNAVAILABLE,
                    "the replay check could not be made: the state store failed (RedisCommandTimeoutException)"));
            doomed.kill();
            assertThat(await(verifier, proof(key))).isInstanceOf(DpopCheck.Invalid.class)
                    .extracting(check -> ((DpopCheck.Invalid) check).reason()).isEqualTo(ReasonCode.STATE_UNAVAILABLE);
        }
    }
}
