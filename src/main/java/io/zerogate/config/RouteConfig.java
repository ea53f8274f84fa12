package io.zerogate.config;

import java.util.Set;
import org.jspecify.annotations.Nullable;

/**
 * A route: which requests it matches and where they go.
 *
 * @param host      exact host (case-insensitive, no port) or {@code *.example.com}; null matches any host
 * @param methods   upper-case methods; empty matches any method
 * @param path      a path template such as {@code /orders/{orderId}} or {@code /files/{path...}}
 * @param isPublic  true when the route is explicitly open to anonymous callers; a route that is neither
 *                  public nor governed by a rule is denied
 * @param authenticate how callers prove who they are
 * @param require   what the route demands of its caller
 * @param limits    the route's rate limits, quotas and concurrency limits, after the global ones
 * @param line      line of the route in the configuration file (for messages)
 * @param network   the route's own client address rules, after the global ones
 * @param policy    the route's policy rules, ownership lookup and decision point
 */
public record RouteConfig(
        String id,
        @Nullable String host,
        Set<String> methods,
        String path,
        String service,
        boolean isPublic,
        RouteAuthentication authenticate,
        RouteRequirements require,
        java.util.List<LimitConfig> limits,
        int line,
        NetworkRules network,
        RoutePolicy policy) {

    /** A route without network rules or a policy. */
    public RouteConfig(String id, @Nullable String host, Set<String> methods, String path, String service,
                       boolean isPublic, RouteAuthentication authenticate, RouteRequirements require,
                       java.util.List<LimitConfig> limits, int line) {
        this(id, host, methods, path, service, isPublic, authenticate, require, limits, line, NetworkRules.NONE,
                RoutePolicy.NONE);
    }

    public RouteConfig {
        methods = Set.copyOf(methods);
        java.util.Objects.requireNonNull(authenticate, "authenticate");
        java.util.Objects.requireNonNull(require, "require");
        limits = java.util.List.copyOf(limits);
        java.util.Objects.requireNonNull(network, "network");
        java.util.Objects.requireNonNull(policy, "policy");
    }

    /** The caller must have presented a verified client certificate. */
    public boolean requireClientCertificate() {
        return require.clientCertificate();
    }
}
