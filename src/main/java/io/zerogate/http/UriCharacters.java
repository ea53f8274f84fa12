package io.zerogate.http;

/**
 * The RFC 3986 character classes a request target is checked against, as bit masks so that a test
 * costs a shift and an AND.
 */
final class UriCharacters {

    private static final String UNRESERVED =
            "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~";
    /** {@code pchar} without {@code pct-encoded}: unreserved, sub-delims, ':' and '@'. */
    private static final String PATH = UNRESERVED + "!$&'()*+,;=:@";
    private static final String QUERY = PATH + "/?";

    // Bit c of the first mask for c < 64, bit c - 64 of the second for 64 <= c < 128.
    private static final long UNRESERVED_LOW = lowMask(UNRESERVED);
    private static final long UNRESERVED_HIGH = highMask(UNRESERVED);
    private static final long PATH_LOW = lowMask(PATH);
    private static final long PATH_HIGH = highMask(PATH);
    private static final long QUERY_LOW = lowMask(QUERY);
    private static final long QUERY_HIGH = highMask(QUERY);

    private UriCharacters() {
    }

    /** ALPHA, DIGIT, '-', '.', '_' or '~'. */
    static boolean isUnreserved(int c) {
        return in(c, UNRESERVED_LOW, UNRESERVED_HIGH);
    }

    /** A character allowed unescaped inside a path segment. */
    static boolean isPathCharacter(int c) {
        return in(c, PATH_LOW, PATH_HIGH);
    }

    /** A character allowed unescaped in a query. */
    static boolean isQueryCharacter(int c) {
        return in(c, QUERY_LOW, QUERY_HIGH);
    }

    private static boolean in(int c, long low, long high) {
        if (c < 64) {
            return c >= 0 && (low >>> c & 1L) != 0;
        }
        return c < 128 && (high >>> (c - 64) & 1L) != 0;
    }

    private static long lowMask(String characters) {
        long mask = 0;
        for (int i = 0; i < characters.length(); i++) {
            char c = characters.charAt(i);
            if (c < 64) {
                mask |= 1L << c;
            }
        }
        return mask;
    }

    private static long highMask(String characters) {
        long mask = 0;
        for (int i = 0; i < characters.length(); i++) {
            char c = characters.charAt(i);
            if (c >= 64) {
                mask |= 1L << (c - 64);
            }
        }
        return mask;
    }
}
