package io.zerogate.config;

import java.util.List;
import java.util.Map;
import org.jspecify.annotations.Nullable;

/**
 * The whole validated configuration document, as written by the operator (version 1).
 * Built only by {@link ConfigLoader}; every nested value has already been checked.
 *
 * @param source where the document came from (a file path, or a name for an in-memory document)
 * @param audit  the audit trail's configuration, or null when auditing is off
 * @param tracing where spans are exported, or null when they are not
 * @param networks the named networks and the global client address rules
 * @param posture  where device posture comes from, or null when devices are not checked
 */
public record GatewayConfig(
        String source,
        int version,
        List<ListenerConfig> listeners,
        AdminConfig admin,
        TrustedProxies trustedProxies,
        WorkloadConfig workloads,
        IdentityConfig identity,
        StateConfig state,
        ServerLimits limits,
        RateLimitsConfig rateLimits,
        @Nullable AuditConfig audit,
        @Nullable TracingConfig tracing,
        Timeouts timeouts,
        Map<String, ServiceConfig> services,
        List<RouteConfig> routes,
        NetworksConfig networks,
        @Nullable PostureConfig posture) {

    public GatewayConfig {
        listeners = List.copyOf(listeners);
        services = Map.copyOf(services);
        routes = List.copyOf(routes);
        java.util.Objects.requireNonNull(networks, "networks");
    }
}
