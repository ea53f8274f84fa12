package io.zerogate.policy;

import io.zerogate.chain.AttributeKey;
import java.util.List;

/**
 * What a policy stage found for a request it let through, for the audit record and metrics: its checks in shadow
 * mode that would have refused the request, each as {@code route-id:rule-id}. Each policy stage attaches its own,
 * under its own key.
 */
public record PolicyFacts(List<String> wouldDeny) {

    /** The route's CEL rules. */
    public static final AttributeKey<PolicyFacts> RULES = AttributeKey.of("policy-rules", PolicyFacts.class);

    /** The ownership lookup. */
    public static final AttributeKey<PolicyFacts> OWNER = AttributeKey.of("policy-owner", PolicyFacts.class);

    /** The external decision point. */
    public static final AttributeKey<PolicyFacts> DECISION_POINT = AttributeKey.of("policy-decision-point",
            PolicyFacts.class);

    /** Every key a policy stage may attach facts under. */
    public static final List<AttributeKey<PolicyFacts>> KEYS = List.of(RULES, OWNER, DECISION_POINT);

    public PolicyFacts {
        wouldDeny = List.copyOf(wouldDeny);
    }
}
