package io.zerogate.config;

import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.jspecify.annotations.Nullable;

/**
 * Binds a route's policy keys: {@code allow}, {@code deny}, {@code owner}, {@code opa} and {@code policy_mode}. The
 * CEL sources are kept with their lines; the policy stage compiles and type-checks them when the snapshot is built.
 */
final class PolicyBinder {

    private static final Pattern RULE_ID = Pattern.compile("[A-Za-z0-9_.-]+");
    private static final Pattern PLACEHOLDER = Pattern.compile("\\{([^{}]*)}");
    private static final Duration DEFAULT_TIMEOUT = Duration.ofMillis(500);
    private static final Duration DEFAULT_OWNER_TTL = Duration.ofSeconds(30);
    private static final Duration DEFAULT_DECISION_TTL = Duration.ofSeconds(5);
    private static final Duration MAX_TTL = Duration.ofHours(1);
    private static final Pattern NO_CACHE = Pattern.compile("0(ms|s|m|h)?");

    private PolicyBinder() {}

    /**
     * The policy of one route.
     *
     * @param path the route's path template, whose parameters an owner URL may use
     */
    static RoutePolicy bind(ConfigMapping route, ConfigValue path) throws ConfigException {
        Map<String, Integer> ids = new HashMap<>();
        List<RoutePolicy.Rule> allow = rules(route.optional("allow"), "allow", ids);
        List<RoutePolicy.Rule> deny = rules(route.optional("deny"), "deny", ids);
        ConfigNode ownerNode = route.optional("owner");
        RoutePolicy.OwnerLookup owner = ownerNode == null ? null : owner(ownerNode, parameterNames(path));
        ConfigNode opaNode = route.optional("opa");
        RoutePolicy.DecisionPoint opa = opaNode == null ? null : decisionPoint(opaNode);
        boolean shadow = false;
        ConfigNode modeNode = route.optional("policy_mode");
        if (modeNode != null) {
            shadow = shadow(modeNode);
            if (allow.isEmpty() && deny.isEmpty() && owner == null && opa == null) {
                throw modeNode.error("policy_mode needs a policy (allow, deny, owner or opa) on the route");
            }
        }
        return new RoutePolicy(allow, deny, owner, opa, shadow);
    }

    private static List<String> parameterNames(ConfigValue path) throws ConfigException {
        try {
            return PathTemplate.parse(path.text()).parameterNames();
        } catch (IllegalArgumentException e) {
            throw path.error(e.getMessage());
        }
    }

    /** {@code allow: 'expression'} or a list of {@code { id, when, mode }}. */
    private static List<RoutePolicy.Rule> rules(@Nullable ConfigNode node, String kind, Map<String, Integer> ids)
            throws ConfigException {
        if (node == null) {
            return List.of();
        }
        if (node.isScalar()) {
            ConfigValue expression = node.string();
            checkExpression(expression);
            Integer first = ids.putIfAbsent(kind, node.line());
            if (first != null) {
                throw node.error("the short form of " + kind + " is the rule '" + kind + "', but a rule of that id is "
                        + "already on line " + first + " (expected: a list of rules with other ids)");
            }
            return List.of(new RoutePolicy.Rule(kind, expression.text(), false, node.line()));
        }
        List<ConfigNode> items = node.list();
        if (items.isEmpty()) {
            throw node.error("expected at least one rule (leave out " + kind + " for none)");
        }
        List<RoutePolicy.Rule> rules = new ArrayList<>();
        for (ConfigNode item : items) {
            ConfigMapping m = item.mapping("id", "when", "mode");
            ConfigValue id = m.required("id").string();
            if (!RULE_ID.matcher(id.text()).matches()) {
                throw id.error(id.shown() + " is not a valid rule id (expected letters, digits and _ . -)");
            }
            Integer first = ids.putIfAbsent(id.text(), item.line());
            if (first != null) {
                throw id.error("duplicate rule id " + id.shown() + " in this route (first on line " + first + ")");
            }
            ConfigNode when = m.required("when");
            ConfigValue expression = when.string();
            checkExpression(expression);
            ConfigNode mode = m.optional("mode");
            rules.add(new RoutePolicy.Rule(id.text(), expression.text(), mode != null && shadow(mode), when.line()));
        }
        return rules;
    }

    private static void checkExpression(ConfigValue expression) throws ConfigException {
        if (expression.text().isBlank()) {
            throw expression.error("expected a CEL expression, got an empty string");
        }
    }

    private static RoutePolicy.OwnerLookup owner(ConfigNode node, List<String> pathParameters) throws ConfigException {
        ConfigMapping m = node.mapping("url", "subject", "timeout", "cache_ttl", "mode");
        ConfigValue url = m.required("url").string();
        Matcher placeholders = PLACEHOLDER.matcher(url.text());
        int authorityEnd = authorityEnd(url.text());
        int count = 0;
        while (placeholders.find()) {
            String name = placeholders.group(1);
            if (placeholders.start() < authorityEnd) {
                // A request's path parameter must never choose which host the gateway calls.
                throw url.error("owner url has {" + name + "} before its path (expected placeholders only in the path"
                        + " or query, after scheme://host[:port]/)");
            }
            if (!pathParameters.contains(name)) {
                String known = pathParameters.isEmpty() ? "none" : String.join(", ", pathParameters);
                throw url.error("owner url uses {" + name + "}, which is not a path parameter of this route (known: "
                        + known + ")");
            }
            count++;
        }
        if (count == 0) {
            throw url.error("owner url names no path parameter (expected a {param} of the route's path, such as {orderId})");
        }
        // The template must be a valid URL once its parameters are filled in.
        IdentityBinder.fetchableUrl(new ConfigValue(PLACEHOLDER.matcher(url.text()).replaceAll("x"), url.referenced(),
                url.written(), url.at()));
        ConfigNode subjectNode = m.optional("subject");
        String subject = subjectNode == null ? "subject.id" : subjectNode.string().text();
        return new RoutePolicy.OwnerLookup(url.text(), subject, timeout(m), ttl(m, DEFAULT_OWNER_TTL),
                mode(m), node.line());
    }

    /** Where the path of {@code url} starts: after {@code scheme://authority}; the end when it has no path. */
    private static int authorityEnd(String url) {
        int scheme = url.indexOf("://");
        int from = scheme < 0 ? 0 : scheme + 3;
        for (int i = from; i < url.length(); i++) {
            char c = url.charAt(i);
            if (c == '/' || c == '?' || c == '#') {
                return i;
            }
        }
        return url.length();
    }

    private static RoutePolicy.DecisionPoint decisionPoint(ConfigNode node) throws ConfigException {
        ConfigMapping m = node.mapping("url", "timeout", "cache_ttl", "mode");
        URI url = IdentityBinder.fetchableUrl(m.required("url").string());
        return new RoutePolicy.DecisionPoint(url, timeout(m), ttl(m, DEFAULT_DECISION_TTL), mode(m), node.line());
    }

    private static Duration timeout(ConfigMapping m) throws ConfigException {
        Duration timeout = m.duration("timeout", DEFAULT_TIMEOUT);
        if (timeout.isZero() || timeout.compareTo(Duration.ofSeconds(30)) > 0) {
            throw m.required("timeout").error("timeout " + ConfigNode.format(timeout) + " (expected: 1ms..30s)");
        }
        return timeout;
    }

    private static Duration ttl(ConfigMapping m, Duration fallback) throws ConfigException {
        ConfigNode node = m.optional("cache_ttl");
        if (node != null && node.isScalar() && NO_CACHE.matcher(node.string().text()).matches()) {
            // Zero turns the cache off: every request asks.
            return Duration.ZERO;
        }
        Duration ttl = m.duration("cache_ttl", fallback);
        if (ttl.compareTo(MAX_TTL) > 0) {
            throw m.required("cache_ttl").error("cache_ttl " + ConfigNode.format(ttl) + " (expected: 0 for no cache, or at most 1h)");
        }
        return ttl;
    }

    private static boolean mode(ConfigMapping m) throws ConfigException {
        ConfigNode mode = m.optional("mode");
        return mode != null && shadow(mode);
    }

    private static boolean shadow(ConfigNode node) throws ConfigException {
        ConfigValue v = node.string();
        return switch (v.text()) {
            case "enforce" -> false;
            case "shadow" -> true;
            default -> throw v.error("unknown mode " + v.shown() + " (expected: enforce, shadow)");
        };
    }
}
