package io.zerogate.admin;

import io.zerogate.config.AdminConfig;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.cert.X509Certificate;
import java.util.List;
import java.util.regex.Pattern;
import org.jspecify.annotations.Nullable;

/**
 * Decides who calls the admin API: the holder of a configured bearer token, the holder of a client certificate
 * that the TLS handshake verified against {@code admin.tls.client_ca}, or nobody. A token that is presented and
 * wrong refuses the call even when a good certificate came with it.
 */
final class AdminCredentials {

    /** Longer than any token {@code zerogate admin token create} makes, short enough to hash for free. */
    private static final int MAX_TOKEN_LENGTH = 256;
    /** RFC 6750's b64token. */
    private static final Pattern TOKEN = Pattern.compile("[A-Za-z0-9._~+/-]+=*");

    /** What checking one call found. */
    sealed interface Check {

        /** A known caller, named for logs: {@code token:<name>} or {@code certificate:<subject>}. */
        record Caller(String name) implements Check {}

        /**
         * The call is refused.
         *
         * @param reason  {@code missing}, {@code malformed} or {@code invalid_token}, for the metric
         * @param invalid a credential was presented and is wrong (RFC 6750 {@code error="invalid_token"})
         */
        record Refused(String reason, boolean invalid) implements Check {}
    }

    private AdminCredentials() {}

    /**
     * @param authorization the request's {@code Authorization} values
     * @param peer          the client certificate chain the handshake verified, or null when none was presented
     */
    static Check check(AdminConfig admin, List<String> authorization, X509Certificate @Nullable [] peer) {
        if (authorization.size() > 1) {
            return new Check.Refused("malformed", true);
        }
        if (authorization.size() == 1) {
            return token(admin.tokens(), authorization.get(0));
        }
        // Certificates are asked for, and so verified, only when a client CA is configured.
        if (peer != null && peer.length > 0 && admin.tls() != null && !admin.tls().clientCas().isEmpty()) {
            return new Check.Caller("certificate:" + peer[0].getSubjectX500Principal().getName());
        }
        return new Check.Refused("missing", false);
    }

    private static Check token(List<AdminConfig.Token> tokens, String authorization) {
        if (authorization.length() < 8 || !authorization.regionMatches(true, 0, "Bearer ", 0, 7)) {
            return new Check.Refused("malformed", true);
        }
        String token = authorization.substring(7).strip();
        if (token.isEmpty() || token.length() > MAX_TOKEN_LENGTH || !TOKEN.matcher(token).matches()) {
            return new Check.Refused("malformed", true);
        }
        byte[] presented = AdminTokens.sha256(token).getBytes(StandardCharsets.US_ASCII);
        String matched = null;
        // Every configured hash is compared, in constant time each, so that timing tells nothing of which is close.
        for (AdminConfig.Token t : tokens) {
            if (MessageDigest.isEqual(presented, t.sha256().getBytes(StandardCharsets.US_ASCII)) && matched == null) {
                matched = t.name();
            }
        }
        return matched == null ? new Check.Refused("invalid_token", true) : new Check.Caller("token:" + matched);
    }
}
