package io.zerogate.limits;

import io.zerogate.chain.Decision;
import io.zerogate.chain.Exchange;
import io.zerogate.chain.ReasonCode;
import io.zerogate.chain.Stage;
import io.zerogate.config.CompiledRoute;
import io.zerogate.config.ConfigException;
import io.zerogate.config.GatewayConfig;
import io.zerogate.config.LimitConfig;
import io.zerogate.config.RouteConfig;
import io.zerogate.identity.Subject;
import io.zerogate.policy.cel.Expression;
import io.zerogate.policy.cel.ExpressionException;
import io.zerogate.state.Charge;
import io.zerogate.state.ChargeResult;
import io.zerogate.state.ChargeVerdict;
import io.zerogate.state.Meter;
import io.zerogate.state.SharedState;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.function.LongSupplier;
import org.jspecify.annotations.Nullable;

/**
 * The limits stage: every global limit and the route's own that apply to the request are charged in one call to
 * the state store (one atomic script in Redis). The request goes on when every enforced limit allows it; it is
 * refused with 429, {@code Retry-After} and the {@code RateLimit} fields otherwise, and nothing is consumed. Shadow
 * limits are counted and reported, never enforced. Concurrency leases are given back when the exchange ends.
 */
public final class LimitsStage implements Stage {

    private static final CompletableFuture<Decision> PROCEED = CompletableFuture.completedFuture(Decision.proceed());

    private final Map<String, List<CompiledLimit>> byRoute;
    private final List<CompiledLimit> global;
    private final LimitEnforcer enforcer;
    private final boolean headers;
    private final Clock clock;
    private final LimitObserver observer;
    private final QuotaReader quotas;

    private LimitsStage(Map<String, List<CompiledLimit>> byRoute, List<CompiledLimit> global, LimitEnforcer enforcer,
                        boolean headers, Clock clock, LimitObserver observer, QuotaReader quotas) {
        this.quotas = quotas;
        this.byRoute = byRoute;
        this.global = global;
        this.enforcer = enforcer;
        this.headers = headers;
        this.clock = clock;
        this.observer = observer;
    }

    /**
     * Compiles every limit of a configuration (conditions and key expressions are type-checked here, so a bad
     * expression fails the configuration with its line).
     *
     * @param nanos the monotonic clock of the pre-limiter and of store retries
     */
    public static LimitsStage compile(GatewayConfig config, SharedState state, Clock clock, LongSupplier nanos,
                                      LimitObserver observer) throws ConfigException {
        List<CompiledLimit> global = new ArrayList<>();
        for (LimitConfig limit : config.rateLimits().global()) {
            global.add(compile(config, limit));
        }
        Map<String, List<CompiledLimit>> byRoute = new HashMap<>();
        List<CompiledLimit> quotas = new ArrayList<>();
        for (CompiledLimit limit : global) {
            if (limit.config().algorithm() == LimitConfig.Algorithm.QUOTA) {
                quotas.add(limit);
            }
        }
        for (RouteConfig route : config.routes()) {
            List<CompiledLimit> all = new ArrayList<>(global);
            for (LimitConfig limit : route.limits()) {
                CompiledLimit compiled = compile(config, limit);
                all.add(compiled);
                if (limit.algorithm() == LimitConfig.Algorithm.QUOTA) {
                    quotas.add(compiled);
                }
            }
            if (!all.isEmpty()) {
                byRoute.put(route.id(), List.copyOf(all));
            }
        }
        return new LimitsStage(Map.copyOf(byRoute), List.copyOf(global), new LimitEnforcer(state, nanos, observer),
                config.rateLimits().headers(), clock, observer, new QuotaReader(List.copyOf(quotas), state.store(), clock));
    }

    private static CompiledLimit compile(GatewayConfig config, LimitConfig limit) throws ConfigException {
        List<@Nullable Expression> keyExpressions = new ArrayList<>();
        for (LimitConfig.KeyPart part : limit.key()) {
            if (part instanceof LimitConfig.KeyPart.Expression x) {
                try {
                    keyExpressions.add(Expression.key(x.source()));
                } catch (ExpressionException e) {
                    throw expressionError(config, x.line(), limit.id(), "key", e);
                }
            } else {
                keyExpressions.add(null);
            }
        }
        Expression condition = null;
        String when = limit.when().expression();
        if (when != null) {
            try {
                condition = Expression.condition(when);
            } catch (ExpressionException e) {
                throw expressionError(config, limit.when().expressionLine(), limit.id(), "when", e);
            }
        }
        try {
            return new CompiledLimit(limit, LimitKey.compile(limit.key(), keyExpressions), condition, config.rateLimits().timeZone());
        } catch (IllegalArgumentException e) {
            // A meter whose arithmetic would leave exact integers (an enormous burst over a long period).
            throw new ConfigException(config.source(), limit.line(), "limit " + limit.id(), e.getMessage(), e);
        }
    }

    private static ConfigException expressionError(GatewayConfig config, int line, String limitId, String where,
                                                   ExpressionException e) {
        String column = e.column() > 0 ? " at column " + e.column() : "";
        return new ConfigException(config.source(), line, "limit " + limitId + "." + where,
                "invalid CEL expression" + column + ": " + e.getMessage(), e);
    }

    /** Reads callers' remaining quotas for the admin API. */
    public QuotaReader quotas() {
        return quotas;
    }

    /** True while limits count on this node alone because the shared store failed. */
    public boolean degraded() {
        return enforcer.degraded();
    }

    @Override
    public boolean actsOn(CompiledRoute route) {
        return byRoute.containsKey(route.config().id()) || !global.isEmpty();
    }

    @Override
    public CompletionStage<Decision> evaluate(Exchange exchange) {
        List<CompiledLimit> limits = byRoute.get(exchange.route().id());
        if (limits == null) {
            limits = global;
            if (limits.isEmpty()) {
                return PROCEED;
            }
        }
        Subject subject = exchange.get(Subject.KEY);
        Instant now = clock.instant();
        List<CompiledLimit> counted = new ArrayList<>(limits.size());
        List<Charge> charges = new ArrayList<>(limits.size());
        for (CompiledLimit limit : limits) {
            if (limit.appliesTo(exchange, subject)) {
                counted.add(limit);
                charges.add(limit.charge(exchange, subject, now));
            }
        }
        if (charges.isEmpty()) {
            return PROCEED;
        }
        String leaseId = exchange.requestId();
        CompletableFuture<LimitEnforcer.Outcome> outcome = enforcer.charge(charges, leaseId, exchange.loop()).toCompletableFuture();
        if (outcome.isDone() && !outcome.isCompletedExceptionally()) {
            return CompletableFuture.completedFuture(decide(exchange, counted, outcome.join(), leaseId, now));
        }
        // The enforcer answers on the exchange's loop, so the decision is made there without another hop.
        return outcome.thenApply(o -> decide(exchange, counted, o, leaseId, now));
    }

    private Decision decide(Exchange exchange, List<CompiledLimit> limits, LimitEnforcer.Outcome outcome, String leaseId,
                            Instant now) {
        return switch (outcome) {
            case LimitEnforcer.Outcome.Counted c -> counted(exchange, limits, c, leaseId, now);
            case LimitEnforcer.Outcome.PreLimited p -> {
                CompiledLimit limit = limits.get(p.index());
                observer.checked(limit.id(), LimitObserver.Outcome.LIMITED);
                Decision.Deny deny = Decision.deny(reason(limit), "limit " + limit.id() + " refused this caller moments ago; refused on this node until "
                        + RateLimitFields.seconds(p.retryAfterMicros()) + "s have passed", limit.id())
                        .withHeader("Retry-After", Long.toString(Math.max(1, RateLimitFields.seconds(p.retryAfterMicros()))));
                if (headers && limit.config().algorithm() != LimitConfig.Algorithm.CONCURRENCY) {
                    deny = deny.withHeader(RateLimitFields.POLICY, limit.policyItem(now))
                            .withHeader(RateLimitFields.STATE, '"' + limit.id() + "\";r=0;t=" + RateLimitFields.seconds(p.retryAfterMicros()));
                }
                yield deny;
            }
            case LimitEnforcer.Outcome.Unavailable u -> Decision.deny(ReasonCode.STATE_UNAVAILABLE,
                    "limits could not be counted: " + u.cause()).withHeader("Retry-After", "1");
            case LimitEnforcer.Outcome.Uncounted u -> Decision.proceed();
        };
    }

    private Decision counted(Exchange exchange, List<CompiledLimit> limits, LimitEnforcer.Outcome.Counted c, String leaseId,
                             Instant now) {
        ChargeVerdict verdict = c.verdict();
        List<ChargeResult> results = verdict.results();
        if (results.size() != limits.size()) {
            return Decision.deny(ReasonCode.STAGE_ERROR, "the state store answered " + results.size() + " results for "
                    + limits.size() + " charges");
        }
        List<String> wouldLimit = List.of();
        CompiledLimit deciding = null;
        ChargeResult decidingResult = null;
        String tightest = null;
        long remaining = -1;
        for (int i = 0; i < results.size(); i++) {
            CompiledLimit limit = limits.get(i);
            ChargeResult r = results.get(i);
            if (!limit.enforced()) {
                if (!r.allowed()) {
                    if (wouldLimit.isEmpty()) {
                        wouldLimit = new ArrayList<>(2);
                    }
                    wouldLimit.add(limit.id());
                    observer.checked(limit.id(), LimitObserver.Outcome.WOULD_LIMIT);
                } else {
                    observer.checked(limit.id(), LimitObserver.Outcome.ALLOWED);
                }
                continue;
            }
            if (!r.allowed()) {
                observer.checked(limit.id(), LimitObserver.Outcome.LIMITED);
                if (deciding == null) {
                    deciding = limit;
                    decidingResult = r;
                }
            } else {
                observer.checked(limit.id(), LimitObserver.Outcome.ALLOWED);
                if (tightest == null || r.remaining() < remaining) {
                    tightest = limit.id();
                    remaining = r.remaining();
                }
            }
        }
        List<io.zerogate.chain.Decision.ResponseHeader> fields = headers ? RateLimitFields.of(limits, results, now) : List.of();
        if (!verdict.allowed()) {
            if (deciding == null) {
                return Decision.deny(ReasonCode.STAGE_ERROR, "the state store refused without an enforced limit refusing");
            }
            Decision.Deny deny = Decision.deny(reason(deciding), "limit " + deciding.id() + " ("
                            + deciding.config().algorithm().configName() + ", " + deciding.config().limit() + ") refused"
                            + (c.local() ? " (counted on this node alone)" : ""), deciding.id())
                    .withHeader("Retry-After", Long.toString(Math.max(1, RateLimitFields.seconds(decidingResult.retryAfterMicros()))));
            for (Decision.ResponseHeader h : fields) {
                deny = deny.withHeader(h.name(), h.value());
            }
            return deny;
        }
        for (Decision.ResponseHeader h : fields) {
            exchange.addResponseHeader(h.name(), h.value());
        }
        for (Charge charge : c.charges()) {
            if (charge.meter() instanceof Meter.Concurrency) {
                exchange.whenEnded(() -> enforcer.release(c, leaseId));
                break;
            }
        }
        exchange.put(LimitFacts.KEY, new LimitFacts(wouldLimit, tightest, remaining, c.local()));
        return Decision.proceed();
    }

    private static ReasonCode reason(CompiledLimit limit) {
        return switch (limit.config().algorithm()) {
            case QUOTA -> ReasonCode.QUOTA_EXCEEDED;
            case CONCURRENCY -> ReasonCode.CONCURRENCY_LIMITED;
            default -> ReasonCode.RATE_LIMITED;
        };
    }
}
