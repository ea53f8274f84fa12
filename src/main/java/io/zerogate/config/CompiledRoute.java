package io.zerogate.config;

import java.util.Objects;

/** A route with everything it refers to resolved, as the request path reads it from a snapshot. */
public record CompiledRoute(RouteConfig config, ServiceConfig service) {

    public CompiledRoute {
        Objects.requireNonNull(config, "config");
        Objects.requireNonNull(service, "service");
    }

    public String id() {
        return config.id();
    }
}
