package io.zerogate.admin;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.zerogate.testing.RunningGateway;
import io.zerogate.testing.TestUpstream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** The admin API of a running gateway: who may call it, and what each endpoint answers. */
@Timeout(value = 1, unit = TimeUnit.MINUTES)
class AdminApiTest {

    private static final ObjectMapper JSON = new ObjectMapper();

    /** Every endpoint that needs credentials, as method and path. */
    private static final List<String[]> PROTECTED = List.of(new String[] {"GET", "/metrics"},
            new String[] {"GET", "/admin/config"}, new String[] {"POST", "/admin/reload"},
            new String[] {"GET", "/admin/incidents"}, new String[] {"GET", "/admin/audit/tail"},
            new String[] {"GET", "/admin/limits/quotas?subject=alice"}, new String[] {"GET", "/admin/keys"});
    private static final List<String> OPEN = List.of("/healthz", "/readyz", "/.well-known/jwks.json");

    @TempDir
    Path dir;

    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();

    @AfterEach
    void closeClient() {
        http.close();
    }

    private static String services(String target) {
        return """
                services:
                  s: { targets: [%s], tls: none }
                routes:
                  - { id: r, match: { path: /r }, service: s, public: true }
                """.formatted(target);
    }

    private Answer call(RunningGateway gw, String method, String path, String @Nullable ... authorization)
            throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + gw.adminPort() + path))
                .method(method, HttpRequest.BodyPublishers.noBody()).timeout(Duration.ofSeconds(10));
        for (String a : authorization) {
            b.header("Authorization", a);
        }
        HttpResponse<java.io.InputStream> r = http.send(b.build(), HttpResponse.BodyHandlers.ofInputStream());
        String text;
        try (java.io.InputStream in = r.body()) {
            // An accepted tail never ends; its head is enough.
            text = r.statusCode() == 200 && path.endsWith("/tail") ? "" : new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
        return new Answer(r, text);
    }

    /** A response with its body read (but for an accepted tail, whose stream is closed after its head). */
    private record Answer(HttpResponse<?> response, String body) {

        int statusCode() {
            return response.statusCode();
        }

        java.net.http.HttpHeaders headers() {
            return response.headers();
        }
    }

    private static void assertRefused(Answer r, boolean invalid) throws Exception {
        assertThat(r.statusCode()).as(r.response().request().uri().toString()).isEqualTo(401);
        assertThat(r.headers().firstValue("www-authenticate")).hasValue(
                "Bearer realm=\"zerogate-admin\"" + (invalid ? ", error=\"invalid_token\"" : ""));
        assertThat(r.headers().firstValue("content-type")).hasValue("application/problem+json");
        JsonNode problem = JSON.readTree(r.body());
        assertThat(problem.path("status").asInt()).as(r.body()).isEqualTo(401);
        assertThat(problem.path("code").asText()).isEqualTo("admin_unauthenticated");
    }

    @Test
    void everyAuthenticatedEndpointRefusesCallsWithoutAGoodTokenAndCountsThem() throws Exception {
        try (TestUpstream up = TestUpstream.fixed("ok"); RunningGateway gw = RunningGateway.start(services(up.target()))) {
            String wrong = AdminTokens.create(new java.security.SecureRandom());
            for (String[] e : PROTECTED) {
                assertRefused(call(gw, e[0], e[1]), false);
                assertRefused(call(gw, e[0], e[1], "Bearer " + wrong), true);
                assertRefused(call(gw, e[0], e[1], "Bearer " + RunningGateway.ADMIN_TOKEN + "x"), true);
                assertRefused(call(gw, e[0], e[1], "Basic " + RunningGateway.ADMIN_TOKEN), true);
                assertRefused(call(gw, e[0], e[1], "Bearer " + RunningGateway.ADMIN_TOKEN, "Bearer " + wrong), true);
            }
            for (String path : OPEN) {
                assertThat(call(gw, "GET", path).statusCode()).as(path).isEqualTo(200);
            }
            GatewayMetrics metrics = gw.gateway().metrics();
            assertThat(metrics.adminAuthFailures("missing")).isEqualTo(PROTECTED.size());
            assertThat(metrics.adminAuthFailures("invalid_token")).isEqualTo(2.0 * PROTECTED.size());
            assertThat(metrics.adminAuthFailures("malformed")).isEqualTo(2.0 * PROTECTED.size());
            String scrape = gw.gateway().metrics().scrape();
            assertThat(AdminServerTest.sample(scrape, "zerogate_admin_auth_failures_total", java.util.Map.of("reason", "missing")))
                    .isEqualTo(PROTECTED.size());
            assertThat(scrape).doesNotContain(wrong).doesNotContain(RunningGateway.ADMIN_TOKEN);
        }
    }

    @Test
    void aGoodTokenOpensEveryEndpoint() throws Exception {
        try (TestUpstream up = TestUpstream.fixed("ok"); RunningGateway gw = RunningGateway.start(services(up.target()))) {
            String bearer = "Bearer " + RunningGateway.ADMIN_TOKEN;
            assertThat(call(gw, "GET", "/metrics", bearer).statusCode()).isEqualTo(200);
            Answer config = call(gw, "GET", "/admin/config", bearer);
            assertThat(config.statusCode()).isEqualTo(200);
            assertThat(config.headers().firstValue("content-type")).hasValue("application/json");
            assertThat(JSON.readTree(config.body()).path("routes").get(0).path("id").asText()).isEqualTo("r");
            Answer incidents = call(gw, "GET", "/admin/incidents", bearer);
            assertThat(incidents.statusCode()).isEqualTo(200);
            assertThat(incidents.body()).isEqualTo("[]\n");
            Answer keys = call(gw, "GET", "/admin/keys", bearer);
            assertThat(keys.statusCode()).isEqualTo(200);
            assertThat(keys.body()).isEqualTo(call(gw, "GET", "/.well-known/jwks.json").body()).contains("\"keys\"");
            assertThat(call(gw, "GET", "/admin/limits/quotas?subject=alice", bearer).statusCode()).isEqualTo(200);
            Answer tail = call(gw, "GET", "/admin/audit/tail", bearer);
            assertThat(tail.statusCode()).isEqualTo(200);
            assertThat(tail.headers().firstValue("content-type")).hasValue("text/event-stream; charset=utf-8");
            // Started without a file, this gateway has nothing to read again.
            Answer reload = call(gw, "POST", "/admin/reload", bearer);
            assertThat(reload.statusCode()).isEqualTo(409);
            assertThat(JSON.readTree(reload.body()).path("code").asText()).isEqualTo("reload_unavailable");
            assertThat(call(gw, "GET", "/limits/quotas?subject=alice", bearer).statusCode()).isEqualTo(404);
            Answer wrongMethod = call(gw, "GET", "/admin/reload", bearer);
            assertThat(wrongMethod.statusCode()).isEqualTo(405);
            assertThat(wrongMethod.headers().firstValue("allow")).hasValue("POST");
        }
    }

    @Test
    void withNoCredentialsConfiguredOnlyTheOpenEndpointsAnswer() throws Exception {
        String body = "admin:\n  address: 127.0.0.1:0\n" + services("http://127.0.0.1:9");
        try (RunningGateway gw = RunningGateway.start(body)) {
            for (String[] e : PROTECTED) {
                Answer r = call(gw, e[0], e[1]);
                assertRefused(r, false);
                assertThat(JSON.readTree(r.body()).path("detail").asText()).contains("no admin credentials are configured");
                assertRefused(call(gw, e[0], e[1], "Bearer " + RunningGateway.ADMIN_TOKEN), true);
            }
            for (String path : OPEN) {
                assertThat(call(gw, "GET", path).statusCode()).as(path).isEqualTo(200);
            }
        }
    }

    @Test
    void publicMetricsAnswerWithoutCredentialsAndNothingElseDoes() throws Exception {
        String body = "admin:\n  address: 127.0.0.1:0\n  public: [metrics]\n" + services("http://127.0.0.1:9");
        try (RunningGateway gw = RunningGateway.start(body)) {
            assertThat(call(gw, "GET", "/metrics").statusCode()).isEqualTo(200);
            assertRefused(call(gw, "GET", "/admin/config"), false);
        }
    }

    @Test
    void theRunningConfigurationHidesItsSecrets() throws Exception {
        String hashKey = "the-api-key-hash-key-that-must-stay-hidden-0123";
        Files.writeString(dir.resolve("keys.jsonl"), "");
        String body = "identity:\n  api_keys: { file: " + dir.resolve("keys.jsonl") + ", hash_key: " + hashKey + " }\n"
                + services("http://127.0.0.1:9");
        try (RunningGateway gw = RunningGateway.start(body)) {
            String config = call(gw, "GET", "/admin/config", "Bearer " + RunningGateway.ADMIN_TOKEN).body();
            assertThat(config).doesNotContain(hashKey).doesNotContain(dir.resolve("keys.jsonl").toString());
            assertThat(JSON.readTree(config).path("identity").path("api_keys").path("hash_key").asText()).isEqualTo("***");
        }
    }

    @Test
    void reloadReadsTheFileAgainAndKeepsTheRunningConfigurationWhenTheFileIsBad() throws Exception {
        try (TestUpstream up = TestUpstream.fixed("ok")) {
            Path file = dir.resolve("gateway.yaml");
            String routes = """
                    services:
                      s: { targets: [%s], tls: none }
                    routes:
                      - { id: r, match: { path: /r }, service: s, public: true }
                    """.formatted(up.target());
            Files.writeString(file, RunningGateway.document(routes));
            try (RunningGateway gw = RunningGateway.startWatching(file, 1)) {
                String bearer = "Bearer " + RunningGateway.ADMIN_TOKEN;
                Files.writeString(file, RunningGateway.document(routes
                        + "  - { id: added, match: { path: /added }, service: s, public: true }\n"));
                Answer applied = call(gw, "POST", "/admin/reload", bearer);
                assertThat(applied.statusCode()).as(applied.body()).isEqualTo(200);
                JsonNode summary = JSON.readTree(applied.body());
                assertThat(summary.path("source").asText()).isEqualTo(file.toString());
                assertThat(summary.path("routes").asInt()).isEqualTo(2);
                assertThat(gw.gateway().snapshot().config().config().routes()).hasSize(2);

                String bad = RunningGateway.document(routes) + "  - { id: broken, match: { paht: /x }, service: s }\n";
                Files.writeString(file, bad);
                int line = (int) bad.lines().takeWhile(l -> !l.contains("broken")).count() + 1;
                Answer refused = call(gw, "POST", "/admin/reload", bearer);
                assertThat(refused.statusCode()).isEqualTo(422);
                assertThat(refused.headers().firstValue("content-type")).hasValue("application/problem+json");
                JsonNode problem = JSON.readTree(refused.body());
                assertThat(problem.path("code").asText()).isEqualTo("config_invalid");
                assertThat(problem.path("detail").asText()).startsWith(file + ":" + line + ": routes[1].match.paht: unknown key 'paht'");
                assertThat(gw.gateway().snapshot().config().config().routes()).extracting(r -> r.id()).containsExactly("r", "added");
                assertThat(RunningGateway.status(gw.exchange("GET /added HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n")))
                        .isEqualTo(200);
            }
        }
    }
}
