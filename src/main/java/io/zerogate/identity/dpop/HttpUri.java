package io.zerogate.identity.dpop;

import java.util.Locale;
import org.jspecify.annotations.Nullable;

/**
 * The form in which a proof's {@code htu} and the URI of the request are compared (RFC 9449 section 4.3):
 * scheme and host in lower case, the scheme's default port dropped, query and fragment ignored, an empty
 * path written as {@code /}, and percent-escapes in the path normalised (unreserved characters decoded, the
 * remaining escapes in upper-case hex). The path is otherwise compared exactly: dot segments and repeated
 * slashes are not resolved, so a proof must name the path as it was sent.
 */
final class HttpUri {

    private static final String UNRESERVED_PUNCTUATION = "-._~";
    private static final String PATH_PUNCTUATION = "-._~!$&'()*+,;=:@/";
    private static final char[] UPPER_HEX = "0123456789ABCDEF".toCharArray();

    private HttpUri() {
    }

    /**
     * @return the comparable form of an absolute {@code http} or {@code https} URI, or null when it is not
     *         one (another scheme, user information, an invalid host or port, a malformed escape, a character
     *         that a URI path cannot hold)
     */
    static @Nullable String normalise(String uri) {
        int separator = uri.indexOf("://");
        if (separator <= 0) {
            return null;
        }
        String scheme = uri.substring(0, separator).toLowerCase(Locale.ROOT);
        int defaultPort = switch (scheme) {
            case "http" -> 80;
            case "https" -> 443;
            default -> -1;
        };
        if (defaultPort < 0) {
            return null;
        }
        int authorityStart = separator + 3;
        int pathStart = authorityStart;
        while (pathStart < uri.length() && "/?#".indexOf(uri.charAt(pathStart)) < 0) {
            pathStart++;
        }
        int pathEnd = pathStart;
        while (pathEnd < uri.length() && uri.charAt(pathEnd) != '?' && uri.charAt(pathEnd) != '#') {
            pathEnd++;
        }
        String authority = authority(uri.substring(authorityStart, pathStart), defaultPort);
        String path = path(uri.substring(pathStart, pathEnd));
        return authority == null || path == null ? null : scheme + "://" + authority + path;
    }

    private static @Nullable String authority(String authority, int defaultPort) {
        String host;
        String port;
        if (authority.startsWith("[")) {
            int close = authority.indexOf(']');
            if (close < 0) {
                return null;
            }
            host = authority.substring(0, close + 1);
            String rest = authority.substring(close + 1);
            if (!rest.isEmpty() && rest.charAt(0) != ':') {
                return null;
            }
            port = rest.isEmpty() ? "" : rest.substring(1);
            for (int i = 1; i < host.length() - 1; i++) {
                char c = host.charAt(i);
                if (!(isHexDigit(c) || c == ':' || c == '.')) {
                    return null;
                }
            }
            if (host.length() < 4) {
                return null;
            }
        } else {
            int colon = authority.indexOf(':');
            host = colon < 0 ? authority : authority.substring(0, colon);
            port = colon < 0 ? "" : authority.substring(colon + 1);
            if (host.isEmpty()) {
                return null;
            }
            for (int i = 0; i < host.length(); i++) {
                char c = host.charAt(i);
                if (!isAlphaNumeric(c) && UNRESERVED_PUNCTUATION.indexOf(c) < 0) {
                    return null;
                }
            }
        }
        host = host.toLowerCase(Locale.ROOT);
        if (port.isEmpty()) {
            return host;
        }
        if (port.length() > 5) {
            return null;
        }
        int number = 0;
        for (int i = 0; i < port.length(); i++) {
            char c = port.charAt(i);
            if (c < '0' || c > '9') {
                return null;
            }
            number = number * 10 + (c - '0');
        }
        if (number > 65535) {
            return null;
        }
        return number == defaultPort ? host : host + ":" + number;
    }

    private static @Nullable String path(String path) {
        if (path.isEmpty()) {
            return "/";
        }
        StringBuilder out = new StringBuilder(path.length());
        for (int i = 0; i < path.length(); i++) {
            char c = path.charAt(i);
            if (c == '%') {
                if (i + 2 >= path.length() || !isHexDigit(path.charAt(i + 1)) || !isHexDigit(path.charAt(i + 2))) {
                    return null;
                }
                int value = Character.digit(path.charAt(i + 1), 16) << 4 | Character.digit(path.charAt(i + 2), 16);
                if (isAlphaNumeric((char) value) || UNRESERVED_PUNCTUATION.indexOf(value) >= 0) {
                    out.append((char) value);
                } else {
                    out.append('%').append(UPPER_HEX[value >> 4]).append(UPPER_HEX[value & 0xF]);
                }
                i += 2;
            } else if (isAlphaNumeric(c) || PATH_PUNCTUATION.indexOf(c) >= 0) {
                out.append(c);
            } else {
                return null;
            }
        }
        return out.toString();
    }

    private static boolean isAlphaNumeric(char c) {
        return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
    }

    private static boolean isHexDigit(char c) {
        return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
    }
}
