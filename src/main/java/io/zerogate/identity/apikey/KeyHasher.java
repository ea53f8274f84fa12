package io.zerogate.identity.apikey;

import io.zerogate.config.Secret;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.util.Base64;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * The keyed hash stored for an API key: HMAC-SHA256 over the whole key text ({@code zg_<id>_<secret>}) with the
 * configured hash key. Keying the hash means a copy of the key file alone cannot be used to test guesses;
 * hashing the id with the secret ties each hash to its entry.
 */
final class KeyHasher {

    /** How stored hashes are marked, so that another algorithm can be introduced later. */
    static final String SCHEME = "hmac-sha256:";
    static final int MIN_KEY_BYTES = 16;
    private static final String ALGORITHM = "HmacSHA256";

    private final SecretKeySpec key;
    private final Mac prototype;
    private final boolean cloneable;

    KeyHasher(Secret hashKey) {
        byte[] bytes = hashKey.bytes();
        if (bytes.length < MIN_KEY_BYTES) {
            throw new IllegalArgumentException("hash key: " + bytes.length + " bytes (expected: at least " + MIN_KEY_BYTES + ")");
        }
        key = new SecretKeySpec(bytes, ALGORITHM);
        prototype = newMac();
        cloneable = canClone(prototype);
    }

    /** The MAC of a key's text. */
    byte[] hash(String keyText) {
        return mac().doFinal(keyText.getBytes(StandardCharsets.US_ASCII));
    }

    /** Compares in time that does not depend on where the two differ. */
    static boolean matches(byte[] expected, byte[] actual) {
        return MessageDigest.isEqual(expected, actual);
    }

    /** The stored form of a hash. */
    static String encode(byte[] hash) {
        return SCHEME + Base64.getUrlEncoder().withoutPadding().encodeToString(hash);
    }

    /**
     * Reads a stored hash.
     *
     * @throws IllegalArgumentException when it is not in the stored form
     */
    static byte[] decode(String stored) {
        if (!stored.startsWith(SCHEME)) {
            throw new IllegalArgumentException("hash does not start with '" + SCHEME + "'");
        }
        byte[] hash;
        try {
            hash = Base64.getUrlDecoder().decode(stored.substring(SCHEME.length()));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("hash is not base64url");
        }
        if (hash.length != 32) {
            throw new IllegalArgumentException("hash has " + hash.length + " bytes (expected: 32)");
        }
        return hash;
    }

    private Mac mac() {
        // A Mac is not thread-safe; a clone of the initialised prototype skips the provider lookup and key setup.
        if (cloneable) {
            try {
                return (Mac) prototype.clone();
            } catch (CloneNotSupportedException e) {
                // canClone said otherwise; fall through to a fresh instance
            }
        }
        return newMac();
    }

    private Mac newMac() {
        try {
            Mac mac = Mac.getInstance(ALGORITHM);
            mac.init(key);
            return mac;
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("every Java platform provides " + ALGORITHM, e);
        }
    }

    private static boolean canClone(Mac mac) {
        try {
            mac.clone();
            return true;
        } catch (CloneNotSupportedException e) {
            return false;
        }
    }
}
