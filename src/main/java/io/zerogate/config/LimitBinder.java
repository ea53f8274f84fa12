package io.zerogate.config;

import java.time.DateTimeException;
import java.time.Duration;
import java.time.ZoneId;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.jspecify.annotations.Nullable;

/** Binds the {@code rate_limits} section and the {@code limits} of routes. */
final class LimitBinder {

    private static final Pattern ID = Pattern.compile("[A-Za-z0-9_.:-]{1,64}");
    private static final Pattern RATE = Pattern.compile("([0-9]{1,10})/([0-9]{0,9})(ms|s|m|h|d)");
    private static final Pattern QUOTA = Pattern.compile("([0-9]{1,10})/(day|week|month)");
    private static final Pattern HEADER_NAME = Pattern.compile("[!#$%&'*+.^_`|~0-9A-Za-z-]+");
    private static final Duration LONGEST = Duration.ofDays(400);
    private static final Duration DEFAULT_LEASE = Duration.ofMinutes(10);
    private static final String KEY_PARTS = "subject, client_id, api_key, client_ip, route, header:<name>, {cel: <expression>}";

    private LimitBinder() {}

    static RateLimitsConfig rateLimits(@Nullable ConfigNode node, Map<String, Integer> ids) throws ConfigException {
        if (node == null) {
            return RateLimitsConfig.DEFAULT;
        }
        ConfigMapping m = node.mapping("headers", "time_zone", "global");
        ZoneId zone = RateLimitsConfig.DEFAULT.timeZone();
        ConfigNode zoneNode = m.optional("time_zone");
        if (zoneNode != null) {
            ConfigValue v = zoneNode.string();
            try {
                zone = ZoneId.of(v.text());
            } catch (DateTimeException e) {
                throw v.error("unknown time zone " + v.shown() + " (expected a region such as Europe/Paris, or UTC)");
            }
        }
        List<LimitConfig> global = new ArrayList<>();
        ConfigNode globalNode = m.optional("global");
        if (globalNode != null) {
            for (ConfigNode item : globalNode.list()) {
                global.add(limit(item, null, global.size(), ids));
            }
        }
        return new RateLimitsConfig(m.bool("headers", true), zone, global);
    }

    /** A route's {@code limits}; ids default to {@code <route id>.<position>}. */
    static List<LimitConfig> routeLimits(ConfigNode node, String routeId, Map<String, Integer> ids) throws ConfigException {
        List<LimitConfig> out = new ArrayList<>();
        for (ConfigNode item : node.list()) {
            out.add(limit(item, routeId, out.size(), ids));
        }
        return out;
    }

    private static LimitConfig limit(ConfigNode node, @Nullable String routeId, int index, Map<String, Integer> ids)
            throws ConfigException {
        ConfigMapping m = node.mapping("id", "key", "rate", "algorithm", "burst", "concurrency", "lease", "quota",
                "ipv4_prefix", "ipv6_prefix", "when", "mode");
        String id;
        ConfigNode idNode = m.optional("id");
        if (idNode != null) {
            ConfigValue v = idNode.string();
            if (!ID.matcher(v.text()).matches()) {
                throw v.error(v.shown() + " is not a valid limit id (expected 1 to 64 letters, digits and _ . : -)");
            }
            id = v.text();
        } else if (routeId != null) {
            id = routeId + "." + (index + 1);
        } else {
            throw m.missing("id", "required key is missing (a global limit needs an id)");
        }
        Integer first = ids.putIfAbsent(id, node.line());
        if (first != null) {
            throw (idNode == null ? node : idNode).error("duplicate limit id '" + id + "' (first defined on line " + first + ")");
        }
        ConfigNode rate = m.optional("rate");
        ConfigNode concurrency = m.optional("concurrency");
        ConfigNode quota = m.optional("quota");
        int given = (rate == null ? 0 : 1) + (concurrency == null ? 0 : 1) + (quota == null ? 0 : 1);
        if (given != 1) {
            throw node.error("expected exactly one of rate, concurrency, quota");
        }
        LimitConfig.Algorithm algorithm;
        long limit;
        Duration period;
        long burst = 0;
        LimitConfig.CalendarPeriod calendar = null;
        if (rate != null) {
            ConfigValue v = rate.string();
            Matcher r = RATE.matcher(v.text());
            if (!r.matches()) {
                throw v.error("expected a rate like 100/1m, 10/s or 5000/1h (units: ms, s, m, h, d), got " + v.shown());
            }
            limit = count(v, r.group(1));
            period = period(v, r.group(2), r.group(3));
            algorithm = algorithm(m.optional("algorithm"));
            ConfigNode burstNode = m.optional("burst");
            if (algorithm == LimitConfig.Algorithm.GCRA) {
                burst = burstNode == null ? limit : burstNode.integer(1, Integer.MAX_VALUE);
            } else if (burstNode != null) {
                throw burstNode.error("burst is only used with algorithm: gcra (a window admits its whole limit at once)");
            }
            if (algorithm != LimitConfig.Algorithm.GCRA && period.toMillis() < 1) {
                throw v.error("a window must last at least 1ms, got " + v.shown());
            }
        } else if (concurrency != null) {
            algorithm = LimitConfig.Algorithm.CONCURRENCY;
            limit = concurrency.integer(1, Integer.MAX_VALUE);
            period = m.duration("lease", DEFAULT_LEASE);
        } else {
            ConfigValue v = quota.string();
            Matcher q = QUOTA.matcher(v.text());
            if (!q.matches()) {
                throw v.error("expected a quota like 10000/month (periods: day, week, month), got " + v.shown());
            }
            algorithm = LimitConfig.Algorithm.QUOTA;
            limit = count(v, q.group(1));
            calendar = LimitConfig.CalendarPeriod.valueOf(q.group(2).toUpperCase(Locale.ROOT));
            period = switch (calendar) {
                case DAY -> Duration.ofDays(1);
                case WEEK -> Duration.ofDays(7);
                case MONTH -> Duration.ofDays(31);
            };
        }
        onlyWith(m, "algorithm", rate != null, "rate");
        onlyWith(m, "burst", rate != null, "rate");
        onlyWith(m, "lease", concurrency != null, "concurrency");
        List<LimitConfig.KeyPart> key = key(m.optional("key"), m);
        LimitConfig.Condition when = condition(m.optional("when"));
        boolean shadow = false;
        ConfigNode modeNode = m.optional("mode");
        if (modeNode != null) {
            ConfigValue v = modeNode.string();
            shadow = switch (v.text()) {
                case "enforce" -> false;
                case "shadow" -> true;
                default -> throw v.error("unknown mode " + v.shown() + " (expected: enforce, shadow)");
            };
        }
        return new LimitConfig(id, key, algorithm, limit, period, burst, calendar, when, shadow, node.line());
    }

    private static void onlyWith(ConfigMapping m, String key, boolean present, String needed) throws ConfigException {
        ConfigNode n = m.optional(key);
        if (n != null && !present) {
            throw n.error(key + " is only used with " + needed);
        }
    }

    private static long count(ConfigValue v, String digits) throws ConfigException {
        long n = Long.parseLong(digits);
        if (n < 1 || n > Integer.MAX_VALUE) {
            throw v.error("expected a count in 1.." + Integer.MAX_VALUE + ", got " + v.shown());
        }
        return n;
    }

    private static Duration period(ConfigValue v, String amountText, String unit) throws ConfigException {
        long amount = amountText.isEmpty() ? 1 : Long.parseLong(amountText);
        if (amount == 0) {
            throw v.error("expected a period greater than 0, got " + v.shown());
        }
        Duration d = switch (unit) {
            case "ms" -> Duration.ofMillis(amount);
            case "s" -> Duration.ofSeconds(amount);
            case "m" -> Duration.ofMinutes(amount);
            case "h" -> Duration.ofHours(amount);
            default -> Duration.ofDays(amount);
        };
        if (d.compareTo(LONGEST) > 0) {
            throw v.error("expected a period of at most 400 days, got " + v.shown() + " (use a quota for calendar periods)");
        }
        return d;
    }

    private static LimitConfig.Algorithm algorithm(@Nullable ConfigNode node) throws ConfigException {
        if (node == null) {
            return LimitConfig.Algorithm.GCRA;
        }
        ConfigValue v = node.string();
        return switch (v.text()) {
            case "gcra" -> LimitConfig.Algorithm.GCRA;
            case "fixed_window" -> LimitConfig.Algorithm.FIXED_WINDOW;
            case "sliding_window" -> LimitConfig.Algorithm.SLIDING_WINDOW;
            default -> throw v.error("unknown algorithm " + v.shown() + " (expected: gcra, fixed_window, sliding_window)");
        };
    }

    private static List<LimitConfig.KeyPart> key(@Nullable ConfigNode node, ConfigMapping limit) throws ConfigException {
        List<ConfigNode> items = node == null ? List.of() : node.isScalar() || node.isMapping() ? List.of(node) : node.list();
        if (node != null && items.isEmpty()) {
            throw node.error("expected at least one key part (" + KEY_PARTS + "); leave out key to count all requests together");
        }
        List<LimitConfig.KeyPart> parts = new ArrayList<>();
        boolean ip = false;
        for (ConfigNode item : items) {
            LimitConfig.KeyPart part = keyPart(item, limit);
            if (parts.contains(part)) {
                throw item.error("duplicate key part");
            }
            ip |= part instanceof LimitConfig.KeyPart.ClientIp;
            parts.add(part);
        }
        if (!ip) {
            for (String prefix : List.of("ipv4_prefix", "ipv6_prefix")) {
                ConfigNode p = limit.optional(prefix);
                if (p != null) {
                    throw p.error(prefix + " is only used with the client_ip key part");
                }
            }
        }
        return parts;
    }

    private static LimitConfig.KeyPart keyPart(ConfigNode item, ConfigMapping limit) throws ConfigException {
        if (item.isMapping()) {
            ConfigMapping m = item.mapping("cel", "header");
            ConfigNode cel = m.optional("cel");
            ConfigNode header = m.optional("header");
            if ((cel == null) == (header == null)) {
                throw item.error("expected exactly one of cel, header");
            }
            return cel != null ? new LimitConfig.KeyPart.Expression(cel.string().text(), cel.line()) : header(header.string());
        }
        ConfigValue v = item.string();
        String text = v.text();
        if (text.startsWith("header:")) {
            return header(new ConfigValue(text.substring("header:".length()), v.referenced(), v.written(), item));
        }
        return switch (text) {
            case "subject" -> new LimitConfig.KeyPart.Subject();
            case "client_id" -> new LimitConfig.KeyPart.ClientId();
            case "api_key" -> new LimitConfig.KeyPart.ApiKey();
            case "route" -> new LimitConfig.KeyPart.Route();
            case "client_ip" -> new LimitConfig.KeyPart.ClientIp(limit.integer("ipv4_prefix", 8, 32, 32),
                    limit.integer("ipv6_prefix", 16, 128, 128));
            default -> throw v.error("unknown key part " + v.shown() + " (expected: " + KEY_PARTS + ")");
        };
    }

    private static LimitConfig.KeyPart header(ConfigValue v) throws ConfigException {
        if (!HEADER_NAME.matcher(v.text()).matches()) {
            throw v.error("expected a header name after header:, got " + v.shown());
        }
        return new LimitConfig.KeyPart.Header(v.text().toLowerCase(Locale.ROOT));
    }

    private static LimitConfig.Condition condition(@Nullable ConfigNode node) throws ConfigException {
        if (node == null) {
            return LimitConfig.Condition.ALWAYS;
        }
        if (node.isScalar()) {
            return new LimitConfig.Condition(Set.of(), null, node.string().text(), node.line());
        }
        ConfigMapping m = node.mapping("methods", "authenticated", "cel");
        Set<String> methods = new LinkedHashSet<>();
        ConfigNode methodsNode = m.optional("methods");
        if (methodsNode != null) {
            for (ConfigNode item : methodsNode.list()) {
                ConfigValue v = item.string();
                if (!HEADER_NAME.matcher(v.text()).matches() || !methods.add(v.text().toUpperCase(Locale.ROOT))) {
                    throw v.error(v.shown() + " is not a method, or is listed twice");
                }
            }
            if (methods.isEmpty()) {
                throw methodsNode.error("expected at least one method (leave out methods to match any)");
            }
        }
        ConfigNode authNode = m.optional("authenticated");
        ConfigNode cel = m.optional("cel");
        return new LimitConfig.Condition(methods, authNode == null ? null : authNode.bool(),
                cel == null ? null : cel.string().text(), cel == null ? 0 : cel.line());
    }
}
