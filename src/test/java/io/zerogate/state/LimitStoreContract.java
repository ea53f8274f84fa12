package io.zerogate.state;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * What every {@link StateStore} back end promises about metered limits, run against each of them: the
 * embedded store and Redis pass the same table.
 *
 * <p>Exact counts use periods of hours or days, so that the real time a test takes never refills a limit.
 * The few cases about time let it pass through {@link #elapse}, at most 300 ms at once; times the store
 * reports after real time has passed are checked to lie within {@link #slackMicros()} below the exact value.
 */
abstract class LimitStoreContract {

    private static final long SECOND = 1_000_000;
    private static final long HOUR = 3600 * SECOND;
    private static final long DAY = 24 * HOUR;

    /** A fresh store (or a fresh view of a shared one); closed after each test. */
    protected abstract StateStore open() throws Exception;

    /** Lets {@code d} of the store's time pass (monotonic and wall clock alike); at most 300 ms. */
    protected abstract void elapse(Duration d) throws Exception;

    /** The store's wall-clock time in milliseconds, from which quota periods are set. */
    protected long wallMillis() {
        return System.currentTimeMillis();
    }

    /** How much real time may pass between two calls of one test: 0 under a fake clock. */
    protected long slackMicros() {
        return 50_000;
    }

    protected StateStore store;
    private String prefix;

    @BeforeEach
    void openStore() throws Exception {
        store = open();
        // Keys unique to this test, so a back end shared across tests starts empty for each.
        prefix = "l-" + UUID.randomUUID() + ":";
    }

    @AfterEach
    void closeStore() {
        store.close();
    }

    protected String key(String name) {
        return prefix + name;
    }

    protected Charge enforced(String name, Meter meter) {
        return new Charge(key(name), meter, 1, true);
    }

    protected Charge enforced(String name, Meter meter, long cost) {
        return new Charge(key(name), meter, cost, true);
    }

    protected Charge shadow(String name, Meter meter) {
        return new Charge(key(name), meter, 1, false);
    }

    protected ChargeVerdict charge(String leaseId, Charge... charges) throws Exception {
        return store.charge(List.of(charges), leaseId).toCompletableFuture().get(5, TimeUnit.SECONDS);
    }

    /** The result of charging {@code charge} alone. */
    protected ChargeResult charge(Charge charge) throws Exception {
        ChargeVerdict verdict = charge("lease-" + UUID.randomUUID(), charge);
        assertThat(verdict.results()).hasSize(1);
        assertThat(verdict.allowed()).isEqualTo(!charge.enforced() || verdict.results().get(0).allowed());
        return verdict.results().get(0);
    }

    protected List<ChargeResult> peek(Charge... charges) throws Exception {
        return store.peek(List.of(charges)).toCompletableFuture().get(5, TimeUnit.SECONDS);
    }

    protected void release(String leaseId, Charge... charges) throws Exception {
        store.release(List.of(charges), leaseId).toCompletableFuture().get(5, TimeUnit.SECONDS);
    }

    /** Checks a time the store reported after real time may have passed: exact, or a little less. */
    protected void assertMicros(long actual, long exact) {
        assertThat(actual).isBetween(exact - slackMicros(), exact);
    }

    /** Allowed, with {@code remaining} left. */
    protected static void assertAllowed(ChargeResult result, long limit, long remaining) {
        assertThat(result.allowed()).as("allowed").isTrue();
        assertThat(result.limit()).as("limit").isEqualTo(limit);
        assertThat(result.remaining()).as("remaining").isEqualTo(remaining);
        assertThat(result.retryAfterMicros()).as("retryAfterMicros").isZero();
    }

    /** Refused, with {@code remaining} left. */
    protected static void assertRefused(ChargeResult result, long limit, long remaining) {
        assertThat(result.allowed()).as("allowed").isFalse();
        assertThat(result.limit()).as("limit").isEqualTo(limit);
        assertThat(result.remaining()).as("remaining").isEqualTo(remaining);
        assertThat(result.retryAfterMicros()).as("retryAfterMicros").isPositive();
    }

    // GCRA

    @Test
    void gcraAdmitsExactlyTheBurstAtOnce() throws Exception {
        // T = 1 h: nothing refills while the test runs.
        Charge charge = enforced("g", new Meter.Gcra(10, 10 * HOUR, 3));
        ChargeResult first = charge(charge);
        assertAllowed(first, 10, 2);
        assertThat(first.resetMicros()).isEqualTo(HOUR);
        assertAllowed(charge(charge), 10, 1);
        ChargeResult third = charge(charge);
        assertAllowed(third, 10, 0);
        assertMicros(third.resetMicros(), 3 * HOUR);
        ChargeResult fourth = charge(charge);
        assertRefused(fourth, 10, 0);
        assertMicros(fourth.retryAfterMicros(), HOUR);
        assertMicros(fourth.resetMicros(), 3 * HOUR);
    }

    @Test
    void aRefusedGcraChargeConsumesNothing() throws Exception {
        Meter.Gcra meter = new Meter.Gcra(10, 10 * HOUR, 3);
        assertRefused(charge(enforced("g", meter, 4)), 10, 3);
        for (int i = 0; i < 5; i++) {
            assertRefused(charge(enforced("g", meter, 4)), 10, 3);
        }
        assertAllowed(charge(enforced("g", meter, 3)), 10, 0);
        for (int i = 0; i < 5; i++) {
            ChargeResult refused = charge(enforced("g", meter));
            assertRefused(refused, 10, 0);
            // A refusal does not push the theoretical arrival time further out.
            assertMicros(refused.retryAfterMicros(), HOUR);
        }
    }

    @Test
    void gcraRefillsOneEmissionIntervalAtATime() throws Exception {
        // 10 per second, burst 1: T = 100 ms.
        Charge charge = enforced("g", new Meter.Gcra(10, SECOND, 1));
        assertAllowed(charge(charge), 10, 0);
        ChargeResult refused = charge(charge);
        assertRefused(refused, 10, 0);
        assertMicros(refused.retryAfterMicros(), 100_000);
        elapse(Duration.ofMillis(100));
        ChargeResult again = charge(charge);
        assertAllowed(again, 10, 0);
        assertMicros(again.resetMicros(), 100_000);
    }

    // Fixed window

    @Test
    void aFixedWindowCountsCostsUpToItsLimit() throws Exception {
        Meter.FixedWindow meter = new Meter.FixedWindow(5, HOUR);
        ChargeResult first = charge(enforced("w", meter, 2));
        assertAllowed(first, 5, 3);
        assertThat(first.resetMicros()).isEqualTo(HOUR);
        assertRefused(charge(enforced("w", meter, 4)), 5, 3);
        ChargeResult full = charge(enforced("w", meter, 3));
        assertAllowed(full, 5, 0);
        assertMicros(full.resetMicros(), HOUR);
        ChargeResult refused = charge(enforced("w", meter));
        assertRefused(refused, 5, 0);
        assertMicros(refused.retryAfterMicros(), HOUR);
        assertThat(refused.retryAfterMicros()).isEqualTo(refused.resetMicros());
    }

    @Test
    void aRefusalOpensNoFixedWindow() throws Exception {
        ChargeResult refused = charge(enforced("w", new Meter.FixedWindow(3, HOUR), 4));
        assertRefused(refused, 3, 3);
        assertThat(refused.resetMicros()).isEqualTo(HOUR);
        assertThat(refused.retryAfterMicros()).isEqualTo(HOUR);
    }

    @Test
    void aFixedWindowReopensOnceItHasPassed() throws Exception {
        Charge charge = enforced("w", new Meter.FixedWindow(2, 200_000));
        assertAllowed(charge(charge), 2, 1);
        assertAllowed(charge(charge), 2, 0);
        ChargeResult refused = charge(charge);
        assertRefused(refused, 2, 0);
        assertMicros(refused.retryAfterMicros(), 200_000);
        elapse(Duration.ofMillis(200));
        ChargeResult reopened = charge(charge);
        assertAllowed(reopened, 2, 1);
        assertThat(reopened.resetMicros()).isEqualTo(200_000);
    }

    // Sliding window

    @Test
    void aSlidingWindowCountsCostsUpToItsLimit() throws Exception {
        // A window of a day: the chance that the test straddles a window boundary is negligible.
        Meter.SlidingWindow meter = new Meter.SlidingWindow(4, DAY);
        ChargeResult first = charge(enforced("s", meter, 3));
        assertAllowed(first, 4, 1);
        assertThat(first.resetMicros()).isBetween(1L, DAY);
        ChargeResult refused = charge(enforced("s", meter, 2));
        assertRefused(refused, 4, 1);
        assertThat(refused.retryAfterMicros()).isEqualTo(refused.resetMicros());
        assertAllowed(charge(enforced("s", meter)), 4, 0);
        assertRefused(charge(enforced("s", meter)), 4, 0);
    }

    @Test
    void aSlidingWindowForgetsCountsTwoWindowsOld() throws Exception {
        Charge full = enforced("s", new Meter.SlidingWindow(2, 150_000), 2);
        assertAllowed(charge(full), 2, 0);
        // Refused whether or not a window boundary passed in between: the previous window still weighs >= 1.
        assertThat(charge(full).allowed()).isFalse();
        elapse(Duration.ofMillis(300));
        assertAllowed(charge(full), 2, 0);
    }

    // Concurrency

    @Test
    void concurrencyLeasesAreHeldUntilReleased() throws Exception {
        Charge charge = enforced("c", new Meter.Concurrency(2, HOUR));
        assertAllowed(charge("l1", charge).results().get(0), 2, 1);
        ChargeResult second = charge("l2", charge).results().get(0);
        assertAllowed(second, 2, 0);
        assertThat(second.resetMicros()).isZero();
        ChargeVerdict refused = charge("l3", charge);
        assertThat(refused.allowed()).isFalse();
        assertRefused(refused.results().get(0), 2, 0);
        assertThat(refused.results().get(0).retryAfterMicros()).isEqualTo(1_000_000);

        release("l1", charge);
        assertAllowed(charge("l3", charge).results().get(0), 2, 0);
        // Releasing again, or releasing a lease never taken, frees nothing.
        release("l1", charge);
        release("unknown", charge);
        assertRefused(charge("l4", charge).results().get(0), 2, 0);
        release("l2", charge);
        release("l3", charge);
        assertAllowed(charge("l5", charge).results().get(0), 2, 1);
    }

    @Test
    void releaseLeavesOtherMetersAlone() throws Exception {
        Charge rate = enforced("g", new Meter.Gcra(10, 10 * HOUR, 2));
        Charge inFlight = enforced("c", new Meter.Concurrency(1, HOUR));
        assertThat(charge("l1", rate, inFlight).allowed()).isTrue();
        release("l1", rate, inFlight);
        ChargeVerdict next = charge("l2", rate, inFlight);
        assertAllowed(next.results().get(0), 10, 0);
        assertAllowed(next.results().get(1), 1, 0);
    }

    @Test
    void anExpiredLeaseIsNotCounted() throws Exception {
        Charge charge = enforced("c", new Meter.Concurrency(1, 100_000));
        assertAllowed(charge("l1", charge).results().get(0), 1, 0);
        assertRefused(charge("l2", charge).results().get(0), 1, 0);
        elapse(Duration.ofMillis(100));
        assertAllowed(charge("l2", charge).results().get(0), 1, 0);
        // Releasing the expired lease does not free the live one.
        release("l1", charge);
        assertRefused(charge("l3", charge).results().get(0), 1, 0);
    }

    // Quota

    @Test
    void aQuotaCountsUpToItsLimitUntilThePeriodEnds() throws Exception {
        Meter.Quota meter = new Meter.Quota(5, wallMillis() + DAY / 1000);
        ChargeResult first = charge(enforced("q", meter, 2));
        assertAllowed(first, 5, 3);
        assertMicros(first.resetMicros(), DAY);
        assertThat(first.resetMicros() % 1000).isZero();
        ChargeResult refused = charge(enforced("q", meter, 4));
        assertRefused(refused, 5, 3);
        assertMicros(refused.retryAfterMicros(), DAY);
        assertThat(refused.retryAfterMicros()).isEqualTo(refused.resetMicros());
        assertAllowed(charge(enforced("q", meter, 3)), 5, 0);
        assertRefused(charge(enforced("q", meter)), 5, 0);
    }

    @Test
    void aQuotaStartsAfreshInTheNextPeriod() throws Exception {
        long now = wallMillis();
        assertAllowed(charge(enforced("q:p1", new Meter.Quota(1, now + 100), 1)), 1, 0);
        assertRefused(charge(enforced("q:p1", new Meter.Quota(1, now + 100), 1)), 1, 0);
        elapse(Duration.ofMillis(150));
        assertAllowed(peek(enforced("q:p1", new Meter.Quota(1, now + 100))).get(0), 1, 0);
    }

    // Peek

    @Test
    void peekConsumesNothing() throws Exception {
        Charge rate = enforced("g", new Meter.Gcra(10, 10 * HOUR, 2));
        Charge window = enforced("w", new Meter.FixedWindow(2, HOUR));
        Charge inFlight = enforced("c", new Meter.Concurrency(1, HOUR));
        Charge quota = enforced("q", new Meter.Quota(2, wallMillis() + DAY / 1000));
        for (int i = 0; i < 5; i++) {
            List<ChargeResult> peeked = peek(rate, window, inFlight, quota);
            assertAllowed(peeked.get(0), 10, 1);
            assertAllowed(peeked.get(1), 2, 1);
            assertAllowed(peeked.get(2), 1, 0);
            assertAllowed(peeked.get(3), 2, 1);
        }
        ChargeVerdict charged = charge("l1", rate, window, inFlight, quota);
        assertThat(charged.allowed()).isTrue();
        assertAllowed(charged.results().get(0), 10, 1);
        assertAllowed(charged.results().get(3), 2, 1);
        List<ChargeResult> after = peek(rate, window, inFlight, quota);
        assertAllowed(after.get(0), 10, 0);
        assertAllowed(after.get(1), 2, 0);
        assertRefused(after.get(2), 1, 0);
        assertAllowed(after.get(3), 2, 0);
    }

    @Test
    void peekAnswersEachChargeOnItsOwn() throws Exception {
        Charge exhausted = enforced("g", new Meter.Gcra(10, 10 * HOUR, 1));
        charge(exhausted);
        Charge quota = enforced("q", new Meter.Quota(3, wallMillis() + DAY / 1000));
        List<ChargeResult> peeked = peek(exhausted, quota);
        assertRefused(peeked.get(0), 10, 0);
        assertMicros(peeked.get(0).retryAfterMicros(), HOUR);
        assertAllowed(peeked.get(1), 3, 2);
    }

    // All or nothing

    @Test
    void aRefusedEnforcedChargeAppliesNoneOfTheOthers() throws Exception {
        Charge exhausted = enforced("g", new Meter.Gcra(10, 10 * HOUR, 1));
        charge(exhausted);
        Charge window = enforced("w", new Meter.FixedWindow(3, HOUR));
        Charge inFlight = enforced("c", new Meter.Concurrency(1, HOUR));
        Charge quota = enforced("q", new Meter.Quota(3, wallMillis() + DAY / 1000));
        Charge shadowWindow = shadow("sw", new Meter.FixedWindow(1, HOUR));

        for (int i = 0; i < 3; i++) {
            ChargeVerdict verdict = charge("l" + i, window, inFlight, exhausted, quota, shadowWindow);
            assertThat(verdict.allowed()).isFalse();
            // Each result says what that limit found; the allowed ones report what is left, untouched.
            assertAllowed(verdict.results().get(0), 3, 3);
            assertAllowed(verdict.results().get(1), 1, 1);
            assertRefused(verdict.results().get(2), 10, 0);
            assertAllowed(verdict.results().get(3), 3, 3);
            assertAllowed(verdict.results().get(4), 1, 1);
        }
        List<ChargeResult> peeked = peek(window, inFlight, quota, shadowWindow);
        assertAllowed(peeked.get(0), 3, 2);
        assertAllowed(peeked.get(1), 1, 0);
        assertAllowed(peeked.get(2), 3, 2);
        assertAllowed(peeked.get(3), 1, 0);
    }

    @Test
    void aRefusedShadowChargeIsReportedAndNotApplied() throws Exception {
        Charge window = enforced("w", new Meter.FixedWindow(5, HOUR));
        Charge shadowFull = shadow("s1", new Meter.FixedWindow(1, HOUR));
        Charge shadowRoom = shadow("s2", new Meter.FixedWindow(3, HOUR));
        assertThat(charge("l1", shadowFull).allowed()).isTrue();

        ChargeVerdict verdict = charge("l2", window, shadowFull, shadowRoom);
        assertThat(verdict.allowed()).isTrue();
        assertAllowed(verdict.results().get(0), 5, 4);
        assertRefused(verdict.results().get(1), 1, 0);
        assertAllowed(verdict.results().get(2), 3, 2);

        ChargeVerdict again = charge("l3", window, shadowFull, shadowRoom);
        assertThat(again.allowed()).isTrue();
        assertAllowed(again.results().get(0), 5, 3);
        assertRefused(again.results().get(1), 1, 0);
        assertAllowed(again.results().get(2), 3, 1);
    }

    @Test
    void onlyShadowChargesNeverRefuse() throws Exception {
        Charge shadowOnly = shadow("s", new Meter.Gcra(10, 10 * HOUR, 1));
        ChargeVerdict first = charge("l1", shadowOnly);
        assertThat(first.allowed()).isTrue();
        assertAllowed(first.results().get(0), 10, 0);
        ChargeVerdict second = charge("l2", shadowOnly);
        assertThat(second.allowed()).isTrue();
        assertRefused(second.results().get(0), 10, 0);
    }

    @Test
    void resultsFollowTheOrderOfTheChargesAndNameTheirLimit() throws Exception {
        Charge a = enforced("a", new Meter.Gcra(7, 10 * HOUR, 4));
        Charge b = enforced("b", new Meter.FixedWindow(11, HOUR));
        Charge c = enforced("c", new Meter.SlidingWindow(13, DAY));
        Charge d = enforced("d", new Meter.Concurrency(17, HOUR));
        Charge e = enforced("e", new Meter.Quota(19, wallMillis() + DAY / 1000));
        ChargeVerdict forward = charge("l1", a, b, c, d, e);
        assertThat(forward.allowed()).isTrue();
        assertThat(forward.results()).extracting(ChargeResult::limit).containsExactly(7L, 11L, 13L, 17L, 19L);
        assertThat(forward.results()).extracting(ChargeResult::remaining).containsExactly(3L, 10L, 12L, 16L, 18L);
        ChargeVerdict backward = charge("l2", e, d, c, b, a);
        assertThat(backward.results()).extracting(ChargeResult::limit).containsExactly(19L, 17L, 13L, 11L, 7L);
        assertThat(backward.results()).extracting(ChargeResult::remaining).containsExactly(17L, 15L, 11L, 9L, 2L);
    }

    @Test
    void noChargesAreAllowed() throws Exception {
        ChargeVerdict verdict = charge("l1");
        assertThat(verdict.allowed()).isTrue();
        assertThat(verdict.results()).isEmpty();
        assertThat(peek()).isEmpty();
    }

    // Many callers at once

    @Test
    void manyCallersOnOneGcraKeyGetExactlyTheBurst() throws Exception {
        Charge charge = enforced("g", new Meter.Gcra(1000, 1000 * HOUR, 25));
        assertThat(countAllowed(16, 10, charge)).isEqualTo(25);
    }

    @Test
    void manyCallersChargingTwoLimitsAtOnceAreAdmittedByTheTighterOne() throws Exception {
        Charge wide = enforced("wide", new Meter.FixedWindow(50, HOUR));
        Charge tight = enforced("tight", new Meter.Quota(30, wallMillis() + DAY / 1000));
        assertThat(countAllowed(16, 10, wide, tight)).isEqualTo(30);
        List<ChargeResult> peeked = peek(wide, tight);
        assertAllowed(peeked.get(0), 50, 19);
        assertRefused(peeked.get(1), 30, 0);
    }

    @Test
    void manyCallersTakeExactlyTheLeasesThereAre() throws Exception {
        Charge charge = enforced("c", new Meter.Concurrency(12, HOUR));
        assertThat(countAllowed(16, 5, charge)).isEqualTo(12);
    }

    /** Charges from {@code threads} threads, {@code perThread} times each, all at once; the number allowed. */
    private int countAllowed(int threads, int perThread, Charge... charges) throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(threads);
        try {
            CountDownLatch start = new CountDownLatch(1);
            List<Future<Integer>> counts = new ArrayList<>();
            for (int t = 0; t < threads; t++) {
                int thread = t;
                counts.add(pool.submit(() -> {
                    start.await();
                    int allowed = 0;
                    for (int i = 0; i < perThread; i++) {
                        allowed += charge("lease-" + thread + "-" + i, charges).allowed() ? 1 : 0;
                    }
                    return allowed;
                }));
            }
            start.countDown();
            int allowed = 0;
            for (Future<Integer> count : counts) {
                allowed += count.get(30, TimeUnit.SECONDS);
            }
            return allowed;
        } finally {
            pool.shutdownNow();
        }
    }
}
