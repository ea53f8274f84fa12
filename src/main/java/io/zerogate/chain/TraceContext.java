package io.zerogate.chain;

import java.util.concurrent.ThreadLocalRandom;
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

    private static final char[] HEX = "0123456789abcdef".toCharArray();

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
        return new TraceContext(randomHex(32), randomHex(16), null, sampleNew ? 1 : 0, false);
    }

    /** The {@code traceparent} value that names the gateway's span as the parent. */
    public String traceparent() {
        return "00-" + traceId + '-' + spanId + '-' + HEX[(flags >> 4) & 0xF] + HEX[flags & 0xF];
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
        return new TraceContext(traceId, randomHex(16), parentId, Integer.parseInt(flags, 16) & 0x01, true);
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

    private static String randomHex(int digits) {
        ThreadLocalRandom random = ThreadLocalRandom.current();
        char[] out = new char[digits];
        long bits = 0;
        while (true) {
            for (int i = 0; i < digits; i++) {
                if (i % 16 == 0) {
                    bits = random.nextLong();
                }
                out[i] = HEX[(int) (bits >>> (60 - 4 * (i % 16))) & 0xF];
            }
            String s = new String(out);
            if (!allZero(s)) {
                return s;
            }
        }
    }
}
