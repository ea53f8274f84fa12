package io.zerogate.policy.cel;

import dev.cel.common.types.MapType;
import dev.cel.common.types.SimpleType;
import io.zerogate.chain.QueryString;
import io.zerogate.chain.RequestHead;
import java.util.AbstractMap;
import java.util.List;
import java.util.Set;
import org.jspecify.annotations.Nullable;

/**
 * The {@code request} variable: method, normalised path, host, and the header fields and query parameters read by
 * name. {@code request.headers} has lower-case names, and the fields of one name joined with ", ";
 * {@code request.query} has the first value of a parameter. Both are read by name only ({@code
 * request.headers["x-tenant"]}, {@code "debug" in request.query}), which the compiler enforces.
 */
final class RequestFields extends FieldMap {

    static final ObjectType TYPE = ObjectType.of("zerogate.Request",
            "method", SimpleType.STRING,
            "path", SimpleType.STRING,
            "host", SimpleType.STRING,
            "headers", MapType.create(SimpleType.STRING, SimpleType.STRING),
            "query", MapType.create(SimpleType.STRING, SimpleType.STRING));

    private final RequestHead head;

    RequestFields(RequestHead head) {
        super(TYPE.fields());
        this.head = head;
    }

    @Override
    Object field(String name) {
        return switch (name) {
            case "method" -> head.method();
            case "path" -> head.path();
            case "host" -> head.host();
            case "headers" -> new Headers(head);
            case "query" -> new Query(head.query());
            default -> throw new IllegalArgumentException("request has no field '" + name + "'");
        };
    }

    /** A map that answers lookups by name and cannot be listed. */
    private abstract static class NamedLookup extends AbstractMap<String, String> {

        private final String variable;

        NamedLookup(String variable) {
            this.variable = variable;
        }

        abstract @Nullable String lookup(String name);

        @Override
        public final @Nullable String get(Object key) {
            return key instanceof String s ? lookup(s) : null;
        }

        @Override
        public final boolean containsKey(Object key) {
            return get(key) != null;
        }

        @Override
        public final Set<Entry<String, String>> entrySet() {
            throw new UnsupportedOperationException(variable + " can only be read by name (expected: "
                    + variable + "[\"name\"] or \"name\" in " + variable + ")");
        }
    }

    private static final class Headers extends NamedLookup {

        private final RequestHead head;

        Headers(RequestHead head) {
            super("request.headers");
            this.head = head;
        }

        @Override
        @Nullable String lookup(String name) {
            if (!isLowerCase(name)) {
                return null;
            }
            List<String> values = head.headers(name);
            return switch (values.size()) {
                case 0 -> null;
                case 1 -> values.get(0);
                default -> String.join(", ", values);
            };
        }

        private static boolean isLowerCase(String name) {
            for (int i = 0; i < name.length(); i++) {
                char c = name.charAt(i);
                if (c >= 'A' && c <= 'Z') {
                    return false;
                }
            }
            return true;
        }
    }

    private static final class Query extends NamedLookup {

        private final @Nullable String rawQuery;

        Query(@Nullable String rawQuery) {
            super("request.query");
            this.rawQuery = rawQuery;
        }

        @Override
        @Nullable String lookup(String name) {
            List<String> values = QueryString.values(rawQuery, name);
            return values.isEmpty() ? null : values.get(0);
        }
    }
}
