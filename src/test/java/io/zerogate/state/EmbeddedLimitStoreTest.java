package io.zerogate.state;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.zerogate.testing.MutableClock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/** The limit contract on the embedded store, under a fake monotonic time and a fake wall clock. */
class EmbeddedLimitStoreTest extends LimitStoreContract {

    private static final long HOUR = 3_600_000_000L;

    private final MutableClock clock = new MutableClock(Instant.parse("2025-01-01T00:00:00Z"));
    private final AtomicLong micros = new AtomicLong(5_000_000_000L);

    @Override
    protected StateStore open() {
        return new EmbeddedStateStore(clock, micros::get, EmbeddedStateStore.DEFAULT_CAPACITY, null);
    }

    @Override
    protected void elapse(Duration d) {
        micros.addAndGet(d.toNanos() / 1000);
        clock.advance(d);
    }

    @Override
    protected long wallMillis() {
        return clock.millis();
    }

    @Override
    protected long slackMicros() {
        return 0;
    }

    @Test
    void aWallClockJumpChangesNoRateWindowOrLease() throws Exception {
        Charge rate = enforced("g", new Meter.Gcra(10, 1_000_000, 1));
        Charge window = enforced("w", new Meter.FixedWindow(1, 1_000_000));
        Charge inFlight = enforced("c", new Meter.Concurrency(1, 1_000_000));
        assertThat(charge("l1", rate, window, inFlight).allowed()).isTrue();
        clock.advance(Duration.ofDays(3));
        ChargeVerdict later = charge("l2", rate, window, inFlight);
        assertThat(later.allowed()).isFalse();
        assertThat(later.results()).extracting(ChargeResult::allowed).containsExactly(false, false, false);
        clock.advance(Duration.ofDays(-6));
        assertThat(charge("l3", rate, window, inFlight).allowed()).isFalse();
    }

    @Test
    void aQuotaEndsExactlyAtItsPeriodEnd() throws Exception {
        long end = clock.millis() + 1000;
        Charge quota = enforced("q", new Meter.Quota(1, end));
        assertAllowed(charge(quota), 1, 0);
        clock.advance(Duration.ofMillis(999));
        ChargeResult refused = charge(quota);
        assertRefused(refused, 1, 0);
        assertThat(refused.retryAfterMicros()).isEqualTo(1000);
        clock.advance(Duration.ofMillis(1));
        assertAllowed(peek(quota).get(0), 1, 0);
    }

    @Test
    void aLeaseExpiresExactlyAfterItsLeaseTime() throws Exception {
        Charge charge = enforced("c", new Meter.Concurrency(1, 100_000));
        assertAllowed(charge("l1", charge).results().get(0), 1, 0);
        micros.addAndGet(99_999);
        assertRefused(charge("l2", charge).results().get(0), 1, 0);
        micros.addAndGet(1);
        assertAllowed(charge("l2", charge).results().get(0), 1, 0);
    }

    @Test
    void aGcraRefundNeverLeavesTheTatBelowWhereItWas() throws Exception {
        // T = 1 h, burst 3: one charge applied alone, then a call in which the rate allows and a quota refuses.
        Charge rate = enforced("g", new Meter.Gcra(10, 10 * HOUR, 3));
        Charge spent = enforced("q", new Meter.Quota(1, clock.millis() + 60_000));
        charge(rate);
        charge(spent);
        for (int i = 0; i < 3; i++) {
            assertThat(charge("l" + i, rate, spent).allowed()).isFalse();
        }
        ChargeResult peeked = peek(rate).get(0);
        assertAllowed(peeked, 10, 1);
        assertThat(peeked.resetMicros()).isEqualTo(2 * HOUR);
    }

    @Test
    void expiredLimitEntriesAreForgottenAsNewOnesArrive() throws Exception {
        EmbeddedStateStore embedded = (EmbeddedStateStore) store;
        Meter.FixedWindow meter = new Meter.FixedWindow(5, 1_000_000);
        for (int i = 0; i < 1000; i++) {
            charge(enforced("old-" + i, meter));
        }
        assertThat(embedded.limitEntries()).isEqualTo(1000);
        elapse(Duration.ofSeconds(1));
        // Each call examines the next 16 entries: 150 calls examine 2,400, enough to go over all of them.
        for (int i = 0; i < 150; i++) {
            charge(enforced("new-" + i, meter));
        }
        assertThat(embedded.limitEntries()).isEqualTo(150);
    }

    @Test
    void aRefundedChargeLeavesNoEntryBehind() throws Exception {
        EmbeddedStateStore embedded = (EmbeddedStateStore) store;
        Charge refused = enforced("full", new Meter.FixedWindow(1, HOUR), 2);
        ChargeVerdict verdict = charge("l1", enforced("g", new Meter.Gcra(1, HOUR, 1)),
                enforced("w", new Meter.FixedWindow(3, HOUR)), enforced("s", new Meter.SlidingWindow(3, HOUR)),
                enforced("c", new Meter.Concurrency(3, HOUR)), enforced("q", new Meter.Quota(3, clock.millis() + 1000)),
                refused);
        assertThat(verdict.allowed()).isFalse();
        assertThat(embedded.limitEntries()).isZero();
    }

    @Test
    void aFullStoreFailsTheChargeInsteadOfForgettingALiveLimit() throws Exception {
        try (EmbeddedStateStore small = new EmbeddedStateStore(clock, micros::get, 2, null)) {
            Meter.FixedWindow meter = new Meter.FixedWindow(5, 1_000_000);
            Charge a = new Charge("a", meter, 1, true);
            Charge b = new Charge("b", meter, 1, true);
            Charge c = new Charge("c", meter, 1, true);
            assertThat(charged(small, List.of(a)).allowed()).isTrue();
            // The second key fits, the third does not: the whole call fails and gives the second back.
            assertThatThrownBy(() -> charged(small, List.of(b, c)))
                    .isInstanceOf(ExecutionException.class)
                    .cause().isInstanceOf(IllegalStateException.class)
                    .hasMessage("state store is full: 2 live limit entries (expected: fewer; raise the capacity)");
            assertThat(small.limitEntries()).isEqualTo(1);
            assertThat(charged(small, List.of(b)).results().get(0).remaining()).isEqualTo(4);
            assertThat(charged(small, List.of(a)).results().get(0).remaining()).isEqualTo(3);
            elapse(Duration.ofSeconds(1));
            assertThat(charged(small, List.of(c)).results().get(0).remaining()).isEqualTo(4);
        }
    }

    @Test
    void expiredLimitEntriesAreForgottenAsNewOnesArriveAndHotKeysAloneSweepNothing() throws Exception {
        EmbeddedStateStore embedded = (EmbeddedStateStore) store;
        Meter.FixedWindow second = new Meter.FixedWindow(5, 1_000_000);
        for (int i = 0; i < 100; i++) {
            charged(embedded, List.of(enforced("old-" + i, second)));
        }
        elapse(Duration.ofSeconds(1));
        // Charging keys that are there already adds nothing, so it forgets nothing either.
        for (int i = 0; i < 10; i++) {
            charged(embedded, List.of(enforced("old-" + i, second)));
        }
        assertThat(embedded.limitEntries()).isEqualTo(100);
        // Each key added first examines up to 16 entries: 7 new keys forget the 90 expired ones left.
        for (int i = 0; i < 7; i++) {
            charged(embedded, List.of(enforced("new-" + i, second)));
        }
        assertThat(embedded.limitEntries()).isEqualTo(17);
    }

    @Test
    void aClosedStoreFailsEveryLimitCall() {
        store.close();
        Charge charge = enforced("g", new Meter.Gcra(10, HOUR, 1));
        for (var call : List.of(store.charge(List.of(charge), "l1"), store.release(List.of(charge), "l1"),
                store.peek(List.of(charge)))) {
            assertThatThrownBy(() -> call.toCompletableFuture().get(5, TimeUnit.SECONDS))
                    .isInstanceOf(ExecutionException.class)
                    .cause().isInstanceOf(IllegalStateException.class).hasMessage("state store is closed");
        }
    }

    private static ChargeVerdict charged(StateStore store, List<Charge> charges) throws Exception {
        return store.charge(charges, "lease").toCompletableFuture().get(5, TimeUnit.SECONDS);
    }
}
