package io.zerogate.policy;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.zerogate.chain.Decision;
import io.zerogate.chain.Exchange;
import io.zerogate.chain.ReasonCode;
import io.zerogate.chain.Stage;
import io.zerogate.config.CompiledRoute;
import io.zerogate.config.GatewayConfig;
import io.zerogate.config.RouteConfig;
import io.zerogate.config.RoutePolicy;
import java.net.http.HttpClient;
import java.time.Clock;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.function.LongSupplier;
import org.jspecify.annotations.Nullable;

/**
 * Delegation to an external decision point (OPA): for a route with {@code opa}, the request's facts
 * ({@link DecisionInput}) are posted and the answer decides. A refusal is {@link ReasonCode#POLICY_DENIED} with the
 * decision's reason in the detail; no usable decision (an undefined result, an error status, a timeout, an
 * unreadable answer) is {@link ReasonCode#DECISION_POINT_UNAVAILABLE}, never a pass. Denials carry the rule id
 * {@code route-id:opa}. In shadow mode (the decision point's or the route policy's) a refusal is counted and recorded
 * under {@link PolicyFacts#DECISION_POINT} instead.
 */
public final class DecisionPointStage implements Stage {

    private static final CompletableFuture<Decision> PROCEED = CompletableFuture.completedFuture(Decision.proceed());

    private final Map<String, Delegation> byRoute;
    private final Set<String> hiddenHeaders;
    private final DecisionSource client;
    private final LookupObserver observer;
    private final Clock clock;

    private DecisionPointStage(Map<String, Delegation> byRoute, Set<String> hiddenHeaders, DecisionSource client,
                               LookupObserver observer, Clock clock) {
        this.byRoute = byRoute;
        this.hiddenHeaders = hiddenHeaders;
        this.client = client;
        this.observer = observer;
        this.clock = clock;
    }

    /**
     * The decision points of every route of a configuration.
     *
     * @param http  the client for decision points (redirects are not followed)
     * @param clock what {@code now} in the input and the cache's expiry are read from
     * @param nanos the monotonic clock that times calls
     */
    public static DecisionPointStage compile(GatewayConfig config, HttpClient http, Clock clock, LongSupplier nanos,
                                             LookupObserver observer) {
        return compile(config, new DecisionPointClient(http, clock, observer, nanos), clock, observer);
    }

    /** The decision points of every route of a configuration, answered by {@code decisions}. */
    static DecisionPointStage compile(GatewayConfig config, DecisionSource decisions, Clock clock,
                                      LookupObserver observer) {
        Map<String, Delegation> byRoute = new HashMap<>();
        for (RouteConfig route : config.routes()) {
            RoutePolicy.DecisionPoint opa = route.policy().opa();
            if (opa != null) {
                byRoute.put(route.id(), new Delegation(opa, opa.shadow() || route.policy().shadow()));
            }
        }
        return new DecisionPointStage(Map.copyOf(byRoute), DecisionInput.hiddenHeaders(config.identity()),
                decisions, observer, clock);
    }

    /** One route's decision point and whether its refusals are only recorded. */
    private record Delegation(RoutePolicy.DecisionPoint config, boolean shadow) {}

    @Override
    public boolean actsOn(CompiledRoute route) {
        return byRoute.containsKey(route.config().id());
    }

    @Override
    public CompletionStage<Decision> evaluate(Exchange exchange) {
        Delegation delegation = byRoute.get(exchange.route().id());
        if (delegation == null) {
            return PROCEED;
        }
        ObjectNode facts = DecisionInput.facts(exchange, hiddenHeaders);
        byte[] key = DecisionInput.bytes(facts);
        RoutePolicy.DecisionPoint opa = delegation.config();
        CompletableFuture<DecisionAnswer> answer = client.decide(exchange.route().id(), opa.url(), key,
                () -> DecisionInput.body(facts, clock.instant()), opa.timeout(), opa.cacheTtl());
        if (answer.isDone()) {
            return answer.handle((a, error) -> decide(exchange, delegation, a, error));
        }
        // Resumed on the exchange's own loop, so that what a refusal in shadow mode records is attached there.
        return answer.handleAsync((a, error) -> decide(exchange, delegation, a, error), exchange.loop());
    }

    private Decision decide(Exchange exchange, Delegation delegation, @Nullable DecisionAnswer answer,
                            @Nullable Throwable error) {
        String routeId = exchange.route().id();
        String ruleId = routeId + ":opa";
        return switch (answer) {
            case DecisionAnswer.Allow allow -> {
                observer.checked(LookupObserver.Kind.OPA, routeId, LookupObserver.Result.ALLOW);
                yield Decision.proceed();
            }
            case DecisionAnswer.Deny deny -> settle(exchange, delegation, Decision.deny(ReasonCode.POLICY_DENIED,
                    "the decision point refused" + (deny.reason().isEmpty() ? "" : ": " + deny.reason()), ruleId),
                    LookupObserver.Result.DENY);
            case DecisionAnswer.Unavailable unavailable -> settle(exchange, delegation,
                    Decision.deny(ReasonCode.DECISION_POINT_UNAVAILABLE, "no decision: " + unavailable.why(), ruleId),
                    LookupObserver.Result.UNAVAILABLE);
            case null -> settle(exchange, delegation, Decision.deny(ReasonCode.DECISION_POINT_UNAVAILABLE,
                    "no decision: " + (error == null ? "no answer" : error.getClass().getSimpleName()), ruleId),
                    LookupObserver.Result.UNAVAILABLE);
        };
    }

    /** A refusal, or in shadow mode the record of one and the request going on. */
    private Decision settle(Exchange exchange, Delegation delegation, Decision.Deny deny, LookupObserver.Result result) {
        String routeId = exchange.route().id();
        if (!delegation.shadow()) {
            observer.checked(LookupObserver.Kind.OPA, routeId, result);
            return deny;
        }
        observer.checked(LookupObserver.Kind.OPA, routeId, LookupObserver.Result.WOULD_DENY);
        if (exchange.get(PolicyFacts.DECISION_POINT) == null) {
            exchange.put(PolicyFacts.DECISION_POINT, new PolicyFacts(List.of(Objects.requireNonNull(deny.ruleId()))));
        }
        return Decision.proceed();
    }
}
