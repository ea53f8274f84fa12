package io.zerogate.policy;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;

/**
 * What a decision point said. The protocol is OPA's data API: {@code 200} with {@code {"result": true|false}}, or
 * {@code {"result": {"allow": true|false, "reason": "..."}}} for a decision that explains itself. A missing
 * {@code result} (OPA's answer for an undefined decision), any other shape or status, an answer over
 * {@link RemoteCall#MAX_BODY_BYTES} or none in time leaves the request undecided, and it is refused.
 */
sealed interface DecisionAnswer {

    /** The decision point allows the request. */
    enum Allow implements DecisionAnswer { INSTANCE }

    /** The decision point refuses the request, with its reason when it gave one (else empty). */
    record Deny(String reason) implements DecisionAnswer {}

    /** No usable decision: why, naming the service and the failure, never request contents. */
    record Unavailable(String why) implements DecisionAnswer {}

    static DecisionAnswer read(RemoteCall.Reply reply) {
        return switch (reply) {
            case RemoteCall.Reply.Failed f -> new Unavailable(f.why());
            case RemoteCall.Reply.Answered a when a.status() != 200 -> new Unavailable("the decision point answered "
                    + a.status());
            case RemoteCall.Reply.Answered a -> parse(a.body());
        };
    }

    private static DecisionAnswer parse(byte[] body) {
        JsonNode root;
        try {
            root = OwnerAnswer.JSON.readTree(body);
        } catch (IOException e) {
            return new Unavailable("the decision point's answer is not JSON");
        }
        JsonNode result = root == null || !root.isObject() ? null : root.get("result");
        if (result == null) {
            return new Unavailable("the decision is undefined (the answer has no \"result\")");
        }
        if (result.isBoolean()) {
            return result.booleanValue() ? Allow.INSTANCE : new Deny("");
        }
        JsonNode allow = result.isObject() ? result.get("allow") : null;
        if (allow == null || !allow.isBoolean()) {
            return new Unavailable("the decision's \"result\" is neither a bool nor an object with an \"allow\" bool");
        }
        if (allow.booleanValue()) {
            return Allow.INSTANCE;
        }
        JsonNode reason = result.get("reason");
        return new Deny(reason != null && reason.isTextual() ? DetailText.printable(reason.textValue()) : "");
    }
}
