package io.zerogate.admin;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.util.Base64;
import java.util.HexFormat;

/**
 * Admin bearer tokens: 256 random bits, base64url, behind a {@code zgadmin_} prefix that secret scanners and
 * people can recognise. The configuration keeps only a token's SHA-256.
 */
public final class AdminTokens {

    public static final String PREFIX = "zgadmin_";

    private AdminTokens() {}

    /** A new token; shown once to whoever will hold it, then kept nowhere but by them. */
    public static String create(SecureRandom random) {
        byte[] bits = new byte[32];
        random.nextBytes(bits);
        return PREFIX + Base64.getUrlEncoder().withoutPadding().encodeToString(bits);
    }

    /** What {@code admin.tokens[].sha256} holds for {@code token}: the SHA-256 of its UTF-8 bytes in lower-case hex. */
    public static String sha256(String token) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(token.getBytes(StandardCharsets.UTF_8)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every Java platform provides SHA-256", e);
        }
    }
}
