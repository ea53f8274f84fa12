package io.zerogate.chain;

import java.util.List;
import java.util.Objects;
import org.jspecify.annotations.Nullable;

/**
 * What a stage decided about an exchange: go on to the next stage, or refuse. A decision is a value,
 * never a boolean or an exception.
 */
public sealed interface Decision permits Decision.Continue, Decision.Deny {

    /** The next stage runs. */
    static Decision proceed() {
        return Continue.INSTANCE;
    }

    /** A refusal with the reason's own status and no extra response headers. */
    static Deny deny(ReasonCode reason, String detail) {
        return new Deny(reason, reason.status(), detail, null, List.of());
    }

    /** A refusal attributed to a configured rule. */
    static Deny deny(ReasonCode reason, String detail, String ruleId) {
        return new Deny(reason, reason.status(), detail, ruleId, List.of());
    }

    /** Continue with the next stage. */
    enum Continue implements Decision {
        INSTANCE
    }

    /**
     * A refusal. The first one ends the chain.
     *
     * @param status  the HTTP status of the answer
     * @param detail  what exactly went wrong, for logs and audit records only; never sent to the client
     * @param ruleId  the configured rule (route id, policy id …) that decided, when there is one
     * @param headers extra response headers such as {@code WWW-Authenticate} or {@code Allow}
     */
    record Deny(ReasonCode reason, int status, String detail, @Nullable String ruleId, List<ResponseHeader> headers)
            implements Decision {

        public Deny {
            Objects.requireNonNull(reason, "reason");
            Objects.requireNonNull(detail, "detail");
            if (status < 400 || status > 599) {
                throw new IllegalArgumentException("status: " + status + " (expected: 400..599)");
            }
            headers = List.copyOf(headers);
        }

        /** The same denial with one more response header. */
        public Deny withHeader(String name, String value) {
            var all = new java.util.ArrayList<>(headers);
            all.add(new ResponseHeader(name, value));
            return new Deny(reason, status, detail, ruleId, all);
        }
    }

    /** A response header attached to a denial. */
    record ResponseHeader(String name, String value) {

        public ResponseHeader {
            Objects.requireNonNull(name, "name");
            Objects.requireNonNull(value, "value");
            if (value.indexOf('\r') >= 0 || value.indexOf('\n') >= 0) {
                throw new IllegalArgumentException("header value for " + name + " contains CR or LF");
            }
        }
    }
}
