package io.zerogate.limits;

import io.zerogate.chain.AttributeKey;
import java.util.List;
import org.jspecify.annotations.Nullable;

/**
 * What the limits stage found for a request it let through, for the audit record: the shadow limits that would
 * have refused it, and the enforced limit closest to refusing with what it has left.
 *
 * @param tightest  the enforced limit with the least remaining, or null when none counted the request
 * @param remaining what {@code tightest} has left, or -1
 * @param local     counted on this node alone because the shared store could not be reached
 */
public record LimitFacts(List<String> wouldLimit, @Nullable String tightest, long remaining, boolean local) {

    public static final AttributeKey<LimitFacts> KEY = AttributeKey.of("limits", LimitFacts.class);

    public LimitFacts {
        wouldLimit = List.copyOf(wouldLimit);
    }
}
