package io.zerogate.identity.jwt;

import java.time.Duration;
import java.util.Objects;
import org.jspecify.annotations.Nullable;

/**
 * When an issuer's keys are fetched next. After a success: as the issuer's {@code Cache-Control: max-age} says,
 * held between {@link #MIN_MAX_AGE} and {@link #MAX_MAX_AGE} so that a careless header neither hammers the issuer
 * nor freezes the keys, else the configured refresh; never later than half the allowed staleness, so keys from a
 * reachable issuer never go stale. After failures: an exponential back-off from {@link #FIRST_RETRY}, at most the
 * configured refresh and never more than {@link #MAX_RETRY}.
 */
final class JwksRefreshSchedule {

    static final Duration MIN_MAX_AGE = Duration.ofSeconds(30);
    static final Duration MAX_MAX_AGE = Duration.ofHours(24);
    static final Duration FIRST_RETRY = Duration.ofSeconds(1);
    static final Duration MAX_RETRY = Duration.ofMinutes(5);
    private static final Duration MIN_DELAY = Duration.ofSeconds(1);

    private final Duration refresh;
    private final Duration maxStaleness;

    JwksRefreshSchedule(Duration refresh, Duration maxStaleness) {
        this.refresh = requirePositive("jwks refresh", refresh);
        this.maxStaleness = requirePositive("jwks max staleness", maxStaleness);
    }

    /** The delay after a successful fetch whose response allowed caching for {@code maxAge} (null: unsaid). */
    Duration afterSuccess(@Nullable Duration maxAge) {
        Duration delay = maxAge == null ? refresh : clamp(maxAge, MIN_MAX_AGE, MAX_MAX_AGE);
        return clamp(min(delay, maxStaleness.dividedBy(2)), MIN_DELAY, MAX_MAX_AGE);
    }

    /** The delay after {@code failures} (at least 1) failed fetches in a row. */
    Duration afterFailures(int failures) {
        if (failures < 1) {
            throw new IllegalArgumentException("failures: " + failures + " (expected: >= 1)");
        }
        Duration delay = FIRST_RETRY.multipliedBy(1L << Math.min(failures - 1, 20));
        return min(delay, clamp(refresh, FIRST_RETRY, MAX_RETRY));
    }

    static Duration requirePositive(String what, Duration value) {
        Objects.requireNonNull(value, what);
        if (value.isNegative() || value.isZero()) {
            throw new IllegalArgumentException(what + ": " + value + " (expected: > 0)");
        }
        return value;
    }

    private static Duration min(Duration a, Duration b) {
        return a.compareTo(b) <= 0 ? a : b;
    }

    private static Duration clamp(Duration value, Duration min, Duration max) {
        return value.compareTo(min) < 0 ? min : value.compareTo(max) > 0 ? max : value;
    }
}
