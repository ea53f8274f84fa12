package io.zerogate.limits;

import static org.assertj.core.api.Assertions.assertThat;

import io.zerogate.testing.Await;
import io.zerogate.testing.Closing;
import io.zerogate.testing.RunningGateway;
import io.zerogate.testing.TestUpstream;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Limits through a real gateway on the embedded store: the exact request that is refused, the 429 answer with
 * {@code Retry-After} and the {@code RateLimit} fields, shadow limits, conditions, CEL keys, global limits,
 * concurrency leases given back when a response ends or the client leaves, and a quota that survives a restart.
 */
@Timeout(60)
class LimitsGatewayTest {

    private static final Pattern CODE = Pattern.compile("\"code\":\"([a-z_]+)\"");

    @TempDir
    static Path dir;

    private static TestUpstream upstream;
    private static RunningGateway gateway;
    private static final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    private static volatile CountDownLatch slowRelease = new CountDownLatch(0);
    private static final java.util.concurrent.atomic.AtomicInteger slowArrived = new java.util.concurrent.atomic.AtomicInteger();

    @BeforeAll
    static void start() throws Exception {
        upstream = TestUpstream.start((socket, up) -> {
            InputStream in = socket.getInputStream();
            OutputStream out = socket.getOutputStream();
            while (true) {
                String head = up.readHead(in);
                if (head == null) {
                    return;
                }
                up.skipBody(head, in);
                if (head.contains("X-Hold: 1")) {
                    slowArrived.incrementAndGet();
                    slowRelease.await(20, TimeUnit.SECONDS);
                }
                out.write("HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok".getBytes(StandardCharsets.ISO_8859_1));
                out.flush();
            }
        });
        gateway = RunningGateway.start(config(dir.resolve("data"), 2));
    }

    private static String config(Path dataDir, int monthly) {
        return """
                state: { store: local, data_dir: "%1$s" }
                rate_limits:
                  global:
                    - { id: everyone, key: header:X-Global, rate: 2/1h, when: "request.path == '/global'" }
                services:
                  api: { targets: [%2$s], tls: none }
                routes:
                  - id: gcra
                    match: { path: /gcra }
                    service: api
                    public: true
                    limits:
                      - { id: per-caller, key: header:X-Caller, rate: 3/1h }
                      - { id: shadowed, key: header:X-Caller, rate: 1/1h, mode: shadow }
                  - id: posts
                    match: { path: /posts }
                    service: api
                    public: true
                    limits:
                      - { id: posting, key: header:X-Caller, rate: 1/1h, algorithm: fixed_window, when: { methods: [POST] } }
                  - id: tenants
                    match: { path: /tenants }
                    service: api
                    public: true
                    limits:
                      - { id: per-tenant, key: { cel: "request.headers['x-tenant'] + '/' + request.method" }, rate: 1/1h, algorithm: sliding_window }
                  - id: global
                    match: { path: /global }
                    service: api
                    public: true
                  - id: slow
                    match: { path: /slow }
                    service: api
                    public: true
                    limits:
                      - { id: one-at-a-time, key: header:X-Caller, concurrency: 1 }
                  - id: monthly
                    match: { path: /monthly }
                    service: api
                    public: true
                    limits:
                      - { id: monthly, key: header:X-Caller, quota: %3$d/month }
                """.formatted(dataDir, upstream.target(), monthly);
    }

    @AfterAll
    static void stop() throws Exception {
        slowRelease.countDown();
        Closing.all(gateway, upstream);
    }

    private static HttpResponse<String> send(RunningGateway g, String method, String path, String... headers) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(g.url(path))).timeout(Duration.ofSeconds(20))
                .method(method, HttpRequest.BodyPublishers.noBody());
        if (headers.length > 0) {
            b.headers(headers);
        }
        return http.send(b.build(), HttpResponse.BodyHandlers.ofString());
    }

    private static String code(HttpResponse<String> r) {
        Matcher m = CODE.matcher(r.body());
        return m.find() ? m.group(1) : null;
    }

    private static String caller() {
        return UUID.randomUUID().toString();
    }

    @Test
    void theRequestBeyondTheBurstIsRefusedWithRetryAfterAndTheRateLimitFields() throws Exception {
        String me = caller();
        for (int i = 1; i <= 3; i++) {
            HttpResponse<String> ok = send(gateway, "GET", "/gcra", "X-Caller", me);
            assertThat(ok.statusCode()).isEqualTo(200);
            assertThat(ok.headers().firstValue("RateLimit-Policy")).hasValue("\"per-caller\";q=3;w=3600");
            assertThat(ok.headers().firstValue("RateLimit").orElseThrow()).startsWith("\"per-caller\";r=" + (3 - i) + ";t=");
        }
        HttpResponse<String> refused = send(gateway, "GET", "/gcra", "X-Caller", me);
        assertThat(refused.statusCode()).isEqualTo(429);
        assertThat(code(refused)).isEqualTo("rate_limited");
        assertThat(refused.headers().firstValue("Content-Type")).hasValue("application/problem+json");
        // The fourth request fits once a third of an hour has passed (one emission interval of 1,200 s).
        long retry = Long.parseLong(refused.headers().firstValue("Retry-After").orElseThrow());
        assertThat(retry).isBetween(1195L, 1200L);
        assertThat(refused.headers().firstValue("RateLimit-Policy")).hasValue("\"per-caller\";q=3;w=3600");
        assertThat(refused.headers().firstValue("RateLimit").orElseThrow()).startsWith("\"per-caller\";r=0;t=");
        // Another caller has its own bucket.
        assertThat(send(gateway, "GET", "/gcra", "X-Caller", caller()).statusCode()).isEqualTo(200);
    }

    @Test
    void aShadowLimitCountsWithoutRefusing() throws Exception {
        String me = caller();
        double before = metric("zerogate_limit_checks_total{limit=\"shadowed\",outcome=\"would_limit\"}");
        assertThat(send(gateway, "GET", "/gcra", "X-Caller", me).statusCode()).isEqualTo(200);
        HttpResponse<String> second = send(gateway, "GET", "/gcra", "X-Caller", me);
        assertThat(second.statusCode()).isEqualTo(200);
        // Clients are not told about shadow limits.
        assertThat(second.headers().firstValue("RateLimit-Policy")).hasValue("\"per-caller\";q=3;w=3600");
        assertThat(metric("zerogate_limit_checks_total{limit=\"shadowed\",outcome=\"would_limit\"}")).isEqualTo(before + 1);
    }

    @Test
    void aConditionalLimitCountsOnlyTheRequestsItNames() throws Exception {
        String me = caller();
        for (int i = 0; i < 3; i++) {
            assertThat(send(gateway, "GET", "/posts", "X-Caller", me).statusCode()).isEqualTo(200);
        }
        assertThat(send(gateway, "POST", "/posts", "X-Caller", me).statusCode()).isEqualTo(200);
        HttpResponse<String> refused = send(gateway, "POST", "/posts", "X-Caller", me);
        assertThat(refused.statusCode()).isEqualTo(429);
        assertThat(code(refused)).isEqualTo("rate_limited");
        assertThat(send(gateway, "GET", "/posts", "X-Caller", me).statusCode()).isEqualTo(200);
    }

    @Test
    void aCelKeyCountsPerValueOfTheExpression() throws Exception {
        String tenant = caller();
        assertThat(send(gateway, "GET", "/tenants", "X-Tenant", tenant).statusCode()).isEqualTo(200);
        assertThat(send(gateway, "POST", "/tenants", "X-Tenant", tenant).statusCode()).isEqualTo(200);
        assertThat(send(gateway, "GET", "/tenants", "X-Tenant", tenant).statusCode()).isEqualTo(429);
        assertThat(send(gateway, "GET", "/tenants", "X-Tenant", caller()).statusCode()).isEqualTo(200);
    }

    @Test
    void aGlobalLimitAppliesWhereItsConditionHolds() throws Exception {
        String me = caller();
        assertThat(send(gateway, "GET", "/global", "X-Global", me).statusCode()).isEqualTo(200);
        assertThat(send(gateway, "GET", "/global", "X-Global", me).statusCode()).isEqualTo(200);
        HttpResponse<String> refused = send(gateway, "GET", "/global", "X-Global", me);
        assertThat(refused.statusCode()).isEqualTo(429);
        assertThat(refused.headers().firstValue("RateLimit-Policy")).hasValue("\"everyone\";q=2;w=3600");
        // The same caller on a route where the condition does not hold is not counted by it.
        assertThat(send(gateway, "GET", "/posts", "X-Global", me).statusCode()).isEqualTo(200);
    }

    @Test
    void aConcurrencyLeaseIsGivenBackWhenTheResponseEnds() throws Exception {
        String me = caller();
        slowRelease = new CountDownLatch(1);
        int arrived = slowArrived.get();
        CompletableFuture<HttpResponse<String>> first = CompletableFuture.supplyAsync(() -> {
            try {
                return send(gateway, "GET", "/slow", "X-Caller", me, "X-Hold", "1");
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        });
        Await.until("the first request reaches the upstream", Duration.ofSeconds(10), () -> slowArrived.get() > arrived);
        HttpResponse<String> second = send(gateway, "GET", "/slow", "X-Caller", me);
        assertThat(second.statusCode()).isEqualTo(429);
        assertThat(code(second)).isEqualTo("concurrency_limited");
        assertThat(second.headers().firstValue("Retry-After")).hasValue("1");
        // Concurrency limits have no window, so they are not announced in the RateLimit fields.
        assertThat(second.headers().firstValue("RateLimit")).isEmpty();
        slowRelease.countDown();
        assertThat(first.get(10, TimeUnit.SECONDS).statusCode()).isEqualTo(200);
        assertThat(send(gateway, "GET", "/slow", "X-Caller", me).statusCode()).isEqualTo(200);
    }

    @Test
    void aConcurrencyLeaseIsGivenBackWhenTheClientLeaves() throws Exception {
        String me = caller();
        slowRelease = new CountDownLatch(1);
        int arrived = slowArrived.get();
        try (Socket s = new Socket("127.0.0.1", gateway.port())) {
            s.getOutputStream().write(("GET /slow HTTP/1.1\r\nHost: x\r\nX-Hold: 1\r\nX-Caller: " + me + "\r\n\r\n")
                    .getBytes(StandardCharsets.ISO_8859_1));
            s.getOutputStream().flush();
            Await.until("the request reaches the upstream", Duration.ofSeconds(10), () -> slowArrived.get() > arrived);
            assertThat(send(gateway, "GET", "/slow", "X-Caller", me).statusCode()).isEqualTo(429);
        }
        try {
            // The client has gone; its lease goes with it, although the upstream has not answered.
            Await.until("a new request of the same caller is let through", Duration.ofSeconds(10), () -> {
                try {
                    return send(gateway, "GET", "/slow", "X-Caller", me).statusCode() == 200;
                } catch (Exception e) {
                    return false;
                }
            });
        } finally {
            slowRelease.countDown();
        }
    }

    @Test
    void aQuotaUsedUpBeforeARestartIsStillUsedUpAfterIt() throws Exception {
        Path data = dir.resolve("restart");
        String me = caller();
        try (RunningGateway before = RunningGateway.start(config(data, 2))) {
            assertThat(send(before, "GET", "/monthly", "X-Caller", me).statusCode()).isEqualTo(200);
            HttpResponse<String> last = send(before, "GET", "/monthly", "X-Caller", me);
            assertThat(last.statusCode()).isEqualTo(200);
            assertThat(last.headers().firstValue("RateLimit").orElseThrow()).startsWith("\"monthly\";r=0;t=");
        }
        try (RunningGateway after = RunningGateway.start(config(data, 2))) {
            HttpResponse<String> refused = send(after, "GET", "/monthly", "X-Caller", me);
            assertThat(refused.statusCode()).isEqualTo(429);
            assertThat(code(refused)).isEqualTo("quota_exceeded");
            assertThat(refused.headers().firstValue("RateLimit-Policy").orElseThrow()).startsWith("\"monthly\";q=2;w=");
            assertThat(send(after, "GET", "/monthly", "X-Caller", caller()).statusCode()).isEqualTo(200);
        }
    }

    @Test
    void theAdminApiTellsWhatIsLeftOfACallersQuotas() throws Exception {
        String me = caller();
        assertThat(send(gateway, "GET", "/monthly", "X-Caller", me).statusCode()).isEqualTo(200);
        HttpResponse<String> read = admin("/admin/limits/quotas?header.x-caller=" + me);
        assertThat(read.statusCode()).isEqualTo(200);
        assertThat(read.headers().firstValue("Content-Type")).hasValue("application/json");
        String period = java.time.YearMonth.now(java.time.ZoneOffset.UTC).toString();
        String end = java.time.YearMonth.now(java.time.ZoneOffset.UTC).plusMonths(1).atDay(1).atStartOfDay(java.time.ZoneOffset.UTC)
                .toInstant().toString();
        assertThat(read.body()).isEqualTo("{\"quotas\":[{\"limit\":\"monthly\",\"period\":\"" + period
                + "\",\"quota\":2,\"used\":1,\"remaining\":1,\"resets_at\":\"" + end + "\"}],\"unreadable\":[]}\n");
        // Reading consumes nothing.
        assertThat(admin("/admin/limits/quotas?header.x-caller=" + me).body()).contains("\"used\":1,");
        assertThat(admin("/admin/limits/quotas?header.x-caller=" + caller()).body()).contains("\"used\":0,\"remaining\":2");
        HttpResponse<String> bad = admin("/admin/limits/quotas?user=alice");
        assertThat(bad.statusCode()).isEqualTo(400);
        assertThat(bad.body()).contains("unknown parameter 'user'");
        assertThat(admin("/admin/limits/quotas?ip=not-an-address").statusCode()).isEqualTo(400);
    }

    private static HttpResponse<String> admin(String path) throws Exception {
        return http.send(gateway.admin(path).build(), HttpResponse.BodyHandlers.ofString());
    }

    private static double metric(String series) throws Exception {
        HttpResponse<String> r = http.send(gateway.admin("/metrics").build(), HttpResponse.BodyHandlers.ofString());
        for (String line : r.body().split("\n")) {
            if (line.startsWith(series + " ")) {
                return Double.parseDouble(line.substring(series.length() + 1));
            }
        }
        return 0;
    }
}
