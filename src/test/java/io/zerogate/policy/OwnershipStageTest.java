package io.zerogate.policy;

import static io.zerogate.policy.PolicyExchanges.exchange;
import static io.zerogate.policy.PolicyExchanges.user;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.zerogate.chain.Decision;
import io.zerogate.chain.Exchange;
import io.zerogate.chain.ReasonCode;
import io.zerogate.config.ConfigException;
import io.zerogate.config.GatewayConfig;
import io.zerogate.testing.MutableClock;
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
 * The ownership stage against an owner service on loopback: who may see which object, how the URL is built from
 * hostile path parameters, what is cached and for how long (on a fake clock), and that every failure refuses.
 */
@Timeout(30)
class OwnershipStageTest {

    private static HttpClient http;
    private FakePolicyService owners;

    private final MutableClock clock = new MutableClock(Instant.parse("2026-11-24T10:00:00Z"));
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
    void ownersOfOrders() throws Exception {
        owners = FakePolicyService.start(r -> switch (r.rawTarget()) {
            case "/owners/orders/o-1?kind=order" -> FakePolicyService.Answer.json(200, "{\"owner\":\"alice\"}");
            case "/owners/orders/o-2?kind=order" -> FakePolicyService.Answer.json(200, "{\"owner\":\"bob\"}");
            case "/owners/orders/shared?kind=order" -> FakePolicyService.Answer.json(200, "{\"owner\":[\"bob\",\"alice\"]}");
            default -> FakePolicyService.Answer.json(404, "");
        });
    }

    @AfterEach
    void stopOwners() {
        owners.close();
    }

    private GatewayConfig config(String ownerExtra, String routeExtra) throws Exception {
        return PolicyExchanges.config("""
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
                    owner:
                      url: "%s/owners/orders/{orderId}?kind=order"
                      timeout: 1s
                      cache_ttl: 30s
                %s
                """.formatted(routeExtra, owners.base(), ownerExtra));
    }

    private OwnershipStage stage(GatewayConfig config) throws ConfigException {
        return OwnershipStage.compile(config, http, clock, nanos::get, observer);
    }

    private static Decision decide(OwnershipStage stage, Exchange exchange) throws Exception {
        return stage.evaluate(exchange).toCompletableFuture().get(10, TimeUnit.SECONDS);
    }

    private static Exchange order(GatewayConfig config, String orderId, String caller) {
        return exchange(config, "orders", Map.of("orderId", orderId), caller == null ? null : user(caller),
                "/orders/" + orderId, null);
    }

    @Test
    void theOwnerGetsThrough() throws Exception {
        GatewayConfig config = config("", "");
        OwnershipStage stage = stage(config);

        assertThat(decide(stage, order(config, "o-1", "alice"))).isEqualTo(Decision.proceed());

        FakePolicyService.Received asked = owners.next();
        assertThat(asked.method()).isEqualTo("GET");
        assertThat(asked.rawTarget()).isEqualTo("/owners/orders/o-1?kind=order");
        assertThat(asked.headers()).doesNotContainKey("authorization");
        assertThat(observer.checks).containsExactly("owner orders allow");
        assertThat(observer.calls).containsExactly(LookupObserver.Kind.OWNER);
    }

    @Test
    void anotherUsersObjectIsRefused() throws Exception {
        GatewayConfig config = config("", "");

        Decision decision = decide(stage(config), order(config, "o-2", "alice"));

        assertThat(decision).isInstanceOfSatisfying(Decision.Deny.class, d -> {
            assertThat(d.reason()).isEqualTo(ReasonCode.OBJECT_NOT_OWNED);
            assertThat(d.status()).isEqualTo(403);
            assertThat(d.ruleId()).isEqualTo("orders:owner");
            assertThat(d.detail()).isEqualTo("caller alice is not an owner of orderId=o-2");
        });
        assertThat(observer.checks).containsExactly("owner orders deny");
    }

    @Test
    void aSharedObjectAdmitsEachOfItsOwners() throws Exception {
        GatewayConfig config = config("", "");
        OwnershipStage stage = stage(config);

        assertThat(decide(stage, order(config, "shared", "alice"))).isEqualTo(Decision.proceed());
        assertThat(decide(stage, order(config, "shared", "bob"))).isEqualTo(Decision.proceed());
        assertThat(((Decision.Deny) decide(stage, order(config, "shared", "carol"))).reason())
                .isEqualTo(ReasonCode.OBJECT_NOT_OWNED);
    }

    @Test
    void anUnknownObjectIsNotOwned() throws Exception {
        GatewayConfig config = config("", "");

        Decision.Deny deny = (Decision.Deny) decide(stage(config), order(config, "o-404", "alice"));

        assertThat(deny.reason()).isEqualTo(ReasonCode.OBJECT_NOT_OWNED);
        assertThat(deny.ruleId()).isEqualTo("orders:owner");
        assertThat(deny.detail()).contains("orderId=o-404").contains("alice");
    }

    @Test
    void pathParametersAreEncodedAsOneComponentAndCannotChangeTheUrl() throws Exception {
        GatewayConfig config = config("", "");
        OwnershipStage stage = stage(config);

        decide(stage, order(config, "o-1/../../admin?kind=user#x", "alice"));
        decide(stage, order(config, "ü 1+2&owner=alice", "alice"));

        assertThat(owners.next().rawTarget())
                .isEqualTo("/owners/orders/o-1%2F..%2F..%2Fadmin%3Fkind%3Duser%23x?kind=order");
        assertThat(owners.next().rawTarget()).isEqualTo("/owners/orders/%C3%BC%201%2B2%26owner%3Dalice?kind=order");
    }

    @Test
    void dotSegmentsAndEmptyParametersAreRefusedWithoutACall() throws Exception {
        GatewayConfig config = config("", "");
        OwnershipStage stage = stage(config);

        for (String id : List.of("..", ".", "")) {
            Decision.Deny deny = (Decision.Deny) decide(stage, order(config, id, "alice"));
            assertThat(deny.reason()).as(id).isEqualTo(ReasonCode.OBJECT_NOT_OWNED);
            assertThat(deny.ruleId()).isEqualTo("orders:owner");
        }
        assertThat(owners.calls()).isZero();
    }

    @Test
    void aCallerWithoutIdentityOwnsNothing() throws Exception {
        GatewayConfig config = config("", "");

        Decision.Deny deny = (Decision.Deny) decide(stage(config), order(config, "o-1", null));

        assertThat(deny.reason()).isEqualTo(ReasonCode.OBJECT_NOT_OWNED);
        assertThat(deny.detail()).contains("no caller identity");
        assertThat(owners.received()).isEmpty();
    }

    @Test
    void theCallerCanBeAnyKeyExpression() throws Exception {
        owners.script(r -> FakePolicyService.Answer.json(200, "{\"owner\":\"acme\"}"));
        GatewayConfig config = config("      subject: string(subject.claims.tenant)", "");
        OwnershipStage stage = stage(config);

        assertThat(decide(stage, order(config, "o-7", "alice"))).isEqualTo(Decision.proceed());
    }

    @Test
    void aFailingSubjectExpressionIsAPolicyError() throws Exception {
        GatewayConfig config = config("      subject: string(subject.claims.missing)", "");

        Decision.Deny deny = (Decision.Deny) decide(stage(config), order(config, "o-1", "alice"));

        assertThat(deny.reason()).isEqualTo(ReasonCode.POLICY_ERROR);
        assertThat(deny.ruleId()).isEqualTo("orders:owner");
        assertThat(owners.received()).isEmpty();
    }

    @Test
    void aBadSubjectExpressionFailsTheConfigurationWithItsLine() throws Exception {
        GatewayConfig config = config("      subject: subject.nope", "");

        assertThatThrownBy(() -> stage(config))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("route orders.owner.subject")
                .hasMessageContaining("invalid CEL key expression")
                .satisfies(e -> assertThat(((ConfigException) e).line()).isEqualTo(
                        config.routes().get(0).policy().owner().line()));
    }

    @Test
    void answersAreCachedForTheirTimeToLive() throws Exception {
        GatewayConfig config = config("", "");
        OwnershipStage stage = stage(config);

        assertThat(decide(stage, order(config, "o-1", "alice"))).isEqualTo(Decision.proceed());
        assertThat(((Decision.Deny) decide(stage, order(config, "o-1", "bob"))).reason())
                .isEqualTo(ReasonCode.OBJECT_NOT_OWNED);
        assertThat(owners.calls()).isEqualTo(1);
        assertThat(observer.hits).containsExactly("owner orders");

        clock.advance(Duration.ofSeconds(30));
        assertThat(decide(stage, order(config, "o-1", "alice"))).isEqualTo(Decision.proceed());
        assertThat(owners.calls()).isEqualTo(2);
    }

    @Test
    void failuresAndUnknownObjectsAreNotCached() throws Exception {
        GatewayConfig config = config("", "");
        OwnershipStage stage = stage(config);
        owners.script(r -> FakePolicyService.Answer.json(500, "{}"));

        Decision.Deny down = (Decision.Deny) decide(stage, order(config, "o-1", "alice"));
        owners.script(r -> FakePolicyService.Answer.json(404, ""));
        Decision.Deny unknown = (Decision.Deny) decide(stage, order(config, "o-1", "alice"));
        owners.script(r -> FakePolicyService.Answer.json(200, "{\"owner\":\"alice\"}"));
        Decision recovered = decide(stage, order(config, "o-1", "alice"));

        assertThat(down.reason()).isEqualTo(ReasonCode.OWNERSHIP_UNAVAILABLE);
        assertThat(down.status()).isEqualTo(503);
        assertThat(down.detail()).contains("answered 500");
        assertThat(unknown.reason()).isEqualTo(ReasonCode.OBJECT_NOT_OWNED);
        assertThat(recovered).isEqualTo(Decision.proceed());
        assertThat(owners.calls()).isEqualTo(3);
        assertThat(observer.checks).containsExactly("owner orders unavailable", "owner orders deny", "owner orders allow");
    }

    @Test
    void everyUnusableAnswerRefusesAsUnavailable() throws Exception {
        GatewayConfig config = config("", "");
        OwnershipStage stage = stage(config);
        List<FakePolicyService.Answer> answers = List.of(
                FakePolicyService.Answer.json(200, "not json"),
                FakePolicyService.Answer.json(200, "{\"owner\":42}"),
                FakePolicyService.Answer.json(200, "{\"owner\":\"\"}"),
                FakePolicyService.Answer.json(200, "{\"owner\":[\"alice\",7]}"),
                FakePolicyService.Answer.json(200, "{\"owner\":\"bob\",\"owner\":\"alice\"}"),
                FakePolicyService.Answer.json(200, "[\"alice\"]"),
                FakePolicyService.Answer.json(200, "{\"owner\":\"alice\",\"pad\":\"" + "x".repeat(20_000) + "\"}"),
                new FakePolicyService.Answer(302, "", Map.of("Location", owners.base() + "/owners/orders/o-1?kind=order")),
                FakePolicyService.Answer.json(401, "{\"owner\":\"alice\"}"));
        for (FakePolicyService.Answer answer : answers) {
            owners.script(r -> answer);
            Decision decision = decide(stage, order(config, "o-1", "alice"));
            assertThat(decision).as(answer.status() + " " + answer.body().substring(0, Math.min(40, answer.body().length())))
                    .isInstanceOfSatisfying(Decision.Deny.class, d -> {
                        assertThat(d.reason()).isEqualTo(ReasonCode.OWNERSHIP_UNAVAILABLE);
                        assertThat(d.ruleId()).isEqualTo("orders:owner");
                    });
        }
    }

    @Test
    void aSlowOwnerServiceRefusesWhenTheTimeoutEnds() throws Exception {
        GatewayConfig config = slowConfig();
        OwnershipStage stage = stage(config);
        owners.hold();

        Decision.Deny deny = (Decision.Deny) decide(stage, order(config, "o-1", "alice"));

        assertThat(deny.reason()).isEqualTo(ReasonCode.OWNERSHIP_UNAVAILABLE);
        assertThat(deny.ruleId()).isEqualTo("orders:owner");
    }

    private GatewayConfig slowConfig() throws Exception {
        return PolicyExchanges.config("""
                services:
                  orders: { targets: [http://127.0.0.1:9], tls: none }
                routes:
                  - id: orders
                    match: { methods: [GET], path: "/orders/{orderId}" }
                    service: orders
                    authenticate: [corp]
                    owner: { url: "%s/owners/orders/{orderId}?kind=order", timeout: 200ms }
                """.formatted(owners.base()));
    }

    @Test
    void aServiceThatIsDownRefuses() throws Exception {
        try (FakePolicyService gone = FakePolicyService.start(r -> FakePolicyService.Answer.json(200, "{\"owner\":\"alice\"}"))) {
            String base = gone.base();
            gone.stop();
            GatewayConfig config = PolicyExchanges.config("""
                    services:
                      orders: { targets: [http://127.0.0.1:9], tls: none }
                    routes:
                      - id: orders
                        match: { methods: [GET], path: "/orders/{orderId}" }
                        service: orders
                        authenticate: [corp]
                        owner: { url: "%s/owners/{orderId}" }
                    """.formatted(base));

            Decision.Deny deny = (Decision.Deny) decide(stage(config), order(config, "o-1", "alice"));

            assertThat(deny.reason()).isEqualTo(ReasonCode.OWNERSHIP_UNAVAILABLE);
        }
    }

    @Test
    void concurrentRequestsForOneObjectShareOneCall() throws Exception {
        GatewayConfig config = config("", "");
        OwnershipStage stage = stage(config);
        owners.hold();

        CompletableFuture<Decision> first = stage.evaluate(order(config, "o-1", "alice")).toCompletableFuture();
        CompletableFuture<Decision> second = stage.evaluate(order(config, "o-1", "bob")).toCompletableFuture();
        assertThat(owners.next()).isNotNull();
        owners.open();

        assertThat(first.get(10, TimeUnit.SECONDS)).isEqualTo(Decision.proceed());
        assertThat(((Decision.Deny) second.get(10, TimeUnit.SECONDS)).reason()).isEqualTo(ReasonCode.OBJECT_NOT_OWNED);
        assertThat(owners.calls()).isEqualTo(1);
    }

    @Test
    void inShadowModeARefusalIsRecordedAndTheRequestGoesOn() throws Exception {
        for (GatewayConfig config : List.of(config("      mode: shadow", ""), config("", "    policy_mode: shadow"))) {
            observer.checks.clear();
            OwnershipStage stage = stage(config);
            Exchange foreign = order(config, "o-2", "alice");

            assertThat(decide(stage, foreign)).isEqualTo(Decision.proceed());

            assertThat(foreign.get(PolicyFacts.OWNER)).isEqualTo(new PolicyFacts(List.of("orders:owner")));
            assertThat(observer.checks).containsExactly("owner orders would_deny");
            Exchange own = order(config, "o-1", "alice");
            assertThat(decide(stage, own)).isEqualTo(Decision.proceed());
            assertThat(own.get(PolicyFacts.OWNER)).isNull();
        }
    }

    @Test
    void inShadowModeAnUnavailableServiceIsAWouldDeny() throws Exception {
        GatewayConfig config = config("      mode: shadow", "");
        owners.script(r -> FakePolicyService.Answer.json(503, ""));
        Exchange exchange = order(config, "o-1", "alice");

        assertThat(decide(stage(config), exchange)).isEqualTo(Decision.proceed());

        assertThat(exchange.get(PolicyFacts.OWNER)).isEqualTo(new PolicyFacts(List.of("orders:owner")));
        assertThat(observer.checks).containsExactly("owner orders would_deny");
    }

    @Test
    void routesWithoutALookupAreNotAsked() throws Exception {
        GatewayConfig config = PolicyExchanges.config("""
                services:
                  orders: { targets: [http://127.0.0.1:9], tls: none }
                routes:
                  - id: open
                    match: { path: "/orders/{orderId}" }
                    service: orders
                    public: true
                """);

        Decision decision = decide(stage(config), exchange(config, "open", Map.of("orderId", "o-1"), null, "/orders/o-1", null));

        assertThat(decision).isEqualTo(Decision.proceed());
        assertThat(owners.calls()).isZero();
    }

    @Test
    void anOwnerUrlCannotLetAPathParameterChooseTheHost() {
        assertThatThrownBy(() -> PolicyExchanges.config("""
                services:
                  orders: { targets: [http://127.0.0.1:9], tls: none }
                routes:
                  - id: orders
                    match: { path: "/orders/{tenant}/{orderId}" }
                    service: orders
                    authenticate: [corp]
                    owner: { url: "http://{tenant}.owners.local/orders/{orderId}" }
                """))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("owner url has {tenant} before its path");
    }
}
