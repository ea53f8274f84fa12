package io.zerogate.identity;

import java.util.Objects;
import org.jspecify.annotations.Nullable;

/**
 * What a credential is bound to (its {@code cnf} claim): nothing, a client certificate (RFC 8705) or a DPoP
 * key (RFC 9449). A bound credential is accepted only from the holder of that certificate or key.
 *
 * @param thumbprint base64url SHA-256 thumbprint: of the certificate ({@code x5t#S256}) or of the JWK
 *                   ({@code jkt}, RFC 7638); null for {@link Kind#NONE}
 */
public record TokenBinding(Kind kind, @Nullable String thumbprint) {

    public static final TokenBinding NONE = new TokenBinding(Kind.NONE, null);

    /** The kinds of binding. */
    public enum Kind { NONE, CERTIFICATE, DPOP }

    public TokenBinding {
        Objects.requireNonNull(kind, "kind");
        if ((kind == Kind.NONE) != (thumbprint == null)) {
            throw new IllegalArgumentException("thumbprint: " + thumbprint + " (expected one exactly when bound)");
        }
    }

    public static TokenBinding certificate(String x5tS256) {
        return new TokenBinding(Kind.CERTIFICATE, x5tS256);
    }

    public static TokenBinding dpop(String jkt) {
        return new TokenBinding(Kind.DPOP, jkt);
    }
}
