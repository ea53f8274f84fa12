package io.zerogate.config;

import java.nio.file.Path;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.jspecify.annotations.Nullable;

/** Reads a policy test table ({@link PolicyCases}) with the same YAML reader and precise errors as a configuration. */
public final class PolicyCasesLoader {

    private static final String DEFAULT_CLIENT = "192.0.2.10";

    private PolicyCasesLoader() {}

    /** Reads and checks a table; references ({@code ${env:…}}) are not resolved in tables. */
    public static PolicyCases load(Path file) throws ConfigException {
        String source = file.toString();
        byte[] bytes = ConfigLoader.read(file, source);
        String text = ConfigText.decode(bytes);
        if (text == null) {
            throw new ConfigException(source, 0, "", "the file is not valid UTF-8 text");
        }
        Path base = ConfigLoader.baseDirectory(file);
        YamlNode root = YamlTreeReader.read(source, text.startsWith("\uFEFF") ? text.substring(1) : text);
        if (root == null) {
            throw new ConfigException(source, 0, "", "the table is empty (expected a mapping with 'cases:')");
        }
        SourceDocument document = new SourceDocument(source, new ValueReferences(name -> null, base));
        ConfigMapping m = new ConfigNode(document, root, "").mapping("config", "cases");
        ConfigNode configNode = m.optional("config");
        Path config = configNode == null ? null : base.resolve(configNode.string().text()).normalize();
        List<ConfigNode> items = m.required("cases").list();
        if (items.isEmpty()) {
            throw m.required("cases").error("expected at least one case");
        }
        List<PolicyCases.Case> cases = new ArrayList<>();
        Map<String, Integer> names = new HashMap<>();
        for (ConfigNode item : items) {
            PolicyCases.Case c = testCase(item);
            Integer first = names.putIfAbsent(c.name(), c.line());
            if (first != null) {
                throw item.error("duplicate case name '" + c.name() + "' (first on line " + first + ")");
            }
            cases.add(c);
        }
        return new PolicyCases(source, config, cases);
    }

    private static PolicyCases.Case testCase(ConfigNode node) throws ConfigException {
        ConfigMapping m = node.mapping("name", "request", "subject", "device", "client", "now", "owner", "decision",
                "expect");
        String name = m.required("name").string().text();
        ConfigNode subject = m.optional("subject");
        ConfigNode device = m.optional("device");
        ConfigNode client = m.optional("client");
        ConfigNode now = m.optional("now");
        ConfigNode decision = m.optional("decision");
        return new PolicyCases.Case(name, node.line(), request(m.required("request")),
                subject == null ? null : subject(subject), device == null ? null : device(device),
                client == null ? DEFAULT_CLIENT : address(client),
                now == null ? null : instant(now), owner(m.optional("owner")),
                decision == null ? null : decision(decision), expect(m.required("expect")));
    }

    private static PolicyCases.Request request(ConfigNode node) throws ConfigException {
        ConfigMapping m = node.mapping("method", "host", "path", "query", "headers");
        ConfigNode method = m.optional("method");
        ConfigNode host = m.optional("host");
        ConfigValue path = m.required("path").string();
        if (!path.text().startsWith("/")) {
            throw path.error("expected a path starting with '/', got " + path.shown());
        }
        ConfigNode query = m.optional("query");
        Map<String, List<String>> headers = new LinkedHashMap<>();
        ConfigNode headersNode = m.optional("headers");
        if (headersNode != null) {
            for (ConfigNode.Named h : headersNode.entries()) {
                String value = h.value().string().text();
                headers.computeIfAbsent(h.key().toLowerCase(Locale.ROOT), k -> new ArrayList<>()).add(value);
            }
        }
        return new PolicyCases.Request(method == null ? "GET" : method.string().text().toUpperCase(Locale.ROOT),
                host == null ? "localhost" : host.string().text(), path.text(),
                query == null ? null : query.string().text(), headers);
    }

    private static PolicyCases.SubjectSpec subject(ConfigNode node) throws ConfigException {
        ConfigMapping m = node.mapping("id", "kind", "issuer", "scopes", "roles", "claims", "mfa", "amr", "acr",
                "auth_time", "binding");
        String kind = choice(m.optional("kind"), "user", "user", "workload", "api_key");
        ConfigNode issuer = m.optional("issuer");
        ConfigNode claimsNode = m.optional("claims");
        Map<String, Object> claims = new LinkedHashMap<>();
        if (claimsNode != null) {
            for (ConfigNode.Named claim : claimsNode.entries()) {
                claims.put(claim.key(), claim.value().plain());
            }
        }
        List<String> amr = strings(m.optional("amr"));
        ConfigNode mfa = m.optional("mfa");
        if (mfa != null) {
            if (!amr.isEmpty()) {
                throw mfa.error("give either mfa or amr, not both");
            }
            amr = mfa.bool() ? List.of("pwd", "otp") : List.of("pwd");
        }
        ConfigNode acr = m.optional("acr");
        ConfigNode authTime = m.optional("auth_time");
        return new PolicyCases.SubjectSpec(m.required("id").string().text(), kind,
                issuer == null ? null : issuer.string().text(), strings(m.optional("scopes")),
                strings(m.optional("roles")), claims, amr, acr == null ? null : acr.string().text(),
                authTime == null ? null : instant(authTime),
                choice(m.optional("binding"), "none", "none", "mtls", "dpop"));
    }

    private static PolicyCases.DeviceSpec device(ConfigNode node) throws ConfigException {
        ConfigMapping m = node.mapping("id", "user", "managed", "compliant", "disk_encrypted", "os", "os_version",
                "patch_level", "edr_running", "checked_at");
        ConfigNode user = m.optional("user");
        ConfigNode checkedAt = m.optional("checked_at");
        boolean compliant = m.bool("compliant", false);
        boolean managed = m.bool("managed", compliant);
        if (compliant && !managed) {
            throw m.required("managed").error("a compliant device is managed (set managed: true or leave it out)");
        }
        return new PolicyCases.DeviceSpec(m.required("id").string().text(), user == null ? null : user.string().text(),
                managed, compliant, m.bool("disk_encrypted", false), text(m.optional("os")),
                text(m.optional("os_version")), text(m.optional("patch_level")), m.bool("edr_running", false),
                checkedAt == null ? null : instant(checkedAt));
    }

    /** {@code owner: alice}, {@code owner: [alice, bob]}, or {@code owner: []} for an object nobody owns. */
    private static @Nullable List<String> owner(@Nullable ConfigNode node) throws ConfigException {
        if (node == null) {
            return null;
        }
        return node.isScalar() ? List.of(node.string().text()) : strings(node);
    }

    private static boolean decision(ConfigNode node) throws ConfigException {
        return choice(node, null, "allow", "deny").equals("allow");
    }

    /** {@code expect: allow}, {@code expect: deny}, or {@code expect: { deny: reason_code, rule: route:rule }}. */
    private static PolicyCases.Expect expect(ConfigNode node) throws ConfigException {
        if (node.isScalar()) {
            return new PolicyCases.Expect(choice(node, null, "allow", "deny").equals("allow"), null, null);
        }
        ConfigMapping m = node.mapping("deny", "rule");
        ConfigValue reason = m.required("deny").string();
        ConfigNode rule = m.optional("rule");
        return new PolicyCases.Expect(false, reason.text(), rule == null ? null : rule.string().text());
    }

    private static String address(ConfigNode node) throws ConfigException {
        ConfigValue v = node.string();
        if (!com.google.common.net.InetAddresses.isInetAddress(v.text())) {
            throw v.error(v.shown() + " is not an IP address (expected: 203.0.113.7 or 2001:db8::7)");
        }
        return v.text();
    }

    private static Instant instant(ConfigNode node) throws ConfigException {
        ConfigValue v = node.string();
        try {
            return Instant.parse(v.text());
        } catch (DateTimeParseException e) {
            throw v.error(v.shown() + " is not a UTC time (expected: 2026-11-24T09:30:00Z)");
        }
    }

    private static String choice(@Nullable ConfigNode node, @Nullable String fallback, String... allowed)
            throws ConfigException {
        if (node == null) {
            return java.util.Objects.requireNonNull(fallback);
        }
        ConfigValue v = node.string();
        for (String a : allowed) {
            if (a.equals(v.text())) {
                return a;
            }
        }
        throw v.error("unknown value " + v.shown() + " (expected: " + String.join(", ", allowed) + ")");
    }

    private static List<String> strings(@Nullable ConfigNode node) throws ConfigException {
        if (node == null) {
            return List.of();
        }
        List<String> out = new ArrayList<>();
        for (ConfigNode item : node.list()) {
            out.add(item.string().text());
        }
        return out;
    }

    private static String text(@Nullable ConfigNode node) throws ConfigException {
        return node == null ? "" : node.string().text();
    }
}
