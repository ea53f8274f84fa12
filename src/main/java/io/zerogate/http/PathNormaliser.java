package io.zerogate.http;

import java.util.Objects;
import org.jspecify.annotations.Nullable;

/**
 * Turns the origin-form request target of a request line into the one path the gateway routes on and
 * forwards, or refuses it.
 *
 * <p>The gateway authorises a request against the route its path selects and then sends that same
 * normalised path upstream, so a back end cannot be made to resolve a different resource than the one
 * that was checked. Anything that back ends are known to interpret differently from one another is
 * therefore refused rather than repaired: encoded {@code /}, {@code \} and NUL, dot segments that only
 * appear after decoding, {@code ..;} parameter tricks (also written {@code ..%3B}) and dot segments that
 * would climb above the root.
 *
 * <p>Accepted paths are rewritten to a canonical form: percent-encoded unreserved characters are
 * decoded, the remaining escapes use upper-case hex, {@code .} and {@code ..} segments are resolved as
 * in RFC 3986 section 5.2.4 and runs of {@code /} collapse to one. A trailing {@code /} is kept. The
 * query is validated but passed on verbatim.
 */
public final class PathNormaliser {

    /** Why a request target was refused. */
    public enum Reason {
        NOT_ORIGIN_FORM("request target does not start with '/'"),
        BAD_PERCENT_ENCODING("'%' is not followed by two hex digits"),
        ENCODED_SLASH("path contains an encoded '/' (%2F)"),
        ENCODED_BACKSLASH("path contains an encoded '\\' (%5C)"),
        ENCODED_NUL("path contains an encoded NUL (%00)"),
        ENCODED_DOT_SEGMENT("path contains a '.' or '..' segment written with percent-encoding"),
        DOT_SEGMENT_ABOVE_ROOT("'..' segment climbs above the root"),
        BACKSLASH("path contains '\\'"),
        INVALID_CHARACTER("request target contains a character that is not allowed in a URI"),
        PATH_PARAMETERS("';' path parameters are not accepted (back ends disagree on what they mean)"),
        FRAGMENT("request target contains a fragment ('#')");

        private final String message;

        Reason(String message) {
            this.message = message;
        }

        /** A short description suitable for a log line or an error body. */
        public String message() {
            return message;
        }
    }

    /** The outcome of {@link #normalise(String)}. */
    public sealed interface Result permits Ok, Rejected {
    }

    /**
     * An accepted request target.
     *
     * @param path  the normalised path; starts with {@code /}
     * @param query the query as received, without the {@code ?}; empty when the target ended with
     *              {@code ?}, null when it had none
     */
    public record Ok(String path, @Nullable String query) implements Result {
        public Ok {
            Objects.requireNonNull(path, "path");
        }
    }

    /** A refused request target. */
    public record Rejected(Reason reason) implements Result {
        public Rejected {
            Objects.requireNonNull(reason, "reason");
        }
    }

    // One shared instance per reason: refusals are common under attack and need not allocate.
    private static final Rejected[] REJECTIONS = new Rejected[Reason.values().length];

    static {
        for (Reason reason : Reason.values()) {
            REJECTIONS[reason.ordinal()] = new Rejected(reason);
        }
    }

    private static final char[] UPPER_HEX = "0123456789ABCDEF".toCharArray();

    private PathNormaliser() {
    }

    /**
     * Normalises an origin-form request target such as {@code /a/b?x=1}.
     *
     * <p>Runs in one pass over the target and only copies characters once the path has to change, so a
     * path that is already normal is returned as a substring of the input.
     */
    public static Result normalise(String requestTarget) {
        String s = Objects.requireNonNull(requestTarget, "requestTarget");
        int length = s.length();
        if (length == 0 || s.charAt(0) != '/') {
            return reject(Reason.NOT_ORIGIN_FORM);
        }
        // Null while the normalised path equals the input up to the current position.
        StringBuilder out = null;
        boolean trailingSlash = false;
        int i = 1;
        while (true) {
            int start = i;
            int outSegment = 0;
            if (out != null) {
                outSegment = out.length();
                out.append('/');
            }
            // The segment as decoded: how long it is, whether it is all dots, and whether any of those dots
            // was percent-encoded.
            int coreLength = 0;
            boolean coreAllDots = true;
            boolean coreEncodedDot = false;
            char c = 0;
            while (i < length && (c = s.charAt(i)) != '/' && c != '?' && c != '#') {
                int decoded;
                boolean encoded = c == '%';
                if (encoded) {
                    int value = PercentEncoding.hexByte(s, i);
                    if (value < 0) {
                        return reject(Reason.BAD_PERCENT_ENCODING);
                    }
                    switch (value) {
                        case '/' -> {
                            return reject(Reason.ENCODED_SLASH);
                        }
                        case '\\' -> {
                            return reject(Reason.ENCODED_BACKSLASH);
                        }
                        case 0 -> {
                            return reject(Reason.ENCODED_NUL);
                        }
                        default -> {
                        }
                    }
                    boolean unreserved = UriCharacters.isUnreserved(value);
                    boolean rewrite = unreserved || isLowerHex(s.charAt(i + 1)) || isLowerHex(s.charAt(i + 2));
                    if (rewrite && out == null) {
                        out = new StringBuilder(length).append(s, 0, i);
                        outSegment = start - 1;
                    }
                    if (out != null) {
                        if (unreserved) {
                            out.append((char) value);
                        } else {
                            out.append('%').append(UPPER_HEX[value >>> 4]).append(UPPER_HEX[value & 0xF]);
                        }
                    }
                    decoded = value;
                    i += 3;
                } else {
                    if (!UriCharacters.isPathCharacter(c)) {
                        return reject(c == '\\' ? Reason.BACKSLASH : Reason.INVALID_CHARACTER);
                    }
                    if (out != null) {
                        out.append(c);
                    }
                    decoded = c;
                    i++;
                }
                // Servlet containers and frameworks strip ';' parameters before they route (Tomcat's '..;/',
                // '/admin;x' reaching '/admin'), while the gateway would route the whole segment: refuse them.
                // An encoded ';' counts too: some back ends decode before they strip parameters.
                if (decoded == ';') {
                    return reject(Reason.PATH_PARAMETERS);
                }
                coreLength++;
                if (decoded == '.') {
                    coreEncodedDot |= encoded;
                } else {
                    coreAllDots = false;
                }
            }
            boolean last = i >= length || c == '?' || c == '#';
            boolean dotSegment = coreAllDots && (coreLength == 1 || coreLength == 2);
            if (dotSegment) {
                if (coreEncodedDot) {
                    return reject(Reason.ENCODED_DOT_SEGMENT);
                }
            }
            if (i == start && last && out == null) {
                // A final empty segment is the trailing '/', already part of the unchanged input.
                break;
            }
            if (dotSegment || i == start) {
                // Dropped segment ('.', '..' or empty): the output must stop before its '/'.
                if (out == null) {
                    out = new StringBuilder(length).append(s, 0, start - 1);
                } else {
                    out.setLength(outSegment);
                }
                if (dotSegment && coreLength == 2) {
                    int previous = out.lastIndexOf("/");
                    if (previous < 0) {
                        return reject(Reason.DOT_SEGMENT_ABOVE_ROOT);
                    }
                    out.setLength(previous);
                }
                // RFC 3986 5.2.4: a final '.' or '..' leaves the path ending in '/'; so does a final ''.
                trailingSlash = last;
            }
            if (last) {
                break;
            }
            i++;
        }
        String path;
        if (out == null) {
            path = i == length ? s : s.substring(0, i);
        } else {
            if (trailingSlash || out.isEmpty()) {
                out.append('/');
            }
            path = out.toString();
        }
        if (i == length) {
            return new Ok(path, null);
        }
        if (s.charAt(i) == '#') {
            return reject(Reason.FRAGMENT);
        }
        Reason queryProblem = checkQuery(s, i + 1);
        if (queryProblem != null) {
            return reject(queryProblem);
        }
        return new Ok(path, s.substring(i + 1));
    }

    /**
     * Fully percent-decodes a path segment (or a parameter value taken from a normalised path) as UTF-8.
     *
     * @return the decoded text, or null when an escape is malformed, the bytes are not well-formed
     *         UTF-8, or the input holds a raw non-ASCII character (a normalised path never does)
     */
    public static @Nullable String decodeSegment(String s) {
        return PercentEncoding.decode(Objects.requireNonNull(s, "s"));
    }

    private static @Nullable Reason checkQuery(String s, int from) {
        int length = s.length();
        for (int i = from; i < length; i++) {
            char c = s.charAt(i);
            if (c == '%') {
                if (PercentEncoding.hexByte(s, i) < 0) {
                    return Reason.BAD_PERCENT_ENCODING;
                }
                i += 2;
            } else if (c == '#') {
                return Reason.FRAGMENT;
            } else if (!UriCharacters.isQueryCharacter(c)) {
                return Reason.INVALID_CHARACTER;
            }
        }
        return null;
    }

    private static boolean isLowerHex(char c) {
        return c >= 'a' && c <= 'f';
    }

    private static Rejected reject(Reason reason) {
        return REJECTIONS[reason.ordinal()];
    }
}
