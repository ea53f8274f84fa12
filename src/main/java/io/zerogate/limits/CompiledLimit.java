package io.zerogate.limits;

import io.zerogate.chain.Exchange;
import io.zerogate.config.LimitConfig;
import io.zerogate.identity.Subject;
import io.zerogate.policy.cel.Expression;
import io.zerogate.policy.cel.ExpressionException;
import io.zerogate.state.Charge;
import io.zerogate.state.Meter;
import java.time.Instant;
import java.time.ZoneId;
import java.util.function.Function;
import org.jspecify.annotations.Nullable;

/**
 * A configured limit ready for requests: its condition and key compiled, its meter built once (a quota's meter
 * once per calendar period), and its {@code RateLimit-Policy} item rendered.
 */
final class CompiledLimit {

    private final LimitConfig config;
    private final LimitKey key;
    private final @Nullable Expression condition;
    private final ZoneId zone;
    private final @Nullable Meter meter;
    private volatile @Nullable CurrentPeriod period;
    /** The policy item of a limit that is not a quota (a quota's changes with its period). */
    private final @Nullable String policyItem;
    /** Charges of recent callers, for limits that are not quotas. */
    private final RecentKeys<Charge> charges = new RecentKeys<>();
    /** Store keys of recent callers, without the period, for quotas. */
    private final RecentKeys<String> storeKeys = new RecentKeys<>();
    private final Function<String, String> newStoreKey = this::storeKey;
    private final Function<String, Charge> newCharge = this::newCharge;

    /** A quota's period and the meter that ends with it. */
    private record CurrentPeriod(QuotaPeriod period, Meter.Quota meter, String policyItem) {}

    CompiledLimit(LimitConfig config, LimitKey key, @Nullable Expression condition, ZoneId zone) {
        this.config = config;
        this.key = key;
        this.condition = condition;
        this.zone = zone;
        long periodMicros = config.period().toNanos() / 1000;
        this.meter = switch (config.algorithm()) {
            case GCRA -> new Meter.Gcra(config.limit(), periodMicros, config.burst());
            case FIXED_WINDOW -> new Meter.FixedWindow(config.limit(), periodMicros);
            case SLIDING_WINDOW -> new Meter.SlidingWindow(config.limit(), periodMicros);
            case CONCURRENCY -> new Meter.Concurrency(config.limit(), periodMicros);
            case QUOTA -> null;
        };
        String item = '"' + config.id() + "\";q=" + config.limit();
        this.policyItem = switch (config.algorithm()) {
            case QUOTA -> null;
            case CONCURRENCY -> item;
            default -> item + ";w=" + Math.max(1, config.period().toSeconds());
        };
    }

    String id() {
        return config.id();
    }

    LimitConfig config() {
        return config;
    }

    boolean enforced() {
        return !config.shadow();
    }

    /**
     * Whether the limit counts this request. A condition that cannot be evaluated counts it: an error never
     * lets a request escape a limit.
     */
    boolean appliesTo(Exchange exchange, @Nullable Subject subject) {
        LimitConfig.Condition when = config.when();
        if (!when.methods().isEmpty() && !when.methods().contains(exchange.request().method())) {
            return false;
        }
        if (when.authenticated() != null && when.authenticated() != (subject != null)) {
            return false;
        }
        if (condition != null) {
            try {
                return condition.test(exchange);
            } catch (ExpressionException | RuntimeException e) {
                return true;
            }
        }
        return true;
    }

    /** The charge of this request under this limit. */
    Charge charge(Exchange exchange, @Nullable Subject subject, Instant now) {
        return charge(new LimitKey.RequestSource(exchange, subject), now);
    }

    /** The charge of a request from {@code source} under this limit. */
    Charge charge(LimitKey.Source source, Instant now) {
        String text = key.text(source);
        Meter m = meter;
        if (m == null) {
            CurrentPeriod p = currentPeriod(now);
            return new Charge(storeKeys.get(text, newStoreKey) + ':' + p.period().label(), p.meter(), 1, enforced());
        }
        return charges.get(text, newCharge);
    }

    private Charge newCharge(String text) {
        return new Charge(storeKey(text), java.util.Objects.requireNonNull(meter, "meter"), 1, enforced());
    }

    /** The store key of a key text. The hash tag keeps every limit of one caller in one Redis Cluster slot. */
    private String storeKey(String text) {
        return "rl:{" + key.hash(text) + "}:" + config.id();
    }

    /** A quota's current period. */
    QuotaPeriod period(Instant now) {
        return currentPeriod(now).period();
    }

    /** The {@code RateLimit-Policy} item: name, quota and window. */
    String policyItem(Instant now) {
        String item = policyItem;
        return item != null ? item : currentPeriod(now).policyItem();
    }

    private CurrentPeriod currentPeriod(Instant now) {
        CurrentPeriod p = period;
        long nowMillis = now.toEpochMilli();
        if (p == null || nowMillis >= p.period().endEpochMillis() || nowMillis < p.period().startEpochMillis()) {
            QuotaPeriod qp = QuotaPeriod.containing(java.util.Objects.requireNonNull(config.calendar(), "calendar"), zone, now);
            p = new CurrentPeriod(qp, new Meter.Quota(config.limit(), qp.endEpochMillis()),
                    '"' + config.id() + "\";q=" + config.limit() + ";w=" + qp.seconds());
            period = p;
        }
        return p;
    }

    /**
     * The meter a node counts with on its own when the shared store cannot be reached: the limit divided among
     * the expected nodes (rounded up, at least 1), so that the cluster as a whole stays near the limit.
     */
    static Meter scaled(Meter m, int nodes) {
        if (nodes <= 1) {
            return m;
        }
        return switch (m) {
            case Meter.Gcra g -> new Meter.Gcra(share(g.limit(), nodes), g.periodMicros(), share(g.burst(), nodes));
            case Meter.FixedWindow f -> new Meter.FixedWindow(share(f.limit(), nodes), f.windowMicros());
            case Meter.SlidingWindow s -> new Meter.SlidingWindow(share(s.limit(), nodes), s.windowMicros());
            case Meter.Concurrency c -> new Meter.Concurrency(share(c.limit(), nodes), c.leaseMicros());
            case Meter.Quota q -> new Meter.Quota(share(q.limit(), nodes), q.periodEndEpochMillis());
        };
    }

    private static long share(long limit, int nodes) {
        return Math.max(1, (limit + nodes - 1) / nodes);
    }
}
