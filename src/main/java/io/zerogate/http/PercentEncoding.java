package io.zerogate.http;

import java.nio.charset.StandardCharsets;
import org.jspecify.annotations.Nullable;

/** RFC 3986 percent-escapes: reading one escape and decoding a whole segment as UTF-8. */
final class PercentEncoding {

    private PercentEncoding() {
    }

    /** The byte written by the escape at {@code s[i] == '%'}, or -1 when it is not {@code %HH}. */
    static int hexByte(String s, int i) {
        if (i + 2 >= s.length()) {
            return -1;
        }
        int high = hexDigit(s.charAt(i + 1));
        int low = hexDigit(s.charAt(i + 2));
        return high < 0 || low < 0 ? -1 : high << 4 | low;
    }

    /**
     * Decodes every escape in {@code s} and reads the bytes as UTF-8.
     *
     * @return the text, or null for a malformed escape, bytes that are not well-formed UTF-8 or a raw
     *         character outside ASCII
     */
    static @Nullable String decode(String s) {
        int length = s.length();
        boolean escaped = false;
        for (int i = 0; i < length; i++) {
            char c = s.charAt(i);
            if (c >= 0x80) {
                return null;
            }
            escaped |= c == '%';
        }
        if (!escaped) {
            return s;
        }
        byte[] bytes = new byte[length];
        int n = 0;
        boolean ascii = true;
        for (int i = 0; i < length; i++) {
            char c = s.charAt(i);
            if (c == '%') {
                int value = hexByte(s, i);
                if (value < 0) {
                    return null;
                }
                ascii &= value < 0x80;
                bytes[n++] = (byte) value;
                i += 2;
            } else {
                bytes[n++] = (byte) c;
            }
        }
        if (ascii) {
            return new String(bytes, 0, n, StandardCharsets.US_ASCII);
        }
        // String's own decoder would substitute U+FFFD for malformed input; a parameter must not
        // silently turn into a different value, so refuse it instead.
        return isWellFormedUtf8(bytes, n) ? new String(bytes, 0, n, StandardCharsets.UTF_8) : null;
    }

    /** RFC 3629 well-formedness: no overlong forms, no surrogates, nothing above U+10FFFF. */
    static boolean isWellFormedUtf8(byte[] bytes, int length) {
        int i = 0;
        while (i < length) {
            int lead = bytes[i] & 0xFF;
            if (lead < 0x80) {
                i++;
                continue;
            }
            int continuation;
            // Allowed range of the second byte; any further byte is always 0x80..0xBF.
            int min = 0x80;
            int max = 0xBF;
            if (lead >= 0xC2 && lead <= 0xDF) {
                continuation = 1;
            } else if (lead >= 0xE0 && lead <= 0xEF) {
                continuation = 2;
                if (lead == 0xE0) {
                    min = 0xA0; // overlong below U+0800
                } else if (lead == 0xED) {
                    max = 0x9F; // UTF-16 surrogates
                }
            } else if (lead >= 0xF0 && lead <= 0xF4) {
                continuation = 3;
                if (lead == 0xF0) {
                    min = 0x90; // overlong below U+10000
                } else if (lead == 0xF4) {
                    max = 0x8F; // above U+10FFFF
                }
            } else {
                return false;
            }
            if (i + continuation >= length) {
                return false;
            }
            int second = bytes[i + 1] & 0xFF;
            if (second < min || second > max) {
                return false;
            }
            for (int k = 2; k <= continuation; k++) {
                int next = bytes[i + k] & 0xFF;
                if (next < 0x80 || next > 0xBF) {
                    return false;
                }
            }
            i += continuation + 1;
        }
        return true;
    }

    private static int hexDigit(char c) {
        if (c >= '0' && c <= '9') {
            return c - '0';
        }
        if (c >= 'A' && c <= 'F') {
            return c - 'A' + 10;
        }
        if (c >= 'a' && c <= 'f') {
            return c - 'a' + 10;
        }
        return -1;
    }
}
