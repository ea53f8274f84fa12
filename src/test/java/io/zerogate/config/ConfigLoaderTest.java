package io.zerogate.config;

import static org.assertj.core.api.Assertions.assertThat;

import io.zerogate.network.CidrSet;
import io.zerogate.identity.SpiffeIdPattern;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

class ConfigLoaderTest {

    private static final Map<String, String> ENV = Map.of("UPSTREAM", "http://10.1.2.3:8080", "IDLE", "7");

    /** A valid document of six lines, to which each test appends its own lines from line 7 on. */
    private static final String HEAD = """
            version: 1
            listeners: [{ address: 127.0.0.1:0 }]
            services:
              sample:
                tls: none
                targets: [http://127.0.0.1:9000]
            """;

    @Test
    void minimalDocumentGetsEveryDefault() throws Exception {
        GatewayConfig config = parse(HEAD + "routes: []\n");

        assertThat(config.source()).isEqualTo("gateway.yaml");
        assertThat(config.version()).isEqualTo(1);
        assertThat(config.listeners()).containsExactly(
                new ListenerConfig("listener-0", new InetSocketAddress(InetAddress.getByName("127.0.0.1"), 0), null));
        assertThat(config.admin()).isEqualTo(new AdminConfig(new InetSocketAddress(InetAddress.getByName("127.0.0.1"), 9901)));
        assertThat(config.trustedProxies().cidrs().isEmpty()).isTrue();
        assertThat(config.limits()).isEqualTo(new ServerLimits(8192, 16384, 100));
        assertThat(config.timeouts()).isEqualTo(new Timeouts(
                Duration.ofSeconds(10), Duration.ofSeconds(60), Duration.ofSeconds(2), Duration.ofSeconds(20)));
        assertThat(config.services()).containsOnlyKeys("sample");
        assertThat(config.services().get("sample")).isEqualTo(new ServiceConfig("sample",
                List.of(new TargetAddress("http", "127.0.0.1", 9000)), ServiceConfig.Balance.ROUND_ROBIN,
                Duration.ofSeconds(2), Duration.ofSeconds(30),
                new ServiceConfig.PassiveHealth(2, Duration.ofSeconds(10)), null, 64, new UpstreamTls.Plain(), List.of()));
        assertThat(config.routes()).isEmpty();
    }

    @Test
    void fullDocumentBindsEveryKey() throws Exception {
        GatewayConfig config = parse("""
                version: 1
                listeners:
                  - name: public
                    address: "*:8080"
                  - name: internal_v6
                    address: "[::1]:8081"
                admin:
                  enabled: true
                  address: localhost:9902
                trusted_proxies: [10.0.0.0/8, "2001:db8::/32", 192.168.1.1]
                workloads: { trust_domains: [example.org] }
                limits:
                  max_request_line: 4KiB
                  max_header_size: 32768
                  max_header_count: 50
                timeouts:
                  request_header: 500ms
                  idle: 2m
                  stage: 3s
                  shutdown_grace: 1h
                services:
                  orders:
                    targets: [http://10.0.1.5:8080, "http://[fd00::1]/", http://Orders.Internal]
                    tls: none
                    callers: ["spiffe://example.org/checkout", "spiffe://example.org/ns/shop/**"]
                    balance: least_in_flight
                    connect_timeout: 1s
                    response_timeout: 45s
                    max_idle_connections: 0
                    health:
                      passive: { consecutive_failures: 5, cool_down: 30s }
                      active: { path: /healthz, interval: 10s, timeout: 2s, healthy_after: 3, unhealthy_after: 4 }
                routes:
                  - id: read-order
                    match:
                      host: API.Example.com
                      methods: [get, HEAD]
                      path: /orders/{orderId}
                    service: orders
                    public: true
                  - id: "wild:2"
                    match: { host: "*.example.com", path: / }
                    service: orders
                    require: { client_certificate: true }
                """);

        assertThat(config.listeners()).containsExactly(
                new ListenerConfig("public", new InetSocketAddress(InetAddress.getByName("0.0.0.0"), 8080), null),
                new ListenerConfig("internal_v6", new InetSocketAddress(InetAddress.getByName("::1"), 8081), null));
        assertThat(config.admin().address()).isEqualTo(new InetSocketAddress(InetAddress.getByName("127.0.0.1"), 9902));
        assertThat(config.admin().address().isUnresolved()).isFalse();
        CidrSet proxies = config.trustedProxies().cidrs();
        assertThat(proxies.blocks()).containsExactly("10.0.0.0/8", "2001:db8::/32", "192.168.1.1");
        assertThat(proxies.contains(InetAddress.getByName("10.9.8.7"))).isTrue();
        assertThat(proxies.contains(InetAddress.getByName("192.168.1.2"))).isFalse();
        assertThat(config.limits()).isEqualTo(new ServerLimits(4096, 32768, 50));
        assertThat(config.timeouts()).isEqualTo(new Timeouts(
                Duration.ofMillis(500), Duration.ofMinutes(2), Duration.ofSeconds(3), Duration.ofHours(1)));
        assertThat(config.services().get("orders")).isEqualTo(new ServiceConfig("orders",
                List.of(new TargetAddress("http", "10.0.1.5", 8080), new TargetAddress("http", "fd00::1", 80),
                        new TargetAddress("http", "orders.internal", 80)),
                ServiceConfig.Balance.LEAST_IN_FLIGHT, Duration.ofSeconds(1), Duration.ofSeconds(45),
                new ServiceConfig.PassiveHealth(5, Duration.ofSeconds(30)),
                new ServiceConfig.ActiveHealth("/healthz", Duration.ofSeconds(10), Duration.ofSeconds(2), 3, 4), 0,
                new UpstreamTls.Plain(), List.of(SpiffeIdPattern.parse("spiffe://example.org/checkout"),
                        SpiffeIdPattern.parse("spiffe://example.org/ns/shop/**"))));
        assertThat(config.workloads().trustDomains()).containsExactly("example.org");
        assertThat(config.routes()).containsExactly(
                new RouteConfig("read-order", "api.example.com", Set.of("GET", "HEAD"), "/orders/{orderId}", "orders", true, RouteAuthentication.NONE, RouteRequirements.NONE, List.of(), 34),
                new RouteConfig("wild:2", "*.example.com", Set.of(), "/", "orders", false, RouteAuthentication.NONE, new RouteRequirements(true, Set.of(), false, List.of(), null, RouteRequirements.BoundToken.NONE), List.of(), 41));
    }

    @Test
    void adminCanBeDisabled() throws Exception {
        GatewayConfig config = parse(HEAD + """
                admin: { enabled: false }
                routes: []
                """);

        assertThat(config.admin().address()).isNull();
    }

    @Test
    void unknownKeyListsTheAllowedKeys() {
        ConfigException e = rejected(HEAD + """
                routes:
                  - id: hello
                    match:
                      paht: /hello
                    service: sample
                """);

        assertProblem(e, 10, "routes[0].match.paht", "unknown key 'paht' (allowed: host, methods, path)");
    }

    @Test
    void unknownTopLevelKeyIsRefused() {
        ConfigException e = rejected(HEAD + "routes: []\nlisteners_v2: []\n");

        assertProblem(e, 8, "listeners_v2", "unknown key 'listeners_v2' (allowed: version, listeners, admin, trusted_proxies, "
                + "workloads, identity, state, limits, rate_limits, audit, tracing, timeouts, services, routes, networks, network, posture)");
    }

    @Test
    void duplicateKeyNamesTheFirstOne() {
        ConfigException e = rejected(HEAD + """
                routes: []
                services: {}
                """);

        assertProblem(e, 8, "services", "duplicate key 'services' (first defined on line 3)");
    }

    @Test
    void duplicateKeyInANestedMapping() {
        ConfigException e = rejected(HEAD + """
                routes:
                  - id: hello
                    match: { path: /a, path: /b }
                    service: sample
                """);

        assertProblem(e, 9, "routes[0].match.path", "duplicate key 'path' (first defined on line 9)");
    }

    @Test
    void wrongTypeSaysWhatWasExpected() {
        assertProblem(rejected("""
                version: 1
                listeners: 127.0.0.1:8080
                """), 2, "listeners", "expected a list, got '127.0.0.1:8080'");
        assertProblem(rejected(HEAD + "routes:\n  hello: {}\n"), 8, "routes", "expected a list, got a mapping");
        assertProblem(rejected(HEAD + "routes: []\nlimits:\n"), 8, "limits", "expected a mapping, got an empty value");
        assertProblem(rejected(HEAD + "routes: []\nlimits: { max_header_count: many }\n"), 8,
                "limits.max_header_count", "expected an integer, got 'many'");
        assertProblem(rejected(HEAD + "routes: []\nlimits: { max_header_count: '100' }\n"), 8,
                "limits.max_header_count", "expected an integer, got the quoted string '100'");
        assertProblem(rejected(HEAD + "routes: []\nadmin: { enabled: yes }\n"), 8,
                "admin.enabled", "expected true or false, got 'yes'");
        assertProblem(rejected(HEAD + "routes:\n  - id: [a]\n"), 8, "routes[0].id", "expected a string, got a list");
    }

    @Test
    void badDurations() {
        assertProblem(rejected(HEAD + "routes: []\ntimeouts:\n  idle: 10\n"), 9, "timeouts.idle",
                "expected a duration like 500ms, 15s, 2m, got '10'");
        assertProblem(rejected(HEAD + "routes: []\ntimeouts:\n  stage: 1.5s\n"), 9, "timeouts.stage",
                "expected a duration like 500ms, 15s, 2m, got '1.5s'");
        assertProblem(rejected(HEAD + "routes: []\ntimeouts:\n  stage: 0ms\n"), 9, "timeouts.stage",
                "expected a duration greater than 0, got '0ms'");
    }

    @Test
    void badSizes() {
        assertProblem(rejected(HEAD + "routes: []\nlimits:\n  max_header_size: 16KB\n"), 9, "limits.max_header_size",
                "expected a size like 512, 8KiB, 1MiB (units: B, KiB, MiB, GiB), got '16KB'");
        assertProblem(rejected(HEAD + "routes: []\nlimits:\n  max_request_line: 2GiB\n"), 9, "limits.max_request_line",
                "expected a size of at most 2147483647 bytes, got '2GiB'");
        assertProblem(rejected(HEAD + "routes: []\nlimits:\n  max_header_size: 0\n"), 9, "limits.max_header_size",
                "expected a size greater than 0, got '0'");
    }

    @Test
    void badCidrPointsAtTheEntry() {
        ConfigException e = rejected(HEAD + """
                routes: []
                trusted_proxies:
                  - 10.0.0.0/8
                  - 10.0.0.0/33
                """);

        assertProblem(e, 10, "trusted_proxies[1]", "'10.0.0.0/33' has prefix length 33 (expected: 0..32)");
    }

    @Test
    void badTargets() {
        assertProblem(rejected(target("ftp://10.0.0.1")), 9, "services.web.targets[0]",
                "'ftp://10.0.0.1' is not an http:// or https:// URL (expected http://host[:port] or https://host[:port])");
        assertProblem(rejected(target("http://10.0.0.1/api")), 9, "services.web.targets[0]", "has a path, query or fragment");
        assertProblem(rejected(target("http://10.0.0.1?x=1")), 9, "services.web.targets[0]", "has a path, query or fragment");
        assertProblem(rejected(target("http://user:pw@10.0.0.1")), 9, "services.web.targets[0]", "has user info");
        assertProblem(rejected(target("http://10.0.0.1:0")), 9, "services.web.targets[0]", "has an invalid port");
        assertProblem(rejected(target("http://10.0.0.1:65536")), 9, "services.web.targets[0]", "has an invalid port");
        assertProblem(rejected(target("http://bad_host-.com")), 9, "services.web.targets[0]", "does not name a valid host");
        assertProblem(rejected(target("http://1.2.3")), 9, "services.web.targets[0]", "does not name a valid host");
        assertProblem(rejected(target("http://[::g]:80")), 9, "services.web.targets[0]", "does not name a valid host");
    }

    @Test
    void plainTextToAnUpstreamMustBeExplicit() {
        assertProblem(rejected(target("http://10.0.0.1")), 8, "services.web.tls", "required key is missing");
        assertProblem(rejected(HEAD + "  web:\n    targets: [https://10.0.0.1]\n    tls: none\nroutes: []\n"), 8,
                "services.web.targets[0]", "an https:// target needs a tls mapping");
        assertProblem(rejected(HEAD + "  web:\n    targets: [http://10.0.0.1]\n    tls: plain\nroutes: []\n"), 9,
                "services.web.tls", "expected 'none' or a mapping");
    }

    @Test
    void unknownServiceListsTheKnownOnes() {
        ConfigException e = rejected(HEAD.replace("services:\n", "services:\n  billing: { targets: [http://b], tls: none }\n") + """
                routes:
                  - id: hello
                    match: { path: /hello }
                    service: nope
                """);

        assertProblem(e, 11, "routes[0].service", "unknown service 'nope' (known: billing, sample)");
    }

    @Test
    void duplicateRouteIdNamesTheFirstRoute() {
        ConfigException e = rejected(HEAD + """
                routes:
                  - id: hello
                    match: { path: /a }
                    service: sample
                  - id: hello
                    match: { path: /b }
                    service: sample
                """);

        assertProblem(e, 11, "routes[1].id", "duplicate route id 'hello' (first defined on line 8)");
    }

    @Test
    void missingRequiredKeys() {
        assertProblem(rejected(HEAD + """
                routes:
                  - id: hello
                    match:
                      host: example.com
                    service: sample
                """), 10, "routes[0].match.path", "required key is missing");
        assertProblem(rejected("version: 1\nservices: {}\nroutes: []\n"), 1, "listeners", "required key is missing");
        assertProblem(rejected("listeners: []\n"), 1, "version", "required key is missing");
    }

    @Test
    void onlyVersionOneIsSupported() {
        assertProblem(rejected("version: 2\nanything: goes\n"), 1, "version", "unsupported version 2 (expected: 1)");
        assertProblem(rejected("version: v1\n"), 1, "version", "expected an integer, got 'v1'");
    }

    @Test
    void multipleDocumentsAreRefused() {
        ConfigException e = rejected(HEAD + "routes: []\n---\nversion: 1\n");

        assertThat(e.line()).isEqualTo(9);
        assertThat(e.problem()).contains("more than one YAML document");
    }

    @Test
    void deepNestingIsRefused() {
        String deep = "[".repeat(70) + "]".repeat(70);
        ConfigException e = rejected("version: 1\nlisteners: " + deep + "\n");

        assertThat(e.line()).isEqualTo(2);
        assertThat(e.keyPath()).startsWith("listeners[0][0][0]");
        assertThat(e.problem()).isEqualTo("nesting is deeper than 64 levels");
    }

    @Test
    void largeDocumentsAreRefused() {
        String padding = ("# " + "x".repeat(98) + "\n").repeat(10_500);
        ConfigException e = rejected(HEAD + "routes: []\n" + padding);

        assertThat(e.line()).isZero();
        assertThat(e.problem()).isEqualTo("the document is larger than 1 MiB");
    }

    @Test
    void anchorsAliasesAndTagsAreRefused() {
        assertProblem(rejected(HEAD + "routes: &r []\n"), 7, "routes", "YAML anchors (&r) are not supported");
        assertProblem(rejected("version: 1\nlisteners: [{ address: &a 127.0.0.1:0 }, { address: *a }]\n"), 2,
                "listeners[1].address", "YAML aliases (*a) are not supported");
        assertProblem(rejected(HEAD + "routes:\n  - id: *r\n"), 8, "routes[0].id", "YAML aliases (*r) are not supported");
        assertProblem(rejected(HEAD + "routes: !!seq []\n"), 7, "routes", "YAML tags (!!seq) are not supported");
    }

    @Test
    void yamlSyntaxErrorsCarryTheLine() {
        ConfigException e = rejected(HEAD + "routes: [\n  a: b\n");

        assertThat(e.line()).isPositive();
        assertThat(e.keyPath()).isEmpty();
        assertThat(e.problem()).startsWith("invalid YAML: ");
    }

    @Test
    void emptyDocumentIsRefused() {
        ConfigException e = rejected("# nothing here\n");

        assertThat(e.getMessage()).isEqualTo("gateway.yaml: the document is empty (expected a mapping starting with 'version: 1')");
    }

    @Test
    void listenAddresses() throws Exception {
        assertThat(parse(listener("localhost:0")).listeners().get(0).address())
                .isEqualTo(new InetSocketAddress(InetAddress.getByName("127.0.0.1"), 0));
        assertThat(parse(listener("0.0.0.0:80")).listeners().get(0).address().getAddress().isAnyLocalAddress()).isTrue();
        assertThat(parse(listener("'[::]:443'")).listeners().get(0).address().getAddress().isAnyLocalAddress()).isTrue();
        assertProblem(rejected(listener("example.com:80")), 2, "listeners[0].address", "'example.com:80' is not a valid listen address");
        assertProblem(rejected(listener("127.0.0.1:65536")), 2, "listeners[0].address", "is not a valid listen address");
        assertProblem(rejected(listener("127.0.0.1")), 2, "listeners[0].address", "'127.0.0.1' has no port");
        assertProblem(rejected(listener("'::1:80'")), 2, "listeners[0].address", "is not a valid listen address");
    }

    @Test
    void listenerNamesAreUnique() {
        ConfigException e = rejected(HEAD.replace("listeners: [{ address: 127.0.0.1:0 }]",
                "listeners: [{ name: listener-1, address: 127.0.0.1:0 }, { address: 127.0.0.1:0 }]") + "routes: []\n");

        assertProblem(e, 2, "listeners[1]", "duplicate listener name 'listener-1' (also used by listeners[0])");
    }

    @Test
    void routeMatchIsNormalisedAndChecked() {
        assertProblem(rejected(route("{ path: /a, methods: [GET, get] }")), 9, "routes[0].match.methods[1]", "duplicate method 'get'");
        assertProblem(rejected(route("{ path: /a, methods: [] }")), 9, "routes[0].match.methods", "expected at least one method");
        assertProblem(rejected(route("{ path: /a, methods: ['GET /'] }")), 9, "routes[0].match.methods[0]", "is not an HTTP method");
        assertProblem(rejected(route("{ path: /a, host: 'example.com:8080' }")), 9, "routes[0].match.host", "without a port");
        assertProblem(rejected(route("{ path: a }")), 9, "routes[0].match.path", "expected a path starting with '/', got 'a'");
    }

    @Test
    void serviceChecks() {
        assertProblem(rejected(HEAD.replace("  sample:", "  Sample:") + "routes: []\n"), 4, "services.Sample",
                "'Sample' is not a valid service name");
        assertProblem(rejected(HEAD.replace("[http://127.0.0.1:9000]", "[]") + "routes: []\n"), 6,
                "services.sample.targets", "expected at least one target");
        assertProblem(rejected(HEAD.replace("[http://127.0.0.1:9000]", "[http://a:80, http://a]") + "routes: []\n"), 6,
                "services.sample.targets[1]", "'http://a' repeats services.sample.targets[0]");
        assertProblem(rejected(HEAD + "    balance: random\nroutes: []\n"), 7, "services.sample.balance",
                "unknown balance 'random' (expected: round_robin, least_in_flight)");
        assertProblem(rejected(HEAD + "    health: { passive: { consecutive_failures: 0 } }\nroutes: []\n"), 7,
                "services.sample.health.passive.consecutive_failures", "expected an integer >= 1, got '0'");
        assertProblem(rejected(HEAD + "    health: { active: { path: /h, interval: 1s, timeout: 1s } }\nroutes: []\n"), 7,
                "services.sample.health.active.timeout", "the probe timeout (1s) must be shorter than the interval (1s)");
        assertProblem(rejected(HEAD + "    health: { active: { path: h } }\nroutes: []\n"), 7,
                "services.sample.health.active.path", "expected a path starting with '/', got 'h'");
    }

    @Test
    void environmentReferencesAreResolved() throws Exception {
        GatewayConfig config = parse(HEAD.replace("[http://127.0.0.1:9000]", "['${env:UPSTREAM}']") + """
                    max_idle_connections: ${env:IDLE}
                routes:
                  - id: "a-${env:IDLE}"
                    match: { path: "/cost/$${env:IDLE}" }
                    service: sample
                """);

        ServiceConfig sample = config.services().get("sample");
        assertThat(sample.targets()).containsExactly(new TargetAddress("http", "10.1.2.3", 8080));
        assertThat(sample.maxConnectionsPerTarget()).isEqualTo(7);
        assertThat(config.routes().get(0).id()).isEqualTo("a-7");
        assertThat(config.routes().get(0).path()).isEqualTo("/cost/${env:IDLE}");
    }

    @Test
    void unsetEnvironmentVariableIsNamed() {
        ConfigException e = rejected(HEAD.replace("[http://127.0.0.1:9000]", "['${env:MISSING}']") + "routes: []\n");

        assertProblem(e, 6, "services.sample.targets[0]", "${env:MISSING} is not set");
    }

    @Test
    void malformedReferencesAreRefused() {
        assertProblem(rejected(route("{ path: '/${env:A' }")), 9, "routes[0].match.path", "unterminated reference");
        assertProblem(rejected(route("{ path: '/${vault:x}' }")), 9, "routes[0].match.path", "unknown reference '${vault:x}'");
        assertProblem(rejected(route("{ path: '/${env:A-B}' }")), 9, "routes[0].match.path", "'${env:A-B}' is not a valid reference");
    }

    @Test
    void referencedValuesNeverAppearInMessages() {
        Map<String, String> env = Map.of("SECRET", "ftp://s3cr3t.example", "PORT", "s3cr3t", "CIDR", "s3cr3t/8");
        ConfigException target = rejected(HEAD.replace("[http://127.0.0.1:9000]", "['${env:SECRET}']") + "routes: []\n", env);
        ConfigException embedded = rejected(listener("'127.0.0.1:${env:PORT}'"), env);
        ConfigException integer = rejected(HEAD + "    max_idle_connections: ${env:PORT}\nroutes: []\n", env);
        ConfigException cidr = rejected(HEAD + "routes: []\ntrusted_proxies: ['${env:CIDR}']\n", env);

        assertProblem(target, 6, "services.sample.targets[0]", "the value of ${env:SECRET} is not an http:// or https:// URL");
        assertProblem(embedded, 2, "listeners[0].address", "the value of '127.0.0.1:${env:PORT}' is not a valid listen address");
        assertProblem(integer, 7, "services.sample.max_idle_connections", "got the value of ${env:PORT}");
        assertProblem(cidr, 8, "trusted_proxies[0]", "the value of ${env:CIDR} is not an IPv4 or IPv6 address or CIDR block");
        for (ConfigException e : List.of(target, embedded, integer, cidr)) {
            assertThat(e.getMessage()).doesNotContain("s3cr3t");
        }
    }

    static String target(String url) {
        return HEAD + "  web:\n    targets:\n      - " + url + "\nroutes: []\n";
    }

    static String listener(String address) {
        return HEAD.replace("127.0.0.1:0", address) + "routes: []\n";
    }

    static String route(String match) {
        return HEAD + "routes:\n  - id: r\n    match: " + match + "\n    service: sample\n";
    }

    static GatewayConfig parse(String yaml) throws ConfigException {
        return ConfigLoader.parse("gateway.yaml", yaml, ENV::get);
    }

    static ConfigException rejected(String yaml) {
        return rejected(yaml, ENV);
    }

    static ConfigException rejected(String yaml, Map<String, String> env) {
        try {
            ConfigLoader.parse("gateway.yaml", yaml, env::get);
        } catch (ConfigException e) {
            return e;
        }
        throw new AssertionError("expected the document to be refused:\n" + yaml);
    }

    static void assertProblem(ConfigException e, int line, String keyPath, String problemFragment) {
        assertThat(e.source()).isEqualTo("gateway.yaml");
        assertThat(e.line()).as("line of: %s", e.getMessage()).isEqualTo(line);
        assertThat(e.keyPath()).as("key path of: %s", e.getMessage()).isEqualTo(keyPath);
        assertThat(e.problem()).contains(problemFragment);
        assertThat(e.getMessage()).isEqualTo("gateway.yaml:" + line + ": " + keyPath + ": " + e.problem());
    }
}
