package io.zerogate.state;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * What every {@link StateStore} back end promises, run against each of them: the embedded store and Redis
 * pass the same table.
 */
abstract class StateStoreContract {

    /** A fresh store (or a fresh view of a shared one); closed after each test. */
    protected abstract StateStore open() throws Exception;

    /** A time to live that does not pass while a test runs (unless the test lets it). */
    protected Duration ttl() {
        return Duration.ofSeconds(60);
    }

    /** The time to live of the expiry test: any length under a fake clock, short against a real server. */
    protected abstract Duration shortTtl();

    /** Returns once a claim of {@code key} made with {@link #shortTtl()} has expired. */
    protected abstract void letExpire(String key) throws Exception;

    protected StateStore store;
    private String prefix;

    @BeforeEach
    void openStore() throws Exception {
        store = open();
        // Keys unique to this test, so a back end shared across tests starts empty for each.
        prefix = "t-" + UUID.randomUUID() + ":";
    }

    @AfterEach
    void closeStore() {
        store.close();
    }

    protected String key(String name) {
        return prefix + name;
    }

    protected static boolean claim(StateStore store, String key, Duration ttl) throws Exception {
        return store.claimOnce(key, ttl).toCompletableFuture().get(5, TimeUnit.SECONDS);
    }

    protected boolean claim(String key) throws Exception {
        return claim(store, key, ttl());
    }

    @Test
    void theFirstClaimWinsAndTheSecondIsAReplay() throws Exception {
        assertThat(claim(key("a"))).isTrue();
        assertThat(claim(key("a"))).isFalse();
        assertThat(claim(key("a"))).isFalse();
    }

    @Test
    void aKeyCanBeClaimedAgainOnceItsTtlHasPassed() throws Exception {
        long start = System.nanoTime();
        assertThat(claim(store, key("a"), shortTtl())).isTrue();
        assertThat(claim(store, key("a"), shortTtl())).isFalse();
        letExpire(key("a"));
        assertThat(claim(store, key("a"), ttl())).isTrue();
        assertThat(claim(store, key("a"), ttl())).isFalse();
        expired(Duration.ofNanos(System.nanoTime() - start));
    }

    /** Checks, where real time passes, that the claim did not expire before its time to live. */
    protected void expired(Duration after) {
    }

    @Test
    void differentKeysAreIndependent() throws Exception {
        assertThat(claim(key("a"))).isTrue();
        assertThat(claim(key("b"))).isTrue();
        assertThat(claim(key("a:"))).isTrue();
        assertThat(claim(key("A"))).isTrue();
        assertThat(claim(key("b"))).isFalse();
        assertThat(claim(key("ä ü\u0000"))).isTrue();
        assertThat(claim(key("ä ü\u0000"))).isFalse();
    }

    @Test
    void manyThreadsClaimingOneKeyHaveExactlyOneWinner() throws Exception {
        int threads = 16;
        ExecutorService pool = Executors.newFixedThreadPool(threads);
        try {
            for (int round = 0; round < 20; round++) {
                String key = key("race-" + round);
                CountDownLatch start = new CountDownLatch(1);
                List<Future<CompletableFuture<Boolean>>> claims = new ArrayList<>();
                for (int i = 0; i < threads; i++) {
                    claims.add(pool.submit(() -> {
                        start.await();
                        return store.claimOnce(key, ttl()).toCompletableFuture();
                    }));
                }
                start.countDown();
                int winners = 0;
                for (Future<CompletableFuture<Boolean>> claim : claims) {
                    if (claim.get(5, TimeUnit.SECONDS).get(5, TimeUnit.SECONDS)) {
                        winners++;
                    }
                }
                assertThat(winners).as("winners of round %d", round).isEqualTo(1);
            }
        } finally {
            pool.shutdownNow();
        }
    }

    @Test
    void manyThreadsClaimingDifferentKeysAllWin() throws Exception {
        int threads = 8;
        int perThread = 200;
        ExecutorService pool = Executors.newFixedThreadPool(threads);
        try {
            CountDownLatch start = new CountDownLatch(1);
            List<Future<Integer>> results = new ArrayList<>();
            for (int t = 0; t < threads; t++) {
                int thread = t;
                results.add(pool.submit(() -> {
                    start.await();
                    List<CompletableFuture<Boolean>> claims = new ArrayList<>();
                    for (int i = 0; i < perThread; i++) {
                        claims.add(store.claimOnce(key(thread + "-" + i), ttl()).toCompletableFuture());
                    }
                    int won = 0;
                    for (CompletableFuture<Boolean> claim : claims) {
                        won += claim.get(5, TimeUnit.SECONDS) ? 1 : 0;
                    }
                    return won;
                }));
            }
            start.countDown();
            int won = 0;
            for (Future<Integer> result : results) {
                won += result.get(10, TimeUnit.SECONDS);
            }
            assertThat(won).isEqualTo(threads * perThread);
        } finally {
            pool.shutdownNow();
        }
    }

    @Test
    void aTtlThatIsNotPositiveIsRefused() {
        assertThatThrownBy(() -> store.claimOnce(key("a"), Duration.ZERO))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("ttl: PT0S (expected: > 0)");
        assertThatThrownBy(() -> store.claimOnce(key("a"), Duration.ofSeconds(-1)))
                .isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void aClosedStoreFailsEveryClaim() {
        store.close();
        CompletableFuture<Boolean> claim = store.claimOnce(key("a"), ttl()).toCompletableFuture();
        assertThatThrownBy(() -> claim.get(5, TimeUnit.SECONDS))
                .isInstanceOf(ExecutionException.class)
                .cause().isInstanceOf(IllegalStateException.class).hasMessageContaining("closed");
    }
}
