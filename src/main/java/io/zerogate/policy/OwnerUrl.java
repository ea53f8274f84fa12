package io.zerogate.policy;

import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * An owner service URL template ({@code https://owners/v1/owner?type=order&id={orderId}}) compiled once: the
 * literal text and the path parameters to put between it. A parameter's value is percent-encoded as a URL component
 * (everything but RFC 3986's unreserved characters is escaped), so that a value such as {@code ../admin} or
 * {@code 1?owner=me} stays one opaque piece of the path or query and can never change which resource is asked.
 */
final class OwnerUrl {

    private static final char[] HEX = "0123456789ABCDEF".toCharArray();

    /** Literal text and parameter names alternate: literal, name, literal, name, ..., literal. */
    private final List<String> parts;

    private OwnerUrl(List<String> parts) {
        this.parts = List.copyOf(parts);
    }

    /**
     * Compiles a template whose placeholders are {@code {name}}; the configuration binder has already checked that
     * each names a path parameter of the route and stands after the URL's authority.
     */
    static OwnerUrl compile(String template) {
        Objects.requireNonNull(template, "template");
        List<String> parts = new ArrayList<>();
        int literalStart = 0;
        int open = template.indexOf('{');
        while (open >= 0) {
            int close = template.indexOf('}', open);
            if (close < 0) {
                throw new IllegalArgumentException("owner url: '{' at " + open + " is not closed (expected {param})");
            }
            parts.add(template.substring(literalStart, open));
            parts.add(template.substring(open + 1, close));
            literalStart = close + 1;
            open = template.indexOf('{', literalStart);
        }
        parts.add(template.substring(literalStart));
        return new OwnerUrl(parts);
    }

    /** The path parameters the template uses, in order of appearance. */
    List<String> parameters() {
        List<String> names = new ArrayList<>();
        for (int i = 1; i < parts.size(); i += 2) {
            names.add(parts.get(i));
        }
        return names;
    }

    /**
     * The URL for one request's path parameters (already percent-decoded by the router).
     *
     * @throws IllegalArgumentException when a parameter is missing, empty or a dot segment ({@code .}, {@code ..}),
     *                                  which names no object and which a server could resolve against the path
     */
    URI fill(Map<String, String> params) {
        StringBuilder url = new StringBuilder(64);
        for (int i = 0; i < parts.size(); i++) {
            if (i % 2 == 0) {
                url.append(parts.get(i));
                continue;
            }
            String value = params.get(parts.get(i));
            if (value == null) {
                throw new IllegalArgumentException("path parameter " + parts.get(i) + " is missing");
            }
            if (value.isEmpty() || value.equals(".") || value.equals("..")) {
                throw new IllegalArgumentException("path parameter " + parts.get(i) + " is '" + value
                        + "' (expected an object id, not an empty or dot segment)");
            }
            encode(value, url);
        }
        return URI.create(url.toString());
    }

    /** Percent-encodes {@code value} as UTF-8, leaving only RFC 3986 unreserved characters as they are. */
    static void encode(String value, StringBuilder out) {
        for (byte b : value.getBytes(StandardCharsets.UTF_8)) {
            int c = b & 0xff;
            if (c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-' || c == '.' || c == '_'
                    || c == '~') {
                out.append((char) c);
            } else {
                out.append('%').append(HEX[c >> 4]).append(HEX[c & 0xf]);
            }
        }
    }

    @Override
    public String toString() {
        StringBuilder s = new StringBuilder();
        for (int i = 0; i < parts.size(); i++) {
            s.append(i % 2 == 0 ? parts.get(i) : "{" + parts.get(i) + "}");
        }
        return s.toString();
    }
}
