package io.zerogate.policy;

import io.zerogate.chain.Decision;
import io.zerogate.chain.Exchange;
import io.zerogate.chain.ReasonCode;
import io.zerogate.chain.Stage;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

/**
 * Deny by default at the route level: a route is reachable only when it says {@code public: true} or
 * carries a rule that later stages enforce. A route with neither is refused with {@link ReasonCode#NO_RULE}.
 * Authenticating callers ({@code authenticate}) is such a rule: the identity stage has already refused every
 * caller without a good credential. A service's {@code callers} list is one too: {@link SegmentationStage}, earlier in the chain, has
 * already refused every caller not on it.
 */
public final class RouteAccessStage implements Stage {

    private static final CompletableFuture<Decision> PROCEED = CompletableFuture.completedFuture(Decision.proceed());

    @Override
    public CompletionStage<Decision> evaluate(Exchange exchange) {
        if (exchange.route().config().isPublic() || exchange.route().config().authenticate().required()
                || !exchange.route().service().callers().isEmpty() || exchange.route().config().policy().governs()) {
            return PROCEED;
        }
        return CompletableFuture.completedFuture(Decision.deny(ReasonCode.NO_RULE,
                "route " + exchange.route().id() + " is not public and has no rule", exchange.route().id()));
    }
}
