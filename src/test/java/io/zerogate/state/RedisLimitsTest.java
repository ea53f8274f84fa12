package io.zerogate.state;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.lettuce.core.RedisCommandTimeoutException;
import io.lettuce.core.api.sync.RedisCommands;
import io.zerogate.testing.Await;
import java.time.Duration;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** The limit script against a real Redis: exact counts, all-or-nothing, shadow charges, leases and expiry. */
class RedisLimitsTest {

    private static final long MINUTE = 60_000_000L;
    private static final long HOUR = 60 * MINUTE;

    @RegisterExtension
    static final RedisServer.PerClass server = new RedisServer.PerClass();

    private RedisStateStore store;
    private String prefix;

    @BeforeEach
    void openStore() {
        store = RedisStateStore.connect(server.uri(), Duration.ofSeconds(2));
        prefix = "l-" + UUID.randomUUID() + ":";
    }

    @AfterEach
    void closeStore() {
        store.close();
    }

    private String key(String name) {
        return prefix + name;
    }

    private static RedisCommands<String, String> redis() {
        return server.inspect();
    }

    static ChargeVerdict charge(StateStore store, String leaseId, Charge... charges) throws Exception {
        return store.charge(List.of(charges), leaseId).toCompletableFuture().get(5, TimeUnit.SECONDS);
    }

    private ChargeVerdict charge(Charge... charges) throws Exception {
        return charge(store, "lease-1", charges);
    }

    static Charge enforced(String key, Meter meter) {
        return new Charge(key, meter, 1, true);
    }

    @Test
    void aRateAllowsItsBurstThenRefusesUntilTheNextEmission() throws Exception {
        Charge charge = enforced(key("rate"), new Meter.Gcra(10, MINUTE, 3));
        long t = 6_000_000;
        for (long remaining = 2; remaining >= 0; remaining--) {
            ChargeResult result = charge(charge).results().get(0);
            assertThat(result.allowed()).isTrue();
            assertThat(result.remaining()).isEqualTo(remaining);
            assertThat(result.limit()).isEqualTo(10);
            assertThat(result.resetMicros()).isBetween((3 - remaining) * t - 1_000_000, (3 - remaining) * t);
        }
        ChargeVerdict refused = charge(charge);
        assertThat(refused.allowed()).isFalse();
        assertThat(refused.results().get(0).remaining()).isZero();
        assertThat(refused.results().get(0).retryAfterMicros()).isBetween(t - 1_000_000, t);
        long tat = Long.parseLong(redis().get("zerogate:" + key("rate")));
        assertThat(redis().pttl("zerogate:" + key("rate"))).isBetween(3 * t / 1000 - 1_000, 3 * t / 1000 + 1);
        assertThat(charge(charge).allowed()).isFalse();
        assertThat(Long.parseLong(redis().get("zerogate:" + key("rate")))).as("a refusal does not move the TAT").isEqualTo(tat);
    }

    @Test
    void aFixedWindowCountsTheCostAndExpiresAtItsEnd() throws Exception {
        Meter window = new Meter.FixedWindow(5, MINUTE);
        ChargeResult first = charge(new Charge(key("w"), window, 3, true)).results().get(0);
        assertThat(first).isEqualTo(new ChargeResult(true, 5, 2, MINUTE, 0));
        ChargeResult refused = charge(new Charge(key("w"), window, 3, true)).results().get(0);
        assertThat(refused.allowed()).isFalse();
        assertThat(refused.remaining()).isEqualTo(2);
        assertThat(refused.retryAfterMicros()).isEqualTo(refused.resetMicros()).isBetween(MINUTE - 1_000_000, MINUTE);
        assertThat(charge(new Charge(key("w"), window, 2, true)).results().get(0).remaining()).isZero();
        assertThat(redis().hget("zerogate:" + key("w"), "c")).isEqualTo("5");
        assertThat(redis().pttl("zerogate:" + key("w"))).isBetween(MINUTE / 1000 - 1_000, MINUTE / 1000);
    }

    @Test
    void aSlidingWindowCountsWithinItsWindowAndKeepsTwoWindows() throws Exception {
        // An hour-long window: the test does not cross a window boundary in practice.
        Meter window = new Meter.SlidingWindow(3, HOUR);
        assertThat(charge(enforced(key("s"), window)).results().get(0).remaining()).isEqualTo(2);
        assertThat(charge(new Charge(key("s"), window, 2, true)).results().get(0).remaining()).isZero();
        ChargeResult refused = charge(enforced(key("s"), window)).results().get(0);
        assertThat(refused.allowed()).isFalse();
        assertThat(refused.retryAfterMicros()).isEqualTo(refused.resetMicros()).isBetween(1L, HOUR);
        assertThat(redis().hget("zerogate:" + key("s"), "c")).isEqualTo("3");
        assertThat(redis().pttl("zerogate:" + key("s"))).isBetween(HOUR / 1000, 2 * HOUR / 1000);
    }

    @Test
    void aRefusedEnforcedChargeAppliesNothingAndResultsKeepTheirOrder() throws Exception {
        Meter quota = new Meter.Quota(1, System.currentTimeMillis() + 3_600_000);
        assertThat(charge(enforced(key("q"), quota)).allowed()).isTrue();
        ChargeVerdict verdict = charge(enforced(key("rate"), new Meter.Gcra(10, MINUTE, 5)), enforced(key("q"), quota),
                enforced(key("c"), new Meter.Concurrency(2, MINUTE)));
        assertThat(verdict.allowed()).isFalse();
        assertThat(verdict.results()).extracting(ChargeResult::allowed).containsExactly(true, false, true);
        assertThat(verdict.results().get(0).remaining()).as("before the charge: it was not applied").isEqualTo(5);
        assertThat(verdict.results().get(2).remaining()).isEqualTo(2);
        assertThat(redis().exists("zerogate:" + key("rate"), "zerogate:" + key("c"))).isZero();
        assertThat(redis().get("zerogate:" + key("q"))).isEqualTo("1");
    }

    @Test
    void aShadowChargeIsReportedButNeverRefusesAndIsNotAppliedWhenItWouldRefuse() throws Exception {
        Meter window = new Meter.FixedWindow(1, MINUTE);
        assertThat(charge(enforced(key("w"), window)).allowed()).isTrue();
        ChargeVerdict verdict = charge(new Charge(key("w"), window, 1, false), new Charge(key("other"), window, 1, false),
                enforced(key("rate"), new Meter.Gcra(1, MINUTE, 1)));
        assertThat(verdict.allowed()).isTrue();
        assertThat(verdict.results()).extracting(ChargeResult::allowed).containsExactly(false, true, true);
        assertThat(redis().hget("zerogate:" + key("w"), "c")).isEqualTo("1");
        assertThat(redis().hget("zerogate:" + key("other"), "c")).as("an allowed shadow charge counts").isEqualTo("1");
    }

    @Test
    void leasesAreHeldUntilReleasedOrExpired() throws Exception {
        Meter concurrency = new Meter.Concurrency(2, MINUTE);
        Charge charge = enforced(key("c"), concurrency);
        assertThat(charge(store, "a", charge).results().get(0).remaining()).isEqualTo(1);
        assertThat(charge(store, "b", charge).results().get(0).remaining()).isZero();
        ChargeResult refused = charge(store, "c", charge).results().get(0);
        assertThat(refused).isEqualTo(new ChargeResult(false, 2, 0, 0, 1_000_000));
        assertThat(redis().zrange("zerogate:" + key("c"), 0, -1)).containsExactly("a", "b");
        assertThat(redis().pttl("zerogate:" + key("c"))).isBetween(MINUTE / 1000 - 1_000, MINUTE / 1000);

        store.release(List.of(charge, enforced(key("rate"), new Meter.Gcra(1, MINUTE, 1))), "a")
                .toCompletableFuture().get(5, TimeUnit.SECONDS);
        store.release(List.of(charge), "unknown").toCompletableFuture().get(5, TimeUnit.SECONDS);
        assertThat(redis().zrange("zerogate:" + key("c"), 0, -1)).containsExactly("b");
        assertThat(charge(store, "c", charge).results().get(0).allowed()).isTrue();

        Charge brief = enforced(key("brief"), new Meter.Concurrency(1, 1_000));
        assertThat(charge(store, "x", brief).allowed()).isTrue();
        Thread.sleep(5);
        // The second lease lasts long enough to be seen, however slow the machine is.
        Charge lasting = enforced(key("brief"), new Meter.Concurrency(1, MINUTE));
        assertThat(charge(store, "y", lasting).allowed()).as("an expired lease is not counted").isTrue();
        assertThat(redis().zrange("zerogate:" + key("brief"), 0, -1)).containsExactly("y");
    }

    @Test
    void aQuotaLivesUntilTheEndOfItsPeriodByTheWallClock() throws Exception {
        long end = System.currentTimeMillis() + 3_600_000;
        Meter quota = new Meter.Quota(10, end);
        ChargeResult result = charge(new Charge(key("q"), quota, 4, true)).results().get(0);
        assertThat(result.remaining()).isEqualTo(6);
        assertThat(result.resetMicros()).isBetween(3_590_000_000L, 3_600_000_000L);
        assertThat(redis().pexpiretime("zerogate:" + key("q"))).isEqualTo(end);
        assertThat(charge(new Charge(key("q"), quota, 7, true)).allowed()).isFalse();
        assertThat(redis().get("zerogate:" + key("q"))).isEqualTo("4");
    }

    @Test
    void aPeekAnswersLikeAChargeAloneAndAppliesNothing() throws Exception {
        Meter window = new Meter.FixedWindow(2, MINUTE);
        assertThat(charge(enforced(key("w"), window)).allowed()).isTrue();
        List<ChargeResult> peeked = store.peek(List.of(enforced(key("w"), window), new Charge(key("w2"), window, 3, true),
                enforced(key("c"), new Meter.Concurrency(1, MINUTE)))).toCompletableFuture().get(5, TimeUnit.SECONDS);
        assertThat(peeked.get(0).allowed()).isTrue();
        assertThat(peeked.get(0).remaining()).isZero();
        assertThat(peeked.get(1)).isEqualTo(new ChargeResult(false, 2, 2, MINUTE, MINUTE));
        assertThat(peeked.get(2)).isEqualTo(new ChargeResult(true, 1, 0, 0, 0));
        assertThat(redis().hget("zerogate:" + key("w"), "c")).isEqualTo("1");
        assertThat(redis().exists("zerogate:" + key("w2"), "zerogate:" + key("c"))).isZero();
    }

    @Test
    void aFlushedScriptIsLoadedAgain() throws Exception {
        Charge charge = enforced(key("w"), new Meter.FixedWindow(5, MINUTE));
        assertThat(charge(charge).allowed()).isTrue();
        redis().scriptFlush();
        assertThat(charge(charge).results().get(0).remaining()).isEqualTo(3);
    }

    @Test
    void aFrozenRedisFailsChargesWithinTheTimeout() throws Exception {
        Duration timeout = Duration.ofMillis(500);
        try (RedisServer frozen = RedisServer.start();
             RedisStateStore store = RedisStateStore.connect(frozen.uri(), timeout)) {
            Charge charge = enforced("w", new Meter.FixedWindow(5, MINUTE));
            assertThat(charge(store, "a", charge).allowed()).isTrue();
            frozen.pause();
            long start = System.nanoTime();
            CompletableFuture<ChargeVerdict> call = store.charge(List.of(charge), "b").toCompletableFuture();
            assertThatThrownBy(() -> call.get(timeout.toMillis() + 2_000, TimeUnit.MILLISECONDS))
                    .isInstanceOf(ExecutionException.class)
                    .cause().isInstanceOf(IllegalStateException.class)
                    .hasMessage("Redis at " + frozen.uri() + " did not meter the charges")
                    .cause().isInstanceOf(RedisCommandTimeoutException.class);
            assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(timeout.plusSeconds(1));
            frozen.resume();
            // The timed-out call was already sent: Redis applies it once it runs again. A failed charge may thus
            // count, never the other way round.
            assertThat(charge(store, "c", charge).results().get(0).remaining()).isEqualTo(2);
        }
    }

    @Test
    void aRestartedRedisIsReconnectedAndGetsTheScriptAgain() throws Exception {
        try (RedisServer restarted = RedisServer.start();
             RedisStateStore store = RedisStateStore.connect(restarted.uri(), Duration.ofMillis(500))) {
            Charge charge = enforced("w", new Meter.FixedWindow(5, MINUTE));
            assertThat(charge(store, "a", charge).allowed()).isTrue();
            restarted.restart();
            Await.until("the store has reconnected", Duration.ofSeconds(10), () -> {
                try {
                    return charge(store, "b", charge).results().get(0).remaining() == 4;
                } catch (Exception e) {
                    // Refused while reconnecting.
                    return false;
                }
            });
        }
    }

    @Test
    void leaseIdsAreBounded() {
        Charge charge = enforced("w", new Meter.FixedWindow(5, MINUTE));
        assertThatThrownBy(() -> store.charge(List.of(charge), ""))
                .isInstanceOf(IllegalArgumentException.class).hasMessage("leaseId length: 0 (expected: 1..200)");
        assertThatThrownBy(() -> store.release(List.of(charge), "x".repeat(201)))
                .isInstanceOf(IllegalArgumentException.class).hasMessage("leaseId length: 201 (expected: 1..200)");
    }
}
