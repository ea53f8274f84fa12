package io.zerogate.config;

import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.Set;
import org.jspecify.annotations.Nullable;

/**
 * One rate limit, quota or concurrency limit, as configured globally or on a route.
 *
 * @param id       unique in the configuration; names the limit in {@code RateLimit} headers, metrics and the
 *                 store's keys (renaming a limit starts it afresh)
 * @param key      what the limit counts per: the parts are combined, so {@code [subject, route]} counts each
 *                 caller on each route separately; an empty list counts every request together
 * @param limit    requests per period (rate, window, quota) or requests in flight (concurrency)
 * @param period   the rate's period or the window's length; for concurrency, the longest a lease is held
 * @param burst    for GCRA, how many requests may arrive at once; otherwise 0
 * @param calendar for a quota, its calendar period; otherwise null
 * @param when     which requests the limit applies to
 * @param shadow   counted and reported, never refused
 * @param line     line of the limit in the configuration file
 */
public record LimitConfig(String id, List<KeyPart> key, Algorithm algorithm, long limit, Duration period, long burst,
                          @Nullable CalendarPeriod calendar, Condition when, boolean shadow, int line) {

    /** How the limit meters. */
    public enum Algorithm {
        GCRA, FIXED_WINDOW, SLIDING_WINDOW, CONCURRENCY, QUOTA;

        public String configName() {
            return name().toLowerCase(Locale.ROOT);
        }
    }

    /** The calendar periods a quota can cover, in the configured time zone. */
    public enum CalendarPeriod { DAY, WEEK, MONTH }

    public LimitConfig {
        Objects.requireNonNull(id, "id");
        key = List.copyOf(key);
        Objects.requireNonNull(algorithm, "algorithm");
        Objects.requireNonNull(period, "period");
        Objects.requireNonNull(when, "when");
        if ((algorithm == Algorithm.QUOTA) != (calendar != null)) {
            throw new IllegalArgumentException("calendar: " + calendar + " (expected one exactly for a quota)");
        }
    }

    /** One part of a limit's key. */
    public sealed interface KeyPart {

        /** The subject's id; without a subject, the client address. */
        record Subject() implements KeyPart {}

        /** The OAuth client (token {@code client_id} or {@code azp}); without one, the subject, then the address. */
        record ClientId() implements KeyPart {}

        /** The API key's id; without one, the client address. */
        record ApiKey() implements KeyPart {}

        /** The effective client address, cut to a network prefix (32 and 128 keep the whole address). */
        record ClientIp(int ipv4Prefix, int ipv6Prefix) implements KeyPart {}

        /** The route the request matched. */
        record Route() implements KeyPart {}

        /** A request header's value (name lower-case); absent headers share one key. */
        record Header(String name) implements KeyPart {}

        /** A CEL expression giving a string. */
        record Expression(String source, int line) implements KeyPart {}
    }

    /**
     * Which requests a limit applies to: all given tests must hold.
     *
     * @param methods       upper-case methods; empty for any
     * @param authenticated true: only callers with a subject; false: only anonymous ones; null: both
     * @param expression    a CEL condition, or null
     */
    public record Condition(Set<String> methods, @Nullable Boolean authenticated, @Nullable String expression,
                            int expressionLine) {

        public static final Condition ALWAYS = new Condition(Set.of(), null, null, 0);

        public Condition {
            methods = Set.copyOf(methods);
        }
    }
}
