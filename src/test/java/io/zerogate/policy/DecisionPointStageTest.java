package io.zerogate.policy;

import static io.zerogate.policy.PolicyExchanges.exchange;
import static io.zerogate.policy.PolicyExchanges.user;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.zerogate.chain.Decision;
import io.zerogate.chain.Exchange;
import io.zerogate.chain.ReasonCode;
import io.zerogate.config.GatewayConfig;
import io.zerogate.network.NetworkContext;
import io.zerogate.posture.Device;
import io.zerogate.testing.MutableClock;
import java.net.InetAddress;
import java.net.http.HttpClient;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The decision point stage against a fake OPA on loopback: the input document it posts, how each kind of answer
 * decides, what is cached (on a fake clock), and that every failure refuses.
 */
@Timeout(30)
class DecisionPointStageTest {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static HttpClient http;
    private FakePolicyService opa;

    @org.junit.jupiter.api.io.TempDir
    java.nio.file.Path dir;

    private final MutableClock clock = new MutableClock(Instant.parse("2026-11-24T10:00:00.123456Z"));
    private final AtomicLong nanos = new AtomicLong();
    private final PolicyExchanges.RecordingObserver observer = new PolicyExchanges.RecordingObserver();

    @BeforeAll
    static void startClient() {
        http = HttpClient.newBuilder().followRedirects(HttpClient.Redirect.NEVER).connectTimeout(Duration.ofSeconds(2)).build();
    }

    @AfterAll
    static void stopClient() {
        http.close();
    }

    @BeforeEach
    void startOpa() throws Exception {
        opa = FakePolicyService.start(r -> FakePolicyService.Answer.json(200, "{\"result\":true}"));
    }

    @AfterEach
    void stopOpa() {
        opa.close();
    }

    private GatewayConfig config(String opaExtra, String routeExtra) throws Exception {
        return PolicyExchanges.config("""
                identity:
                  issuers:
                    - name: corp
                      issuer: https://issuer.test
                      audiences: [orders-api]
                      jwks_uri: http://127.0.0.1:9/jwks
                  api_keys: { file: "%s/keys.jsonl", hash_key: "decision-point-test-hash-key-0123456789", header: X-Partner-Key }
                services:
                  orders:
                    targets: [http://127.0.0.1:9]
                    tls: none
                routes:
                  - id: orders
                    match: { methods: [GET], path: "/orders/{orderId}" }
                    service: orders
                    authenticate: [corp]
                %s
                    opa:
                      url: "%s/v1/data/zerogate/allow"
                      timeout: 1s
                %s
                """.formatted(dir, routeExtra, opa.base(), opaExtra));
    }

    private DecisionPointStage stage(GatewayConfig config) {
        return DecisionPointStage.compile(config, http, clock, nanos::get, observer);
    }

    private static Decision decide(DecisionPointStage stage, Exchange exchange) throws Exception {
        return stage.evaluate(exchange).toCompletableFuture().get(10, TimeUnit.SECONDS);
    }

    private static Exchange order(GatewayConfig config, String orderId, String caller) {
        return exchange(config, "orders", Map.of("orderId", orderId), user(caller), "/orders/" + orderId,
                "expand=items&debug", "Accept", "application/json", "X-Tenant", "acme", "x-tenant", "beta");
    }

    @Test
    void theInputCarriesTheRequestsFactsAndNoCredentials() throws Exception {
        GatewayConfig config = config("", "");
        Exchange exchange = exchange(config, "orders", Map.of("orderId", "o-1"), user("alice"), "/orders/o-1",
                "expand=items&a%20b=c%2Bd&expand=again", "Accept", "application/json", "Authorization", "Bearer secret-token",
                "Cookie", "session=secret-cookie", "DPoP", "secret-proof", "Proxy-Authorization", "Basic c2VjcmV0",
                "X-Partner-Key", "secret-api-key", "ZeroGate-Identity", "forged", "traceparent",
                "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01", "X-Tenant", "acme");
        exchange.put(Device.KEY, new Device("dev-1", "alice", true, true, true, "macOS", "15.1", "2026-11-01", true,
                Instant.parse("2026-11-24T09:55:00Z"), Device.Source.ATTESTATION));
        exchange.put(NetworkContext.KEY, new NetworkContext(InetAddress.getByName("203.0.113.7"),
                InetAddress.getByName("10.0.0.2"), List.of("office")));

        assertThat(decide(stage(config), exchange)).isEqualTo(Decision.proceed());

        FakePolicyService.Received posted = opa.next();
        assertThat(posted.method()).isEqualTo("POST");
        assertThat(posted.rawTarget()).isEqualTo("/v1/data/zerogate/allow");
        assertThat(posted.headers().get("content-type")).containsExactly("application/json");
        assertThat(posted.headers()).doesNotContainKey("authorization");
        assertThat(posted.body()).doesNotContain("secret");
        JsonNode input = JSON.readTree(posted.body()).get("input");
        assertThat(JSON.readTree(posted.body()).size()).isEqualTo(1);
        assertThat(input.get("subject")).isEqualTo(JSON.readTree("""
                {"id":"alice","kind":"user","issuer":"corp","scopes":["orders:read"],"roles":["clerk"],
                 "claims":{"tenant":"acme"},"mfa":true,"acr":"gold","auth_time":null,"authenticated":true}"""));
        assertThat(input.get("device")).isEqualTo(JSON.readTree("""
                {"id":"dev-1","user":"alice","managed":true,"compliant":true,"disk_encrypted":true,"os":"macOS",
                 "os_version":"15.1","patch_level":"2026-11-01","edr_running":true,"checked_at":"2026-11-24T09:55:00Z",
                 "source":"attestation"}"""));
        assertThat(input.get("network")).isEqualTo(JSON.readTree("""
                {"ip":"203.0.113.7","peer_ip":"10.0.0.2","networks":["office"]}"""));
        assertThat(input.get("request")).isEqualTo(JSON.readTree("""
                {"method":"GET","path":"/orders/o-1","host":"api.example.com",
                 "headers":{"accept":"application/json","x-tenant":"acme"},
                 "query":{"a b":"c+d","expand":"items"}}"""));
        assertThat(input.get("params")).isEqualTo(JSON.readTree("{\"orderId\":\"o-1\"}"));
        assertThat(input.get("route")).isEqualTo(JSON.readTree("{\"id\":\"orders\"}"));
        assertThat(input.get("service")).isEqualTo(JSON.readTree("{\"name\":\"orders\"}"));
        assertThat(input.get("now").textValue()).isEqualTo("2026-11-24T10:00:00.123Z");
        assertThat(input.size()).isEqualTo(8);
    }

    @Test
    void anAnonymousCallerWithoutDeviceOrNetworkFactsHasTheEmptyShape() throws Exception {
        GatewayConfig config = config("", "");

        decide(stage(config), exchange(config, "orders", Map.of("orderId", "o-1"), null, "/orders/o-1", null));

        JsonNode input = JSON.readTree(opa.next().body()).get("input");
        assertThat(input.get("subject").get("authenticated").booleanValue()).isFalse();
        assertThat(input.get("subject").get("id").textValue()).isEmpty();
        assertThat(input.get("device").isNull()).isTrue();
        assertThat(input.get("network")).isEqualTo(JSON.readTree("{\"ip\":\"127.0.0.1\",\"peer_ip\":\"127.0.0.1\",\"networks\":[]}"));
        assertThat(input.get("request").get("query")).isEqualTo(JSON.readTree("{}"));
    }

    @Test
    void eachShapeOfAnswerDecides() throws Exception {
        GatewayConfig config = config("      cache_ttl: 0s", "");
        DecisionPointStage stage = stage(config);
        Map<String, String> answers = new java.util.LinkedHashMap<>();
        answers.put("{\"result\":true}", "allow");
        answers.put("{\"result\":{\"allow\":true,\"reason\":\"ignored\"}}", "allow");
        answers.put("{\"result\":false}", "deny:the decision point refused");
        answers.put("{\"result\":{\"allow\":false,\"reason\":\"orders are read in office hours\"}}",
                "deny:the decision point refused: orders are read in office hours");
        answers.put("{\"result\":{\"allow\":false,\"reason\":\"line\\nbreak\"}}", "deny:the decision point refused: line\\x0abreak");
        answers.put("{}", "unavailable");
        answers.put("{\"result\":\"yes\"}", "unavailable");
        answers.put("{\"result\":{\"allowed\":true}}", "unavailable");
        answers.put("{\"result\":{\"allow\":\"true\"}}", "unavailable");
        answers.put("{\"result\":true,\"result\":false}", "unavailable");
        answers.put("true", "unavailable");
        answers.put("not json", "unavailable");
        answers.put("{\"result\":true,\"pad\":\"" + "x".repeat(20_000) + "\"}", "unavailable");
        for (Map.Entry<String, String> a : answers.entrySet()) {
            opa.script(r -> FakePolicyService.Answer.json(200, a.getKey()));
            Decision decision = decide(stage, order(config, "o-1", "alice"));
            String shown = a.getKey().substring(0, Math.min(60, a.getKey().length()));
            if (a.getValue().equals("allow")) {
                assertThat(decision).as(shown).isEqualTo(Decision.proceed());
                continue;
            }
            assertThat(decision).as(shown).isInstanceOfSatisfying(Decision.Deny.class, d -> {
                assertThat(d.ruleId()).isEqualTo("orders:opa");
                if (a.getValue().startsWith("deny:")) {
                    assertThat(d.reason()).isEqualTo(ReasonCode.POLICY_DENIED);
                    assertThat(d.status()).isEqualTo(403);
                    assertThat(d.detail()).isEqualTo(a.getValue().substring(5));
                } else {
                    assertThat(d.reason()).isEqualTo(ReasonCode.DECISION_POINT_UNAVAILABLE);
                    assertThat(d.status()).isEqualTo(503);
                }
            });
        }
    }

    @Test
    void errorStatusesAndRedirectsAreUnavailable() throws Exception {
        GatewayConfig config = config("", "");
        DecisionPointStage stage = stage(config);
        for (FakePolicyService.Answer answer : List.of(FakePolicyService.Answer.json(500, "{\"result\":true}"),
                FakePolicyService.Answer.json(404, "{}"),
                new FakePolicyService.Answer(307, "", Map.of("Location", opa.base() + "/v1/data/other")))) {
            opa.script(r -> answer);
            Decision.Deny deny = (Decision.Deny) decide(stage, order(config, "o-1", "alice"));
            assertThat(deny.reason()).as("status " + answer.status()).isEqualTo(ReasonCode.DECISION_POINT_UNAVAILABLE);
            assertThat(deny.detail()).contains("answered " + answer.status());
        }
        assertThat(observer.checks).containsOnly("opa orders unavailable");
    }

    @Test
    void aSlowDecisionPointRefusesWhenTheTimeoutEnds() throws Exception {
        GatewayConfig config = PolicyExchanges.config("""
                services:
                  orders: { targets: [http://127.0.0.1:9], tls: none }
                routes:
                  - id: orders
                    match: { path: "/orders/{orderId}" }
                    service: orders
                    authenticate: [corp]
                    opa: { url: "%s/v1/data/zerogate/allow", timeout: 200ms }
                """.formatted(opa.base()));
        opa.hold();

        Decision.Deny deny = (Decision.Deny) decide(stage(config), order(config, "o-1", "alice"));

        assertThat(deny.reason()).isEqualTo(ReasonCode.DECISION_POINT_UNAVAILABLE);
        assertThat(deny.ruleId()).isEqualTo("orders:opa");
    }

    @Test
    void decisionsAreCachedByInputAndNotByTime() throws Exception {
        GatewayConfig config = config("      cache_ttl: 5s", "");
        DecisionPointStage stage = stage(config);
        opa.script(r -> FakePolicyService.Answer.json(200, r.body().contains("\"id\":\"alice\"")
                ? "{\"result\":true}" : "{\"result\":{\"allow\":false,\"reason\":\"not alice\"}}"));

        assertThat(decide(stage, order(config, "o-1", "alice"))).isEqualTo(Decision.proceed());
        clock.advance(Duration.ofSeconds(2));
        assertThat(decide(stage, order(config, "o-1", "alice"))).isEqualTo(Decision.proceed());
        assertThat(((Decision.Deny) decide(stage, order(config, "o-1", "bob"))).reason()).isEqualTo(ReasonCode.POLICY_DENIED);
        assertThat(((Decision.Deny) decide(stage, order(config, "o-1", "bob"))).detail()).endsWith("not alice");
        assertThat(opa.calls()).isEqualTo(2);
        assertThat(observer.hits).containsExactly("opa orders", "opa orders");

        clock.advance(Duration.ofSeconds(3));
        assertThat(decide(stage, order(config, "o-1", "alice"))).isEqualTo(Decision.proceed());
        assertThat(opa.calls()).isEqualTo(3);
    }

    @Test
    void aZeroTimeToLiveCachesNothing() throws Exception {
        GatewayConfig config = config("      cache_ttl: 0s", "");
        DecisionPointStage stage = stage(config);

        decide(stage, order(config, "o-1", "alice"));
        decide(stage, order(config, "o-1", "alice"));

        assertThat(opa.calls()).isEqualTo(2);
        assertThat(observer.hits).isEmpty();
    }

    @Test
    void failuresAreNotCached() throws Exception {
        GatewayConfig config = config("      cache_ttl: 5s", "");
        DecisionPointStage stage = stage(config);
        opa.script(r -> FakePolicyService.Answer.json(503, ""));

        Decision.Deny down = (Decision.Deny) decide(stage, order(config, "o-1", "alice"));
        opa.script(r -> FakePolicyService.Answer.json(200, "{\"result\":true}"));
        Decision recovered = decide(stage, order(config, "o-1", "alice"));

        assertThat(down.reason()).isEqualTo(ReasonCode.DECISION_POINT_UNAVAILABLE);
        assertThat(recovered).isEqualTo(Decision.proceed());
        assertThat(opa.calls()).isEqualTo(2);
    }

    @Test
    void concurrentIdenticalRequestsShareOneCall() throws Exception {
        GatewayConfig config = config("      cache_ttl: 5s", "");
        DecisionPointStage stage = stage(config);
        opa.hold();

        CompletableFuture<Decision> first = stage.evaluate(order(config, "o-1", "alice")).toCompletableFuture();
        CompletableFuture<Decision> second = stage.evaluate(order(config, "o-1", "alice")).toCompletableFuture();
        assertThat(opa.next()).isNotNull();
        opa.open();

        assertThat(first.get(10, TimeUnit.SECONDS)).isEqualTo(Decision.proceed());
        assertThat(second.get(10, TimeUnit.SECONDS)).isEqualTo(Decision.proceed());
        assertThat(opa.calls()).isEqualTo(1);
    }

    @Test
    void aDecisionPointThatIsDownRefuses() throws Exception {
        GatewayConfig config = config("", "");
        DecisionPointStage stage = stage(config);
        opa.stop();

        Decision.Deny deny = (Decision.Deny) decide(stage, order(config, "o-1", "alice"));

        assertThat(deny.reason()).isEqualTo(ReasonCode.DECISION_POINT_UNAVAILABLE);
        assertThat(observer.checks).containsExactly("opa orders unavailable");
    }

    @Test
    void inShadowModeARefusalIsRecordedAndTheRequestGoesOn() throws Exception {
        for (GatewayConfig config : List.of(config("      mode: shadow", ""), config("", "    policy_mode: shadow"))) {
            observer.checks.clear();
            DecisionPointStage stage = stage(config);
            opa.script(r -> FakePolicyService.Answer.json(200, "{\"result\":false}"));
            Exchange refused = order(config, "o-1", "alice");
            assertThat(decide(stage, refused)).isEqualTo(Decision.proceed());
            assertThat(refused.get(PolicyFacts.DECISION_POINT)).isEqualTo(new PolicyFacts(List.of("orders:opa")));

            opa.script(r -> FakePolicyService.Answer.json(500, ""));
            Exchange undecided = order(config, "o-2", "alice");
            assertThat(decide(stage, undecided)).isEqualTo(Decision.proceed());
            assertThat(undecided.get(PolicyFacts.DECISION_POINT)).isEqualTo(new PolicyFacts(List.of("orders:opa")));

            opa.script(r -> FakePolicyService.Answer.json(200, "{\"result\":true}"));
            Exchange allowed = order(config, "o-3", "alice");
            assertThat(decide(stage, allowed)).isEqualTo(Decision.proceed());
            assertThat(allowed.get(PolicyFacts.DECISION_POINT)).isNull();
            assertThat(observer.checks).containsExactly("opa orders would_deny", "opa orders would_deny", "opa orders allow");
        }
    }
}
