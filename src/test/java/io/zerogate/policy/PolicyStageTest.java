package io.zerogate.policy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import io.zerogate.chain.ClientAddress;
import io.zerogate.chain.Decision;
import io.zerogate.chain.Exchange;
import io.zerogate.chain.ReasonCode;
import io.zerogate.chain.RequestHead;
import io.zerogate.config.CompiledRoute;
import io.zerogate.config.ConfigException;
import io.zerogate.config.ConfigLoader;
import io.zerogate.config.GatewayConfig;
import io.zerogate.config.RouteConfig;
import io.zerogate.identity.Authentication;
import io.zerogate.identity.Subject;
import io.zerogate.identity.TokenBinding;
import io.zerogate.testing.MutableClock;
import java.net.InetSocketAddress;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.Test;

class PolicyStageTest {

    private static final String HEAD = """
            version: 1
            listeners: [{ address: 127.0.0.1:0 }]
            services:
              orders: { targets: [http://127.0.0.1:9], tls: none }
            routes:
            """;

    private final MutableClock clock = new MutableClock(Instant.parse("2026-06-01T10:00:00Z"));
    private final RecordingObserver observer = new RecordingObserver();

    // --- enforcement ---

    @Test
    void aDenyRuleThatHoldsWinsOverAllowRules() throws Exception {
        PolicyStage stage = stage("""
                  - id: read-order
                    match: { path: "/users/{userId}/orders" }
                    service: orders
                    allow: 'true'
                    deny:
                      - { id: blocked, when: '"x-block" in request.headers' }
                """);

        Decision.Deny deny = denied(stage, exchange("read-order", alice(), Map.of("userId", "alice"), "x-block"));

        assertThat(deny.reason()).isEqualTo(ReasonCode.POLICY_DENIED);
        assertThat(deny.status()).isEqualTo(403);
        assertThat(deny.ruleId()).isEqualTo("read-order:blocked");
        assertThat(deny.detail()).isEqualTo("rule read-order:blocked holds");
        assertThat(observer.results("read-order", "blocked")).containsExactly(PolicyObserver.Result.DENY);
        assertThat(observer.results("read-order", "allow")).isEmpty();

        assertThat(decide(stage, exchange("read-order", alice(), Map.of("userId", "alice")))).isEqualTo(Decision.proceed());
        assertThat(observer.results("read-order", "blocked"))
                .containsExactly(PolicyObserver.Result.DENY, PolicyObserver.Result.ALLOW);
        assertThat(observer.results("read-order", "allow")).containsExactly(PolicyObserver.Result.ALLOW);
    }

    @Test
    void allowRulesRunInOrderAndTheFirstThatFailsDecides() throws Exception {
        PolicyStage stage = stage("""
                  - id: read-order
                    match: { path: "/users/{userId}/orders" }
                    service: orders
                    allow:
                      - { id: owner, when: 'params.userId == subject.id' }
                      - { id: scope, when: '"orders:read" in subject.scopes' }
                """);

        Decision.Deny other = denied(stage, exchange("read-order", alice(), Map.of("userId", "bob")));
        assertThat(other.reason()).isEqualTo(ReasonCode.POLICY_DENIED);
        assertThat(other.ruleId()).isEqualTo("read-order:owner");
        assertThat(other.detail()).isEqualTo("rule read-order:owner does not hold");
        assertThat(observer.results("read-order", "scope")).isEmpty();

        Subject noScope = subject("alice", Set.of(), Map.of());
        Decision.Deny own = denied(stage, exchange("read-order", noScope, Map.of("userId", "alice")));
        assertThat(own.ruleId()).isEqualTo("read-order:scope");
        assertThat(own.detail()).isEqualTo("rule read-order:scope does not hold");

        assertThat(decide(stage, exchange("read-order", alice(), Map.of("userId", "alice")))).isEqualTo(Decision.proceed());
        assertThat(observer.results("read-order", "owner")).containsExactly(PolicyObserver.Result.DENY,
                PolicyObserver.Result.ALLOW, PolicyObserver.Result.ALLOW);
    }

    @Test
    void theShortFormIsNamedAfterItsKind() throws Exception {
        PolicyStage stage = stage("""
                  - id: tenant
                    match: { path: "/tenants/{tenant}/items" }
                    service: orders
                    allow: 'params.tenant.startsWith(string(subject.claims.tenant) + "-")'
                """);
        Subject acme = subject("alice", Set.of(), Map.of("tenant", "acme"));

        assertThat(decide(stage, exchange("tenant", acme, Map.of("tenant", "acme-eu")))).isEqualTo(Decision.proceed());
        assertThat(denied(stage, exchange("tenant", acme, Map.of("tenant", "globex-eu"))).ruleId())
                .isEqualTo("tenant:allow");
    }

    @Test
    void aRuleThatFailsAtRunTimeRefusesWithPolicyError() throws Exception {
        PolicyStage stage = stage("""
                  - id: tenant
                    match: { path: /items }
                    service: orders
                    allow:
                      - { id: same-tenant, when: 'subject.claims.tenant == "acme"' }
                """);

        Decision.Deny deny = denied(stage, exchange("tenant", alice(), Map.of()));

        assertThat(deny.reason()).isEqualTo(ReasonCode.POLICY_ERROR);
        assertThat(deny.status()).isEqualTo(403);
        assertThat(deny.ruleId()).isEqualTo("tenant:same-tenant");
        assertThat(deny.detail()).startsWith("rule tenant:same-tenant could not be evaluated: ")
                .contains("tenant");
        assertThat(observer.results("tenant", "same-tenant")).containsExactly(PolicyObserver.Result.ERROR);
    }

    @Test
    void aRouteWithoutRulesIsLeftToTheOtherStages() throws Exception {
        PolicyStage stage = stage("""
                  - id: open
                    match: { path: /open }
                    service: orders
                    public: true
                """);
        Exchange exchange = exchange("open", null, Map.of());

        assertThat(decide(stage, exchange)).isEqualTo(Decision.proceed());
        assertThat(exchange.get(PolicyFacts.RULES)).isNull();
    }

    // --- shadow mode ---

    @Test
    void aShadowRuleIsCountedAndRecordedButNotEnforced() throws Exception {
        PolicyStage stage = stage("""
                  - id: read-order
                    match: { path: "/users/{userId}/orders" }
                    service: orders
                    allow:
                      - { id: owner, when: 'params.userId == subject.id' }
                      - { id: mfa, when: 'subject.mfa', mode: shadow }
                      - { id: device, when: 'device.compliant', mode: shadow }
                """);
        Exchange own = exchange("read-order", alice(), Map.of("userId", "alice"));

        assertThat(decide(stage, own)).isEqualTo(Decision.proceed());
        assertThat(own.get(PolicyFacts.RULES)).isEqualTo(new PolicyFacts(List.of("read-order:mfa", "read-order:device")));
        assertThat(observer.results("read-order", "mfa")).containsExactly(PolicyObserver.Result.WOULD_DENY);
        assertThat(observer.results("read-order", "device")).containsExactly(PolicyObserver.Result.WOULD_DENY);

        // The enforced rule still refuses; the shadow rules after it are not run.
        Exchange other = exchange("read-order", alice(), Map.of("userId", "bob"));
        assertThat(denied(stage, other).ruleId()).isEqualTo("read-order:owner");
        assertThat(other.get(PolicyFacts.RULES)).isNull();
        assertThat(observer.results("read-order", "mfa")).hasSize(1);
    }

    @Test
    void shadowRulesBeforeAnEnforcedRefusalAreStillRecorded() throws Exception {
        PolicyStage stage = stage("""
                  - id: read-order
                    match: { path: /orders }
                    service: orders
                    deny:
                      - { id: night, when: 'time_between(now, "22:00", "06:00", "Europe/Paris")', mode: shadow }
                    allow:
                      - { id: scope, when: '"orders:write" in subject.scopes' }
                """);
        clock.set(Instant.parse("2026-06-01T23:30:00Z"));
        Exchange exchange = exchange("read-order", alice(), Map.of());

        assertThat(denied(stage, exchange).ruleId()).isEqualTo("read-order:scope");
        assertThat(exchange.get(PolicyFacts.RULES)).isEqualTo(new PolicyFacts(List.of("read-order:night")));
    }

    @Test
    void aWholeRouteInShadowModeRefusesNothing() throws Exception {
        PolicyStage stage = stage("""
                  - id: read-order
                    match: { path: "/users/{userId}/orders" }
                    service: orders
                    policy_mode: shadow
                    deny:
                      - { id: blocked, when: '"x-block" in request.headers' }
                    allow:
                      - { id: owner, when: 'params.userId == subject.id' }
                      - { id: tenant, when: 'subject.claims.tenant == "acme"' }
                """);
        Exchange exchange = exchange("read-order", alice(), Map.of("userId", "bob"), "x-block");

        assertThat(decide(stage, exchange)).isEqualTo(Decision.proceed());
        assertThat(exchange.get(PolicyFacts.RULES).wouldDeny())
                .containsExactly("read-order:blocked", "read-order:owner", "read-order:tenant");
        assertThat(observer.results("read-order", "blocked")).containsExactly(PolicyObserver.Result.WOULD_DENY);
        assertThat(observer.results("read-order", "owner")).containsExactly(PolicyObserver.Result.WOULD_DENY);
        assertThat(observer.results("read-order", "tenant")).containsExactly(PolicyObserver.Result.ERROR);
    }

    // --- configuration errors ---

    @Test
    void aBadExpressionFailsTheConfigurationWithFileLineRouteAndRule() throws Exception {
        ConfigException e = refused("""
                  - id: read-order
                    match: { path: "/users/{userId}/orders" }
                    service: orders
                    allow:
                      - { id: scope, when: '"orders:read" in subject.scopes' }
                      - id: owner
                        when: 'params.userId == subject.idd'
                """);

        assertThat(e.line()).isEqualTo(12);
        assertThat(e.getMessage()).isEqualTo("gateway.yaml:12: route read-order, rule owner: invalid CEL expression at "
                + "column 25: undefined field 'idd'");
    }

    @Test
    void aTypeErrorOrAMisspeltVariableFailsTheConfiguration() throws Exception {
        ConfigException type = refused("""
                  - id: admin
                    match: { path: /admin }
                    service: orders
                    deny: 'device.managed == "yes"'
                """);
        assertThat(type.getMessage()).startsWith("gateway.yaml:9: route admin, rule deny: invalid CEL expression at "
                + "column 16: found no matching overload for '_==_' applied to '(bool, string)'");

        ConfigException variable = refused("""
                  - id: admin
                    match: { path: /admin }
                    service: orders
                    allow: 'devise.managed'
                """);
        assertThat(variable.getMessage()).isEqualTo("gateway.yaml:9: route admin, rule allow: invalid CEL expression at "
                + "column 1: undeclared reference to 'devise'");

        ConfigException notBool = refused("""
                  - id: admin
                    match: { path: /admin }
                    service: orders
                    allow: 'subject.id'
                """);
        assertThat(notBool.getMessage()).isEqualTo("gateway.yaml:9: route admin, rule allow: invalid CEL expression at "
                + "column 1: a condition must be a bool, but this expression is a string");

        ConfigException zone = refused("""
                  - id: admin
                    match: { path: /admin }
                    service: orders
                    allow: 'time_between(now, "08:00", "18:00", "Europe/Paname")'
                """);
        assertThat(zone.getMessage()).startsWith("gateway.yaml:9: route admin, rule allow: invalid CEL expression at "
                + "column 37: time_between: 'Europe/Paname' is not a time zone");
    }

    @Test
    void theShortFormsIdMayNotBeTakenByAnotherRule() {
        ConfigException e = refused("""
                  - id: admin
                    match: { path: /admin }
                    service: orders
                    allow:
                      - { id: deny, when: 'true' }
                    deny: 'false'
                """);
        assertThat(e.getMessage()).isEqualTo("gateway.yaml:11: routes[0].deny: the short form of deny is the rule "
                + "'deny', but a rule of that id is already on line 10 (expected: a list of rules with other ids)");
    }

    // --- fixtures ---

    private PolicyStage stage(String routes) throws ConfigException {
        return PolicyStage.compile(parse(routes), clock, observer);
    }

    private GatewayConfig config;

    private GatewayConfig parse(String routes) throws ConfigException {
        config = ConfigLoader.parse("gateway.yaml", HEAD + routes, Map.<String, String>of()::get);
        return config;
    }

    private ConfigException refused(String routes) {
        return catchThrowableOfType(ConfigException.class, () -> stage(routes));
    }

    private static Decision decide(PolicyStage stage, Exchange exchange) {
        return stage.evaluate(exchange).toCompletableFuture().join();
    }

    private static Decision.Deny denied(PolicyStage stage, Exchange exchange) {
        Decision d = decide(stage, exchange);
        assertThat(d).isInstanceOf(Decision.Deny.class);
        return (Decision.Deny) d;
    }

    private static Subject alice() {
        return subject("alice", Set.of("orders:read"), Map.of());
    }

    private static Subject subject(String id, Set<String> scopes, Map<String, Object> claims) {
        return new Subject(id, Subject.Kind.USER, "corp", scopes, Set.of(), claims, Authentication.NONE,
                TokenBinding.NONE);
    }

    private Exchange exchange(String routeId, @Nullable Subject subject, Map<String, String> params,
                              String... presentHeaders) {
        RouteConfig route = config.routes().stream().filter(r -> r.id().equals(routeId)).findFirst().orElseThrow();
        Set<String> present = Set.of(presentHeaders);
        RequestHead head = new RequestHead() {
            @Override public String method() { return "GET"; }
            @Override public String scheme() { return "https"; }
            @Override public String host() { return "api.example.com"; }
            @Override public String path() { return "/"; }
            @Override public String rawPath() { return "/"; }
            @Override public @Nullable String query() { return null; }
            @Override public @Nullable String header(String name) {
                return present.contains(name.toLowerCase(Locale.ROOT)) ? "1" : null;
            }
            @Override public List<String> headers(String name) {
                return present.contains(name.toLowerCase(Locale.ROOT)) ? List.of("1") : List.of();
            }
        };
        Exchange exchange = new Exchange("r1", "public", head, new ClientAddress(new InetSocketAddress("127.0.0.1", 1), null),
                new CompiledRoute(route, config.services().get(route.service())), params, 0);
        if (subject != null) {
            exchange.put(Subject.KEY, subject);
        }
        return exchange;
    }

    /** Remembers every outcome of every rule, in order. */
    private static final class RecordingObserver implements PolicyObserver {

        private final Map<String, List<Result>> results = new ConcurrentHashMap<>();

        @Override
        public RuleMeter rule(String routeId, String ruleId) {
            List<Result> list = results.computeIfAbsent(routeId + ":" + ruleId, k -> new ArrayList<>());
            return list::add;
        }

        List<Result> results(String routeId, String ruleId) {
            return results.getOrDefault(routeId + ":" + ruleId, List.of());
        }
    }
}
