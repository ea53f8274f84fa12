package io.zerogate.config;

import io.zerogate.http.PathNormaliser;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * A route's path pattern, such as {@code /users/{id}/orders/{orderId}} or {@code /files/{path...}}.
 *
 * <p>Each segment is a literal, a parameter ({@code {name}}) or, as the last segment only, a catch-all
 * ({@code {name...}}) that takes one or more remaining segments. A parameter is always a whole segment.
 * Templates are matched against paths already normalised by {@link PathNormaliser}, so a literal must
 * be written in that normal form (no dot segments, no escapes of unreserved characters, upper-case hex)
 * or it could never match. A trailing {@code /} is significant: {@code /a/} and {@code /a} are
 * different templates. Two templates are equal when their text is.
 */
public final class PathTemplate {

    /** One segment of a template. */
    sealed interface Segment permits Literal, Parameter, CatchAll {
    }

    /** A segment that must equal the path segment exactly (case-sensitive). */
    record Literal(String text) implements Segment {
    }

    /** A segment that takes any one non-empty path segment. */
    record Parameter(String name) implements Segment {
    }

    /** The last segment, taking one or more remaining path segments. */
    record CatchAll(String name) implements Segment {
    }

    private static final String CATCH_ALL_SUFFIX = "...";

    private final String text;
    private final List<Segment> segments;
    private final boolean trailingSlash;
    private final List<String> parameterNames;

    private PathTemplate(String text, List<Segment> segments, boolean trailingSlash, List<String> names) {
        this.text = text;
        this.segments = List.copyOf(segments);
        this.trailingSlash = trailingSlash;
        this.parameterNames = List.copyOf(names);
    }

    /**
     * Parses a template.
     *
     * @throws IllegalArgumentException saying what is wrong and in which segment (counted from 1)
     */
    public static PathTemplate parse(String template) {
        Objects.requireNonNull(template, "template");
        if (template.isEmpty() || template.charAt(0) != '/') {
            throw invalid(template, "must start with '/'");
        }
        for (int i = 0; i < template.length(); i++) {
            char c = template.charAt(i);
            if (c == '?') {
                throw invalid(template, "'?' at index " + i + ": a template matches the path only, not the query");
            }
            if (c == '#') {
                throw invalid(template, "'#' at index " + i + ": a request path never carries a fragment");
            }
        }
        // The root "/" is the empty path with a trailing slash, like "/a/" is "a" with one.
        boolean trailingSlash = template.endsWith("/");
        int end = trailingSlash ? template.length() - 1 : template.length();
        List<Segment> segments = new ArrayList<>();
        // Parameter name to the number of the segment that declares it, in template order.
        Map<String, Integer> names = new LinkedHashMap<>();
        int start = 1;
        while (start <= end) {
            int slash = template.indexOf('/', start);
            int segmentEnd = slash < 0 || slash > end ? end : slash;
            int number = segments.size() + 1;
            if (segmentEnd == start) {
                throw invalid(template, "segment " + number + " is empty ('//' at index " + (start - 1) + ")");
            }
            String raw = template.substring(start, segmentEnd);
            Segment segment = parseSegment(template, number, raw);
            String name = switch (segment) {
                case Parameter(String parameter) -> parameter;
                case CatchAll(String parameter) -> {
                    if (segmentEnd != template.length()) {
                        throw invalid(template, number, raw, "a catch-all must be the last segment"
                                + (segmentEnd == end ? " (no trailing '/' after it)" : ""));
                    }
                    yield parameter;
                }
                case Literal literal -> null;
            };
            if (name != null) {
                Integer first = names.putIfAbsent(name, number);
                if (first != null) {
                    throw invalid(template, number, raw,
                            "duplicate parameter name '" + name + "' (already used in segment " + first + ")");
                }
            }
            segments.add(segment);
            start = segmentEnd + 1;
        }
        return new PathTemplate(template, segments, trailingSlash, List.copyOf(names.keySet()));
    }

    /** The template as written. */
    public String text() {
        return text;
    }

    /** The parameter and catch-all names, in the order they appear. */
    public List<String> parameterNames() {
        return parameterNames;
    }

    /** Whether the template ends with {@code /} (the root template {@code /} does). */
    public boolean hasTrailingSlash() {
        return trailingSlash;
    }

    List<Segment> segments() {
        return segments;
    }

    /** The template with parameter names erased: equal shapes match exactly the same paths. */
    String shape() {
        StringBuilder shape = new StringBuilder(text.length());
        for (Segment segment : segments) {
            shape.append('/').append(switch (segment) {
                case Literal(String literal) -> literal;
                case Parameter p -> "{}";
                case CatchAll c -> "{...}";
            });
        }
        if (trailingSlash) {
            shape.append('/');
        }
        return shape.toString();
    }

    @Override
    public boolean equals(Object other) {
        return other instanceof PathTemplate that && text.equals(that.text);
    }

    @Override
    public int hashCode() {
        return text.hashCode();
    }

    @Override
    public String toString() {
        return text;
    }

    private static Segment parseSegment(String template, int number, String raw) {
        int open = raw.indexOf('{');
        int close = raw.indexOf('}');
        if (open < 0 && close < 0) {
            return parseLiteral(template, number, raw);
        }
        if (open < 0 || (close >= 0 && close < open)) {
            throw invalid(template, number, raw, "'}' without a preceding '{'");
        }
        if (close < 0) {
            throw invalid(template, number, raw, "unclosed '{'");
        }
        if (open > 0 || close != raw.length() - 1) {
            throw invalid(template, number, raw,
                    "a parameter must be the whole segment (text before or after '{...}' is not supported)");
        }
        String inner = raw.substring(1, raw.length() - 1);
        boolean catchAll = inner.endsWith(CATCH_ALL_SUFFIX);
        String name = catchAll ? inner.substring(0, inner.length() - CATCH_ALL_SUFFIX.length()) : inner;
        if (name.isEmpty()) {
            throw invalid(template, number, raw, "empty parameter name");
        }
        if (!isValidName(name)) {
            throw invalid(template, number, raw,
                    "parameter name '" + name + "' is invalid (expected: [A-Za-z_][A-Za-z0-9_]*)");
        }
        return catchAll ? new CatchAll(name) : new Parameter(name);
    }

    private static Literal parseLiteral(String template, int number, String raw) {
        int parameters = raw.indexOf(';');
        String core = parameters < 0 ? raw : raw.substring(0, parameters);
        if (core.equals(".") || core.equals("..")) {
            throw invalid(template, number, raw, "dot segments are not allowed (paths are matched after '"
                    + core + "' is resolved or refused)");
        }
        String alone = "/" + raw;
        switch (PathNormaliser.normalise(alone)) {
            case PathNormaliser.Rejected(PathNormaliser.Reason reason) ->
                    throw invalid(template, number, raw, "not a valid path segment: " + reason.message());
            case PathNormaliser.Ok(String path, var query) -> {
                if (!path.equals(alone)) {
                    throw invalid(template, number, raw, "not in normalised form, which is '"
                            + path.substring(1) + "' (a request path is normalised before it is matched)");
                }
            }
        }
        return new Literal(raw);
    }

    private static boolean isValidName(String name) {
        for (int i = 0; i < name.length(); i++) {
            char c = name.charAt(i);
            boolean letter = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || c == '_';
            boolean digit = c >= '0' && c <= '9';
            if (!(letter || (digit && i > 0))) {
                return false;
            }
        }
        return true;
    }

    private static IllegalArgumentException invalid(String template, String problem) {
        return new IllegalArgumentException("path template '" + template + "': " + problem);
    }

    private static IllegalArgumentException invalid(String template, int number, String segment, String problem) {
        return invalid(template, "segment " + number + " '" + segment + "': " + problem);
    }
}
