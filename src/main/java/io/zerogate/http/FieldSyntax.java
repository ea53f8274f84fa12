package io.zerogate.http;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;

/**
 * Byte classes of HTTP/1.1 message heads (RFC 9110 section 5.6, RFC 9112 section 5), as tables that the
 * request and response parsers consult once per byte.
 */
public final class FieldSyntax {

    /** A byte allowed in a field line: visible ASCII, SP, HTAB or obs-text. */
    public static final byte ALLOWED = 0;
    /** A CR, which may only end a line. */
    public static final byte CARRIAGE_RETURN = 1;
    /** A control byte other than HTAB and CR, or DEL. */
    public static final byte CONTROL = 2;

    private static final byte[] LINE_BYTE = new byte[256];
    private static final boolean[] TCHAR = new boolean[256];

    static {
        for (int b = 0; b < 0x20; b++) {
            LINE_BYTE[b] = CONTROL;
        }
        LINE_BYTE['\t'] = ALLOWED;
        LINE_BYTE['\r'] = CARRIAGE_RETURN;
        LINE_BYTE[0x7F] = CONTROL;
        for (int b = '0'; b <= '9'; b++) {
            TCHAR[b] = true;
        }
        for (int b = 'a'; b <= 'z'; b++) {
            TCHAR[b] = true;
            TCHAR[b - 32] = true;
        }
        for (char c : "!#$%&'*+-.^_`|~".toCharArray()) {
            TCHAR[c] = true;
        }
    }

    private FieldSyntax() {}

    /** The class of {@code b} in a head line: {@link #ALLOWED}, {@link #CARRIAGE_RETURN} or {@link #CONTROL}. */
    public static byte lineByte(byte b) {
        return LINE_BYTE[b & 0xFF];
    }

    /** True for a token character (tchar). */
    public static boolean isTokenChar(byte b) {
        return TCHAR[b & 0xFF];
    }

    /** True for SP or HTAB, the whitespace allowed around field values. */
    public static boolean isBlank(byte b) {
        return b == ' ' || b == '\t';
    }

    /** The field value between {@code from} and {@code to} without the SP/HTAB around it, read as ISO-8859-1. */
    public static String fieldValue(byte[] line, int from, int to) {
        while (from < to && isBlank(line[from])) {
            from++;
        }
        while (to > from && isBlank(line[to - 1])) {
            to--;
        }
        return new String(line, from, to - from, StandardCharsets.ISO_8859_1);
    }

    /**
     * A Content-Length value: 1 to 18 decimal digits and nothing else (no sign, no list, no spaces), or -1.
     * Longer numbers are refused rather than risk an overflow; no real body is that large.
     */
    public static long contentLength(String value) {
        if (value.isEmpty() || value.length() > 18) {
            return -1;
        }
        long n = 0;
        for (int i = 0; i < value.length(); i++) {
            char c = value.charAt(i);
            if (c < '0' || c > '9') {
                return -1;
            }
            n = n * 10 + (c - '0');
        }
        return n;
    }

    /** The number of hex digits at the start of the first {@code n} bytes of {@code line}. */
    public static int hexDigits(byte[] line, int n) {
        int i = 0;
        while (i < n && Character.digit(line[i], 16) >= 0) {
            i++;
        }
        return i;
    }

    /** The value of the first {@code digits} bytes of {@code line}, hex digits, at most 15 of them. */
    public static long hexValue(byte[] line, int digits) {
        if (digits > 15) {
            throw new IllegalArgumentException("digits: " + digits + " (expected: <= 15)");
        }
        long size = 0;
        for (int i = 0; i < digits; i++) {
            size = size * 16 + Character.digit(line[i], 16);
        }
        return size;
    }

    /** True when {@code length} bytes of {@code bytes} spell {@code lowerCaseName} in any case. */
    public static boolean namedIgnoringCase(byte[] bytes, int length, String lowerCaseName) {
        if (length != lowerCaseName.length()) {
            return false;
        }
        for (int i = 0; i < length; i++) {
            if ((bytes[i] | 0x20) != lowerCaseName.charAt(i)) {
                return false;
            }
        }
        return true;
    }

    /**
     * Field names common enough in requests and responses that a decoder reuses one instance of each instead of
     * copying the name from every head: each as it is usually written and in lower case. A name is matched exactly,
     * case included, so that a forwarded name keeps the spelling it arrived with.
     */
    public static final List<String> COMMON_NAMES;
    private static final byte[][] COMMON_BYTES;
    /** For each name length, the indexes in {@link #COMMON_NAMES} of the names that long. */
    private static final int[][] COMMON_BY_LENGTH;

    static {
        List<String> usual = List.of("Host", "User-Agent", "Accept", "Accept-Encoding", "Accept-Language",
                "Authorization", "Cookie", "Referer", "Origin", "If-None-Match", "If-Modified-Since", "Upgrade",
                "X-Forwarded-For", "X-Forwarded-Proto", "X-Forwarded-Host", "X-Real-IP", "X-Request-Id", "Forwarded",
                "Traceparent", "Tracestate", "DPoP", "Content-Type", "Content-Length", "Connection", "Date", "Server",
                "Cache-Control", "Last-Modified", "ETag", "Accept-Ranges", "Vary", "Transfer-Encoding", "Keep-Alive",
                "Location", "Set-Cookie", "Expires", "Content-Encoding", "Access-Control-Allow-Origin",
                "X-Content-Type-Options", "Strict-Transport-Security", "Pragma", "Age");
        List<String> names = new ArrayList<>(usual);
        for (String name : usual) {
            String lower = name.toLowerCase(Locale.ROOT);
            if (!names.contains(lower)) {
                names.add(lower);
            }
        }
        COMMON_NAMES = List.copyOf(names);
        COMMON_BYTES = new byte[names.size()][];
        int longest = 0;
        for (int i = 0; i < names.size(); i++) {
            COMMON_BYTES[i] = names.get(i).getBytes(StandardCharsets.US_ASCII);
            longest = Math.max(longest, COMMON_BYTES[i].length);
        }
        COMMON_BY_LENGTH = new int[longest + 1][];
        for (int length = 0; length <= longest; length++) {
            int count = 0;
            for (byte[] name : COMMON_BYTES) {
                count += name.length == length ? 1 : 0;
            }
            int[] indexes = new int[count];
            for (int i = 0, at = 0; i < COMMON_BYTES.length; i++) {
                if (COMMON_BYTES[i].length == length) {
                    indexes[at++] = i;
                }
            }
            COMMON_BY_LENGTH[length] = indexes;
        }
    }

    /**
     * The index in {@link #COMMON_NAMES} of the name the first {@code length} bytes of {@code line} spell exactly,
     * or -1.
     */
    public static int commonName(byte[] line, int length) {
        if (length >= COMMON_BY_LENGTH.length) {
            return -1;
        }
        for (int i : COMMON_BY_LENGTH[length]) {
            if (Arrays.equals(COMMON_BYTES[i], 0, length, line, 0, length)) {
                return i;
            }
        }
        return -1;
    }
}
