package io.zerogate.identity;

import java.util.Objects;

/**
 * A SPIFFE ID ({@code spiffe://trust-domain/path}), parsed by the rules of the SPIFFE ID standard: a
 * lower-case trust domain of {@code [a-z0-9.-_]}, path segments of {@code [A-Za-z0-9.-_]} that are neither
 * empty nor dot segments, no trailing slash, no port, user info, query or fragment, at most 2048 bytes.
 */
public record SpiffeId(String trustDomain, String path) {

    private static final String PREFIX = "spiffe://";
    private static final int MAX_LENGTH = 2048;

    public SpiffeId {
        Objects.requireNonNull(trustDomain, "trustDomain");
        Objects.requireNonNull(path, "path");
    }

    /**
     * Parses a SPIFFE ID.
     *
     * @throws IllegalArgumentException saying which rule the text breaks
     */
    public static SpiffeId parse(String text) {
        if (text.length() > MAX_LENGTH) {
            throw new IllegalArgumentException("SPIFFE ID longer than " + MAX_LENGTH + " bytes");
        }
        if (!text.startsWith(PREFIX)) {
            throw new IllegalArgumentException("'" + text + "' is not a SPIFFE ID (expected: spiffe://trust-domain/path)");
        }
        int slash = text.indexOf('/', PREFIX.length());
        String domain = slash < 0 ? text.substring(PREFIX.length()) : text.substring(PREFIX.length(), slash);
        String path = slash < 0 ? "" : text.substring(slash);
        checkTrustDomain(domain, text);
        checkPath(path, text);
        return new SpiffeId(domain, path);
    }

    /** Checks a trust domain name as configured (the same rules as inside an ID). */
    public static String trustDomain(String domain) {
        checkTrustDomain(domain, domain);
        return domain;
    }

    private static void checkTrustDomain(String domain, String whole) {
        if (domain.isEmpty()) {
            throw new IllegalArgumentException("'" + whole + "' has an empty trust domain");
        }
        if (domain.length() > 255) {
            throw new IllegalArgumentException("'" + whole + "' has a trust domain longer than 255 characters");
        }
        for (int i = 0; i < domain.length(); i++) {
            char c = domain.charAt(i);
            boolean ok = (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '.' || c == '-' || c == '_';
            if (!ok) {
                throw new IllegalArgumentException("'" + whole + "' has an invalid character '" + c
                        + "' in its trust domain (expected: a-z 0-9 . - _)");
            }
        }
    }

    private static void checkPath(String path, String whole) {
        if (path.isEmpty()) {
            return;
        }
        if (path.endsWith("/")) {
            throw new IllegalArgumentException("'" + whole + "' ends with '/'");
        }
        int start = 1;
        while (start <= path.length()) {
            int end = path.indexOf('/', start);
            if (end < 0) {
                end = path.length();
            }
            String segment = path.substring(start, end);
            if (segment.isEmpty()) {
                throw new IllegalArgumentException("'" + whole + "' has an empty path segment");
            }
            if (segment.equals(".") || segment.equals("..")) {
                throw new IllegalArgumentException("'" + whole + "' has a dot segment");
            }
            for (int i = 0; i < segment.length(); i++) {
                char c = segment.charAt(i);
                boolean ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')
                        || c == '.' || c == '-' || c == '_';
                if (!ok) {
                    throw new IllegalArgumentException("'" + whole + "' has an invalid character '" + c
                            + "' in its path (expected: A-Z a-z 0-9 . - _)");
                }
            }
            start = end + 1;
        }
    }

    @Override
    public String toString() {
        return PREFIX + trustDomain + path;
    }
}
