package io.zerogate.state;

import java.util.Objects;

/**
 * One limit applied to one request: the key it counts under, how it meters, how much the request costs, and
 * whether a refusal refuses the request ({@code enforced}) or is only reported ({@code shadow}).
 *
 * @param key  the store key, without the store's own prefix. Bounded (at most {@link #MAX_KEY_LENGTH}
 *             characters) and free of client-chosen text: callers hash client input into it. A Redis Cluster
 *             hash tag ({@code {…}}) in it decides the slot.
 * @param cost what the request consumes; 1 for a plain request, always 1 for {@link Meter.Concurrency}
 */
public record Charge(String key, Meter meter, long cost, boolean enforced) {

    public static final int MAX_KEY_LENGTH = 200;

    public Charge {
        Objects.requireNonNull(key, "key");
        Objects.requireNonNull(meter, "meter");
        if (key.isEmpty() || key.length() > MAX_KEY_LENGTH) {
            throw new IllegalArgumentException("key length: " + key.length() + " (expected: 1.." + MAX_KEY_LENGTH + ")");
        }
        if (cost < 1 || cost > Meter.MAX_LIMIT || (meter instanceof Meter.Concurrency && cost != 1)) {
            throw new IllegalArgumentException("cost: " + cost + " (expected: 1.." + Meter.MAX_LIMIT
                    + ", and 1 for a concurrency limit)");
        }
    }
}
