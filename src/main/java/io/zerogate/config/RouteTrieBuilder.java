package io.zerogate.config;

import io.zerogate.config.PathTemplate.CatchAll;
import io.zerogate.config.PathTemplate.Literal;
import io.zerogate.config.PathTemplate.Segment;
import io.zerogate.config.RouteTrie.Endpoint;
import io.zerogate.config.RouteTrie.Node;
import java.util.HashMap;
import java.util.Map;
import java.util.Objects;
import java.util.TreeSet;
import org.jspecify.annotations.Nullable;

/**
 * Collects the routes of one host bucket in a mutable trie, refusing a route as it is added when it
 * would take the same requests as one already there, and compiles it into an immutable
 * {@link RouteTrie}. Templates equal but for parameter names end at the same endpoint, which is where
 * ambiguity shows.
 */
final class RouteTrieBuilder<T> {

    private final HostPattern host;
    private final DraftNode<T> root = new DraftNode<>();

    RouteTrieBuilder(HostPattern host) {
        this.host = host;
    }

    /**
     * @throws IllegalArgumentException naming both routes when one already added has the same template
     *                                  shape and shares a method, or both take any method
     */
    void add(RouteEntry<T> route) {
        // Look before creating, so that a refused route leaves no empty nodes behind.
        DraftEndpoint<T> existing = endpoint(route.template(), false);
        if (existing != null) {
            existing.checkConflict(route, host);
        }
        Objects.requireNonNull(endpoint(route.template(), true)).add(route);
    }

    /** An immutable trie of the routes added so far. */
    RouteTrie<T> build() {
        return new RouteTrie<>(root.freeze());
    }

    /** The endpoint of the template's shape; with {@code create} false, null when there is none yet. */
    private @Nullable DraftEndpoint<T> endpoint(PathTemplate template, boolean create) {
        DraftNode<T> node = root;
        for (Segment segment : template.segments()) {
            if (segment instanceof CatchAll) {
                // Always the last segment: PathTemplate refuses anything after it.
                if (create && node.catchAll == null) {
                    node.catchAll = new DraftEndpoint<>();
                }
                return node.catchAll;
            }
            DraftNode<T> next;
            if (segment instanceof Literal(String text)) {
                next = create ? node.literals.computeIfAbsent(text, t -> new DraftNode<>()) : node.literals.get(text);
            } else {
                if (create && node.parameter == null) {
                    node.parameter = new DraftNode<>();
                }
                next = node.parameter;
            }
            if (next == null) {
                return null;
            }
            node = next;
        }
        if (template.hasTrailingSlash()) {
            if (create && node.endWithSlash == null) {
                node.endWithSlash = new DraftEndpoint<>();
            }
            return node.endWithSlash;
        }
        if (create && node.end == null) {
            node.end = new DraftEndpoint<>();
        }
        return node.end;
    }

    private static final class DraftNode<T> {
        final Map<String, DraftNode<T>> literals = new HashMap<>();
        @Nullable DraftNode<T> parameter;
        @Nullable DraftEndpoint<T> catchAll;
        @Nullable DraftEndpoint<T> end;
        @Nullable DraftEndpoint<T> endWithSlash;

        Node<T> freeze() {
            Map<String, Node<T>> children = new HashMap<>();
            literals.forEach((text, child) -> children.put(text, child.freeze()));
            return new Node<>(
                    LiteralTable.of(children),
                    parameter == null ? null : parameter.freeze(),
                    DraftEndpoint.freeze(catchAll),
                    DraftEndpoint.freeze(end),
                    DraftEndpoint.freeze(endWithSlash));
        }
    }

    private static final class DraftEndpoint<T> {
        final Map<String, RouteEntry<T>> byMethod = new HashMap<>();
        @Nullable RouteEntry<T> anyMethod;

        static <T> @Nullable Endpoint<T> freeze(@Nullable DraftEndpoint<T> endpoint) {
            return endpoint == null ? null : new Endpoint<>(Map.copyOf(endpoint.byMethod), endpoint.anyMethod);
        }

        void checkConflict(RouteEntry<T> route, HostPattern host) {
            if (route.methods().isEmpty()) {
                if (anyMethod != null) {
                    throw ambiguous(anyMethod, route, host, "any method");
                }
                return;
            }
            // Sorted, so that the message names the same method on every run.
            for (String method : new TreeSet<>(route.methods())) {
                RouteEntry<T> other = byMethod.get(method);
                if (other != null) {
                    throw ambiguous(other, route, host, "method " + method);
                }
            }
        }

        void add(RouteEntry<T> route) {
            if (route.methods().isEmpty()) {
                anyMethod = route;
            } else {
                for (String method : route.methods()) {
                    byMethod.put(method, route);
                }
            }
        }

        private static IllegalArgumentException ambiguous(RouteEntry<?> first, RouteEntry<?> second,
                HostPattern host, String overlap) {
            return new IllegalArgumentException("routes '" + first + "' and '" + second + "' for " + host
                    + " are ambiguous: they match the same paths for " + overlap);
        }
    }
}
