package io.zerogate.config;

import io.zerogate.identity.SpiffeIdPattern;
import java.time.Duration;
import java.util.List;
import org.jspecify.annotations.Nullable;

/**
 * An upstream service: a set of equivalent targets and how to reach them.
 *
 * @param maxConnectionsPerTarget idle keep-alive connections kept per target and event loop
 * @param tls     how the targets are reached: plain only when configured as {@code tls: none}
 * @param callers the workload identities allowed to reach the service; empty means no workload restriction
 */
public record ServiceConfig(
        String name,
        List<TargetAddress> targets,
        Balance balance,
        Duration connectTimeout,
        Duration responseTimeout,
        PassiveHealth passiveHealth,
        @Nullable ActiveHealth activeHealth,
        int maxConnectionsPerTarget,
        UpstreamTls tls,
        List<SpiffeIdPattern> callers) {

    public ServiceConfig {
        targets = List.copyOf(targets);
        java.util.Objects.requireNonNull(tls, "tls");
        callers = List.copyOf(callers);
    }

    /** How a target is picked for a request. */
    public enum Balance { ROUND_ROBIN, LEAST_IN_FLIGHT }

    /** Eject a target after {@code consecutiveFailures} connect failures, for {@code coolDown}. */
    public record PassiveHealth(int consecutiveFailures, Duration coolDown) {}

    /**
     * Probe each target with {@code GET path} every {@code interval}; a 2xx within {@code timeout} is a
     * success. A target turns unhealthy after {@code unhealthyAfter} failures in a row and healthy again
     * after {@code healthyAfter} successes in a row.
     */
    public record ActiveHealth(String path, Duration interval, Duration timeout, int healthyAfter, int unhealthyAfter) {}
}
