package io.zerogate;

import static org.assertj.core.api.Assertions.assertThat;

import io.zerogate.chain.Chain;
import io.zerogate.chain.ChainStep;
import io.zerogate.chain.Decision;
import io.zerogate.chain.Exchange;
import io.zerogate.config.CompiledRoute;
import io.zerogate.config.GatewaySnapshot;
import io.zerogate.testing.Closing;
import io.zerogate.testing.Exchanges;
import io.zerogate.testing.RunningGateway;
import io.zerogate.testing.TestUpstream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Each route runs only the stages that can act on it, and a stage left out of a route's plan is one that would
 * have let every exchange of that route through untouched.
 */
class StagePlanGatewayTest {

    private static final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    private static TestUpstream upstream;
    private static RunningGateway gateway;

    @BeforeAll
    static void start() throws Exception {
        upstream = TestUpstream.fixed("ok");
        gateway = RunningGateway.start("""
                workloads: { trust_domains: [example.org] }
                services:
                  api: { targets: [%1$s], tls: none }
                  payments: { targets: [%1$s], tls: none, callers: ["spiffe://example.org/ns/*/sa/billing"] }
                routes:
                  - id: open
                    match: { path: /open }
                    service: api
                    public: true
                  - id: limited
                    match: { path: /limited }
                    service: api
                    public: true
                    limits:
                      - { id: per-caller, key: header:X-Caller, rate: 100/1h }
                  - id: ruled
                    match: { path: /ruled }
                    service: api
                    allow: 'request.method == "GET"'
                  - id: pay
                    match: { path: /pay }
                    service: payments
                """.formatted(upstream.target()));
    }

    @AfterAll
    static void stop() throws Exception {
        Closing.all(gateway, upstream);
    }

    private static CompiledRoute route(String id) {
        return snapshot().routes().stream().filter(r -> r.id().equals(id)).findFirst().orElseThrow();
    }

    private static GatewaySnapshot snapshot() {
        return gateway.gateway().snapshot().config();
    }

    private static Chain chain() {
        return gateway.gateway().snapshot().chain();
    }

    @Test
    void aRouteWithNothingToCheckRunsOnlyTheStagesEveryRequestNeeds() {
        assertThat(chain().stageNames(route("open")))
                .containsExactly("network", "client-certificate", "route-access", "identity-assertion");
        assertThat(chain().stageNames(route("limited")))
                .containsExactly("network", "client-certificate", "route-access", "limits", "identity-assertion");
        assertThat(chain().stageNames(route("ruled")))
                .containsExactly("network", "client-certificate", "route-access", "policy", "identity-assertion");
        assertThat(chain().stageNames(route("pay")))
                .containsExactly("network", "client-certificate", "segmentation", "route-access", "identity-assertion");
    }

    @Test
    void theStagesInARoutesPlanStillDecide() throws Exception {
        assertThat(send("GET", "/open", "X-Caller", "a").statusCode()).isEqualTo(200);
        HttpResponse<String> limited = send("GET", "/limited", "X-Caller", "a");
        assertThat(limited.statusCode()).isEqualTo(200);
        assertThat(limited.headers().firstValue("RateLimit-Policy")).hasValueSatisfying(v -> assertThat(v).startsWith("\"per-caller\";"));
        assertThat(send("GET", "/ruled", "X-Caller", "a").statusCode()).isEqualTo(200);
        HttpResponse<String> posted = send("POST", "/ruled", "X-Caller", "a");
        assertThat(posted.statusCode()).isEqualTo(403);
        assertThat(posted.body()).contains("\"code\":\"policy_denied\"");
        HttpResponse<String> pay = send("GET", "/pay", "X-Caller", "a");
        assertThat(pay.statusCode()).isEqualTo(403);
        assertThat(pay.body()).contains("\"code\":\"caller_not_allowed\"");
    }

    @Test
    void aStageLeftOutOfARoutesPlanWouldHaveProceededTouchingNothing() throws Exception {
        int checked = 0;
        for (CompiledRoute route : snapshot().routes()) {
            for (ChainStep step : chain().steps()) {
                if (step.stage().actsOn(route)) {
                    continue;
                }
                Exchange exchange = Exchanges.exchange(route, "/" + route.id());
                Decision decision = step.stage().evaluate(exchange).toCompletableFuture().get(5, TimeUnit.SECONDS);
                assertThat(decision).as("%s on route %s", step.name(), route.id()).isEqualTo(Decision.proceed());
                assertThat(exchange.recordedEdits()).as("%s on route %s", step.name(), route.id()).isNull();
                assertThat(exchange.responseHeaders()).as("%s on route %s", step.name(), route.id()).isEmpty();
                checked++;
            }
        }
        assertThat(checked).isGreaterThanOrEqualTo(4 * 7);
    }

    private static HttpResponse<String> send(String method, String path, String... headers) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(gateway.url(path))).timeout(Duration.ofSeconds(20))
                .method(method, HttpRequest.BodyPublishers.noBody()).headers(headers);
        return http.send(b.build(), HttpResponse.BodyHandlers.ofString());
    }
}
