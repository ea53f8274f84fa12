package io.zerogate.admin;

import static org.assertj.core.api.Assertions.assertThat;

import io.zerogate.config.ConfigLoader;
import io.zerogate.testing.RunningGateway;
import io.zerogate.testing.TestUpstream;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;

/** The admin listener of a running gateway: liveness, readiness, Prometheus metrics. */
@Timeout(value = 1, unit = TimeUnit.MINUTES)
class AdminServerTest {

    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();

    @AfterEach
    void closeClient() {
        http.close();
    }

    private static String config(String target) {
        return """
                services:
                  s: { targets: [%s], tls: none }
                routes:
                  - { id: r, match: { path: /r }, service: s, public: true }
                """.formatted(target);
    }

    /** A call with the admin token of {@link RunningGateway}. */
    private HttpResponse<String> admin(RunningGateway gw, String method, String path) throws Exception {
        return http.send(gw.admin(path).method(method, HttpRequest.BodyPublishers.noBody()).build(),
                HttpResponse.BodyHandlers.ofString());
    }

    /** The value of the sample {@code name} whose labels include all of {@code labels}, or null when absent. */
    static Double sample(String scrape, String name, Map<String, String> labels) {
        for (String line : scrape.split("\n")) {
            if (!line.startsWith(name + "{")) {
                continue;
            }
            int close = line.indexOf('}');
            String labelText = line.substring(name.length() + 1, close);
            boolean all = labels.entrySet().stream()
                    .allMatch(e -> ("," + labelText + ",").contains("," + e.getKey() + "=\"" + e.getValue() + "\","));
            if (all) {
                return Double.parseDouble(line.substring(close + 1).strip());
            }
        }
        return null;
    }

    @Test
    void healthAndReadinessAnswer200WhileRunning() throws Exception {
        try (TestUpstream up = TestUpstream.fixed("ok"); RunningGateway gw = RunningGateway.start(config(up.target()))) {
            HttpResponse<String> healthz = admin(gw, "GET", "/healthz");
            assertThat(healthz.statusCode()).isEqualTo(200);
            assertThat(healthz.body()).isEqualTo("ok\n");
            assertThat(healthz.headers().firstValue("cache-control")).hasValue("no-store");
            assertThat(admin(gw, "GET", "/healthz?verbose=1").statusCode()).isEqualTo(200);
            HttpResponse<String> head = admin(gw, "HEAD", "/healthz");
            assertThat(head.statusCode()).isEqualTo(200);
            assertThat(head.body()).isEmpty();
            HttpResponse<String> readyz = admin(gw, "GET", "/readyz");
            assertThat(readyz.statusCode()).isEqualTo(200);
            assertThat(readyz.body()).isEqualTo("ready\n");
        }
    }

    @Test
    void unknownPathIs404AndOtherMethodsAre405() throws Exception {
        try (TestUpstream up = TestUpstream.fixed("ok"); RunningGateway gw = RunningGateway.start(config(up.target()))) {
            assertThat(admin(gw, "GET", "/admin").statusCode()).isEqualTo(404);
            assertThat(admin(gw, "GET", "/metrics/extra").statusCode()).isEqualTo(404);
            assertThat(admin(gw, "GET", "/").statusCode()).isEqualTo(404);
            HttpResponse<String> post = admin(gw, "POST", "/healthz");
            assertThat(post.statusCode()).isEqualTo(405);
            assertThat(post.headers().firstValue("allow")).hasValue("GET, HEAD");
        }
    }

    @Test
    void metricsCountForwardedAndRefusedRequestsAndShowTargetHealth() throws Exception {
        try (TestUpstream up = TestUpstream.fixed("ok"); RunningGateway gw = RunningGateway.start(config(up.target()))) {
            String ok = gw.exchange("GET /r HTTP/1.1\r\nHost: example.com\r\nConnection: close\r\n\r\n");
            assertThat(RunningGateway.status(ok)).isEqualTo(200);
            String missing = gw.exchange("GET /nowhere HTTP/1.1\r\nHost: example.com\r\nConnection: close\r\n\r\n");
            assertThat(RunningGateway.status(missing)).isEqualTo(404);
            gw.awaitRequestCount("r", 200, "forwarded", 1);
            gw.awaitRequestCount(null, 404, "no_route", 1);

            HttpResponse<String> metrics = admin(gw, "GET", "/metrics");
            assertThat(metrics.statusCode()).isEqualTo(200);
            assertThat(metrics.headers().firstValue("content-type")).hasValueSatisfying(v -> assertThat(v).startsWith("text/plain"));
            String scrape = metrics.body();
            assertThat(sample(scrape, "zerogate_requests_total",
                    Map.of("listener", "public", "route", "r", "status", "200", "decision", "forwarded"))).isEqualTo(1.0);
            assertThat(sample(scrape, "zerogate_requests_total",
                    Map.of("listener", "public", "route", "-", "status", "404", "decision", "no_route"))).isEqualTo(1.0);
            assertThat(sample(scrape, "zerogate_upstream_healthy", Map.of("service", "s", "target", up.target()))).isEqualTo(1.0);
            assertThat(sample(scrape, "zerogate_upstream_in_flight", Map.of("service", "s", "target", up.target()))).isEqualTo(0.0);
            assertThat(sample(scrape, "zerogate_request_duration_seconds_count", Map.of("route", "r"))).isEqualTo(1.0);
        }
    }

    @Test
    void targetGaugesFollowAReload() throws Exception {
        try (TestUpstream first = TestUpstream.fixed("1"); TestUpstream second = TestUpstream.fixed("2");
             RunningGateway gw = RunningGateway.start(config(first.target()))) {
            gw.gateway().reload(ConfigLoader.parse("reload.yaml", RunningGateway.document(config(second.target())), n -> null));
            String scrape = admin(gw, "GET", "/metrics").body();
            assertThat(sample(scrape, "zerogate_upstream_healthy", Map.of("target", second.target()))).isEqualTo(1.0);
            assertThat(sample(scrape, "zerogate_upstream_healthy", Map.of("target", first.target()))).isNull();
        }
    }
}
