package io.zerogate.limits;

import static org.assertj.core.api.Assertions.assertThat;

import io.lettuce.core.api.sync.RedisCommands;
import io.zerogate.state.RedisServer;
import io.zerogate.testing.Await;
import io.zerogate.testing.Closing;
import io.zerogate.testing.RunningGateway;
import io.zerogate.testing.TestUpstream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.Arrays;
import java.util.Base64;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * Limits through a real gateway counting in a real Redis: the counts and leases are Redis keys that expire, a
 * caller over its limit is refused on the node without asking Redis again, and while Redis is down or frozen
 * {@code on_store_error} decides (count on the node with the limit shared among the expected nodes, refuse with
 * 503, or let through uncounted) until Redis answers again and counts once more.
 */
@Timeout(60)
class RedisLimitsGatewayTest {

    private static final Pattern CODE = Pattern.compile("\"code\":\"([a-z_]+)\"");
    private static final Pattern EVALSHA_CALLS = Pattern.compile("cmdstat_evalsha:calls=(\\d+)");
    private static final Duration RECOVERY_BOUND = Duration.ofSeconds(10);

    private static final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    private static final AtomicInteger held = new AtomicInteger();
    private static volatile CountDownLatch release = new CountDownLatch(0);

    private static TestUpstream upstream;
    private static TestUpstream slowUpstream;
    private static RedisServer redis;
    private static RunningGateway gateway;

    @BeforeAll
    static void start() throws Exception {
        upstream = TestUpstream.fixed("ok");
        // One request per connection, answered once the test lets it go when it asks to be held.
        slowUpstream = TestUpstream.start((socket, up) -> {
            String head = up.readHead(socket.getInputStream());
            if (head == null) {
                return;
            }
            if (head.contains("X-Hold: 1")) {
                held.incrementAndGet();
                release.await(20, TimeUnit.SECONDS);
            }
            socket.getOutputStream().write("HTTP/1.1 200 OK\r\nContent-Length: 2\r\nConnection: close\r\n\r\nok"
                    .getBytes(StandardCharsets.ISO_8859_1));
        });
        redis = RedisServer.start();
        gateway = RunningGateway.start("""
                state: { store: redis, uri: "%s" }
                services:
                  api: { targets: [%s], tls: none }
                  held: { targets: [%s], tls: none }
                routes:
                  - id: gcra
                    match: { path: /gcra }
                    service: api
                    public: true
                    limits:
                      - { id: per-caller, key: header:X-Caller, rate: 3/1h }
                  - id: once
                    match: { path: /once }
                    service: api
                    public: true
                    limits:
                      - { id: once, key: header:X-Caller, rate: 1/1h }
                  - id: slow
                    match: { path: /slow }
                    service: held
                    public: true
                    limits:
                      - { id: one-at-a-time, key: header:X-Caller, concurrency: 1 }
                """.formatted(redis.uri(), upstream.target(), slowUpstream.target()));
    }

    @AfterAll
    static void stop() throws Exception {
        release.countDown();
        Closing.all(gateway, redis, slowUpstream, upstream);
    }

    @Test
    void aRateIsCountedInAnExpiringRedisKey() throws Exception {
        String me = caller();
        String key = storeKey("per-caller", me);
        for (int i = 1; i <= 3; i++) {
            HttpResponse<String> ok = send(gateway, "/gcra", me);
            assertThat(ok.statusCode()).isEqualTo(200);
            assertThat(ok.headers().firstValue("RateLimit-Policy")).hasValue("\"per-caller\";q=3;w=3600");
            assertThat(ok.headers().firstValue("RateLimit").orElseThrow()).startsWith("\"per-caller\";r=" + (3 - i) + ";t=");
        }
        RedisCommands<String, String> inspect = redis.inspect();
        String arrival = inspect.get(key);
        assertThat(arrival).isNotNull();

        HttpResponse<String> refused = send(gateway, "/gcra", me);
        assertThat(refused.statusCode()).isEqualTo(429);
        assertThat(code(refused)).isEqualTo("rate_limited");
        // One emission interval (1,200 s) must pass before a fourth request fits.
        assertThat(Long.parseLong(refused.headers().firstValue("Retry-After").orElseThrow())).isBetween(1195L, 1200L);
        assertThat(refused.headers().firstValue("RateLimit-Policy")).hasValue("\"per-caller\";q=3;w=3600");
        assertThat(refused.headers().firstValue("RateLimit").orElseThrow()).startsWith("\"per-caller\";r=0;t=");

        assertThat(inspect.keys("zerogate:rl:*")).contains(key);
        // The refused request consumed nothing: the theoretical arrival time is where the third request put it.
        assertThat(inspect.get(key)).isEqualTo(arrival);
        assertThat(inspect.type(key)).isEqualTo("string");
        // Three allowed requests moved the theoretical arrival time an hour ahead; the key lives until then.
        assertThat(inspect.pttl(key)).isBetween(3_590_000L, 3_600_000L);
    }

    @Test
    void aCallerOverItsLimitIsRefusedWithoutAskingRedisAgain() throws Exception {
        String me = caller();
        assertThat(send(gateway, "/once", me).statusCode()).isEqualTo(200);
        assertThat(send(gateway, "/once", me).statusCode()).isEqualTo(429);

        String limited = "zerogate_limit_checks_total{limit=\"once\",outcome=\"limited\"}";
        double limitedBefore = metric(gateway, limited);
        long before = evalshaCalls();
        for (int i = 0; i < 10; i++) {
            HttpResponse<String> refused = send(gateway, "/once", me);
            assertThat(refused.statusCode()).isEqualTo(429);
            assertThat(code(refused)).isEqualTo("rate_limited");
            assertThat(Long.parseLong(refused.headers().firstValue("Retry-After").orElseThrow())).isBetween(3590L, 3600L);
            assertThat(refused.headers().firstValue("RateLimit-Policy")).hasValue("\"once\";q=1;w=3600");
            assertThat(refused.headers().firstValue("RateLimit").orElseThrow()).startsWith("\"once\";r=0;t=");
        }
        assertThat(evalshaCalls()).isEqualTo(before);
        assertThat(metric(gateway, limited)).isEqualTo(limitedBefore + 10);

        // Another caller is counted in Redis: one script call.
        assertThat(send(gateway, "/once", caller()).statusCode()).isEqualTo(200);
        assertThat(evalshaCalls()).isEqualTo(before + 1);
    }

    @Test
    void aConcurrencyLeaseIsARedisEntryGivenBackWhenTheResponseEnds() throws Exception {
        String me = caller();
        String key = storeKey("one-at-a-time", me);
        RedisCommands<String, String> inspect = redis.inspect();
        release = new CountDownLatch(1);
        int arrived = held.get();
        CompletableFuture<HttpResponse<String>> first = CompletableFuture.supplyAsync(() -> {
            try {
                return send(gateway, "/slow", me, "X-Hold", "1");
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        });
        try {
            Await.until("the first request reaches the upstream", Duration.ofSeconds(10), () -> held.get() > arrived);
            assertThat(inspect.type(key)).isEqualTo("zset");
            assertThat(inspect.zcard(key)).isEqualTo(1);
            assertThat(inspect.pttl(key)).isPositive();

            HttpResponse<String> second = send(gateway, "/slow", me);
            assertThat(second.statusCode()).isEqualTo(429);
            assertThat(code(second)).isEqualTo("concurrency_limited");
            assertThat(second.headers().firstValue("Retry-After")).hasValue("1");
            assertThat(inspect.zcard(key)).isEqualTo(1);
        } finally {
            release.countDown();
        }
        assertThat(first.get(10, TimeUnit.SECONDS).statusCode()).isEqualTo(200);
        Await.until("the lease is removed from Redis", Duration.ofSeconds(5), () -> inspect.zcard(key) == 0);

        // A concurrency refusal is not remembered by the pre-limiter: the next request asks Redis and is let through.
        assertThat(send(gateway, "/slow", me).statusCode()).isEqualTo(200);
        Await.until("the second lease is removed from Redis", Duration.ofSeconds(5), () -> inspect.zcard(key) == 0);
    }

    @ParameterizedTest(name = "on_store_error: {0}, Redis {1}")
    @CsvSource({
        "'', killed",
        "'', frozen",
        "deny, killed",
        "deny, frozen",
        "allow, killed",
        "allow, frozen",
    })
    void whileRedisCannotBeReachedOnStoreErrorDecidesUntilItAnswersAgain(String onStoreError, String failure)
            throws Exception {
        RedisServer server = null;
        RunningGateway node = null;
        try {
            server = RedisServer.start();
            String errorLine = onStoreError.isEmpty() ? "" : ", on_store_error: " + onStoreError;
            node = RunningGateway.start("""
                    state: { store: redis, uri: "%s", timeout: 300ms, expected_nodes: 2%s }
                    services:
                      api: { targets: [%s], tls: none }
                    routes:
                      - id: shared
                        match: { path: /shared }
                        service: api
                        public: true
                        limits:
                          - { id: shared, key: header:X-Caller, rate: 4/1h }
                    """.formatted(server.uri(), errorLine, upstream.target()));
            RunningGateway gw = node;
            RedisServer store = server;

            String before = caller();
            assertThat(send(gw, "/shared", before).statusCode()).isEqualTo(200);
            assertThat(store.inspect().exists(storeKey("shared", before))).isEqualTo(1);
            assertThat(metric(gw, "zerogate_limit_store_degraded")).isEqualTo(0);

            boolean killed = failure.equals("killed");
            if (killed) {
                store.kill();
            } else {
                store.pause();
            }

            String me = caller();
            switch (onStoreError) {
                case "" -> {
                    // Counted on this node alone, each of the two expected nodes taking half of the limit.
                    for (int i = 1; i <= 2; i++) {
                        HttpResponse<String> ok = send(gw, "/shared", me);
                        assertThat(ok.statusCode()).as("request %d while Redis is %s", i, failure).isEqualTo(200);
                        assertThat(ok.headers().firstValue("RateLimit").orElseThrow()).startsWith("\"shared\";r=" + (2 - i) + ";t=");
                    }
                    HttpResponse<String> refused = send(gw, "/shared", me);
                    assertThat(refused.statusCode()).isEqualTo(429);
                    assertThat(code(refused)).isEqualTo("rate_limited");
                    assertThat(refused.headers().firstValue("Retry-After")).isPresent();
                    // Another caller has its own share.
                    assertThat(send(gw, "/shared", caller()).statusCode()).isEqualTo(200);
                }
                case "deny" -> {
                    for (int i = 1; i <= 3; i++) {
                        HttpResponse<String> refused = send(gw, "/shared", me);
                        assertThat(refused.statusCode()).as("request %d while Redis is %s", i, failure).isEqualTo(503);
                        assertThat(code(refused)).isEqualTo("state_unavailable");
                        assertThat(refused.headers().firstValue("Retry-After")).hasValue("1");
                    }
                }
                case "allow" -> {
                    for (int i = 1; i <= 6; i++) {
                        HttpResponse<String> ok = send(gw, "/shared", me);
                        assertThat(ok.statusCode()).as("request %d while Redis is %s", i, failure).isEqualTo(200);
                        assertThat(ok.headers().firstValue("RateLimit")).isEmpty();
                        assertThat(ok.headers().firstValue("RateLimit-Policy")).isEmpty();
                    }
                }
                default -> throw new IllegalArgumentException("on_store_error: " + onStoreError);
            }
            assertThat(metric(gw, "zerogate_limit_store_degraded")).isEqualTo(1);
            assertThat(metric(gw, "zerogate_limit_store_errors_total")).isPositive();

            if (killed) {
                store.restart();
            } else {
                store.resume();
            }
            // The store is tried again a second after it failed; a fresh caller each time shows where it was counted.
            Await.until("a request is counted in Redis again", RECOVERY_BOUND, () -> {
                String next = caller();
                try {
                    return send(gw, "/shared", next).statusCode() == 200 && store.inspect().exists(storeKey("shared", next)) == 1;
                } catch (Exception e) {
                    throw new IllegalStateException(e);
                }
            });
            assertThat(metric(gw, "zerogate_limit_store_degraded")).isEqualTo(0);

            // Counted in Redis with the whole limit again: four requests of one caller, the fifth refused.
            String after = caller();
            for (int i = 1; i <= 4; i++) {
                assertThat(send(gw, "/shared", after).statusCode()).as("request %d after recovery", i).isEqualTo(200);
            }
            assertThat(send(gw, "/shared", after).statusCode()).isEqualTo(429);
            assertThat(store.inspect().exists(storeKey("shared", after))).isEqualTo(1);
        } finally {
            Closing.all(node, server);
        }
    }

    @Test
    void aStoppedGatewayLeavesNoConnectionInRedisTheEventLoopsOwnIncluded() throws Exception {
        RedisServer server = RedisServer.start();
        try {
            RedisCommands<String, String> inspect = server.inspect();
            long ownClients = inspect.clientList().lines().count();
            RunningGateway node = RunningGateway.start("""
                    state: { store: redis, uri: "%s" }
                    services:
                      api: { targets: [%s], tls: none }
                    routes:
                      - id: shared
                        match: { path: /shared }
                        service: api
                        public: true
                        limits:
                          - { id: shared, key: header:X-Caller, rate: 1000/1h }
                    """.formatted(server.uri(), upstream.target()), 2);
            // Each client connection is served by the next loop; each loop opens its Redis connection on its first charge.
            Await.until("a Redis connection for each event loop beside the shared one", Duration.ofSeconds(10), () -> {
                try (java.net.Socket socket = new java.net.Socket()) {
                    socket.connect(node.address(), 5000);
                    socket.setSoTimeout(5000);
                    socket.getOutputStream().write(("GET /shared HTTP/1.1\r\nHost: a\r\nX-Caller: " + caller()
                            + "\r\nConnection: close\r\n\r\n").getBytes(StandardCharsets.ISO_8859_1));
                    assertThat(new String(socket.getInputStream().readAllBytes(), StandardCharsets.ISO_8859_1))
                            .startsWith("HTTP/1.1 200 ");
                } catch (java.io.IOException e) {
                    throw new IllegalStateException(e);
                }
                return inspect.clientList().lines().count() - ownClients == 3;
            });

            long started = System.nanoTime();
            node.close();
            assertThat(Duration.ofNanos(System.nanoTime() - started)).isLessThan(Duration.ofMillis(1500));
            Await.until("no connection of the gateway left in Redis", Duration.ofSeconds(5),
                    () -> inspect.clientList().lines().count() == ownClients);
        } finally {
            server.close();
        }
    }

    @Test
    void pipelinedRequestsDecidedInRedisAreAnsweredInOrder() throws Exception {
        String me = caller();
        String get = "GET /gcra HTTP/1.1\r\nHost: a\r\nX-Caller: " + me + "\r\n\r\n";
        String post = "POST /gcra HTTP/1.1\r\nHost: a\r\nX-Caller: " + me + "\r\nContent-Length: 3\r\n\r\nabc";
        String last = "GET /gcra HTTP/1.1\r\nHost: a\r\nX-Caller: " + me + "\r\nConnection: close\r\n\r\n";
        String answers;
        try (java.net.Socket socket = new java.net.Socket()) {
            socket.connect(gateway.address(), 5000);
            socket.setSoTimeout(20_000);
            // The first alone, so that the rest arrive while it waits for its Redis verdict with its read armed;
            // then three at once, each waiting for its verdict while the ones behind it are already read.
            socket.getOutputStream().write(get.getBytes(StandardCharsets.ISO_8859_1));
            socket.getOutputStream().flush();
            socket.getOutputStream().write((post + get + last).getBytes(StandardCharsets.ISO_8859_1));
            socket.getOutputStream().flush();
            answers = new String(socket.getInputStream().readAllBytes(), StandardCharsets.ISO_8859_1);
        }
        Matcher status = Pattern.compile("HTTP/1\\.1 (\\d{3}) ").matcher(answers);
        java.util.List<String> statuses = new java.util.ArrayList<>();
        while (status.find()) {
            statuses.add(status.group(1));
        }
        // The limit is 3 an hour: the fourth, last in line, is the one refused.
        assertThat(statuses).as(answers).containsExactly("200", "200", "200", "429");
        Matcher remaining = Pattern.compile("(?m)^RateLimit: \"per-caller\";r=(\\d+);").matcher(answers);
        java.util.List<String> left = new java.util.ArrayList<>();
        while (remaining.find()) {
            left.add(remaining.group(1));
        }
        assertThat(left).startsWith("2", "1", "0");
    }

    private static String caller() {
        return UUID.randomUUID().toString();
    }

    private static HttpResponse<String> send(RunningGateway g, String path, String callerId, String... more) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(g.url(path))).timeout(Duration.ofSeconds(20))
                .header("X-Caller", callerId);
        for (int i = 0; i < more.length; i += 2) {
            b.header(more[i], more[i + 1]);
        }
        return http.send(b.GET().build(), HttpResponse.BodyHandlers.ofString());
    }

    private static String code(HttpResponse<String> r) {
        Matcher m = CODE.matcher(r.body());
        return m.find() ? m.group(1) : null;
    }

    /**
     * The Redis key of a limit keyed by {@code header:X-Caller}: the header's value (as {@code h:value}) led by
     * its length in four bytes, hashed with SHA-256, cut to 16 bytes in base64url, as a hash tag.
     */
    private static String storeKey(String limitId, String callerId) throws Exception {
        byte[] value = ("h:" + callerId).getBytes(StandardCharsets.UTF_8);
        MessageDigest sha256 = MessageDigest.getInstance("SHA-256");
        sha256.update(ByteBuffer.allocate(4).putInt(value.length).array());
        byte[] digest = sha256.digest(value);
        return "zerogate:rl:{" + Base64.getUrlEncoder().withoutPadding().encodeToString(Arrays.copyOf(digest, 16)) + "}:" + limitId;
    }

    /** How many times Redis has run a script by its digest since it started. */
    private static long evalshaCalls() {
        Matcher m = EVALSHA_CALLS.matcher(redis.inspect().info("commandstats"));
        return m.find() ? Long.parseLong(m.group(1)) : 0;
    }

    private static double metric(RunningGateway g, String series) throws Exception {
        String body = http.send(g.admin("/metrics").build(), HttpResponse.BodyHandlers.ofString()).body();
        return body.lines().filter(line -> line.startsWith(series + " "))
                .mapToDouble(line -> Double.parseDouble(line.substring(series.length() + 1)))
                .findFirst().orElseThrow(() -> new AssertionError("no series " + series + " in /metrics"));
    }
}
