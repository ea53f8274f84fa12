package io.zerogate.config;

import java.util.Locale;
import org.jspecify.annotations.Nullable;

/**
 * Which request hosts a route applies to: any host, one exact host, or every host with one or more
 * labels in front of a domain ({@code *.example.com}).
 *
 * @param kind   which of the three
 * @param domain the exact host or the domain after {@code *.}, lower-case; empty for any host
 */
record HostPattern(Kind kind, String domain) {

    enum Kind { EXACT, WILDCARD, ANY }

    static final HostPattern ANY = new HostPattern(Kind.ANY, "");

    private static final String WILDCARD_PREFIX = "*.";

    /**
     * Parses a configured host: null for any host, a host name or IP literal, or {@code *.} and a
     * domain. Upper-case letters are folded since host names are case-insensitive.
     *
     * @throws IllegalArgumentException when the host has a port, an empty label, a misplaced
     *                                  {@code *} or a character that cannot occur in a host
     */
    static HostPattern parse(@Nullable String host) {
        if (host == null) {
            return ANY;
        }
        String lower = host.toLowerCase(Locale.ROOT);
        if (lower.startsWith(WILDCARD_PREFIX)) {
            String domain = lower.substring(WILDCARD_PREFIX.length());
            checkName(host, domain, WILDCARD_PREFIX.length());
            return new HostPattern(Kind.WILDCARD, domain);
        }
        if (lower.startsWith("[") && lower.endsWith("]") && lower.length() > 2) {
            for (int i = 1; i < lower.length() - 1; i++) {
                char c = lower.charAt(i);
                if (!(Character.digit(c, 16) >= 0 && c < 0x80) && c != ':' && c != '.') {
                    throw invalid(host, "'" + c + "' cannot occur in an IPv6 literal");
                }
            }
            return new HostPattern(Kind.EXACT, lower);
        }
        checkName(host, lower, 0);
        return new HostPattern(Kind.EXACT, lower);
    }

    /** Whether this pattern takes {@code host}, a bare lower-case host. */
    boolean matches(String host) {
        return switch (kind) {
            case ANY -> true;
            case EXACT -> host.equals(domain);
            // At least one non-empty label must precede ".domain".
            case WILDCARD -> host.length() > domain.length() + 1
                    && host.endsWith(domain)
                    && host.charAt(host.length() - domain.length() - 1) == '.'
                    && host.charAt(0) != '.';
        };
    }

    @Override
    public String toString() {
        return switch (kind) {
            case ANY -> "any host";
            case EXACT -> "host '" + domain + "'";
            case WILDCARD -> "host '" + WILDCARD_PREFIX + domain + "'";
        };
    }

    private static void checkName(String host, String name, int offset) {
        if (name.isEmpty()) {
            throw invalid(host, "expected a host name, '*.' and a domain, or null for any host");
        }
        int labelStart = 0;
        for (int i = 0; i <= name.length(); i++) {
            char c = i < name.length() ? name.charAt(i) : '.';
            if (c == '.') {
                if (i == labelStart) {
                    throw invalid(host, "empty label at index " + (offset + i));
                }
                labelStart = i + 1;
            } else if (c == ':') {
                throw invalid(host, "a port is not part of a host pattern (requests are matched on the bare host)");
            } else if (c == '*') {
                throw invalid(host, "'*' is only allowed as the whole first label, as in '*.example.com'");
            } else if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '_')) {
                throw invalid(host, "'" + c + "' cannot occur in a host name");
            }
        }
    }

    private static IllegalArgumentException invalid(String host, String problem) {
        return new IllegalArgumentException("host '" + host + "': " + problem);
    }
}
