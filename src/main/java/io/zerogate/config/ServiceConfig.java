package io.zerogate.config;

import java.time.Duration;
import java.util.List;
import org.jspecify.annotations.Nullable;

/**
 * An upstream service: a set of equivalent targets and how to reach them.
 *
 * @param maxConnectionsPerTarget idle keep-alive connections kept per target and event loop
 */
public record ServiceConfig(
        String name,
        List<TargetAddress> targets,
        Balance balance,
        Duration connectTimeout,
        Duration responseTimeout,
        PassiveHealth passiveHealth,
        @Nullable ActiveHealth activeHealth,
        int maxConnectionsPerTarget) {

    public ServiceConfig {
        targets = List.copyOf(targets);
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
