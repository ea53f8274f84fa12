package io.zerogate.policy;

import io.zerogate.chain.AttributeKey;
import java.util.List;

/**
 * What the policy stage found for a request it let through, for the audit record and metrics: the rules in shadow
 * mode that would have refused it, each as {@code route-id:rule-id}.
 */
public record PolicyFacts(List<String> wouldDeny) {

    public static final AttributeKey<PolicyFacts> KEY = AttributeKey.of("policy", PolicyFacts.class);

    public PolicyFacts {
        wouldDeny = List.copyOf(wouldDeny);
    }
}
