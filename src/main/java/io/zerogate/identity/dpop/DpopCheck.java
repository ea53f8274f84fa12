package io.zerogate.identity.dpop;

import io.zerogate.chain.ReasonCode;
import java.util.Objects;

/** The outcome of checking a DPoP proof (RFC 9449): accepted, refused, or refused until it carries a fresh nonce. */
public sealed interface DpopCheck permits DpopCheck.Valid, DpopCheck.Invalid, DpopCheck.NonceRequired {

    /**
     * The proof is valid and was not seen before.
     *
     * @param jkt the RFC 7638 SHA-256 thumbprint of the proof's key, base64url: what a bound token's
     *            {@code cnf.jkt} names
     */
    record Valid(String jkt) implements DpopCheck {
        public Valid {
            Objects.requireNonNull(jkt, "jkt");
        }
    }

    /**
     * The proof is refused.
     *
     * @param detail what exactly was wrong, for logs and audit records; never the proof or token itself
     */
    record Invalid(ReasonCode reason, String detail) implements DpopCheck {
        public Invalid {
            Objects.requireNonNull(reason, "reason");
            Objects.requireNonNull(detail, "detail");
        }
    }

    /**
     * The proof is otherwise valid but lacks a current nonce of this gateway; the client should retry with
     * {@code nonce}, sent to it in a {@code DPoP-Nonce} header ({@code use_dpop_nonce}, RFC 9449 section 8).
     */
    record NonceRequired(String nonce, String detail) implements DpopCheck {
        public NonceRequired {
            Objects.requireNonNull(nonce, "nonce");
            Objects.requireNonNull(detail, "detail");
        }
    }
}
