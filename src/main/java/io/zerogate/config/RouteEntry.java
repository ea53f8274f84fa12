package io.zerogate.config;

import io.zerogate.config.PathTemplate.CatchAll;
import io.zerogate.config.PathTemplate.Literal;
import io.zerogate.config.PathTemplate.Segment;
import io.zerogate.http.PathNormaliser;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import org.jspecify.annotations.Nullable;

/** One route as the router holds it: its template, methods and value, and where its parameters sit. */
final class RouteEntry<T> {

    private final PathTemplate template;
    private final Set<String> methods;
    private final T value;
    private final String[] names;
    // Index of the template segment holding each name, in the same order.
    private final int[] positions;
    private final boolean endsWithCatchAll;

    RouteEntry(PathTemplate template, Set<String> methods, T value) {
        this.template = template;
        this.methods = Set.copyOf(methods);
        this.value = value;
        this.names = template.parameterNames().toArray(String[]::new);
        this.positions = new int[names.length];
        List<Segment> segments = template.segments();
        int k = 0;
        for (int i = 0; i < segments.size(); i++) {
            if (!(segments.get(i) instanceof Literal)) {
                positions[k++] = i;
            }
        }
        this.endsWithCatchAll = !segments.isEmpty() && segments.getLast() instanceof CatchAll;
    }

    PathTemplate template() {
        return template;
    }

    /** The methods this route takes; empty for any method. */
    Set<String> methods() {
        return methods;
    }

    T value() {
        return value;
    }

    /**
     * The decoded parameters of {@code path}, which this route's template matches, or null when a value
     * does not decode.
     */
    @Nullable Map<String, String> parameters(String path) {
        if (names.length == 0) {
            return Map.of();
        }
        String[] values = new String[names.length];
        int segment = 0;
        int start = 1;
        for (int k = 0; k < names.length; k++) {
            while (segment < positions[k]) {
                start = path.indexOf('/', start) + 1;
                segment++;
            }
            String raw;
            if (endsWithCatchAll && k == names.length - 1) {
                // Decoding the rest in one go equals decoding each segment and joining them with '/':
                // a '/' is never part of an escape, nor of a well-formed UTF-8 sequence.
                raw = path.substring(start);
            } else {
                int end = path.indexOf('/', start);
                raw = path.substring(start, end < 0 ? path.length() : end);
            }
            String decoded = PathNormaliser.decodeSegment(raw);
            if (decoded == null) {
                return null;
            }
            values[k] = decoded;
        }
        return new PathParameters(names, values);
    }

    /** {@code GET,POST /a/{x}}, or {@code * /a/{x}} for any method: how messages name a route. */
    @Override
    public String toString() {
        String method = methods.isEmpty() ? "*" : String.join(",", new TreeSet<>(methods));
        return method + " " + template;
    }
}
