package io.zerogate.identity.dpop;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.time.Clock;
import java.time.Duration;
import java.util.Arrays;
import java.util.Base64;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import org.jspecify.annotations.Nullable;

/**
 * Server nonces for DPoP proofs (RFC 9449 section 8), kept without state: a nonce is a time step and a MAC of
 * it, so every node that holds the same key accepts the nonces of every other node.
 *
 * <p>The lifetime is split into four steps. All callers get the same nonce during one step, and a nonce is
 * accepted during its own step and the three after it: at least three quarters of the lifetime after it was
 * handed out, and never longer than the lifetime.
 */
final class DpopNonces {

    private static final int STEPS_PER_LIFETIME = 4;
    private static final int MAC_BYTES = 16;
    /** Eight bytes of step and the MAC, base64url without padding. */
    static final int NONCE_LENGTH = (8 + MAC_BYTES) * 4 / 3;
    private static final byte[] LABEL = "zerogate dpop nonce v1".getBytes(StandardCharsets.US_ASCII);

    private final SecretKeySpec key;
    private final long stepMillis;
    private final Clock clock;
    private volatile Issued current = new Issued(Long.MIN_VALUE, "");

    private record Issued(long step, String nonce) {
    }

    DpopNonces(byte[] key, Duration lifetime, Clock clock) {
        if (key.length == 0) {
            throw new IllegalArgumentException("nonce key: empty (expected: at least one byte)");
        }
        if (lifetime.compareTo(Duration.ofSeconds(STEPS_PER_LIFETIME)) < 0) {
            throw new IllegalArgumentException("nonceLifetime: " + lifetime + " (expected: >= 4s)");
        }
        this.key = new SecretKeySpec(key, "HmacSHA256");
        this.stepMillis = lifetime.toMillis() / STEPS_PER_LIFETIME;
        this.clock = clock;
    }

    /** The nonce to hand out now. */
    String current() {
        long step = Math.floorDiv(clock.millis(), stepMillis);
        Issued issued = current;
        if (issued.step != step) {
            issued = new Issued(step, encode(step));
            current = issued;
        }
        return issued.nonce;
    }

    /** True when {@code nonce} is one this key issued and it is still within its lifetime. */
    boolean accepts(@Nullable String nonce) {
        if (nonce == null || nonce.length() != NONCE_LENGTH) {
            return false;
        }
        byte[] raw;
        try {
            raw = Base64.getUrlDecoder().decode(nonce);
        } catch (IllegalArgumentException e) {
            return false;
        }
        if (raw.length != 8 + MAC_BYTES) {
            return false;
        }
        long step = ByteBuffer.wrap(raw, 0, 8).getLong();
        long age = Math.floorDiv(clock.millis(), stepMillis) - step;
        if (age < 0 || age >= STEPS_PER_LIFETIME) {
            return false;
        }
        return MessageDigest.isEqual(Arrays.copyOfRange(raw, 8, raw.length), mac(step));
    }

    private String encode(long step) {
        byte[] raw = ByteBuffer.allocate(8 + MAC_BYTES).putLong(step).put(mac(step)).array();
        return Base64.getUrlEncoder().withoutPadding().encodeToString(raw);
    }

    private byte[] mac(long step) {
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(key);
            mac.update(LABEL);
            mac.update(ByteBuffer.allocate(8).putLong(step).array());
            return Arrays.copyOf(mac.doFinal(), MAC_BYTES);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("HmacSHA256 is unavailable", e);
        }
    }
}
