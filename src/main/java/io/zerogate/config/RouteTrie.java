package io.zerogate.config;

import io.zerogate.config.Router.Found;
import io.zerogate.config.Router.MethodNotAllowed;
import io.zerogate.config.Router.NotFound;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import org.jspecify.annotations.Nullable;

/**
 * The routes of one host bucket, compiled into a trie with one level per path segment.
 *
 * <p>A search tries, at every level, the literal child, then the parameter child, then a catch-all,
 * and backtracks when a branch has no route for the request's method. The first route reached is the
 * one whose sequence of segment kinds is lexicographically smallest (literal &lt; parameter &lt;
 * catch-all) among the routes that take the path and the method. Each node is visited at most once,
 * since a node's depth fixes the path segment it is compared with.
 */
final class RouteTrie<T> {

    /** The routes of one template shape, by method. */
    record Endpoint<T>(Map<String, RouteEntry<T>> byMethod, @Nullable RouteEntry<T> anyMethod) {

        // Method-specific routes win over a method-any route of the same shape.
        @Nullable RouteEntry<T> select(String method) {
            RouteEntry<T> route = byMethod.get(method);
            return route != null ? route : anyMethod;
        }

        RouteEntry<T> sample() {
            return anyMethod != null ? anyMethod : byMethod.values().iterator().next();
        }
    }

    record Node<T>(
            LiteralTable<Node<T>> literals,
            @Nullable Node<T> parameter,
            @Nullable Endpoint<T> catchAll,
            @Nullable Endpoint<T> end,
            @Nullable Endpoint<T> endWithSlash) {
    }

    private final Node<T> root;

    RouteTrie(Node<T> root) {
        this.root = root;
    }

    /** Routes a normalised path; a path that does not start with '/' matches nothing. */
    Router.Result<T> route(String method, String path) {
        if (path.isEmpty() || path.charAt(0) != '/') {
            return NotFound.instance();
        }
        Found<T> found = find(root, path, 1, method);
        if (found != null) {
            return found;
        }
        Set<String> allowed = new TreeSet<>();
        collectMethods(root, path, 1, allowed);
        return allowed.isEmpty() ? NotFound.instance() : new MethodNotAllowed<>(allowed);
    }

    /**
     * Searches below {@code node} for the path from {@code start}: the index of the next segment, or
     * {@code path.length()} when the path ended with '/', or {@code path.length() + 1} when it ended
     * without one.
     */
    private @Nullable Found<T> find(Node<T> node, String path, int start, String method) {
        int length = path.length();
        if (start > length) {
            return accept(node.end(), path, method);
        }
        if (start == length) {
            return accept(node.endWithSlash(), path, method);
        }
        int end = path.indexOf('/', start);
        if (end < 0) {
            end = length;
        }
        if (end == start) {
            return null; // an empty segment, which a normalised path never has
        }
        Node<T> literal = node.literals().get(path, start, end);
        if (literal != null) {
            Found<T> found = find(literal, path, end + 1, method);
            if (found != null) {
                return found;
            }
        }
        Node<T> parameter = node.parameter();
        if (parameter != null) {
            Found<T> found = find(parameter, path, end + 1, method);
            if (found != null) {
                return found;
            }
        }
        return accept(node.catchAll(), path, method);
    }

    private @Nullable Found<T> accept(@Nullable Endpoint<T> endpoint, String path, String method) {
        if (endpoint == null) {
            return null;
        }
        RouteEntry<T> route = endpoint.select(method);
        if (route == null) {
            return null;
        }
        Map<String, String> parameters = route.parameters(path);
        return parameters == null ? null : new Found<>(route.value(), parameters);
    }

    /** Adds the methods of every route that takes the path; only called once {@link #find} failed. */
    private void collectMethods(Node<T> node, String path, int start, Set<String> allowed) {
        int length = path.length();
        if (start > length) {
            collectMethods(node.end(), path, allowed);
            return;
        }
        if (start == length) {
            collectMethods(node.endWithSlash(), path, allowed);
            return;
        }
        int end = path.indexOf('/', start);
        if (end < 0) {
            end = length;
        }
        if (end == start) {
            return;
        }
        Node<T> literal = node.literals().get(path, start, end);
        if (literal != null) {
            collectMethods(literal, path, end + 1, allowed);
        }
        Node<T> parameter = node.parameter();
        if (parameter != null) {
            collectMethods(parameter, path, end + 1, allowed);
        }
        collectMethods(node.catchAll(), path, allowed);
    }

    private void collectMethods(@Nullable Endpoint<T> endpoint, String path, Set<String> allowed) {
        if (endpoint != null && endpoint.sample().parameters(path) != null) {
            allowed.addAll(endpoint.byMethod().keySet());
        }
    }
}
