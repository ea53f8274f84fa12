package io.zerogate.chain;

import static org.assertj.core.api.Assertions.assertThat;

import io.zerogate.config.CompiledRoute;
import io.zerogate.config.RouteConfig;
import io.zerogate.config.ServiceConfig;
import io.zerogate.config.TargetAddress;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class ChainTest {

    private final ScheduledExecutorService loop = Executors.newSingleThreadScheduledExecutor();
    private final List<String> ran = new ArrayList<>();

    @AfterEach
    void stop() {
        loop.shutdownNow();
    }

    private Stage allow(String name) {
        return ex -> {
            ran.add(name);
            return CompletableFuture.completedFuture(Decision.proceed());
        };
    }

    private Decision run(Duration timeout, Stage... stages) throws Exception {
        List<ChainStep> steps = new ArrayList<>();
        for (int i = 0; i < stages.length; i++) {
            steps.add(new ChainStep("s" + i, stages[i]));
        }
        return new Chain(steps, timeout).run(exchange(), loop).toCompletableFuture().get(5, TimeUnit.SECONDS);
    }

    @Test
    void everyDecisionIsObservedWithTheTimeOfItsStageIncludingOneThatAnswersLater() throws Exception {
        List<String> seen = new java.util.concurrent.CopyOnWriteArrayList<>();
        StageObserver observer = (stage, decision, nanos) -> seen.add(stage + ":"
                + (decision instanceof Decision.Deny d ? d.reason().code() : "continue") + ":" + (nanos >= 0));
        Stage later = ex -> CompletableFuture.supplyAsync(Decision::proceed,
                CompletableFuture.delayedExecutor(20, TimeUnit.MILLISECONDS));
        Stage deny = ex -> CompletableFuture.completedFuture(Decision.deny(ReasonCode.NO_RULE, "nope"));
        List<ChainStep> steps = List.of(new ChainStep("first", allow("a")), new ChainStep("later", later),
                new ChainStep("deny", deny), new ChainStep("never", allow("never")));
        new Chain(steps, Duration.ofSeconds(1), observer, 1).run(exchange(), loop).toCompletableFuture().get(5, TimeUnit.SECONDS);
        assertThat(seen).containsExactly("first:continue:true", "later:continue:true", "deny:no_rule:true");

        seen.clear();
        // Sampling off for this exchange: decisions are still observed, without a time.
        new Chain(steps, Duration.ofSeconds(1), observer, Integer.MAX_VALUE).run(exchange(), loop).toCompletableFuture()
                .get(5, TimeUnit.SECONDS);
        assertThat(seen).containsExactly("first:continue:false", "later:continue:false", "deny:no_rule:false");
    }

    /** A stage that acts only on the routes it names, recording every run. */
    private Stage actingOn(String name, Set<CompiledRoute> routes, boolean later) {
        return new Stage() {
            @Override
            public java.util.concurrent.CompletionStage<Decision> evaluate(Exchange exchange) {
                ran.add(name + "@" + exchange.route().id());
                return later ? CompletableFuture.supplyAsync(Decision::proceed,
                        CompletableFuture.delayedExecutor(10, TimeUnit.MILLISECONDS))
                        : CompletableFuture.completedFuture(Decision.proceed());
            }

            @Override
            public boolean actsOn(CompiledRoute route) {
                return routes.contains(route);
            }
        };
    }

    @Test
    void aRouteRunsOnlyTheStagesThatActOnItAlsoAfterAStageThatAnswersLater() throws Exception {
        CompiledRoute checked = route("checked");
        CompiledRoute open = route("open");
        // Equal to 'open' in every component, but not a route the chain was built with: it runs every stage.
        CompiledRoute unknown = route("open");
        List<ChainStep> steps = List.of(
                new ChainStep("always", allow("always")),
                new ChainStep("slow", actingOn("slow", Set.of(checked), true)),
                new ChainStep("check", actingOn("check", Set.of(checked), false)),
                new ChainStep("last", allow("last")));
        Chain chain = new Chain(steps, Duration.ofSeconds(1), StageObserver.NONE, List.of(checked, open));
        assertThat(chain.stageNames(checked)).containsExactly("always", "slow", "check", "last");
        assertThat(chain.stageNames(open)).containsExactly("always", "last");
        assertThat(chain.stageNames(unknown)).containsExactly("always", "slow", "check", "last");

        assertThat(chain.run(exchange(checked), loop).toCompletableFuture().get(5, TimeUnit.SECONDS)).isEqualTo(Decision.proceed());
        assertThat(ran).containsExactly("always", "slow@checked", "check@checked", "last");
        ran.clear();
        assertThat(chain.run(exchange(open), loop).toCompletableFuture().get(5, TimeUnit.SECONDS)).isEqualTo(Decision.proceed());
        assertThat(ran).containsExactly("always", "last");
        ran.clear();
        chain.run(exchange(unknown), loop).toCompletableFuture().get(5, TimeUnit.SECONDS);
        assertThat(ran).containsExactly("always", "slow@open", "check@open", "last");
    }

    @Test
    void allStagesRunInOrderAndTheRequestProceeds() throws Exception {
        Decision d = run(Duration.ofSeconds(1), allow("a"), allow("b"), allow("c"));
        assertThat(d).isEqualTo(Decision.proceed());
        assertThat(ran).containsExactly("a", "b", "c");
    }

    @Test
    void theFirstDenialEndsTheChain() throws Exception {
        Stage deny = ex -> CompletableFuture.completedFuture(Decision.deny(ReasonCode.NO_RULE, "nope", "r1"));
        Decision d = run(Duration.ofSeconds(1), allow("a"), deny, allow("c"));
        assertThat(d).isInstanceOfSatisfying(Decision.Deny.class, x -> {
            assertThat(x.reason()).isEqualTo(ReasonCode.NO_RULE);
            assertThat(x.status()).isEqualTo(403);
            assertThat(x.ruleId()).isEqualTo("r1");
        });
        assertThat(ran).containsExactly("a");
    }

    @Test
    void aStageThatThrowsDenies() throws Exception {
        Stage boom = ex -> {
            throw new IllegalStateException("boom");
        };
        Decision d = run(Duration.ofSeconds(1), boom, allow("never"));
        assertThat(((Decision.Deny) d).reason()).isEqualTo(ReasonCode.STAGE_ERROR);
        assertThat(ran).isEmpty();
    }

    @Test
    void aStageThatReturnsNullOrCompletesWithNullDenies() throws Exception {
        assertThat(((Decision.Deny) run(Duration.ofSeconds(1), ex -> null)).reason()).isEqualTo(ReasonCode.STAGE_NO_DECISION);
        assertThat(((Decision.Deny) run(Duration.ofSeconds(1), ex -> CompletableFuture.completedFuture(null))).reason())
                .isEqualTo(ReasonCode.STAGE_NO_DECISION);
    }

    @Test
    void aStageThatCompletesExceptionallyDenies() throws Exception {
        Decision d = run(Duration.ofSeconds(1), ex -> CompletableFuture.failedFuture(new RuntimeException("down")));
        assertThat(((Decision.Deny) d).reason()).isEqualTo(ReasonCode.STAGE_ERROR);
    }

    @Test
    void aLaterAnswerResumesTheChainOnTheLoop() throws Exception {
        Thread[] resumedOn = new Thread[1];
        Stage later = ex -> CompletableFuture.supplyAsync(Decision::proceed, CompletableFuture.delayedExecutor(30, TimeUnit.MILLISECONDS));
        Stage probe = ex -> {
            resumedOn[0] = Thread.currentThread();
            return CompletableFuture.completedFuture(Decision.proceed());
        };
        Thread loopThread = loop.submit(Thread::currentThread).get();
        assertThat(run(Duration.ofSeconds(1), later, probe)).isEqualTo(Decision.proceed());
        assertThat(resumedOn[0]).isSameAs(loopThread);
    }

    @Test
    void aLaterDenialIsTheDecision() throws Exception {
        Stage later = ex -> CompletableFuture.supplyAsync(() -> Decision.deny(ReasonCode.NO_RULE, "late"),
                CompletableFuture.delayedExecutor(20, TimeUnit.MILLISECONDS));
        Decision d = run(Duration.ofSeconds(1), later, allow("never"));
        assertThat(((Decision.Deny) d).reason()).isEqualTo(ReasonCode.NO_RULE);
        assertThat(ran).isEmpty();
    }

    @Test
    void aStageThatNeverAnswersTimesOutAndALateAnswerIsIgnored() throws Exception {
        CompletableFuture<Decision> never = new CompletableFuture<>();
        Decision d = run(Duration.ofMillis(50), ex -> never, allow("never"));
        assertThat(((Decision.Deny) d).reason()).isEqualTo(ReasonCode.STAGE_TIMEOUT);
        assertThat(((Decision.Deny) d).status()).isEqualTo(503);
        never.complete(Decision.proceed());
        assertThat(ran).isEmpty();
    }

    @Test
    void factsAreAttachedOnceUnderTypedKeys() {
        AttributeKey<String> key = AttributeKey.of("who", String.class);
        Exchange ex = exchange();
        assertThat(ex.get(key)).isNull();
        ex.put(key, "alice");
        assertThat(ex.get(key)).isEqualTo("alice");
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> ex.put(key, "mallory"))
                .isInstanceOf(IllegalStateException.class);
        assertThat(ex.get(key)).isEqualTo("alice");
    }

    @Test
    void theProblemBodyCarriesTheCodeAndRequestIdButNeverTheDetail() {
        Decision.Deny deny = Decision.deny(ReasonCode.NO_RULE, "secret internal detail: token=abc", "r1")
                .withHeader("WWW-Authenticate", "Bearer");
        ProblemResponse p = ProblemResponse.of(deny, "req-\"1\"");
        String body = new String(p.body(), java.nio.charset.StandardCharsets.UTF_8);
        assertThat(p.status()).isEqualTo(403);
        assertThat(body).isEqualTo("{\"type\":\"urn:zerogate:problem:no_rule\",\"title\":\"No rule allows this request.\","
                + "\"status\":403,\"code\":\"no_rule\",\"request_id\":\"req-\\\"1\\\"\"}\n");
        assertThat(body).doesNotContain("secret", "r1");
        assertThat(p.headers()).containsExactly(new Decision.ResponseHeader("WWW-Authenticate", "Bearer"));
    }

    @Test
    void denialHeadersRefuseLineBreaks() {
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> new Decision.ResponseHeader("X", "a\r\nSet-Cookie: x"))
                .isInstanceOf(IllegalArgumentException.class);
    }

    static Exchange exchange() {
        return exchange(route("r"));
    }

    static CompiledRoute route(String id) {
        ServiceConfig service = new ServiceConfig("svc", List.of(new TargetAddress("http", "127.0.0.1", 9)),
                ServiceConfig.Balance.ROUND_ROBIN, Duration.ofSeconds(1), Duration.ofSeconds(1),
                new ServiceConfig.PassiveHealth(1, Duration.ofSeconds(1)), null, 8, new io.zerogate.config.UpstreamTls.Plain(), List.of());
        RouteConfig route = new RouteConfig(id, null, Set.of(), "/", "svc", true, io.zerogate.config.RouteAuthentication.NONE, io.zerogate.config.RouteRequirements.NONE, java.util.List.of(), 1);
        return new CompiledRoute(route, service);
    }

    static Exchange exchange(CompiledRoute route) {
        RequestHead head = new RequestHead() {
            @Override public String method() { return "GET"; }
            @Override public String scheme() { return "http"; }
            @Override public String host() { return "example.com"; }
            @Override public String path() { return "/"; }
            @Override public String rawPath() { return "/"; }
            @Override public @Nullable String query() { return null; }
            @Override public @Nullable String header(String name) { return null; }
            @Override public List<String> headers(String name) { return List.of(); }
        };
        return new Exchange("id", "l", head, new ClientAddress(new InetSocketAddress("127.0.0.1", 1), null),
                route, Map.of(), 0);
    }
}
