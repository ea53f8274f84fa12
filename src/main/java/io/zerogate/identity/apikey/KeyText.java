package io.zerogate.identity.apikey;

import java.security.SecureRandom;
import java.util.Base64;
import org.jspecify.annotations.Nullable;

/**
 * The text form of an API key, {@code zg_<id>_<secret>}: {@code id} is {@value #ID_LENGTH} characters of the
 * RFC 4648 base32 alphabet in lower case (public; it names the key in the file, logs and audit records), and
 * {@code secret} is at least 32 random bytes in unpadded base64url. The id's alphabet has no {@code _}, so the
 * first {@code _} after the id separates the two even though base64url itself may contain {@code _}.
 */
final class KeyText {

    static final String PREFIX = "zg_";
    static final int ID_LENGTH = 12;
    static final int SECRET_BYTES = 32;
    /** 32 bytes in unpadded base64url. */
    static final int MIN_SECRET_LENGTH = 43;
    static final int MAX_SECRET_LENGTH = 128;
    static final int MAX_LENGTH = PREFIX.length() + ID_LENGTH + 1 + MAX_SECRET_LENGTH;

    private static final char[] BASE32 = "abcdefghijklmnopqrstuvwxyz234567".toCharArray();

    private KeyText() {}

    /** A new random key id. */
    static String newId(SecureRandom random) {
        char[] id = new char[ID_LENGTH];
        for (int i = 0; i < id.length; i++) {
            id[i] = BASE32[random.nextInt(BASE32.length)];
        }
        return new String(id);
    }

    /** A new random secret. */
    static String newSecret(SecureRandom random) {
        byte[] bytes = new byte[SECRET_BYTES];
        random.nextBytes(bytes);
        return Base64.getUrlEncoder().withoutPadding().encodeToString(bytes);
    }

    static String format(String id, String secret) {
        return PREFIX + id + "_" + secret;
    }

    /** True when {@code id} has the shape of a key id. */
    static boolean isId(String id) {
        if (id.length() != ID_LENGTH) {
            return false;
        }
        for (int i = 0; i < id.length(); i++) {
            char c = id.charAt(i);
            if (!((c >= 'a' && c <= 'z') || (c >= '2' && c <= '7'))) {
                return false;
            }
        }
        return true;
    }

    /**
     * The id of a presented key, or a problem. The problem describes the shape only: it never quotes the text,
     * which may be a secret pasted into the wrong place.
     */
    static Parsed parse(String presented) {
        if (presented.length() > MAX_LENGTH) {
            return new Parsed(null, "longer than " + MAX_LENGTH + " characters");
        }
        if (!presented.startsWith(PREFIX)) {
            return new Parsed(null, "does not start with '" + PREFIX + "'");
        }
        int separator = PREFIX.length() + ID_LENGTH;
        if (presented.length() <= separator || presented.charAt(separator) != '_') {
            return new Parsed(null, "no '_' after a " + ID_LENGTH + "-character id");
        }
        String id = presented.substring(PREFIX.length(), separator);
        if (!isId(id)) {
            return new Parsed(null, "the id is not " + ID_LENGTH + " characters of a-z 2-7");
        }
        int secretLength = presented.length() - separator - 1;
        if (secretLength < MIN_SECRET_LENGTH) {
            return new Parsed(null, "the secret is shorter than " + MIN_SECRET_LENGTH + " characters");
        }
        for (int i = separator + 1; i < presented.length(); i++) {
            char c = presented.charAt(i);
            boolean base64url = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9')
                    || c == '-' || c == '_';
            if (!base64url) {
                return new Parsed(null, "the secret has a character outside base64url");
            }
        }
        return new Parsed(id, null);
    }

    /** Either the key id or what is wrong with the text. */
    record Parsed(@Nullable String id, @Nullable String problem) {}
}
