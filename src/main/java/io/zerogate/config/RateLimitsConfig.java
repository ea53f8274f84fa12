package io.zerogate.config;

import java.time.ZoneId;
import java.util.List;
import java.util.Objects;

/**
 * The {@code rate_limits} section: limits that apply to every route, and how limits speak to clients.
 *
 * @param headers  send the {@code RateLimit-Policy} and {@code RateLimit} fields on allowed and limited responses
 * @param timeZone the zone in which quotas' days, weeks and months begin
 * @param global   limits checked on every route, before the route's own
 */
public record RateLimitsConfig(boolean headers, ZoneId timeZone, List<LimitConfig> global) {

    public static final RateLimitsConfig DEFAULT = new RateLimitsConfig(true, ZoneId.of("UTC"), List.of());

    public RateLimitsConfig {
        Objects.requireNonNull(timeZone, "timeZone");
        global = List.copyOf(global);
    }
}
