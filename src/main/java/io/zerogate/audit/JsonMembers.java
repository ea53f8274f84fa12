package io.zerogate.audit;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import org.jspecify.annotations.Nullable;

/**
 * Writes the members of one JSON object (without its braces) into a reused buffer: the audit writer's encoder,
 * made for the one shape it writes, at a small fraction of a general JSON generator's cost per record. Strings are
 * escaped as RFC 8259 requires (quote, backslash, control characters) and written as UTF-8; a lone surrogate
 * becomes U+FFFD. Not thread-safe: each encoder owns one.
 */
final class JsonMembers {

    private static final byte[] HEX = "0123456789abcdef".getBytes(StandardCharsets.US_ASCII);
    /** ASCII characters written as they are inside a JSON string: printable, and neither quote nor backslash. */
    private static final boolean[] PLAIN = new boolean[0x80];

    static {
        for (char c = 0x20; c < 0x80; c++) {
            PLAIN[c] = c != '"' && c != '\\';
        }
    }

    private byte[] buf = new byte[1024];
    private int len;
    private boolean first = true;

    /** Starts a new set of members. */
    JsonMembers reset() {
        len = 0;
        first = true;
        return this;
    }

    /** The members written since {@link #reset()}. */
    byte[] toBytes() {
        return Arrays.copyOf(buf, len);
    }

    JsonMembers string(byte[] name, String value) {
        name(name);
        quoted(value);
        return this;
    }

    JsonMembers optional(byte[] name, @Nullable String value) {
        return value == null ? this : string(name, value);
    }

    /**
     * The quoted form of the last value a field had. Values that come from the configuration (a listener's name, a
     * route's id, an upstream's URL) are the same object record after record: their quoted form is copied instead
     * of being escaped again. Only the same object counts, never an equal one.
     */
    static final class Remembered {
        private @Nullable String value;
        private byte[] quoted = new byte[0];
    }

    /** As {@link #string}, copying the quoted value {@code last} remembers when {@code value} is its very object. */
    JsonMembers string(byte[] name, String value, Remembered last) {
        name(name);
        if (value == last.value) {
            byte[] q = last.quoted;
            ensure(q.length);
            System.arraycopy(q, 0, buf, len, q.length);
            len += q.length;
        } else {
            int start = len;
            quoted(value);
            last.value = value;
            last.quoted = Arrays.copyOfRange(buf, start, len);
        }
        return this;
    }

    /** As {@link #optional}, through {@code last} (see {@link #string(byte[], String, Remembered)}). */
    JsonMembers optional(byte[] name, @Nullable String value, Remembered last) {
        return value == null ? this : string(name, value, last);
    }

    JsonMembers nullValue(byte[] name) {
        name(name);
        ascii("null");
        return this;
    }

    JsonMembers number(byte[] name, long value) {
        name(name);
        if (value < 0) {
            if (value == Long.MIN_VALUE) {
                ascii(Long.toString(value));
                return this;
            }
            put((byte) '-');
            value = -value;
        }
        ensure(decimalDigits(value));
        len = putDecimal(buf, len, value);
        return this;
    }

    /** How many decimal digits a number of at least 0 has. */
    static int decimalDigits(long value) {
        int digits = 1;
        for (long bound = 10; digits < 19 && value >= bound; bound *= 10) {
            digits++;
        }
        return digits;
    }

    /** Writes a number of at least 0 in decimal at {@code at}, which must have room; returns where it ends. */
    static int putDecimal(byte[] into, int at, long value) {
        int end = at + decimalDigits(value);
        for (int i = end - 1; i >= at; i--, value /= 10) {
            into[i] = (byte) ('0' + value % 10);
        }
        return end;
    }

    JsonMembers bool(byte[] name, boolean value) {
        name(name);
        ascii(value ? "true" : "false");
        return this;
    }

    /** Opens a nested object member; close it with {@link #endObject()}. */
    JsonMembers startObject(byte[] name) {
        name(name);
        put((byte) '{');
        first = true;
        return this;
    }

    JsonMembers endObject() {
        put((byte) '}');
        first = false;
        return this;
    }

    /** Opens an array member of strings; add them with {@link #element} and close it with {@link #endArray()}. */
    JsonMembers startArray(byte[] name) {
        name(name);
        put((byte) '[');
        first = true;
        return this;
    }

    JsonMembers element(String value) {
        if (!first) {
            put((byte) ',');
        }
        first = false;
        quoted(value);
        return this;
    }

    JsonMembers endArray() {
        put((byte) ']');
        first = false;
        return this;
    }

    /** A value already known to be plain ASCII needing no escapes (a formatted time), quoted. */
    JsonMembers plain(byte[] name, CharSequence value) {
        name(name);
        put((byte) '"');
        for (int i = 0; i < value.length(); i++) {
            put((byte) value.charAt(i));
        }
        put((byte) '"');
        return this;
    }

    /**
     * A member name as written: quoted, escaped and followed by its colon. Names are encoded once, when the
     * encoder is built, instead of once per record.
     */
    static byte[] key(String name) {
        JsonMembers g = new JsonMembers();
        g.quoted(name);
        g.put((byte) ':');
        return g.toBytes();
    }

    private void name(byte[] key) {
        ensure(key.length + 1);
        if (!first) {
            buf[len++] = ',';
        }
        first = false;
        System.arraycopy(key, 0, buf, len, key.length);
        len += key.length;
    }

    private void ascii(String s) {
        for (int i = 0; i < s.length(); i++) {
            put((byte) s.charAt(i));
        }
    }

    private void quoted(String s) {
        int n = s.length();
        ensure(n * 3 + 2);
        byte[] b = buf;
        int at = len;
        b[at++] = '"';
        int i = 0;
        // Most values are printable ASCII with nothing to escape: copied in a tight loop first.
        while (i < n) {
            char c = s.charAt(i);
            if (c >= 0x80 || !PLAIN[c]) {
                break;
            }
            b[at++] = (byte) c;
            i++;
        }
        len = at;
        for (; i < n; i++) {
            char c = s.charAt(i);
            if (c < 0x80 && PLAIN[c]) {
                buf[len++] = (byte) c;
            } else if (c < 0x80) {
                // An escape takes up to six bytes where three were reserved: reserve again for what follows.
                ensure(6 + (n - i - 1) * 3 + 1);
                escaped(c);
            } else if (c < 0x800) {
                buf[len++] = (byte) (0xC0 | (c >> 6));
                buf[len++] = (byte) (0x80 | (c & 0x3F));
            } else if (Character.isHighSurrogate(c) && i + 1 < s.length() && Character.isLowSurrogate(s.charAt(i + 1))) {
                int cp = Character.toCodePoint(c, s.charAt(++i));
                ensure(4 + (s.length() - i) * 3);
                buf[len++] = (byte) (0xF0 | (cp >> 18));
                buf[len++] = (byte) (0x80 | ((cp >> 12) & 0x3F));
                buf[len++] = (byte) (0x80 | ((cp >> 6) & 0x3F));
                buf[len++] = (byte) (0x80 | (cp & 0x3F));
            } else {
                char u = Character.isSurrogate(c) ? '\uFFFD' : c;
                buf[len++] = (byte) (0xE0 | (u >> 12));
                buf[len++] = (byte) (0x80 | ((u >> 6) & 0x3F));
                buf[len++] = (byte) (0x80 | (u & 0x3F));
            }
        }
        put((byte) '"');
    }

    private void escaped(char c) {
        ensure(6);
        buf[len++] = '\\';
        switch (c) {
            case '"' -> buf[len++] = '"';
            case '\\' -> buf[len++] = '\\';
            case '\n' -> buf[len++] = 'n';
            case '\r' -> buf[len++] = 'r';
            case '\t' -> buf[len++] = 't';
            case '\b' -> buf[len++] = 'b';
            case '\f' -> buf[len++] = 'f';
            default -> {
                buf[len++] = 'u';
                buf[len++] = '0';
                buf[len++] = '0';
                buf[len++] = HEX[c >> 4];
                buf[len++] = HEX[c & 0xF];
            }
        }
    }

    private void put(byte b) {
        ensure(1);
        buf[len++] = b;
    }

    private void ensure(int more) {
        if (len + more > buf.length) {
            buf = Arrays.copyOf(buf, Math.max(buf.length * 2, len + more));
        }
    }
}
