package io.zerogate.limits;

import io.zerogate.chain.Decision;
import io.zerogate.config.LimitConfig;
import io.zerogate.state.ChargeResult;
import java.time.Instant;
import java.util.List;

/**
 * The {@code RateLimit-Policy} and {@code RateLimit} fields of draft-ietf-httpapi-ratelimit-headers (structured
 * field lists): one item per enforced rate, window or quota limit that counted the request, named by the limit's
 * id — {@code RateLimit-Policy: "per-caller";q=100;w=60} and {@code RateLimit: "per-caller";r=42;t=18}.
 * Concurrency limits have no window and are left out; so are shadow limits, which clients must not act on.
 */
final class RateLimitFields {

    static final String POLICY = "RateLimit-Policy";
    static final String STATE = "RateLimit";

    private RateLimitFields() {}

    /** The two fields for these limits and results (same order); empty when none is advertised. */
    static List<Decision.ResponseHeader> of(List<CompiledLimit> limits, List<ChargeResult> results, Instant now) {
        StringBuilder policy = null;
        StringBuilder state = null;
        for (int i = 0; i < limits.size(); i++) {
            CompiledLimit limit = limits.get(i);
            if (!limit.enforced() || limit.config().algorithm() == LimitConfig.Algorithm.CONCURRENCY) {
                continue;
            }
            ChargeResult r = results.get(i);
            if (policy == null) {
                policy = new StringBuilder(64);
                state = new StringBuilder(48);
            } else {
                policy.append(", ");
                state.append(", ");
            }
            policy.append(limit.policyItem(now));
            state.append('"').append(limit.id()).append("\";r=").append(Math.max(0, r.remaining()))
                    .append(";t=").append(seconds(r.resetMicros()));
        }
        if (policy == null) {
            return List.of();
        }
        return List.of(new Decision.ResponseHeader(POLICY, policy.toString()), new Decision.ResponseHeader(STATE, state.toString()));
    }

    /** Whole seconds, rounded up: a client that waits that long finds the limit as announced. */
    static long seconds(long micros) {
        return micros <= 0 ? 0 : (micros + 999_999) / 1_000_000;
    }
}
