package io.zerogate.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.InetAddress;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

class PeerLogLimiterTest {

    private final AtomicLong now = new AtomicLong(1_000);

    private static InetAddress ip(int last) throws Exception {
        return InetAddress.getByAddress(new byte[] {10, 0, 0, (byte) last});
    }

    @Test
    void oncePerPeerPerInterval() throws Exception {
        PeerLogLimiter limiter = new PeerLogLimiter(16, Duration.ofMinutes(1), now::get);
        assertThat(limiter.tryAcquire(ip(1))).isTrue();
        assertThat(limiter.tryAcquire(ip(1))).isFalse();
        assertThat(limiter.tryAcquire(ip(2))).isTrue();
        now.addAndGet(Duration.ofSeconds(59).toNanos());
        assertThat(limiter.tryAcquire(ip(1))).isFalse();
        now.addAndGet(Duration.ofSeconds(1).toNanos());
        assertThat(limiter.tryAcquire(ip(1))).isTrue();
        assertThat(limiter.tryAcquire(ip(1))).isFalse();
    }

    @Test
    void staysBoundedUnderManyAddresses() throws Exception {
        PeerLogLimiter limiter = new PeerLogLimiter(4, Duration.ofMinutes(1), now::get);
        for (int i = 0; i < 4; i++) {
            assertThat(limiter.tryAcquire(ip(i))).isTrue();
        }
        // Full of recent entries: a new address is not logged, a known one keeps its own limit.
        assertThat(limiter.tryAcquire(ip(100))).isFalse();
        assertThat(limiter.tryAcquire(ip(0))).isFalse();
        assertThat(limiter.size()).isEqualTo(4);
        // Once the entries expire they make room.
        now.addAndGet(Duration.ofMinutes(1).toNanos());
        assertThat(limiter.tryAcquire(ip(100))).isTrue();
        assertThat(limiter.size()).isEqualTo(1);
    }

    @Test
    void refusesNonsense() {
        assertThatThrownBy(() -> new PeerLogLimiter(0, Duration.ofMinutes(1), now::get))
                .hasMessage("capacity: 0 (expected: >= 1)");
        assertThatThrownBy(() -> new PeerLogLimiter(1, Duration.ZERO, now::get))
                .hasMessage("interval: PT0S (expected: > 0)");
    }
}
