package io.zerogate.chain;

import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.jspecify.annotations.Nullable;

/**
 * Reading and trimming a raw query ({@code a=1&b=2}): parameter names are compared in their decoded form, so that
 * {@code k%65y} is the same parameter as {@code key} for whoever reads it and for whoever removes it.
 */
public final class QueryString {

    private QueryString() {}

    /** Decoded values of every occurrence of {@code name}, in order; empty when there is none. */
    public static List<String> values(@Nullable String rawQuery, String name) {
        if (rawQuery == null || rawQuery.isEmpty()) {
            return List.of();
        }
        List<String> values = null;
        int start = 0;
        while (start <= rawQuery.length()) {
            int end = end(rawQuery, start);
            int nameEnd = nameEnd(rawQuery, start, end);
            if (decode(rawQuery.substring(start, nameEnd)).equals(name)) {
                if (values == null) {
                    values = new ArrayList<>(1);
                }
                values.add(nameEnd == end ? "" : decode(rawQuery.substring(nameEnd + 1, end)));
            }
            start = end + 1;
        }
        return values == null ? List.of() : values;
    }

    /** Each parameter's first decoded value, by decoded name, in name order; empty pairs are skipped. */
    public static java.util.SortedMap<String, String> firstValues(@Nullable String rawQuery) {
        java.util.SortedMap<String, String> values = new java.util.TreeMap<>();
        if (rawQuery == null || rawQuery.isEmpty()) {
            return values;
        }
        int start = 0;
        while (start <= rawQuery.length()) {
            int end = end(rawQuery, start);
            if (end > start) {
                int nameEnd = nameEnd(rawQuery, start, end);
                values.putIfAbsent(decode(rawQuery.substring(start, nameEnd)),
                        nameEnd == end ? "" : decode(rawQuery.substring(nameEnd + 1, end)));
            }
            start = end + 1;
        }
        return values;
    }

    /** The raw query without any occurrence of these parameters (empty pairs dropped too); "" when none remain. */
    public static String without(String rawQuery, List<String> names) {
        StringBuilder out = new StringBuilder(rawQuery.length());
        int start = 0;
        while (start <= rawQuery.length()) {
            int end = end(rawQuery, start);
            String rawName = rawQuery.substring(start, nameEnd(rawQuery, start, end));
            if (end > start && !names.contains(rawName) && !names.contains(decode(rawName))) {
                if (!out.isEmpty()) {
                    out.append('&');
                }
                out.append(rawQuery, start, end);
            }
            start = end + 1;
        }
        return out.toString();
    }

    private static int end(String rawQuery, int start) {
        int end = rawQuery.indexOf('&', start);
        return end < 0 ? rawQuery.length() : end;
    }

    private static int nameEnd(String rawQuery, int start, int end) {
        int eq = rawQuery.indexOf('=', start);
        return eq < 0 || eq > end ? end : eq;
    }

    private static String decode(String raw) {
        if (raw.indexOf('%') < 0 && raw.indexOf('+') < 0) {
            return raw;
        }
        try {
            return URLDecoder.decode(raw, StandardCharsets.UTF_8);
        } catch (IllegalArgumentException e) {
            // Malformed escapes stay as written: they then match no configured name.
            return raw;
        }
    }
}
