package io.zerogate.state;

import io.zerogate.testing.MutableClock;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

class EmbeddedStateStoreTest extends StateStoreContract {

    private static final Duration TTL = Duration.ofSeconds(60);

    private final MutableClock clock = new MutableClock(Instant.parse("2025-01-01T00:00:00Z"));

    @Override
    protected StateStore open() {
        return new EmbeddedStateStore(clock);
    }

    @Override
    protected Duration shortTtl() {
        return Duration.ofSeconds(10);
    }

    @Override
    protected void letExpire(String key) throws Exception {
        clock.advance(shortTtl().minusMillis(1));
        assertThat(claim(store, key, shortTtl())).isFalse();
        clock.advance(Duration.ofMillis(1));
    }

    @Test
    void aTtlBelowOneMillisecondIsRoundedUp() throws Exception {
        assertThat(claim(store, key("a"), Duration.ofNanos(1))).isTrue();
        assertThat(claim(store, key("a"), Duration.ofNanos(1))).isFalse();
        clock.advance(Duration.ofMillis(1));
        assertThat(claim(store, key("a"), Duration.ofNanos(1))).isTrue();
    }

    @Test
    void aReplayDoesNotExtendTheClaim() throws Exception {
        assertThat(claim(key("a"))).isTrue();
        clock.advance(TTL.minusSeconds(1));
        assertThat(claim(key("a"))).isFalse();
        clock.advance(Duration.ofSeconds(1));
        assertThat(claim(key("a"))).isTrue();
    }

    @Test
    void expiredClaimsAreSweptAsNewOnesArrive() throws Exception {
        EmbeddedStateStore embedded = (EmbeddedStateStore) store;
        for (int i = 0; i < 1000; i++) {
            assertThat(claim(key("old-" + i))).isTrue();
        }
        assertThat(embedded.size()).isEqualTo(1000);
        clock.advance(TTL);
        // Each claim removes up to 16 expired claims: 63 claims clear 1000.
        for (int i = 0; i < 63; i++) {
            assertThat(claim(key("new-" + i))).isTrue();
        }
        assertThat(embedded.size()).isEqualTo(63);
    }

    @Test
    void aKeyClaimedAgainAfterExpiryIsNotRemovedBySweepingItsOldClaim() throws Exception {
        EmbeddedStateStore embedded = (EmbeddedStateStore) store;
        assertThat(claim(key("a"))).isTrue();
        clock.advance(TTL);
        assertThat(claim(key("a"))).isTrue();
        assertThat(claim(key("b"))).isTrue();
        assertThat(embedded.size()).isEqualTo(2);
        assertThat(claim(key("a"))).isFalse();
    }

    @Test
    void aFullStoreFailsTheClaimInsteadOfForgettingALiveOne() throws Exception {
        try (EmbeddedStateStore small = new EmbeddedStateStore(clock, 3)) {
            assertThat(claim(small, "a", TTL)).isTrue();
            assertThat(claim(small, "b", TTL)).isTrue();
            assertThat(claim(small, "c", TTL)).isTrue();
            assertThatThrownBy(() -> small.claimOnce("d", TTL).toCompletableFuture().get(5, TimeUnit.SECONDS))
                    .isInstanceOf(ExecutionException.class)
                    .cause().isInstanceOf(IllegalStateException.class)
                    .hasMessage("state store is full: 3 live claims (expected: fewer; raise the capacity)");
            assertThat(claim(small, "a", TTL)).isFalse();
            clock.advance(TTL);
            assertThat(claim(small, "d", TTL)).isTrue();
            assertThat(small.size()).isEqualTo(1);
        }
    }

    @Test
    void aCapacityBelowOneIsRefused() {
        assertThatThrownBy(() -> new EmbeddedStateStore(clock, 0))
                .isInstanceOf(IllegalArgumentException.class).hasMessage("capacity: 0 (expected: >= 1)");
    }
}
