package io.zerogate.policy;

import io.zerogate.chain.Decision;
import io.zerogate.chain.Exchange;
import io.zerogate.chain.ReasonCode;
import io.zerogate.chain.Stage;
import io.zerogate.config.CompiledRoute;
import io.zerogate.config.ConfigException;
import io.zerogate.config.GatewayConfig;
import io.zerogate.config.RouteConfig;
import io.zerogate.config.RoutePolicy;
import io.zerogate.policy.cel.Expression;
import io.zerogate.policy.cel.ExpressionException;
import java.net.URI;
import java.net.http.HttpClient;
import java.time.Clock;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.function.LongSupplier;
import org.jspecify.annotations.Nullable;

/**
 * Object-level authorization (OWASP API1, broken object level authorization): for a route with an {@code owner}
 * lookup, the owner service is asked who owns the object the path names, and the request goes on only when the
 * caller ({@code owner.subject}, {@code subject.id} by default) is among its owners. Anything else refuses: another
 * owner or no owner ({@link ReasonCode#OBJECT_NOT_OWNED}), a service that fails, is slow or answers nonsense
 * ({@link ReasonCode#OWNERSHIP_UNAVAILABLE}). Denials carry the rule id {@code route-id:owner}. In shadow mode
 * (the lookup's or the route policy's) a refusal is counted and recorded under {@link PolicyFacts#OWNER} instead.
 */
public final class OwnershipStage implements Stage {

    private static final CompletableFuture<Decision> PROCEED = CompletableFuture.completedFuture(Decision.proceed());

    private final Map<String, CompiledLookup> byRoute;
    private final OwnerSource directory;
    private final LookupObserver observer;

    private OwnershipStage(Map<String, CompiledLookup> byRoute, OwnerSource directory, LookupObserver observer) {
        this.byRoute = byRoute;
        this.directory = directory;
        this.observer = observer;
    }

    /**
     * Compiles the owner lookups of every route (each {@code subject} key expression is type-checked here, so a bad
     * one fails the configuration with its line).
     *
     * @param http  the client for owner services (redirects are not followed)
     * @param nanos the monotonic clock that times calls
     */
    public static OwnershipStage compile(GatewayConfig config, HttpClient http, Clock clock, LongSupplier nanos,
                                         LookupObserver observer) throws ConfigException {
        return compile(config, new OwnerDirectory(http, clock, observer, nanos), clock, observer);
    }

    /** Compiles the owner lookups of every route, answered by {@code owners}. */
    static OwnershipStage compile(GatewayConfig config, OwnerSource owners, Clock clock, LookupObserver observer)
            throws ConfigException {
        Map<String, CompiledLookup> byRoute = new HashMap<>();
        for (RouteConfig route : config.routes()) {
            RoutePolicy.OwnerLookup lookup = route.policy().owner();
            if (lookup == null) {
                continue;
            }
            Expression subject;
            try {
                subject = Expression.key(lookup.subject(), clock);
            } catch (ExpressionException e) {
                String column = e.column() > 0 ? " at column " + e.column() : "";
                throw new ConfigException(config.source(), lookup.line(), "route " + route.id() + ".owner.subject",
                        "invalid CEL key expression" + column + ": " + e.getMessage(), e);
            }
            OwnerUrl url;
            try {
                url = OwnerUrl.compile(lookup.url());
            } catch (IllegalArgumentException e) {
                throw new ConfigException(config.source(), lookup.line(), "route " + route.id() + ".owner.url",
                        e.getMessage(), e);
            }
            byRoute.put(route.id(), new CompiledLookup(url, subject, lookup, lookup.shadow() || route.policy().shadow()));
        }
        return new OwnershipStage(Map.copyOf(byRoute), owners, observer);
    }

    /** One route's lookup, ready to run. */
    private record CompiledLookup(OwnerUrl url, Expression subject, RoutePolicy.OwnerLookup config, boolean shadow) {}

    @Override
    public boolean actsOn(CompiledRoute route) {
        return byRoute.containsKey(route.config().id());
    }

    @Override
    public CompletionStage<Decision> evaluate(Exchange exchange) {
        CompiledLookup lookup = byRoute.get(exchange.route().id());
        if (lookup == null) {
            return PROCEED;
        }
        String routeId = exchange.route().id();
        String object = object(lookup, exchange.params());
        String caller;
        try {
            caller = lookup.subject().text(exchange);
        } catch (ExpressionException e) {
            return refuse(exchange, lookup, Decision.deny(ReasonCode.POLICY_ERROR, "owner.subject of route " + routeId
                    + ": " + e.getMessage(), ruleId(routeId)), LookupObserver.Result.DENY);
        }
        if (caller.isEmpty()) {
            return refuse(exchange, lookup, Decision.deny(ReasonCode.OBJECT_NOT_OWNED, "no caller identity to compare"
                    + " with the owner of " + object, ruleId(routeId)), LookupObserver.Result.DENY);
        }
        URI url;
        try {
            url = lookup.url().fill(exchange.params());
        } catch (IllegalArgumentException e) {
            return refuse(exchange, lookup, Decision.deny(ReasonCode.OBJECT_NOT_OWNED, e.getMessage(), ruleId(routeId)),
                    LookupObserver.Result.DENY);
        }
        CompletableFuture<OwnerAnswer> answer = directory.owners(routeId, url, lookup.config().timeout(),
                lookup.config().cacheTtl());
        if (answer.isDone()) {
            return answer.handle((a, error) -> decide(exchange, lookup, caller, object, a, error));
        }
        // Resumed on the exchange's own loop, so that what a refusal in shadow mode records is attached there.
        return answer.handleAsync((a, error) -> decide(exchange, lookup, caller, object, a, error), exchange.loop());
    }

    private Decision decide(Exchange exchange, CompiledLookup lookup, String caller, String object,
                            @Nullable OwnerAnswer answer, @Nullable Throwable error) {
        String ruleId = ruleId(exchange.route().id());
        return switch (answer) {
            case OwnerAnswer.Owners owners when owners.ids().contains(caller) -> {
                observer.checked(LookupObserver.Kind.OWNER, exchange.route().id(), LookupObserver.Result.ALLOW);
                yield Decision.proceed();
            }
            case OwnerAnswer.Owners owners -> settle(exchange, lookup, Decision.deny(ReasonCode.OBJECT_NOT_OWNED,
                    "caller " + DetailText.printable(caller) + " is not an owner of " + object, ruleId), LookupObserver.Result.DENY);
            case OwnerAnswer.NotFound notFound -> settle(exchange, lookup, Decision.deny(ReasonCode.OBJECT_NOT_OWNED,
                    "the owner service knows no owner of " + object + " (asked for caller " + DetailText.printable(caller) + ")", ruleId),
                    LookupObserver.Result.DENY);
            case OwnerAnswer.Unavailable unavailable -> settle(exchange, lookup,
                    Decision.deny(ReasonCode.OWNERSHIP_UNAVAILABLE, "the owner of " + object + " could not be checked: "
                            + unavailable.why(), ruleId), LookupObserver.Result.UNAVAILABLE);
            case null -> settle(exchange, lookup, Decision.deny(ReasonCode.OWNERSHIP_UNAVAILABLE, "the owner of "
                    + object + " could not be checked: " + (error == null ? "no answer" : error.getClass().getSimpleName()),
                    ruleId), LookupObserver.Result.UNAVAILABLE);
        };
    }

    private CompletionStage<Decision> refuse(Exchange exchange, CompiledLookup lookup, Decision.Deny deny,
                                             LookupObserver.Result result) {
        return CompletableFuture.completedFuture(settle(exchange, lookup, deny, result));
    }

    /** A refusal, or in shadow mode the record of one and the request going on. */
    private Decision settle(Exchange exchange, CompiledLookup lookup, Decision.Deny deny, LookupObserver.Result result) {
        String routeId = exchange.route().id();
        if (!lookup.shadow()) {
            observer.checked(LookupObserver.Kind.OWNER, routeId, result);
            return deny;
        }
        observer.checked(LookupObserver.Kind.OWNER, routeId, LookupObserver.Result.WOULD_DENY);
        if (exchange.get(PolicyFacts.OWNER) == null) {
            exchange.put(PolicyFacts.OWNER, new PolicyFacts(List.of(Objects.requireNonNull(deny.ruleId()))));
        }
        return Decision.proceed();
    }

    /** How details name the object: the path parameters the owner URL uses ({@code orderId=o-2}). */
    private static String object(CompiledLookup lookup, Map<String, String> params) {
        StringBuilder s = new StringBuilder();
        for (String name : lookup.url().parameters()) {
            if (!s.isEmpty()) {
                s.append(", ");
            }
            String value = params.get(name);
            s.append(name).append('=').append(value == null ? "(none)" : DetailText.printable(value));
        }
        return s.toString();
    }

    private static String ruleId(String routeId) {
        return routeId + ":owner";
    }
}
