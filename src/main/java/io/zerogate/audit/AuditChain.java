package io.zerogate.audit;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.Objects;

/**
 * The hash chain that makes the audit trail tamper-evident. Every line of an audit file is one JSON object that
 * begins with its sequence number, the SHA-256 of the line before it and its type:
 *
 * <pre>{"seq":42,"prev":"9f86…","type":"record", …members…}</pre>
 *
 * A line's hash is the SHA-256 of its exact UTF-8 bytes (without the newline), so a verifier recomputes it from
 * what is on disk without re-encoding anything. The first line of a trail links to {@link #GENESIS}. Types:
 * {@code record} (one exchange), {@code checkpoint} (a signature over the chain so far, see
 * {@link CheckpointSignature}) and {@code resume} (the first line after a start, naming what came before).
 * One chain runs across rotated files and restarts. Not thread-safe: one writer owns it.
 */
public final class AuditChain {

    /** The {@code prev} of the very first line of a trail. */
    public static final String GENESIS = "0".repeat(64);

    private static final byte[] SEQ = "{\"seq\":".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] PREV = ",\"prev\":\"".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] TYPE = "\",\"type\":\"".getBytes(StandardCharsets.US_ASCII);

    private static final byte[] HEX = "0123456789abcdef".getBytes(StandardCharsets.US_ASCII);

    private final MessageDigest sha256 = sha256();
    private final byte[] digest = new byte[32];
    /** The hash of the last line linked, as the 64 hex digits the next line's {@code prev} carries. */
    private final byte[] headHex = new byte[64];
    private long seq;

    /**
     * A chain whose last line so far had sequence number {@code lastSeq} and hash {@code lastHash}; a new trail
     * starts from {@code (0, GENESIS)}.
     */
    public AuditChain(long lastSeq, String lastHash) {
        if (lastSeq < 0) {
            throw new IllegalArgumentException("lastSeq: " + lastSeq + " (expected: >= 0)");
        }
        if (!isHash(lastHash)) {
            throw new IllegalArgumentException("lastHash: expected 64 lower-case hex digits");
        }
        this.seq = lastSeq;
        for (int i = 0; i < 64; i++) {
            headHex[i] = (byte) lastHash.charAt(i);
        }
    }

    /** The sequence number of the last line linked. */
    public long seq() {
        return seq;
    }

    /** The hash of the last line linked: what the next line's {@code prev} will be. */
    public String head() {
        return new String(headHex, StandardCharsets.US_ASCII);
    }

    /**
     * Links one line into the chain.
     *
     * @param type    the line's type: {@code record}, {@code checkpoint} or {@code resume}
     * @param members the rest of the JSON object: one or more members, comma-separated, without braces
     * @return the complete line, without a newline
     */
    public byte[] link(String type, byte[] members) {
        Objects.requireNonNull(type, "type");
        if (members.length == 0) {
            throw new IllegalArgumentException("members: empty (expected at least one JSON member)");
        }
        long next = seq + 1;
        int digits = JsonMembers.decimalDigits(next);
        int length = SEQ.length + digits + PREV.length + 64 + TYPE.length + type.length() + 2 + members.length + 1;
        byte[] line = new byte[length];
        int at = put(line, 0, SEQ);
        at = put(line, JsonMembers.putDecimal(line, at, next), PREV);
        at = put(line, at, headHex);
        at = put(line, at, TYPE);
        for (int i = 0; i < type.length(); i++) {
            char c = type.charAt(i);
            if (c < 'a' || c > 'z') {
                throw new IllegalArgumentException("type: " + type + " (expected lower-case letters)");
            }
            line[at++] = (byte) c;
        }
        line[at++] = '"';
        line[at++] = ',';
        at = put(line, at, members);
        line[at] = '}';
        seq = next;
        sha256.update(line, 0, line.length);
        try {
            sha256.digest(digest, 0, digest.length);
        } catch (java.security.DigestException e) {
            throw new IllegalStateException("SHA-256 refused a 32-byte output", e);
        }
        for (int i = 0; i < 32; i++) {
            headHex[2 * i] = HEX[(digest[i] >> 4) & 0xF];
            headHex[2 * i + 1] = HEX[digest[i] & 0xF];
        }
        return line;
    }

    /** The hash of a line as the chain computes it. */
    public static String hash(byte[] line, int offset, int length) {
        return hash(sha256(), line, offset, length);
    }

    /** True for 64 lower-case hex digits. */
    public static boolean isHash(String s) {
        if (s.length() != 64) {
            return false;
        }
        for (int i = 0; i < 64; i++) {
            char c = s.charAt(i);
            if (!(c >= '0' && c <= '9' || c >= 'a' && c <= 'f')) {
                return false;
            }
        }
        return true;
    }

    private static String hash(MessageDigest digest, byte[] line, int offset, int length) {
        digest.reset();
        digest.update(line, offset, length);
        return HexFormat.of().formatHex(digest.digest());
    }

    private static int put(byte[] into, int at, byte[] what) {
        System.arraycopy(what, 0, into, at, what.length);
        return at + what.length;
    }

    private static MessageDigest sha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("the JDK lacks SHA-256", e);
        }
    }
}
