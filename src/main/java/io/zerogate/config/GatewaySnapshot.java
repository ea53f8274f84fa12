package io.zerogate.config;

import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * A configuration compiled once for the request path: the routing table with every route resolved. A
 * request reads the current snapshot once and keeps it until it ends, so a reload never changes the rules
 * under a request in flight.
 */
public final class GatewaySnapshot {

    private final GatewayConfig config;
    private final Router<CompiledRoute> router;
    private final List<CompiledRoute> routes;

    private GatewaySnapshot(GatewayConfig config, Router<CompiledRoute> router, List<CompiledRoute> routes) {
        this.config = config;
        this.router = router;
        this.routes = List.copyOf(routes);
    }

    /**
     * Compiles a validated configuration.
     *
     * @throws ConfigException when a route's path template is invalid or two routes are ambiguous
     */
    public static GatewaySnapshot compile(GatewayConfig config) throws ConfigException {
        Objects.requireNonNull(config, "config");
        Router.Builder<CompiledRoute> builder = Router.builder();
        List<RouteConfig> routes = config.routes();
        List<CompiledRoute> compiled = new ArrayList<>(routes.size());
        for (int i = 0; i < routes.size(); i++) {
            RouteConfig route = routes.get(i);
            ServiceConfig service = config.services().get(route.service());
            if (service == null) {
                throw new ConfigException(config.source(), route.line(), "routes[" + i + "].service",
                        "unknown service '" + route.service() + "'");
            }
            CompiledRoute c = new CompiledRoute(route, service);
            compiled.add(c);
            try {
                builder.add(route.host(), route.methods(), route.path(), c);
            } catch (IllegalArgumentException e) {
                throw new ConfigException(config.source(), route.line(), "routes[" + i + "].match.path", e.getMessage());
            }
        }
        try {
            return new GatewaySnapshot(config, builder.build(), compiled);
        } catch (IllegalArgumentException e) {
            throw new ConfigException(config.source(), 0, "routes", e.getMessage());
        }
    }

    public GatewayConfig config() {
        return config;
    }

    public Router<CompiledRoute> router() {
        return router;
    }

    /** Every route, in the file's order: the very objects the router answers with. */
    public List<CompiledRoute> routes() {
        return routes;
    }
}
