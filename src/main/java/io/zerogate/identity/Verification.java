package io.zerogate.identity;

import io.zerogate.chain.ReasonCode;
import java.time.Instant;
import java.util.Objects;
import org.jspecify.annotations.Nullable;

/**
 * What checking one credential (a token, an API key) found: the caller it proves, or why it proves nothing.
 */
public sealed interface Verification permits Verification.Accepted, Verification.Refused {

    static Refused refused(ReasonCode reason, String detail) {
        return new Refused(reason, detail);
    }

    /**
     * The credential is good.
     *
     * @param expiresAt when the credential stops being good; null when it does not expire by itself
     */
    record Accepted(Subject subject, @Nullable Instant expiresAt) implements Verification {
        public Accepted {
            Objects.requireNonNull(subject, "subject");
        }
    }

    /**
     * The credential is not good.
     *
     * @param detail what exactly was wrong, for logs and audit records; never token or key material
     */
    record Refused(ReasonCode reason, String detail) implements Verification {
        public Refused {
            Objects.requireNonNull(reason, "reason");
            Objects.requireNonNull(detail, "detail");
        }
    }
}
