package io.zerogate.state;

import static org.assertj.core.api.Assertions.assertThat;

import io.zerogate.state.Metering.State;
import io.zerogate.state.Metering.Step;
import java.math.BigInteger;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.Test;

/** The arithmetic of every meter, step by step against a fake monotonic time and wall clock. */
class MeteringTest {

    private static final long MS = 1000;
    private static final long SECOND = 1_000_000;

    /** Store time, deliberately not a multiple of any window: windows must align to multiples, not to starts. */
    private long now = 7_000_000_000L;
    private long nowMillis = 1_735_689_600_000L;
    private @Nullable State stored;

    private Step charge(Meter meter, long cost, String leaseId) {
        Step step = Metering.evaluate(meter, stored, cost, leaseId, now, nowMillis);
        if (step.allowed()) {
            stored = step.next();
        }
        return step;
    }

    private Step charge(Meter meter, long cost) {
        return charge(meter, cost, "lease");
    }

    private static void assertStep(Step step, boolean allowed, long remaining, long reset, long retryAfter) {
        assertThat(step.result()).isEqualTo(new ChargeResult(allowed, step.limit(), remaining, reset, retryAfter));
    }

    // GCRA

    @Test
    void gcraTenPerSecondBurstThree() {
        Meter.Gcra meter = new Meter.Gcra(10, SECOND, 3);
        assertThat(meter.emissionMicros()).isEqualTo(100 * MS);
        assertStep(charge(meter, 1), true, 2, 100 * MS, 0);
        assertStep(charge(meter, 1), true, 1, 200 * MS, 0);
        assertStep(charge(meter, 1), true, 0, 300 * MS, 0);
        assertStep(charge(meter, 1), false, 0, 300 * MS, 100 * MS);
        assertStep(charge(meter, 1), false, 0, 300 * MS, 100 * MS);
        now += 100 * MS;
        assertStep(charge(meter, 1), true, 0, 300 * MS, 0);
        assertStep(charge(meter, 1), false, 0, 300 * MS, 100 * MS);
        now += 50 * MS;
        assertStep(charge(meter, 1), false, 0, 250 * MS, 50 * MS);
        now += 49 * MS + 999;
        assertStep(charge(meter, 1), false, 0, 200 * MS + 1, 1);
        now += 1;
        assertStep(charge(meter, 1), true, 0, 300 * MS, 0);
        // Once the stored time has passed, the whole burst is there again.
        now += 300 * MS;
        assertStep(charge(meter, 1), true, 2, 100 * MS, 0);
    }

    @Test
    void gcraCostsSeveralIntervals() {
        Meter.Gcra meter = new Meter.Gcra(10, SECOND, 3);
        assertStep(charge(meter, 4), false, 3, 0, 100 * MS);
        assertThat(stored).isNull();
        assertStep(charge(meter, 2), true, 1, 200 * MS, 0);
        assertStep(charge(meter, 2), false, 1, 200 * MS, 100 * MS);
        now += 150 * MS;
        assertStep(charge(meter, 2), true, 0, 250 * MS, 0);
    }

    @Test
    void gcraEmissionIntervalIsAtLeastOneMicrosecond() {
        assertThat(new Meter.Gcra(3, 10, 1).emissionMicros()).isEqualTo(3);
        Meter.Gcra fast = new Meter.Gcra(1000, 10, 2);
        assertThat(fast.emissionMicros()).isEqualTo(1);
        assertStep(charge(fast, 1), true, 1, 1, 0);
        assertStep(charge(fast, 1), true, 0, 2, 0);
        assertStep(charge(fast, 1), false, 0, 2, 1);
    }

    @Test
    void gcraStateExpiresOnceItsTimeHasPassed() {
        charge(new Meter.Gcra(10, SECOND, 3), 1);
        assertThat(stored.expired(now + 100 * MS - 1, nowMillis)).isFalse();
        assertThat(stored.expired(now + 100 * MS, nowMillis)).isTrue();
    }

    // Fixed window

    @Test
    void aFixedWindowOpensWithItsFirstCountedRequest() {
        Meter.FixedWindow meter = new Meter.FixedWindow(2, SECOND);
        assertStep(charge(meter, 3), false, 2, SECOND, SECOND);
        assertThat(stored).isNull();
        now += 123;
        assertStep(charge(meter, 1), true, 1, SECOND, 0);
        now += SECOND - 1;
        assertStep(charge(meter, 1), true, 0, 1, 0);
        assertStep(charge(meter, 1), false, 0, 1, 1);
        now += 1;
        assertThat(stored.expired(now, nowMillis)).isTrue();
        assertStep(charge(meter, 1), true, 1, SECOND, 0);
    }

    // Sliding window

    @Test
    void aSlidingWindowWeighsThePreviousWindowByWhatIsLeftOfIt() {
        Meter.SlidingWindow meter = new Meter.SlidingWindow(10, SECOND);
        now = 40 * SECOND + 500 * MS;
        assertStep(charge(meter, 8), true, 2, 500 * MS, 0);
        // 250 ms into the next window: 8 * 0.75 = 6 of the previous window still count.
        now = 41 * SECOND + 250 * MS;
        assertStep(charge(meter, 5), false, 4, 750 * MS, 125 * MS);
        assertStep(charge(meter, 4), true, 0, 750 * MS, 0);
        // 6 + 4 + 1 is one too many: the weight of 8 must fall by 1, which takes 1/8 of a window by the formula;
        // rounding down lets it through a microsecond later already (8 * 0.749999 weighs 5).
        assertStep(charge(meter, 1), false, 0, 750 * MS, 125 * MS);
        now += 1;
        assertStep(charge(meter, 1), true, 0, 750 * MS - 1, 0);
        // Asking more than the limit allows, whatever the weight, waits for the next window.
        assertStep(charge(meter, 6), false, 0, 750 * MS - 1, 750 * MS - 1);
        // 100 ms into the window after: the previous window counted 5, weighing floor(4.5) = 4.
        now = 42 * SECOND + 100 * MS;
        assertStep(charge(meter, 1), true, 5, 900 * MS, 0);
        // Two windows later nothing weighs any more.
        assertThat(stored.expired(44 * SECOND - 1, nowMillis)).isFalse();
        assertThat(stored.expired(44 * SECOND, nowMillis)).isTrue();
        now = 44 * SECOND;
        assertStep(charge(meter, 10), true, 0, SECOND, 0);
    }

    @Test
    void theSlidingWeightIsRoundedDownInDoubleArithmetic() {
        Meter.SlidingWindow meter = new Meter.SlidingWindow(100, 3 * MS);
        now = 3 * MS * 1000;
        assertStep(charge(meter, 90), true, 10, 3 * MS, 0);
        // 900 µs into the next window: 90 * (2100 / 3000.0) is 62.99999999999999 in doubles (63 exactly), so 62.
        now += 3 * MS + 900;
        assertStep(charge(meter, 38), true, 0, 2100, 0);
        assertStep(charge(meter, 1), false, 0, 2100, 34);
    }

    // Concurrency

    @Test
    void concurrencyLeasesExpireAndRelease() {
        Meter.Concurrency meter = new Meter.Concurrency(2, SECOND);
        assertStep(charge(meter, 1, "a"), true, 1, 0, 0);
        now += 10;
        assertStep(charge(meter, 1, "b"), true, 0, 0, 0);
        assertStep(charge(meter, 1, "c"), false, 0, 0, SECOND);
        stored = Metering.release(stored, "a", now);
        assertStep(charge(meter, 1, "c"), true, 0, 0, 0);
        // Releasing a lease that is not held changes nothing, not even the state object.
        State held = stored;
        assertThat(Metering.release(held, "a", now)).isSameAs(held);
        // "b" and "c" were taken 10 µs after "a": a second after that, both have expired.
        now += SECOND - 10;
        assertStep(charge(meter, 1, "d"), false, 0, 0, SECOND);
        now += 10;
        assertStep(charge(meter, 1, "d"), true, 1, 0, 0);
        now += SECOND;
        assertThat(stored.expired(now, nowMillis)).isTrue();
        assertThat(Metering.release(stored, "d", now)).isSameAs(stored);
    }

    @Test
    void aPeekAtConcurrencyCountsANewLease() {
        Meter.Concurrency meter = new Meter.Concurrency(3, SECOND);
        charge(meter, 1, "a");
        Step peeked = Metering.evaluate(meter, stored, 1, null, now, nowMillis);
        assertStep(peeked, true, 1, 0, 0);
        assertThat(peeked.next()).isNull();
    }

    // Quota

    @Test
    void aQuotaCountsUntilTheEndOfItsPeriodByTheWallClock() {
        Meter.Quota meter = new Meter.Quota(3, nowMillis + 60_000);
        assertStep(charge(meter, 2), true, 1, 60 * SECOND, 0);
        now += 3600 * SECOND;
        assertStep(charge(meter, 2), false, 1, 60 * SECOND, 60 * SECOND);
        nowMillis += 59_999;
        assertStep(charge(meter, 1), true, 0, MS, 0);
        assertStep(charge(meter, 1), false, 0, MS, MS);
        nowMillis += 1;
        assertThat(stored.expired(now, nowMillis)).isTrue();
        assertStep(charge(meter, 3), true, 0, 0, 0);
    }

    // Refunds

    @Test
    void aGcraRefundGivesBackTheIntervalsButNoMore() {
        Meter.Gcra meter = new Meter.Gcra(10, SECOND, 3);
        charge(meter, 1);
        State before = stored;
        Step applied = charge(meter, 2);
        Metering.Tat other = new Metering.Tat(((Metering.Tat) stored).tat() + 100 * MS);
        assertThat(Metering.refund(meter, applied, before, other, 2, "lease", now))
                .isEqualTo(new Metering.Tat(now + 200 * MS));
        // A state that fell below the one before (a refund raced by another) goes no lower than that.
        assertThat(Metering.refund(meter, applied, before, new Metering.Tat(now + 150 * MS), 2, "lease", now))
                .isEqualTo(before);
        assertThat(Metering.refund(meter, Metering.evaluate(meter, null, 1, "l", now, nowMillis), null,
                new Metering.Tat(now + 100 * MS), 1, "lease", now)).isNull();
    }

    @Test
    void windowAndQuotaRefundsTakeTheCostBack() {
        Meter.FixedWindow window = new Meter.FixedWindow(5, SECOND);
        Step opened = Metering.evaluate(window, null, 2, "l", now, nowMillis);
        State more = new Metering.Window(((Metering.Window) opened.next()).end(), 3);
        assertThat(Metering.refund(window, opened, null, more, 2, "l", now)).isEqualTo(new Metering.Window(now + SECOND, 1));
        assertThat(Metering.refund(window, opened, null, opened.next(), 2, "l", now)).isNull();
        State reopened = new Metering.Window(now + 2 * SECOND, 3);
        assertThat(Metering.refund(window, opened, null, reopened, 2, "l", now)).isSameAs(reopened);

        Meter.Quota quota = new Meter.Quota(5, nowMillis + 1000);
        Step counted = Metering.evaluate(quota, null, 2, "l", now, nowMillis);
        assertThat(Metering.refund(quota, counted, null, new Metering.Count(4, nowMillis + 1000), 2, "l", now))
                .isEqualTo(new Metering.Count(2, nowMillis + 1000));
        assertThat(Metering.refund(quota, counted, null, counted.next(), 2, "l", now)).isNull();
    }

    @Test
    void aSlidingRefundFollowsTheCountIntoThePreviousWindow() {
        Meter.SlidingWindow meter = new Meter.SlidingWindow(10, SECOND);
        now = 10 * SECOND;
        Step applied = Metering.evaluate(meter, null, 3, "l", now, nowMillis);
        assertThat(Metering.refund(meter, applied, null, new Metering.Sliding(10, 5, 0, SECOND), 3, "l", now))
                .isEqualTo(new Metering.Sliding(10, 2, 0, SECOND));
        assertThat(Metering.refund(meter, applied, null, new Metering.Sliding(11, 1, 5, SECOND), 3, "l", now))
                .isEqualTo(new Metering.Sliding(11, 1, 2, SECOND));
        assertThat(Metering.refund(meter, applied, null, applied.next(), 3, "l", now)).isNull();
    }

    @Test
    void ceilingOfALargeProductIsExact() {
        long a = 400L * 24 * 3600 * SECOND;
        long b = (1L << 31) - 7;
        long c = (1L << 31) + 3;
        BigInteger[] exact = BigInteger.valueOf(a).multiply(BigInteger.valueOf(b)).divideAndRemainder(BigInteger.valueOf(c));
        assertThat(Metering.ceilOfProductOver(a, b, c)).isEqualTo(exact[0].longValueExact() + 1);
        assertThat(Metering.ceilOfProductOver(10, 3, 4)).isEqualTo(8);
        assertThat(Metering.ceilOfProductOver(10, 2, 4)).isEqualTo(5);
    }
}
