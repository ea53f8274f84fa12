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
    private static final Pattern QUERY_NAME = Pattern.compile("[A-Za-z0-9_.-]+");
    private static final Pattern ACR = Pattern.compile("[!#-\\[\\]-~]+");
    // RFC 9110 token characters: what a method may be made of.
    private static final Pattern METHOD = Pattern.compile("[!#$%&'*+.^_`|~0-9A-Za-z-]+");

    private RouteBinder() {}

    static List<RouteConfig> bind(ConfigNode routes, Set<String> services, IdentityConfig identity,
                                  Map<String, Integer> limitIds, Map<String, io.zerogate.network.CidrSet> networks)
            throws ConfigException {
        List<RouteConfig> out = new ArrayList<>();
        Map<String, Integer> firstLineById = new HashMap<>();
        for (ConfigNode item : routes.list()) {
            ConfigMapping m = item.mapping("id", "match", "service", "public", "authenticate", "require", "limits",
                    "allow", "deny", "owner", "opa", "policy_mode", "network");
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
            ConfigNode authNode = m.optional("authenticate");
            RouteAuthentication authenticate = authNode == null ? RouteAuthentication.NONE : authenticate(authNode, identity);
            if (isPublic && authenticate.required()) {
                throw publicNode.error("a public route does not authenticate its callers; remove public or authenticate");
            }
            ConfigNode requireNode = m.optional("require");
            RouteRequirements require = requireNode == null ? RouteRequirements.NONE : requirements(requireNode);
            if (require.needsCredential() && !authenticate.required()) {
                throw requireNode.error("these requirements are checked against a credential; the route needs authenticate");
            }
            ConfigNode limitsNode = m.optional("limits");
            List<LimitConfig> limits = limitsNode == null ? List.of() : LimitBinder.routeLimits(limitsNode, id.text(), limitIds);
            RoutePolicy policy = PolicyBinder.bind(m, path);
            if (isPublic && !policy.isEmpty()) {
                throw publicNode.error("a public route is open to anyone; remove public or the route's policy");
            }
            if (policy.owner() != null && !authenticate.required()) {
                throw m.required("owner").error("an ownership check compares the object's owner with the caller; the route needs authenticate");
            }
            out.add(new RouteConfig(id.text(), host, methods, path.text(), service.text(), isPublic, authenticate, require,
                    limits, item.line(), NetworkBinder.rules(m.optional("network"), networks), policy));
        }
        return out;
    }

    /** {@code authenticate: [corp, api_key]} or the long form with its options. */
    private static RouteAuthentication authenticate(ConfigNode node, IdentityConfig identity) throws ConfigException {
        ConfigNode methodsNode = node;
        boolean forward = false;
        String apiKeyQuery = null;
        if (!(node.isScalar()) && node.isMapping()) {
            ConfigMapping m = node.mapping("methods", "forward_credentials", "api_key_query");
            methodsNode = m.required("methods");
            forward = m.bool("forward_credentials", false);
            ConfigNode queryNode = m.optional("api_key_query");
            if (queryNode != null) {
                ConfigValue q = queryNode.string();
                if (!QUERY_NAME.matcher(q.text()).matches()) {
                    throw q.error(q.shown() + " is not a plain query parameter name (expected letters, digits and _ . -)");
                }
                apiKeyQuery = q.text();
            }
        }
        List<ConfigNode> items = methodsNode.list();
        if (items.isEmpty()) {
            throw methodsNode.error("expected at least one issuer name or api_key (leave out authenticate for none)");
        }
        List<String> methods = new ArrayList<>();
        String introspecting = null;
        for (ConfigNode item : items) {
            ConfigValue v = item.string();
            if (methods.contains(v.text())) {
                throw v.error("duplicate " + v.shown());
            }
            if (v.text().equals(IdentityConfig.API_KEY)) {
                if (identity.apiKeys() == null) {
                    throw v.error("api_key needs identity.api_keys to be configured");
                }
            } else {
                IssuerConfig issuer = identity.issuer(v.text());
                if (issuer == null) {
                    String known = identity.issuers().isEmpty() ? "none"
                            : String.join(", ", identity.issuers().stream().map(IssuerConfig::name).toList());
                    throw v.error("unknown issuer " + v.shown() + " (known: " + known + "; or api_key)");
                }
                if (issuer.introspection() != null) {
                    if (introspecting != null) {
                        throw v.error("issuers " + introspecting + " and " + v.text()
                                + " both introspect opaque tokens; a route may use only one of them");
                    }
                    introspecting = v.text();
                }
            }
            methods.add(v.text());
        }
        if (apiKeyQuery != null && !methods.contains(IdentityConfig.API_KEY)) {
            throw node.error("api_key_query needs api_key among the methods");
        }
        return new RouteAuthentication(methods, forward, apiKeyQuery);
    }

    private static RouteRequirements requirements(ConfigNode node) throws ConfigException {
        ConfigMapping m = node.mapping("client_certificate", "scopes", "roles", "mfa", "acr", "max_auth_age",
                "bound_token", "device");
        Set<String> scopes = names(m.optional("scopes"), "scope");
        Set<String> roles = names(m.optional("roles"), "role");
        List<String> acr = new ArrayList<>();
        ConfigNode acrNode = m.optional("acr");
        if (acrNode != null) {
            for (ConfigNode item : acrNode.list()) {
                ConfigValue v = item.string();
                if (!ACR.matcher(v.text()).matches()) {
                    // The value is echoed in a WWW-Authenticate challenge, inside a quoted string.
                    throw v.error(v.shown() + " is not a plain acr value (expected visible characters without quotes, backslashes or spaces)");
                }
                acr.add(v.text());
            }
        }
        ConfigNode ageNode = m.optional("max_auth_age");
        RouteRequirements.BoundToken bound = RouteRequirements.BoundToken.NONE;
        ConfigNode boundNode = m.optional("bound_token");
        if (boundNode != null) {
            ConfigValue v = boundNode.string();
            bound = switch (v.text()) {
                case "none" -> RouteRequirements.BoundToken.NONE;
                case "any" -> RouteRequirements.BoundToken.ANY;
                case "certificate" -> RouteRequirements.BoundToken.CERTIFICATE;
                case "dpop" -> RouteRequirements.BoundToken.DPOP;
                default -> throw v.error("unknown bound_token " + v.shown() + " (expected: none, any, certificate, dpop)");
            };
        }
        RouteRequirements.DeviceRequirement device = RouteRequirements.DeviceRequirement.NONE;
        ConfigNode deviceNode = m.optional("device");
        if (deviceNode != null) {
            ConfigValue v = deviceNode.string();
            device = switch (v.text()) {
                case "managed" -> RouteRequirements.DeviceRequirement.MANAGED;
                case "compliant" -> RouteRequirements.DeviceRequirement.COMPLIANT;
                default -> throw v.error("unknown device requirement " + v.shown() + " (expected: managed, compliant)");
            };
        }
        return new RouteRequirements(m.bool("client_certificate", false), scopes, m.bool("mfa", false), acr,
                ageNode == null ? null : ageNode.duration(), bound, roles, device);
    }

    /** A list of scope or role names, each without spaces. */
    private static Set<String> names(@org.jspecify.annotations.Nullable ConfigNode node, String what) throws ConfigException {
        Set<String> names = new LinkedHashSet<>();
        if (node == null) {
            return names;
        }
        for (ConfigNode item : node.list()) {
            ConfigValue v = item.string();
            if (v.text().isEmpty() || v.text().indexOf(' ') >= 0) {
                throw v.error(v.shown() + " is not a " + what + " name; list each " + what + " on its own, without spaces");
            }
            names.add(v.text());
        }
        return names;
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
