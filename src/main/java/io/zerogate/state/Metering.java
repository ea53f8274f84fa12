package io.zerogate.state;

import java.math.BigInteger;
import java.util.Arrays;
import org.jspecify.annotations.Nullable;

/**
 * The arithmetic of {@link Meter} as pure functions: what one key holds, what a charge finds there, and what the
 * key holds after the charge, after a refund and after a release. Times are whole microseconds of the store's
 * monotonic time ({@code now}), and milliseconds of its wall clock ({@code nowMillis}) for quotas only.
 *
 * <p>Products that the bounds of {@link Meter} let exceed a {@code long} (an emission interval of days times a
 * burst of billions) saturate, which can only refuse, never admit, a charge the exact arithmetic would not.
 */
final class Metering {

    private Metering() {
    }

    /** What one key holds; immutable, so that a store swaps whole states with compare-and-set. */
    sealed interface State {

        /** Whether this state no longer affects any charge and may be forgotten. */
        boolean expired(long now, long nowMillis);
    }

    /** A GCRA key: the theoretical arrival time. */
    record Tat(long tat) implements State {
        @Override
        public boolean expired(long now, long nowMillis) {
            return tat <= now;
        }
    }

    /** An open fixed window: when it ends and what it has counted. */
    record Window(long end, long count) implements State {
        @Override
        public boolean expired(long now, long nowMillis) {
            return end <= now;
        }
    }

    /** A sliding window key: the counts of window {@code index} and of the window before it. */
    record Sliding(long index, long current, long previous, long windowMicros) implements State {
        @Override
        public boolean expired(long now, long nowMillis) {
            return now / windowMicros >= index + 2;
        }
    }

    /** The leases of a concurrency key, by name, with when each expires; {@code latest} is the last of those. */
    record Leases(String[] ids, long[] expiries, long latest) implements State {
        @Override
        public boolean expired(long now, long nowMillis) {
            return latest <= now;
        }

        int live(long now) {
            int live = 0;
            for (long expiry : expiries) {
                live += expiry > now ? 1 : 0;
            }
            return live;
        }

        /** These leases without {@code id} and without the expired ones; null when none is left. */
        @Nullable Leases without(@Nullable String id, long now) {
            String[] keptIds = new String[ids.length];
            long[] keptExpiries = new long[ids.length];
            int kept = 0;
            long latestKept = Long.MIN_VALUE;
            for (int i = 0; i < ids.length; i++) {
                if (expiries[i] > now && !ids[i].equals(id)) {
                    keptIds[kept] = ids[i];
                    keptExpiries[kept] = expiries[i];
                    latestKept = Math.max(latestKept, expiries[i]);
                    kept++;
                }
            }
            return kept == 0 ? null
                    : new Leases(Arrays.copyOf(keptIds, kept), Arrays.copyOf(keptExpiries, kept), latestKept);
        }

        boolean holds(String id, long now) {
            for (int i = 0; i < ids.length; i++) {
                if (ids[i].equals(id) && expiries[i] > now) {
                    return true;
                }
            }
            return false;
        }
    }

    /** A quota key: its count, until the end of its period (wall-clock milliseconds). */
    record Count(long count, long periodEndMillis) implements State {
        @Override
        public boolean expired(long now, long nowMillis) {
            return periodEndMillis <= nowMillis;
        }
    }

    /**
     * What a charge found. {@code remaining} and {@code resetMicros} are as after the charge when it is allowed;
     * {@code remainingBefore} and {@code resetBefore} as before it, for an allowed charge that is not applied.
     *
     * @param next what the key holds once the charge is applied; null when it is refused, or for a peek at a
     *             concurrency limit (no lease to take)
     */
    record Step(boolean allowed, @Nullable State next, long limit, long remaining, long resetMicros,
            long retryAfterMicros, long remainingBefore, long resetBefore) {

        /** The result of this charge as evaluated (applied when allowed). */
        ChargeResult result() {
            return new ChargeResult(allowed, limit, remaining, resetMicros, retryAfterMicros);
        }

        /** The result of this charge when it allowed but was not applied because another charge refused. */
        ChargeResult unapplied() {
            return allowed ? new ChargeResult(true, limit, remainingBefore, resetBefore, 0) : result();
        }

        private static Step refused(long limit, long remaining, long reset, long retryAfter) {
            return new Step(false, null, limit, remaining, reset, retryAfter, remaining, reset);
        }
    }

    /**
     * Evaluates {@code cost} against {@code stored}.
     *
     * @param stored  what the key holds (of any kind, expired or not), null when nothing
     * @param leaseId the lease a concurrency charge takes; null for a lease not held yet (a peek)
     */
    static Step evaluate(Meter meter, @Nullable State stored, long cost, @Nullable String leaseId, long now,
            long nowMillis) {
        return switch (meter) {
            case Meter.Gcra gcra -> gcra(gcra, stored instanceof Tat tat ? tat.tat() : now, cost, now);
            case Meter.FixedWindow window -> fixedWindow(window, stored instanceof Window w && w.end() > now ? w : null,
                    cost, now);
            case Meter.SlidingWindow sliding -> slidingWindow(sliding, stored instanceof Sliding s ? s : null, cost, now);
            case Meter.Concurrency concurrency -> concurrency(concurrency, stored instanceof Leases l ? l : null, leaseId,
                    now);
            case Meter.Quota quota -> quota(quota, stored instanceof Count c && c.periodEndMillis() > nowMillis
                    ? c.count() : 0, cost, nowMillis);
        };
    }

    private static Step gcra(Meter.Gcra meter, long storedTat, long cost, long now) {
        long t = meter.emissionMicros();
        long capacity = multiply(t, meter.burst());
        long tat = Math.max(storedTat, now);
        long next = add(tat, multiply(t, cost));
        long remainingBefore = (capacity - (tat - now)) / t;
        if (next - now > capacity) {
            return Step.refused(meter.limit(), remainingBefore, tat - now, next - now - capacity);
        }
        return new Step(true, new Tat(next), meter.limit(), (capacity - (next - now)) / t, next - now, 0,
                remainingBefore, tat - now);
    }

    private static Step fixedWindow(Meter.FixedWindow meter, @Nullable Window open, long cost, long now) {
        long count = open == null ? 0 : open.count();
        long reset = open == null ? meter.windowMicros() : open.end() - now;
        if (count + cost > meter.limit()) {
            return Step.refused(meter.limit(), meter.limit() - count, reset, reset);
        }
        long end = open == null ? add(now, meter.windowMicros()) : open.end();
        return new Step(true, new Window(end, count + cost), meter.limit(), meter.limit() - count - cost, end - now, 0,
                meter.limit() - count, reset);
    }

    private static Step slidingWindow(Meter.SlidingWindow meter, @Nullable Sliding stored, long cost, long now) {
        long w = meter.windowMicros();
        long limit = meter.limit();
        long index = now / w;
        long elapsed = now - index * w;
        long current = 0;
        long previous = 0;
        if (stored != null && stored.index() == index) {
            current = stored.current();
            previous = stored.previous();
        } else if (stored != null && stored.index() == index - 1) {
            previous = stored.current();
        }
        long weighted = (long) Math.floor(previous * ((double) (w - elapsed) / w));
        long reset = (index + 1) * w - now;
        long remainingBefore = Math.max(0, limit - weighted - current);
        if (weighted + current + cost > limit) {
            long retryAfter = current + cost > limit ? reset
                    : Math.min(reset, ceilOfProductOver(w, weighted + current + cost - limit, previous));
            return Step.refused(limit, remainingBefore, reset, retryAfter);
        }
        return new Step(true, new Sliding(index, current + cost, previous, w), limit,
                Math.max(0, limit - weighted - current - cost), reset, 0, remainingBefore, reset);
    }

    private static Step concurrency(Meter.Concurrency meter, @Nullable Leases stored, @Nullable String leaseId,
            long now) {
        int held = stored == null ? 0 : stored.live(now);
        if (held + 1 > meter.limit()) {
            return Step.refused(meter.limit(), meter.limit() - held, 0, 1_000_000);
        }
        long expiry = add(now, meter.leaseMicros());
        boolean renewed = leaseId != null && stored != null && stored.holds(leaseId, now);
        Leases next = null;
        if (leaseId != null) {
            Leases others = stored == null ? null : stored.without(leaseId, now);
            String[] ids = others == null ? new String[1] : Arrays.copyOf(others.ids(), others.ids().length + 1);
            long[] expiries = others == null ? new long[1] : Arrays.copyOf(others.expiries(), ids.length);
            ids[ids.length - 1] = leaseId;
            expiries[ids.length - 1] = expiry;
            next = new Leases(ids, expiries, others == null ? expiry : Math.max(others.latest(), expiry));
        }
        long heldAfter = renewed ? held : held + 1;
        return new Step(true, next, meter.limit(), meter.limit() - heldAfter, 0, 0, meter.limit() - held, 0);
    }

    private static Step quota(Meter.Quota meter, long count, long cost, long nowMillis) {
        long reset = multiply(Math.max(0, meter.periodEndEpochMillis() - nowMillis), 1000);
        if (count + cost > meter.limit()) {
            return Step.refused(meter.limit(), meter.limit() - count, reset, reset);
        }
        return new Step(true, new Count(count + cost, meter.periodEndEpochMillis()), meter.limit(),
                meter.limit() - count - cost, reset, 0, meter.limit() - count, reset);
    }

    /**
     * What the key holds once an applied charge is given back: {@code current} itself when there is nothing to
     * give back, null when the key holds nothing any more.
     *
     * @param applied the step that applied the charge
     * @param before  what the key held before that charge
     */
    static @Nullable State refund(Meter meter, Step applied, @Nullable State before, State current, long cost,
            String leaseId, long now) {
        return switch (meter) {
            case Meter.Gcra gcra -> {
                if (!(current instanceof Tat tat)) {
                    yield current;
                }
                long floor = before instanceof Tat previous ? previous.tat() : Long.MIN_VALUE;
                long back = Math.max(tat.tat() - multiply(gcra.emissionMicros(), cost), floor);
                yield back <= now ? null : new Tat(back);
            }
            case Meter.FixedWindow ignored -> current instanceof Window window
                    && applied.next() instanceof Window taken && window.end() == taken.end()
                    ? (window.count() <= cost ? null : new Window(window.end(), window.count() - cost)) : current;
            case Meter.SlidingWindow ignored -> {
                if (!(current instanceof Sliding sliding) || !(applied.next() instanceof Sliding taken)) {
                    yield current;
                }
                long left = sliding.current();
                long previous = sliding.previous();
                if (sliding.index() == taken.index()) {
                    left = Math.max(0, left - cost);
                } else if (sliding.index() == taken.index() + 1) {
                    previous = Math.max(0, previous - cost);
                } else {
                    yield current;
                }
                yield left == 0 && previous == 0 ? null
                        : new Sliding(sliding.index(), left, previous, sliding.windowMicros());
            }
            case Meter.Concurrency ignored -> release(current, leaseId, now);
            case Meter.Quota ignored -> current instanceof Count count
                    ? (count.count() <= cost ? null : new Count(count.count() - cost, count.periodEndMillis()))
                    : current;
        };
    }

    /** What a concurrency key holds once {@code leaseId} is released (and expired leases dropped). */
    static @Nullable State release(State current, String leaseId, long now) {
        if (!(current instanceof Leases leases) || !leases.holds(leaseId, now)) {
            return current;
        }
        return leases.without(leaseId, now);
    }

    private static long multiply(long a, long b) {
        long high = Math.multiplyHigh(a, b);
        long low = a * b;
        return high == 0 && low >= 0 ? low : Long.MAX_VALUE;
    }

    private static long add(long a, long b) {
        long sum = a + b;
        return sum < a ? Long.MAX_VALUE : sum;
    }

    /** {@code ceil(a * b / c)} for non-negative a, b and positive c, exact even where {@code a * b} overflows. */
    static long ceilOfProductOver(long a, long b, long c) {
        long high = Math.multiplyHigh(a, b);
        long low = a * b;
        if (high == 0 && low >= 0) {
            return Math.ceilDiv(low, c);
        }
        BigInteger[] division = BigInteger.valueOf(a).multiply(BigInteger.valueOf(b)).divideAndRemainder(BigInteger.valueOf(c));
        BigInteger quotient = division[1].signum() == 0 ? division[0] : division[0].add(BigInteger.ONE);
        return quotient.bitLength() < 64 ? quotient.longValue() : Long.MAX_VALUE;
    }
}
