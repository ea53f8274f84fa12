package io.zerogate.config;

import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;
import io.zerogate.identity.SpiffeIdPattern;
import org.jspecify.annotations.Nullable;

/** Binds the {@code services} section: upstream targets, balancing, timeouts and health checking. */
final class ServiceBinder {

    static final Pattern NAME = Pattern.compile("[a-z0-9][a-z0-9_-]*");

    private static final Duration DEFAULT_CONNECT_TIMEOUT = Duration.ofSeconds(2);
    private static final Duration DEFAULT_RESPONSE_TIMEOUT = Duration.ofSeconds(30);
    private static final int DEFAULT_MAX_IDLE_CONNECTIONS = 64;
    private static final ServiceConfig.PassiveHealth DEFAULT_PASSIVE = new ServiceConfig.PassiveHealth(2, Duration.ofSeconds(10));
    private static final Duration DEFAULT_PROBE_INTERVAL = Duration.ofSeconds(5);
    private static final Duration DEFAULT_PROBE_TIMEOUT = Duration.ofSeconds(1);
    private static final int DEFAULT_PROBE_THRESHOLD = 2;

    private ServiceBinder() {}

    static Map<String, ServiceConfig> bind(ConfigNode services, WorkloadConfig workloads) throws ConfigException {
        Map<String, ServiceConfig> out = new LinkedHashMap<>();
        for (ConfigNode.Named entry : services.entries()) {
            if (!NAME.matcher(entry.key()).matches()) {
                throw entry.error("'" + entry.key() + "' is not a valid service name (expected [a-z0-9][a-z0-9_-]*)");
            }
            out.put(entry.key(), service(entry.key(), entry.value(), workloads));
        }
        return out;
    }

    private static ServiceConfig service(String name, ConfigNode node, WorkloadConfig workloads) throws ConfigException {
        ConfigMapping m = node.mapping("targets", "tls", "balance", "connect_timeout", "response_timeout",
                "max_idle_connections", "health", "callers");
        ConfigNode targetsNode = m.required("targets");
        List<TargetAddress> targets = targets(targetsNode);
        ConfigNode tlsNode = m.required("tls");
        UpstreamTls tls = TlsBinder.upstream(tlsNode);
        String scheme = tls instanceof UpstreamTls.Plain ? "http" : "https";
        for (int i = 0; i < targets.size(); i++) {
            if (!targets.get(i).scheme().equals(scheme)) {
                throw targetsNode.list().get(i).error(scheme.equals("http")
                        ? "an https:// target needs a tls mapping (ca, server_name or spiffe_id), not tls: none"
                        : "an http:// target sends plain text; say tls: none to allow that, or use https://");
            }
        }
        List<SpiffeIdPattern> callers = callers(m.optional("callers"), workloads);
        ServiceConfig.Balance balance = ServiceConfig.Balance.ROUND_ROBIN;
        ConfigNode balanceNode = m.optional("balance");
        if (balanceNode != null) {
            ConfigValue value = balanceNode.string();
            balance = switch (value.text()) {
                case "round_robin" -> ServiceConfig.Balance.ROUND_ROBIN;
                case "least_in_flight" -> ServiceConfig.Balance.LEAST_IN_FLIGHT;
                default -> throw value.error("unknown balance " + value.shown() + " (expected: round_robin, least_in_flight)");
            };
        }
        Duration connectTimeout = m.duration("connect_timeout", DEFAULT_CONNECT_TIMEOUT);
        Duration responseTimeout = m.duration("response_timeout", DEFAULT_RESPONSE_TIMEOUT);
        int maxIdle = m.integer("max_idle_connections", 0, Integer.MAX_VALUE, DEFAULT_MAX_IDLE_CONNECTIONS);
        ServiceConfig.PassiveHealth passive = DEFAULT_PASSIVE;
        ServiceConfig.@Nullable ActiveHealth active = null;
        ConfigNode healthNode = m.optional("health");
        if (healthNode != null) {
            ConfigMapping health = healthNode.mapping("passive", "active");
            ConfigNode passiveNode = health.optional("passive");
            if (passiveNode != null) {
                passive = passive(passiveNode);
            }
            ConfigNode activeNode = health.optional("active");
            if (activeNode != null) {
                active = active(activeNode);
            }
        }
        return new ServiceConfig(name, targets, balance, connectTimeout, responseTimeout, passive, active, maxIdle, tls,
                callers);
    }

    private static List<SpiffeIdPattern> callers(@Nullable ConfigNode node, WorkloadConfig workloads) throws ConfigException {
        if (node == null) {
            return List.of();
        }
        List<SpiffeIdPattern> out = new ArrayList<>();
        for (ConfigNode item : node.list()) {
            ConfigValue v = item.string();
            SpiffeIdPattern pattern;
            try {
                pattern = SpiffeIdPattern.parse(v.text());
            } catch (IllegalArgumentException e) {
                throw v.error(e.getMessage());
            }
            if (!workloads.trustDomains().contains(pattern.trustDomain())) {
                throw v.error("trust domain '" + pattern.trustDomain() + "' is not in workloads.trust_domains ("
                        + (workloads.trustDomains().isEmpty() ? "none configured" : String.join(", ", workloads.trustDomains())) + ")");
            }
            out.add(pattern);
        }
        if (out.isEmpty()) {
            throw node.error("expected at least one caller; leave callers out to allow any");
        }
        return out;
    }

    private static List<TargetAddress> targets(ConfigNode node) throws ConfigException {
        List<ConfigNode> items = node.list();
        if (items.isEmpty()) {
            throw node.error("expected at least one target");
        }
        List<TargetAddress> targets = new ArrayList<>(items.size());
        for (ConfigNode item : items) {
            ConfigValue value = item.string();
            TargetAddress target = AddressSyntax.target(value);
            int first = targets.indexOf(target);
            if (first >= 0) {
                throw value.error(value.shown() + " repeats " + YamlNode.indexPath(node.path(), first));
            }
            targets.add(target);
        }
        return targets;
    }

    private static ServiceConfig.PassiveHealth passive(ConfigNode node) throws ConfigException {
        ConfigMapping m = node.mapping("consecutive_failures", "cool_down");
        return new ServiceConfig.PassiveHealth(
                m.integer("consecutive_failures", 1, Integer.MAX_VALUE, DEFAULT_PASSIVE.consecutiveFailures()),
                m.duration("cool_down", DEFAULT_PASSIVE.coolDown()));
    }

    private static ServiceConfig.ActiveHealth active(ConfigNode node) throws ConfigException {
        ConfigMapping m = node.mapping("path", "interval", "timeout", "healthy_after", "unhealthy_after");
        ConfigValue path = m.required("path").string();
        if (!path.text().startsWith("/")) {
            throw path.error("expected a path starting with '/', got " + path.shown());
        }
        Duration interval = m.duration("interval", DEFAULT_PROBE_INTERVAL);
        Duration timeout = m.duration("timeout", DEFAULT_PROBE_TIMEOUT);
        ConfigNode timeoutNode = m.optional("timeout");
        if (timeout.compareTo(interval) >= 0) {
            // Without an explicit timeout the problem is the interval: point at whichever key was written.
            ConfigNode at = timeoutNode != null ? timeoutNode : m.required("interval");
            throw at.error("the probe timeout (" + ConfigNode.format(timeout) + ") must be shorter than the interval ("
                    + ConfigNode.format(interval) + ")");
        }
        return new ServiceConfig.ActiveHealth(path.text(), interval, timeout,
                m.integer("healthy_after", 1, Integer.MAX_VALUE, DEFAULT_PROBE_THRESHOLD),
                m.integer("unhealthy_after", 1, Integer.MAX_VALUE, DEFAULT_PROBE_THRESHOLD));
    }
}
