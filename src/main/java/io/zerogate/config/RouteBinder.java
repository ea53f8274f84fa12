package io.zerogate.config;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Pattern;

/** Binds the {@code routes} section, checking every route against the services already bound. */
final class RouteBinder {

    private static final Pattern ID = Pattern.compile("[A-Za-z0-9_.:-]+");
    // RFC 9110 token characters: what a method may be made of.
    private static final Pattern METHOD = Pattern.compile("[!#$%&'*+.^_`|~0-9A-Za-z-]+");

    private RouteBinder() {}

    static List<RouteConfig> bind(ConfigNode routes, Set<String> services) throws ConfigException {
        List<RouteConfig> out = new ArrayList<>();
        Map<String, Integer> firstLineById = new HashMap<>();
        for (ConfigNode item : routes.list()) {
            ConfigMapping m = item.mapping("id", "match", "service", "public", "require");
            ConfigValue id = m.required("id").string();
            if (!ID.matcher(id.text()).matches()) {
                throw id.error(id.shown() + " is not a valid route id (expected letters, digits and _ . : -)");
            }
            Integer first = firstLineById.putIfAbsent(id.text(), item.line());
            if (first != null) {
                throw id.error("duplicate route id " + id.shown() + " (first defined on line " + first + ")");
            }
            ConfigMapping match = m.required("match").mapping("host", "methods", "path");
            ConfigNode hostNode = match.optional("host");
            String host = hostNode == null ? null : AddressSyntax.routeHost(hostNode.string());
            ConfigNode methodsNode = match.optional("methods");
            Set<String> methods = methodsNode == null ? Set.of() : methods(methodsNode);
            ConfigValue path = match.required("path").string();
            if (!path.text().startsWith("/")) {
                throw path.error("expected a path starting with '/', got " + path.shown());
            }
            ConfigValue service = m.required("service").string();
            if (!services.contains(service.text())) {
                String known = services.isEmpty() ? "none" : String.join(", ", new TreeSet<>(services));
                throw service.error("unknown service " + service.shown() + " (known: " + known + ")");
            }
            ConfigNode publicNode = m.optional("public");
            boolean isPublic = publicNode != null && publicNode.bool();
            boolean clientCertificate = false;
            ConfigNode requireNode = m.optional("require");
            if (requireNode != null) {
                clientCertificate = requireNode.mapping("client_certificate").bool("client_certificate", false);
            }
            out.add(new RouteConfig(id.text(), host, methods, path.text(), service.text(), isPublic, RouteAuthentication.NONE,
                    clientCertificate ? new RouteRequirements(true, Set.of(), false, List.of(), null, RouteRequirements.BoundToken.NONE) : RouteRequirements.NONE,
                    item.line()));
        }
        return out;
    }

    private static Set<String> methods(ConfigNode node) throws ConfigException {
        List<ConfigNode> items = node.list();
        if (items.isEmpty()) {
            throw node.error("expected at least one method (leave out 'methods' to match any method)");
        }
        Set<String> methods = new LinkedHashSet<>();
        for (ConfigNode item : items) {
            ConfigValue value = item.string();
            if (!METHOD.matcher(value.text()).matches()) {
                throw value.error(value.shown() + " is not an HTTP method (expected a token such as GET or POST)");
            }
            if (!methods.add(value.text().toUpperCase(Locale.ROOT))) {
                throw value.error("duplicate method " + value.shown());
            }
        }
        return methods;
    }
}
