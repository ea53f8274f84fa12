package io.zerogate.identity.jwt;

import io.zerogate.chain.ReasonCode;
import io.zerogate.identity.Verification;
import java.util.Objects;

/** The outcome of one verification step: the value it produced, or why the token is refused. */
sealed interface Checked<T> permits Checked.Ok, Checked.No {

    static <T> Checked<T> ok(T value) {
        return new Ok<>(value);
    }

    static <T> Checked<T> no(ReasonCode reason, String detail) {
        return new No<>(Verification.refused(reason, detail));
    }

    /** The step passed. */
    record Ok<T>(T value) implements Checked<T> {
        public Ok {
            Objects.requireNonNull(value, "value");
        }
    }

    /** The step refused the token. */
    record No<T>(Verification.Refused refusal) implements Checked<T> {
        public No {
            Objects.requireNonNull(refusal, "refusal");
        }

        /** The same refusal, as the outcome of a step that produces another type. */
        <U> No<U> as() {
            return new No<>(refusal);
        }
    }
}
