package io.zerogate.chain;

import java.nio.charset.StandardCharsets;
import org.jspecify.annotations.Nullable;

/**
 * The W3C Trace Context of one exchange: the trace it belongs to (continued from the client's
 * {@code traceparent} when that header is valid, otherwise a new one) and the gateway's own span, which becomes
 * the parent the upstream sees.
 *
 * @param traceId   32 lower-case hex digits, not all zero
 * @param spanId    the gateway's span: 16 lower-case hex digits, not all zero
 * @param parentId  the client's span named in its {@code traceparent}, or null for a new trace
 * @param flags     the trace flags: the client's, or for a new trace sampled when the gateway exports spans
 * @param continued true when the trace came from the client's {@code traceparent}
 */
public record TraceContext(String traceId, String spanId, @Nullable String parentId, int flags, boolean continued) {

    /** Whether the trace is sampled (flag bit 0): its spans are exported. */
    public boolean sampled() {
        return (flags & 0x01) != 0;
    }

    /**
     * Continues the trace a {@code traceparent} header names, or starts a new one when the header is absent or
     * invalid (a malformed header is not an error: it is replaced, as the specification asks).
     */
    public static TraceContext from(@Nullable String traceparent) {
        return from(traceparent, false);
    }

    /** As {@link #from(String)}; a new trace is marked sampled when {@code sampleNew} (the gateway exports spans). */
    public static TraceContext from(@Nullable String traceparent, boolean sampleNew) {
        if (traceparent != null) {
            TraceContext parsed = parse(traceparent.trim());
            if (parsed != null) {
                return parsed;
            }
        }
        return new TraceContext(RandomIds.hex128(), RandomIds.hex64(), null, sampleNew ? 1 : 0, false);
    }

    /** The {@code traceparent} value that names the gateway's span as the parent. */
    public String traceparent() {
        if (traceId.length() != 32 || spanId.length() != 16) {
            return "00-" + traceId + '-' + spanId + '-' + (char) RandomIds.digit(flags >> 4) + (char) RandomIds.digit(flags);
        }
        // "00-" trace-id "-" span-id "-" flags: 55 characters, all ASCII.
        byte[] out = new byte[55];
        out[0] = '0';
        out[1] = '0';
        out[2] = '-';
        ascii(traceId, out, 3);
        out[35] = '-';
        ascii(spanId, out, 36);
        out[52] = '-';
        out[53] = RandomIds.digit(flags >> 4);
        out[54] = RandomIds.digit(flags);
        return new String(out, StandardCharsets.ISO_8859_1);
    }

    private static void ascii(String s, byte[] out, int at) {
        for (int i = 0, n = s.length(); i < n; i++) {
            out[at + i] = (byte) s.charAt(i);
        }
    }

    private static @Nullable TraceContext parse(String h) {
        // version "-" trace-id "-" parent-id "-" flags; a later version may append fields after a dash.
        if (h.length() < 55 || (h.length() > 55 && h.charAt(55) != '-') || h.charAt(2) != '-' || h.charAt(35) != '-'
                || h.charAt(52) != '-') {
            return null;
        }
        String version = h.substring(0, 2);
        if (!isHex(version) || version.equals("ff") || (version.equals("00") && h.length() != 55)) {
            return null;
        }
        String traceId = h.substring(3, 35);
        String parentId = h.substring(36, 52);
        String flags = h.substring(53, 55);
        if (!isHex(traceId) || !isHex(parentId) || !isHex(flags) || allZero(traceId) || allZero(parentId)) {
            return null;
        }
        return new TraceContext(traceId, RandomIds.hex64(), parentId, Integer.parseInt(flags, 16) & 0x01, true);
    }

    private static boolean isHex(String s) {
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (!(c >= '0' && c <= '9' || c >= 'a' && c <= 'f')) {
                return false;
            }
        }
        return true;
    }

    private static boolean allZero(String s) {
        for (int i = 0; i < s.length(); i++) {
            if (s.charAt(i) != '0') {
                return false;
            }
        }
        return true;
    }

}
