package io.zerogate.testing;

import io.zerogate.chain.ClientAddress;
import io.zerogate.chain.Exchange;
import io.zerogate.chain.RequestHead;
import io.zerogate.config.CompiledRoute;
import io.zerogate.config.RouteConfig;
import io.zerogate.config.ServiceConfig;
import io.zerogate.config.TargetAddress;
import io.zerogate.config.UpstreamTls;
import io.zerogate.identity.SpiffeIdPattern;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.jspecify.annotations.Nullable;

/** Exchanges built by hand for stage tests: a GET / over HTTPS on a route to one service. */
public final class Exchanges {

    private Exchanges() {}

    /** A service named {@code service} with these callers (none: unrestricted). */
    public static ServiceConfig service(String service, String... callers) {
        List<SpiffeIdPattern> patterns = java.util.Arrays.stream(callers).map(SpiffeIdPattern::parse).toList();
        return new ServiceConfig(service, List.of(new TargetAddress("http", "127.0.0.1", 9)),
                ServiceConfig.Balance.ROUND_ROBIN, Duration.ofSeconds(1), Duration.ofSeconds(1),
                new ServiceConfig.PassiveHealth(1, Duration.ofSeconds(1)), null, 8, new UpstreamTls.Plain(), patterns);
    }

    /** A route {@code routeId} to {@code service}. */
    public static Exchange exchange(String routeId, boolean isPublic, boolean requireClientCertificate, ServiceConfig service) {
        RouteConfig route = new RouteConfig(routeId, null, Set.of(), "/", service.name(), isPublic, io.zerogate.config.RouteAuthentication.NONE,
                requireClientCertificate ? new io.zerogate.config.RouteRequirements(true, java.util.Set.of(), false, java.util.List.of(), null, io.zerogate.config.RouteRequirements.BoundToken.NONE) : io.zerogate.config.RouteRequirements.NONE, java.util.List.of(), 1);
        return new Exchange("id", "l", head("https", "/"), new ClientAddress(new InetSocketAddress("127.0.0.1", 1), null),
                new CompiledRoute(route, service), Map.of(), 0);
    }

    /** A GET of {@code path} on a route as a running gateway compiled it, from a client without credentials. */
    public static Exchange exchange(CompiledRoute route, String path) {
        return new Exchange("id", "l", head("http", path), new ClientAddress(new InetSocketAddress("127.0.0.1", 1), null), route,
                Map.of(), 0);
    }

    /** A GET of {@code path} to example.com without query or headers. */
    private static RequestHead head(String scheme, String path) {
        return new RequestHead() {
            @Override public String method() { return "GET"; }
            @Override public String scheme() { return scheme; }
            @Override public String host() { return "example.com"; }
            @Override public String path() { return path; }
            @Override public String rawPath() { return path; }
            @Override public @Nullable String query() { return null; }
            @Override public @Nullable String header(String name) { return null; }
            @Override public List<String> headers(String name) { return List.of(); }
        };
    }
}
