package io.zerogate.config;

import io.zerogate.http.PathNormaliser;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeSet;
import org.jspecify.annotations.Nullable;

/**
 * Selects the route for a request from its host, method and normalised path. Immutable once built.
 *
 * <p>Every route has a host pattern, a set of methods and a {@link PathTemplate}. The most specific
 * route that takes the request wins, by these rules in this order:
 * <ol>
 *   <li><b>Host.</b> Routes for the exact host are tried first, then {@code *.domain} routes from the
 *       longest domain to the shortest, then routes for any host. A less specific host bucket is only
 *       tried when no route of the more specific one takes the path with any method; a bucket whose
 *       routes take the path but not the method answers {@link MethodNotAllowed}.</li>
 *   <li><b>Path, segment by segment.</b> At each position a literal segment beats a parameter, which
 *       beats a catch-all. The search backtracks: of {@code /a/{x}/c} and {@code /a/b/{y}}, the path
 *       {@code /a/b/c} selects {@code /a/b/{y}} and {@code /a/z/c} selects {@code /a/{x}/c}.</li>
 *   <li><b>Method.</b> A route must take the request's method; a branch whose routes do not is
 *       abandoned and the search goes on, so {@code POST /a/b} can select {@code POST /a/{x}} over
 *       {@code GET /a/b}. On the same template, a route naming the method beats one taking any method.
 *       When routes take the path but none takes the method, the answer is {@link MethodNotAllowed}
 *       listing the methods they take.</li>
 * </ol>
 * A route whose parameter values do not percent-decode to well-formed UTF-8 does not take the path.
 * Routes that would take the same requests (same host pattern, templates equal but for parameter
 * names, overlapping methods) are refused when added, so no two routes ever tie.
 *
 * <p>A successful lookup allocates only its parameter map (with the decoded values) and its result.
 *
 * @param <T> what a route leads to
 */
public final class Router<T> {

    /** The outcome of {@link #route}. */
    public sealed interface Result<T> permits Found, MethodNotAllowed, NotFound {
    }

    /**
     * A route takes the request.
     *
     * @param value  the route's value
     * @param params the template's parameters, percent-decoded; a catch-all holds the rest of the path
     *               with its '/' separators (and its trailing '/', if any)
     */
    public record Found<T>(T value, Map<String, String> params) implements Result<T> {
        public Found {
            Objects.requireNonNull(value, "value");
            params = params instanceof PathParameters ? params : Map.copyOf(params);
        }
    }

    /**
     * Routes of the selected host bucket take the path, but none takes the method.
     *
     * @param allowed the methods those routes take, sorted
     */
    public record MethodNotAllowed<T>(Set<String> allowed) implements Result<T> {
        public MethodNotAllowed {
            allowed = Collections.unmodifiableSortedSet(new TreeSet<>(allowed));
        }
    }

    /** No route takes the path. */
    public static final class NotFound<T> implements Result<T> {

        private static final NotFound<?> INSTANCE = new NotFound<>();

        private NotFound() {
        }

        /** The only instance. */
        @SuppressWarnings("unchecked")
        public static <T> NotFound<T> instance() {
            return (NotFound<T>) INSTANCE;
        }

        @Override
        public String toString() {
            return "NotFound";
        }
    }

    private record WildcardBucket<T>(HostPattern pattern, RouteTrie<T> routes) {
    }

    private final Map<String, RouteTrie<T>> exactHosts;
    private final List<WildcardBucket<T>> wildcardHosts;
    private final @Nullable RouteTrie<T> anyHost;

    private Router(Map<String, RouteTrie<T>> exactHosts, List<WildcardBucket<T>> wildcardHosts,
            @Nullable RouteTrie<T> anyHost) {
        this.exactHosts = Map.copyOf(exactHosts);
        this.wildcardHosts = List.copyOf(wildcardHosts);
        this.anyHost = anyHost;
    }

    /** A builder with no routes. */
    public static <T> Builder<T> builder() {
        return new Builder<>();
    }

    /**
     * Selects the route for a request.
     *
     * @param host   the request's host without its port ({@code :443}); the caller removes the port and
     *               should pass it lower-case (upper case is folded here, at the cost of a copy)
     * @param method the request method, case-sensitive as in HTTP
     * @param path   the path as returned by {@link PathNormaliser}, without the query
     */
    public Result<T> route(String host, String method, String path) {
        Objects.requireNonNull(host, "host");
        Objects.requireNonNull(method, "method");
        Objects.requireNonNull(path, "path");
        String bareHost = lowerCase(host);
        RouteTrie<T> exact = exactHosts.get(bareHost);
        if (exact != null) {
            Result<T> result = exact.route(method, path);
            if (!(result instanceof NotFound)) {
                return result;
            }
        }
        for (int i = 0; i < wildcardHosts.size(); i++) {
            WildcardBucket<T> bucket = wildcardHosts.get(i);
            if (bucket.pattern().matches(bareHost)) {
                Result<T> result = bucket.routes().route(method, path);
                if (!(result instanceof NotFound)) {
                    return result;
                }
            }
        }
        return anyHost == null ? NotFound.instance() : anyHost.route(method, path);
    }

    private static String lowerCase(String host) {
        for (int i = 0; i < host.length(); i++) {
            char c = host.charAt(i);
            if (c >= 'A' && c <= 'Z') {
                return host.toLowerCase(Locale.ROOT);
            }
        }
        return host;
    }

    /** Collects routes; {@link #add} refuses a route that would be ambiguous with one already added. */
    public static final class Builder<T> {

        private final Map<HostPattern, RouteTrieBuilder<T>> hosts = new LinkedHashMap<>();

        private Builder() {
        }

        /**
         * Adds a route.
         *
         * @param host     an exact host such as {@code api.example.com} (folded to lower case), a
         *                 wildcard {@code *.example.com} taking one or more labels before the domain, or
         *                 null for any host
         * @param methods  upper-case method tokens; empty takes any method
         * @param template a {@link PathTemplate}
         * @param value    what the route leads to
         * @throws IllegalArgumentException when the host, a method or the template is malformed, or when
         *                                  a route already added takes the same paths for the same host
         *                                  pattern and one of the same methods (both naming any method
         *                                  counts); the message names both routes
         */
        public Builder<T> add(@Nullable String host, Set<String> methods, String template, T value) {
            Objects.requireNonNull(methods, "methods");
            Objects.requireNonNull(template, "template");
            Objects.requireNonNull(value, "value");
            HostPattern pattern = HostPattern.parse(host);
            for (String method : methods) {
                checkMethod(method);
            }
            RouteEntry<T> route = new RouteEntry<>(PathTemplate.parse(template), methods, value);
            hosts.computeIfAbsent(pattern, RouteTrieBuilder::new).add(route);
            return this;
        }

        /** A router over the routes added so far; the builder stays usable. */
        public Router<T> build() {
            Map<String, RouteTrie<T>> exact = new HashMap<>();
            List<WildcardBucket<T>> wildcards = new ArrayList<>();
            RouteTrie<T> any = null;
            for (Map.Entry<HostPattern, RouteTrieBuilder<T>> entry : hosts.entrySet()) {
                HostPattern pattern = entry.getKey();
                RouteTrie<T> routes = entry.getValue().build();
                switch (pattern.kind()) {
                    case EXACT -> exact.put(pattern.domain(), routes);
                    case WILDCARD -> wildcards.add(new WildcardBucket<>(pattern, routes));
                    case ANY -> any = routes;
                }
            }
            // Longest domain first; each domain has one bucket, so no two compare equal in practice.
            wildcards.sort(Comparator.comparingInt((WildcardBucket<T> b) -> b.pattern().domain().length())
                    .reversed()
                    .thenComparing(b -> b.pattern().domain()));
            return new Router<>(exact, wildcards, any);
        }

        private static void checkMethod(String method) {
            Objects.requireNonNull(method, "method");
            boolean valid = !method.isEmpty();
            for (int i = 0; i < method.length() && valid; i++) {
                char c = method.charAt(i);
                // RFC 9110 tchar without lower-case letters: methods are case-sensitive and a
                // lower-case one in configuration is almost certainly a mistake.
                valid = (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || "!#$%&'*+-.^_`|~".indexOf(c) >= 0;
            }
            if (!valid) {
                throw new IllegalArgumentException(
                        "method '" + method + "': expected an upper-case HTTP method token such as 'GET'");
            }
        }
    }
}
