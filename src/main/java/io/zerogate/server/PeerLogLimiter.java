package io.zerogate.server;

import java.net.InetAddress;
import java.time.Duration;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.LongSupplier;

/**
 * Lets a message about a peer be logged at most once per interval per peer address, so that a client that
 * fails every handshake cannot flood the log. Bounded: when {@code capacity} addresses were logged within the
 * interval, further new addresses are not logged until entries expire. Never blocks.
 */
final class PeerLogLimiter {

    private final int capacity;
    private final long intervalNanos;
    private final LongSupplier nanoClock;
    private final ConcurrentHashMap<InetAddress, Long> lastLogged = new ConcurrentHashMap<>();

    PeerLogLimiter(int capacity, Duration interval, LongSupplier nanoClock) {
        if (capacity < 1) {
            throw new IllegalArgumentException("capacity: " + capacity + " (expected: >= 1)");
        }
        if (interval.isNegative() || interval.isZero()) {
            throw new IllegalArgumentException("interval: " + interval + " (expected: > 0)");
        }
        this.capacity = capacity;
        this.intervalNanos = interval.toNanos();
        this.nanoClock = nanoClock;
    }

    /** True when a message about {@code peer} may be logged now; the caller then logs it. */
    boolean tryAcquire(InetAddress peer) {
        long now = nanoClock.getAsLong();
        if (!lastLogged.containsKey(peer) && lastLogged.size() >= capacity) {
            lastLogged.values().removeIf(at -> now - at >= intervalNanos);
            if (lastLogged.size() >= capacity) {
                return false;
            }
        }
        boolean[] allowed = new boolean[1];
        lastLogged.compute(peer, (k, at) -> {
            if (at == null || now - at >= intervalNanos) {
                allowed[0] = true;
                return now;
            }
            return at;
        });
        return allowed[0];
    }

    /** Addresses remembered right now (for tests). */
    int size() {
        return lastLogged.size();
    }
}
