package io.zerogate.admin;

import io.zerogate.audit.incident.Incident;
import io.zerogate.config.ConfigException;
import io.zerogate.config.GatewayConfig;
import io.zerogate.limits.LimitsStage;
import io.zerogate.network.ClientBlocks;
import java.util.List;
import java.util.Objects;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;
import org.jspecify.annotations.Nullable;

/**
 * What the admin listener reads from the running gateway. Every supplier is asked again on each call, so the
 * answers follow reloads; the admin credentials ({@code admin.tokens}, {@code admin.public}) are read from
 * {@code config} the same way.
 *
 * @param ready      the gateway accepts traffic
 * @param limits     the limits of the configuration in force (readiness detail, quotas)
 * @param publicKeys the JWK set of the keys the gateway signs identity assertions with
 * @param config     the configuration in force
 * @param reload     reads the configuration file again and applies it; null when the gateway was started from a
 *                   configuration held in memory
 * @param incidents  open incidents, newest first
 * @param tail       the live tail of audit records, registered with the audit writer
 * @param blocks     the active blocks on client addresses, which the admin API lists, places and removes
 */
public record AdminApi(GatewayMetrics metrics, BooleanSupplier ready, Supplier<LimitsStage> limits,
                       Supplier<String> publicKeys, Supplier<GatewayConfig> config, @Nullable Reload reload,
                       Supplier<List<Incident>> incidents, AuditTail tail,
                       ClientBlocks blocks) {

    public AdminApi {
        Objects.requireNonNull(metrics, "metrics");
        Objects.requireNonNull(ready, "ready");
        Objects.requireNonNull(limits, "limits");
        Objects.requireNonNull(publicKeys, "publicKeys");
        Objects.requireNonNull(config, "config");
        Objects.requireNonNull(incidents, "incidents");
        Objects.requireNonNull(tail, "tail");
        Objects.requireNonNull(blocks, "blocks");
    }

    /** Reads the configuration file again and applies it; the configuration in force stays when it is refused. */
    @FunctionalInterface
    public interface Reload {

        /** Returns the configuration now in force; called off the event loops, one call at a time. */
        GatewayConfig reload() throws ConfigException;
    }
}
