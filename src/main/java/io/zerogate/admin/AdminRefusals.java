package io.zerogate.admin;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import com.github.benmanes.caffeine.cache.Ticker;
import java.net.InetAddress;
import java.time.Duration;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Counts every admin API call refused for its credentials, and logs one at most once per interval per peer
 * address, so that a client guessing tokens cannot flood the log. What was presented is never logged.
 */
final class AdminRefusals {

    private static final Logger log = LoggerFactory.getLogger(AdminRefusals.class);

    private final GatewayMetrics metrics;
    private final Cache<InetAddress, Boolean> recentlyLogged;
    private final Duration interval;

    AdminRefusals(GatewayMetrics metrics, Duration interval, int peers, Ticker ticker) {
        if (interval.isNegative() || interval.isZero()) {
            throw new IllegalArgumentException("interval: " + interval + " (expected: > 0)");
        }
        if (peers < 1) {
            throw new IllegalArgumentException("peers: " + peers + " (expected: >= 1)");
        }
        this.metrics = metrics;
        this.interval = interval;
        this.recentlyLogged = Caffeine.newBuilder().expireAfterWrite(interval).maximumSize(peers).ticker(ticker)
                .executor(Runnable::run).build();
    }

    /** One refusal a minute per address, for up to 4096 addresses at a time. */
    static AdminRefusals of(GatewayMetrics metrics) {
        return new AdminRefusals(metrics, Duration.ofMinutes(1), 4096, Ticker.systemTicker());
    }

    void refused(InetAddress peer, String reason, String path) {
        metrics.adminAuthFailed(reason);
        if (shouldLog(peer)) {
            log.warn("admin API call to {} from {} refused: {} (further refusals from this address within {} are counted in"
                    + " zerogate_admin_auth_failures_total, not logged)", path, peer.getHostAddress(), reason, interval);
        }
    }

    /** True the first time {@code peer} is seen in an interval. */
    boolean shouldLog(InetAddress peer) {
        return recentlyLogged.asMap().putIfAbsent(peer, Boolean.TRUE) == null;
    }
}
