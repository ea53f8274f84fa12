package io.zerogate.state;

/**
 * How a limit meters the requests charged to one key. Every back end implements the same arithmetic, given
 * here exactly so that a limit admits the same sequence whichever store holds it. Times are whole
 * microseconds of the store's own time: a monotonic clock in the embedded store, {@code TIME} in Redis; only
 * {@link Quota} uses wall-clock time, because its period is a calendar period.
 *
 * <p>A charge that is refused consumes nothing.
 */
public sealed interface Meter {

    /** The most a limit may allow per period, and the longest period: bounds that keep all arithmetic exact. */
    long MAX_LIMIT = 1L << 31;
    long MAX_MICROS = 400L * 24 * 3600 * 1_000_000;
    /** The largest integer every back end computes exactly (Lua numbers are doubles). */
    long EXACT = 1L << 53;

    /** What the limit allows per window, as sent in {@code RateLimit-Policy} ({@code q}). */
    long limit();

    /**
     * Generic cell rate algorithm: {@code limit} requests per {@code periodMicros}, up to {@code burst} at once.
     * Emission interval {@code T = max(1, periodMicros / limit)} (integer division). With the stored theoretical
     * arrival time {@code tat} (absent: now), {@code tat = max(tat, now)} and {@code next = tat + T * cost}: the
     * charge is allowed when {@code next - now <= T * burst}, and then {@code tat := next}, kept until it has
     * passed. {@code remaining = (T * burst - (tat' - now)) / T} where {@code tat'} is the stored value after the
     * charge; {@code resetMicros = tat' - now}; when refused, {@code retryAfterMicros = next - now - T * burst}.
     */
    record Gcra(long limit, long periodMicros, long burst) implements Meter {
        public Gcra {
            check("limit", limit, 1, MAX_LIMIT);
            check("periodMicros", periodMicros, 1, MAX_MICROS);
            check("burst", burst, 1, MAX_LIMIT);
            long emission = Math.max(1, periodMicros / limit);
            if (emission * burst > MAX_MICROS) {
                throw new IllegalArgumentException("burst: " + burst + " (expected: at most " + MAX_MICROS / emission
                        + ", so that a full burst spans at most 400 days of the rate)");
            }
        }

        /** The emission interval T. */
        public long emissionMicros() {
            return Math.max(1, periodMicros / limit);
        }
    }

    /**
     * A fixed window that opens with the first counted request of a key and lasts {@code windowMicros}: at most
     * {@code limit} requests in it. {@code count + cost <= limit} allows; {@code remaining = limit - count'};
     * {@code resetMicros} is the time left in the window (the whole window when none is open);
     * when refused, {@code retryAfterMicros = resetMicros}.
     */
    record FixedWindow(long limit, long windowMicros) implements Meter {
        public FixedWindow {
            check("limit", limit, 1, MAX_LIMIT);
            check("windowMicros", windowMicros, 1000, MAX_MICROS);
        }
    }

    /**
     * A sliding window estimated from two fixed windows aligned to multiples of {@code windowMicros} of store
     * time. With {@code i = now / W}, {@code elapsed = now - i * W}, counts {@code cur} (window i) and
     * {@code prev} (window i - 1): {@code weighted = floor(prev * ((double) (W - elapsed) / W))} (IEEE double,
     * in that order) and the charge is allowed when {@code weighted + cur + cost <= limit}, adding cost to cur.
     * {@code remaining = max(0, limit - weighted - cur')}; {@code resetMicros = (i + 1) * W - now}; when refused,
     * {@code retryAfterMicros = resetMicros} if {@code cur + cost > limit}, else the time until the weight of
     * prev has fallen enough: {@code ceil(W * (weighted + cur + cost - limit) / prev)}, at most resetMicros.
     */
    record SlidingWindow(long limit, long windowMicros) implements Meter {
        public SlidingWindow {
            check("limit", limit, 1, MAX_LIMIT);
            check("windowMicros", windowMicros, 1000, MAX_MICROS);
            if (Math.multiplyHigh(limit, windowMicros) != 0 || limit * windowMicros > EXACT) {
                throw new IllegalArgumentException("limit: " + limit + " (expected: at most " + EXACT / windowMicros
                        + " for a window of " + windowMicros + " µs, so that the window's arithmetic stays exact)");
            }
        }
    }

    /**
     * At most {@code limit} requests in flight at once. Each allowed charge holds a lease, named by the lease id
     * of the charge call, until it is released or {@code leaseMicros} have passed (a process that died holding
     * leases frees them that way). Cost is always one lease. {@code remaining = limit - held'};
     * {@code resetMicros = 0}; when refused, {@code retryAfterMicros = 1_000_000}.
     */
    record Concurrency(long limit, long leaseMicros) implements Meter {
        public Concurrency {
            check("limit", limit, 1, MAX_LIMIT);
            check("leaseMicros", leaseMicros, 1000, MAX_MICROS);
        }
    }

    /**
     * A quota for one calendar period. The caller names the period in the key and gives its end in wall-clock
     * milliseconds; the count lives until then. {@code count + cost <= limit} allows;
     * {@code remaining = limit - count'}; {@code resetMicros} is the time to the period's end by the store's
     * wall clock; when refused, {@code retryAfterMicros = resetMicros}. The embedded store keeps quotas across
     * restarts.
     */
    record Quota(long limit, long periodEndEpochMillis) implements Meter {
        public Quota {
            check("limit", limit, 1, MAX_LIMIT);
            if (periodEndEpochMillis <= 0) {
                throw new IllegalArgumentException("periodEndEpochMillis: " + periodEndEpochMillis + " (expected: > 0)");
            }
        }
    }

    private static void check(String name, long value, long min, long max) {
        if (value < min || value > max) {
            throw new IllegalArgumentException(name + ": " + value + " (expected: " + min + ".." + max + ")");
        }
    }
}
