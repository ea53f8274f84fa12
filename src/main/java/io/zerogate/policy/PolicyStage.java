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
import java.time.Clock;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.jspecify.annotations.Nullable;

/**
 * A route's CEL rules ({@code deny:} and {@code allow:}). The deny rules run first, in order: the first that holds
 * refuses the request. Then the allow rules, in order: the first that does not hold refuses it. A rule that cannot be
 * evaluated refuses with {@link ReasonCode#POLICY_ERROR}, never lets the request through. Every refusal names the
 * rule as {@code route-id:rule-id}. A rule in shadow mode (its own {@code mode: shadow}, or its route's
 * {@code policy_mode: shadow}) is evaluated and counted, and when it would have refused (or could not be evaluated)
 * the request goes on with the rule listed in {@link PolicyFacts#RULES}.
 */
public final class PolicyStage implements Stage {

    private static final CompletableFuture<Decision> PROCEED = CompletableFuture.completedFuture(Decision.proceed());
    private static final Pattern PLACE = Pattern.compile("((?:line \\d+, )?column \\d+): ");

    /** The compiled rules of one route, in the order they run. */
    private record RouteRules(List<CompiledRule> deny, List<CompiledRule> allow) {}

    private final Map<String, RouteRules> byRoute;

    private PolicyStage(Map<String, RouteRules> byRoute) {
        this.byRoute = byRoute;
    }

    /**
     * Compiles and type-checks the rules of every route, so that a bad expression fails the configuration with its
     * file, line, route and rule.
     *
     * @param clock what {@code now} reads
     */
    public static PolicyStage compile(GatewayConfig config, Clock clock, PolicyObserver observer)
            throws ConfigException {
        Map<String, RouteRules> byRoute = new HashMap<>();
        for (RouteConfig route : config.routes()) {
            RoutePolicy policy = route.policy();
            if (policy.allow().isEmpty() && policy.deny().isEmpty()) {
                continue;
            }
            byRoute.put(route.id(), new RouteRules(compile(config, route, policy.deny(), clock, observer),
                    compile(config, route, policy.allow(), clock, observer)));
        }
        return new PolicyStage(Map.copyOf(byRoute));
    }

    private static List<CompiledRule> compile(GatewayConfig config, RouteConfig route, List<RoutePolicy.Rule> rules,
                                              Clock clock, PolicyObserver observer) throws ConfigException {
        List<CompiledRule> compiled = new ArrayList<>(rules.size());
        for (RoutePolicy.Rule rule : rules) {
            Expression expression;
            try {
                expression = Expression.condition(rule.expression(), clock);
            } catch (ExpressionException e) {
                throw new ConfigException(config.source(), rule.line(), "route " + route.id() + ", rule " + rule.id(),
                        "invalid CEL expression" + located(e), e);
            }
            compiled.add(new CompiledRule(route.id() + ":" + rule.id(), expression,
                    rule.shadow() || route.policy().shadow(), observer.rule(route.id(), rule.id())));
        }
        return List.copyOf(compiled);
    }

    /** " at column 5: what is wrong", with the place said once whether or not the message starts with it. */
    private static String located(ExpressionException e) {
        String message = e.getMessage();
        Matcher place = PLACE.matcher(message);
        if (place.lookingAt()) {
            return " at " + place.group(1) + ": " + message.substring(place.end());
        }
        return (e.column() > 0 ? " at column " + e.column() : "") + ": " + message;
    }

    @Override
    public boolean actsOn(CompiledRoute route) {
        return byRoute.containsKey(route.config().id());
    }

    @Override
    public CompletionStage<Decision> evaluate(Exchange exchange) {
        RouteRules rules = byRoute.get(exchange.route().id());
        if (rules == null) {
            return PROCEED;
        }
        List<String> wouldDeny = null;
        for (int pass = 0; pass < 2; pass++) {
            boolean denyRules = pass == 0;
            List<CompiledRule> list = denyRules ? rules.deny() : rules.allow();
            for (int i = 0; i < list.size(); i++) {
                CompiledRule rule = list.get(i);
                String refusal;
                ReasonCode reason;
                try {
                    boolean holds = rule.expression().test(exchange);
                    if (holds != denyRules) {
                        rule.meter().record(PolicyObserver.Result.ALLOW);
                        continue;
                    }
                    reason = ReasonCode.POLICY_DENIED;
                    refusal = "rule " + rule.id() + (denyRules ? " holds" : " does not hold");
                } catch (ExpressionException e) {
                    reason = ReasonCode.POLICY_ERROR;
                    refusal = "rule " + rule.id() + " could not be evaluated: " + e.getMessage();
                }
                if (!rule.shadow()) {
                    rule.meter().record(reason == ReasonCode.POLICY_ERROR ? PolicyObserver.Result.ERROR
                            : PolicyObserver.Result.DENY);
                    publish(exchange, wouldDeny);
                    return CompletableFuture.completedFuture(Decision.deny(reason, refusal, rule.id()));
                }
                rule.meter().record(reason == ReasonCode.POLICY_ERROR ? PolicyObserver.Result.ERROR
                        : PolicyObserver.Result.WOULD_DENY);
                if (wouldDeny == null) {
                    wouldDeny = new ArrayList<>(2);
                }
                wouldDeny.add(rule.id());
            }
        }
        publish(exchange, wouldDeny);
        return PROCEED;
    }

    /** Records the shadow rules that would have refused, for the audit record (also when another rule refused). */
    private static void publish(Exchange exchange, @Nullable List<String> wouldDeny) {
        if (wouldDeny != null) {
            exchange.put(PolicyFacts.RULES, new PolicyFacts(wouldDeny));
        }
    }
}
