package io.zerogate.chain;

import java.nio.charset.StandardCharsets;
import java.util.concurrent.ThreadLocalRandom;

/**
 * Random identifiers in lower-case hex, built straight into Latin-1 bytes: one per request (the request id,
 * the gateway's span, a new trace), so they are made without a detour through {@code char[]}.
 */
public final class RandomIds {

    private static final byte[] HEX = "0123456789abcdef".getBytes(StandardCharsets.US_ASCII);

    private RandomIds() {}

    /** 32 hex digits (128 random bits), never all zero. */
    public static String hex128() {
        ThreadLocalRandom random = ThreadLocalRandom.current();
        long hi;
        long lo;
        do {
            hi = random.nextLong();
            lo = random.nextLong();
        } while (hi == 0 && lo == 0);
        byte[] out = new byte[32];
        put(out, 0, hi);
        put(out, 16, lo);
        return new String(out, StandardCharsets.ISO_8859_1);
    }

    /** 16 hex digits (64 random bits), never all zero. */
    public static String hex64() {
        ThreadLocalRandom random = ThreadLocalRandom.current();
        long v;
        do {
            v = random.nextLong();
        } while (v == 0);
        byte[] out = new byte[16];
        put(out, 0, v);
        return new String(out, StandardCharsets.ISO_8859_1);
    }

    /** Writes {@code v} as 16 hex digits at {@code at}. */
    static void put(byte[] out, int at, long v) {
        for (int i = 15; i >= 0; i--) {
            out[at + i] = HEX[(int) v & 0xF];
            v >>>= 4;
        }
    }

    /** The hex digit of the low four bits of {@code nibble}. */
    static byte digit(int nibble) {
        return HEX[nibble & 0xF];
    }
}
