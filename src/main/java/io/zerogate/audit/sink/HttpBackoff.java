package io.zerogate.audit.sink;

import java.time.Duration;
import java.util.Objects;
import java.util.random.RandomGenerator;

/**
 * The pause before sending a refused batch again: doubling from {@code first} up to {@code longest}, half of it
 * fixed and half random, so that many gateways whose collector came back do not all retry in the same instant.
 * Used by one thread.
 */
final class HttpBackoff {

    static final Duration FIRST = Duration.ofMillis(100);
    static final Duration LONGEST = Duration.ofSeconds(30);

    private final long first;
    private final long longest;
    private final RandomGenerator random;

    HttpBackoff(Duration first, Duration longest, RandomGenerator random) {
        this.first = first.toNanos();
        this.longest = longest.toNanos();
        this.random = Objects.requireNonNull(random, "random");
        if (this.first < 1) {
            throw new IllegalArgumentException("first backoff: " + first + " (expected: > 0)");
        }
        if (this.longest < this.first) {
            throw new IllegalArgumentException("longest backoff: " + longest + " (expected: >= " + first + ")");
        }
    }

    /** Nanoseconds to wait after {@code failures} consecutive failures (1 for the first). */
    long pause(int failures) {
        int doublings = Math.min(Math.max(failures - 1, 0), 40);
        long full = first << Math.min(doublings, Long.numberOfLeadingZeros(first) - 1);
        long capped = Math.min(full, longest);
        long half = capped / 2;
        return capped - half + random.nextLong(half + 1);
    }
}
