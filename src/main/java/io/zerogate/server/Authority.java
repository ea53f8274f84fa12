package io.zerogate.server;

import org.jspecify.annotations.Nullable;

/**
 * Validation of the Host header / absolute-form authority: a registered name, an IPv4 address or a
 * bracketed IPv6 address, with an optional port. Anything else (userinfo, spaces, a second host, empty
 * labels) is refused.
 */
final class Authority {

    private Authority() {}

    /** The lower-case host without port, or null when {@code authority} is not a valid host[:port]. */
    static @Nullable String host(String authority) {
        int n = authority.length();
        if (n == 0 || n > 255) {
            return null;
        }
        int hostEnd;
        if (authority.charAt(0) == '[') {
            int close = authority.indexOf(']');
            if (close < 0) {
                return null;
            }
            for (int i = 1; i < close; i++) {
                char c = authority.charAt(i);
                if (!(Character.digit(c, 16) >= 0 || c == ':' || c == '.')) {
                    return null;
                }
            }
            hostEnd = close + 1;
        } else {
            hostEnd = 0;
            while (hostEnd < n && authority.charAt(hostEnd) != ':') {
                char c = authority.charAt(hostEnd);
                boolean ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')
                        || c == '-' || c == '.' || c == '_';
                if (!ok) {
                    return null;
                }
                hostEnd++;
            }
            if (hostEnd == 0) {
                return null;
            }
        }
        if (hostEnd < n) {
            if (authority.charAt(hostEnd) != ':' || hostEnd + 1 == n || n - hostEnd - 1 > 5) {
                return null;
            }
            for (int i = hostEnd + 1; i < n; i++) {
                char c = authority.charAt(i);
                if (c < '0' || c > '9') {
                    return null;
                }
            }
            if (Integer.parseInt(authority, hostEnd + 1, n, 10) > 65535) {
                return null;
            }
        }
        String host = authority.substring(0, hostEnd);
        if (host.charAt(0) != '[') {
            // Empty labels are refused; the one trailing dot of a fully qualified name is dropped, as back ends
            // that serve several names drop it, so that "api.example.com." selects the route the upstream will.
            if (host.charAt(0) == '.' || host.contains("..")) {
                return null;
            }
            if (host.endsWith(".")) {
                host = host.substring(0, host.length() - 1);
            }
        }
        return host.toLowerCase(java.util.Locale.ROOT);
    }
}
