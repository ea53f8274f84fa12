package io.zerogate.config;

import java.util.List;
import org.jspecify.annotations.Nullable;

/**
 * How a route's callers prove who they are ({@code authenticate:}).
 *
 * @param methods             issuer names and {@link IdentityConfig#API_KEY}; empty when the route does not
 *                            authenticate
 * @param forwardCredentials  the upstream receives the inbound credential too (normally it is removed)
 * @param apiKeyQuery         a query parameter an API key may also come in, or null for header only
 */
public record RouteAuthentication(List<String> methods, boolean forwardCredentials, @Nullable String apiKeyQuery) {

    public static final RouteAuthentication NONE = new RouteAuthentication(List.of(), false, null);

    public RouteAuthentication {
        methods = List.copyOf(methods);
    }

    public boolean required() {
        return !methods.isEmpty();
    }
}
