package io.zerogate.state;

/**
 * What one charge found, in the terms of {@link Meter}'s arithmetic.
 *
 * @param allowed          whether this limit alone would let the request through
 * @param remaining        what is left after this charge (before it, when the charge was not applied)
 * @param resetMicros      time until the limit is back to full (0 when it does not refill over time)
 * @param retryAfterMicros when refused, time until the same charge could be allowed; 0 when allowed
 */
public record ChargeResult(boolean allowed, long limit, long remaining, long resetMicros, long retryAfterMicros) {}
