package io.zerogate.limits;

import static org.assertj.core.api.Assertions.assertThat;

import io.zerogate.cli.Main;
import io.zerogate.state.RedisServer;
import io.zerogate.testing.Closing;
import io.zerogate.testing.RunningGateway;
import io.zerogate.testing.TestUpstream;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.UUID;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Two gateway processes — one in this JVM, one a separate JVM started with {@code zerogate run} — share one
 * real Redis, and a limit holds exactly across both: of 1,000 concurrent requests for one key limited to 100 a
 * minute, split evenly between the two gateways, exactly 100 are forwarded and 900 refused with 429 and
 * {@code Retry-After}.
 */
@Timeout(120)
class ClusterAccuracyTest {

    private static final int LIMIT = 100;
    private static final int REQUESTS = 1_000;
    private static final int CLIENT_THREADS = 64;
    private static final Duration START_BOUND = Duration.ofSeconds(60);
    private static final Pattern LISTENER = Pattern.compile("zerogate: listener public on http://127\\.0\\.0\\.1:(\\d+)");
    private static final Pattern ADMIN = Pattern.compile("zerogate: admin on http://127\\.0\\.0\\.1:(\\d+)");
    private static final Pattern CODE = Pattern.compile("\"code\":\"([a-z_]+)\"");

    @TempDir
    static Path dir;

    private static RedisServer redis;
    private static TestUpstream upstream;
    private static RunningGateway inProcess;
    private static Process child;
    private static Path childLog;
    private static int childPort;
    private static final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(5)).build();

    @BeforeAll
    static void start() throws Exception {
        redis = RedisServer.start();
        upstream = TestUpstream.fixed("ok");
        String yaml = """
                state: { store: redis, uri: "%1$s" }
                services:
                  api: { targets: [%2$s], tls: none }
                routes:
                  - id: limited
                    match: { path: /limited }
                    service: api
                    public: true
                    limits:
                      - { id: per-caller, key: header:X-Caller, rate: %3$d/1m, algorithm: fixed_window }
                """.formatted(redis.uri(), upstream.target(), LIMIT);
        inProcess = RunningGateway.start(yaml);
        awaitReady(inProcess.adminPort());
        childPort = startChild(RunningGateway.document(yaml));
    }

    /** Starts {@code zerogate run} in its own JVM and returns its data port once its admin listener is ready. */
    private static int startChild(String document) throws Exception {
        Path config = dir.resolve("child.yaml");
        Files.writeString(config, document);
        // Kept under target/ so that a failed run can be read afterwards.
        Path logs = Path.of("target", "cluster-accuracy");
        Files.createDirectories(logs);
        childLog = logs.resolve("child-" + ProcessHandle.current().pid() + ".log");
        Path java = Path.of(System.getProperty("java.home"), "bin", "java");
        child = new ProcessBuilder(java.toString(), "--enable-native-access=ALL-UNNAMED", "-Xmx256m",
                "-cp", System.getProperty("java.class.path"), Main.class.getName(),
                "run", "--config", config.toString(), "--event-loops", "2")
                .redirectErrorStream(true)
                .redirectOutput(childLog.toFile())
                .start();
        long deadline = System.nanoTime() + START_BOUND.toNanos();
        Integer port = null;
        Integer admin = null;
        while (port == null || admin == null) {
            if (!child.isAlive()) {
                throw new AssertionError("the second gateway exited with " + child.exitValue() + " before it listened:\n"
                        + childOutput());
            }
            if (System.nanoTime() - deadline > 0) {
                throw new AssertionError("the second gateway did not report its listeners within " + START_BOUND + ":\n"
                        + childOutput());
            }
            String output = Files.readString(childLog);
            port = group(LISTENER, output);
            admin = group(ADMIN, output);
            Thread.sleep(20);
        }
        awaitReady(admin);
        return port;
    }

    private static Integer group(Pattern pattern, String text) {
        Matcher m = pattern.matcher(text);
        return m.find() ? Integer.valueOf(m.group(1)) : null;
    }

    private static void awaitReady(int adminPort) throws Exception {
        URI readyz = URI.create("http://127.0.0.1:" + adminPort + "/readyz");
        long deadline = System.nanoTime() + START_BOUND.toNanos();
        int status = -1;
        while (System.nanoTime() - deadline < 0) {
            try {
                status = http.send(HttpRequest.newBuilder(readyz).timeout(Duration.ofSeconds(2)).build(),
                        HttpResponse.BodyHandlers.discarding()).statusCode();
                if (status == 200) {
                    return;
                }
            } catch (IOException notYet) {
                // Not listening yet.
            }
            Thread.sleep(20);
        }
        throw new AssertionError("/readyz on admin port " + adminPort + " answered " + status + " for " + START_BOUND
                + (child == null ? "" : ":\n" + childOutput()));
    }

    private static String childOutput() {
        try {
            return childLog + ":\n" + Files.readString(childLog, StandardCharsets.UTF_8);
        } catch (IOException e) {
            return "(no output of the second gateway: " + e + ")";
        }
    }

    @AfterAll
    static void stop() throws Exception {
        try {
            if (child != null) {
                child.destroy();
                if (!child.waitFor(15, TimeUnit.SECONDS)) {
                    child.destroyForcibly();
                    child.waitFor(10, TimeUnit.SECONDS);
                }
            }
        } finally {
            Closing.all(inProcess, upstream, redis);
        }
    }

    /** One answer: which gateway gave it, its status, reason code and Retry-After. */
    private record Answer(int gateway, int status, String code, Optional<String> retryAfter) {}

    @Test
    void twoGatewaysSharingRedisForwardExactlyTheLimitOfOneKey() throws Exception {
        String caller = UUID.randomUUID().toString();
        List<URI> gateways = List.of(URI.create(inProcess.url("/limited")),
                URI.create("http://127.0.0.1:" + childPort + "/limited"));
        ExecutorService clients = Executors.newFixedThreadPool(CLIENT_THREADS);
        List<Answer> answers = new ArrayList<>();
        try {
            CountDownLatch go = new CountDownLatch(1);
            List<Future<Answer>> pending = new ArrayList<>();
            for (int i = 0; i < REQUESTS; i++) {
                int gateway = i % gateways.size();
                HttpRequest request = HttpRequest.newBuilder(gateways.get(gateway)).timeout(Duration.ofSeconds(30))
                        .header("X-Caller", caller).GET().build();
                pending.add(clients.submit(() -> {
                    go.await();
                    HttpResponse<String> r = http.send(request, HttpResponse.BodyHandlers.ofString());
                    Matcher code = CODE.matcher(r.body());
                    return new Answer(gateway, r.statusCode(), code.find() ? code.group(1) : null,
                            r.headers().firstValue("Retry-After"));
                }));
            }
            go.countDown();
            for (Future<Answer> answer : pending) {
                answers.add(answer.get(60, TimeUnit.SECONDS));
            }
        } finally {
            clients.shutdownNow();
        }

        Map<String, Integer> byOutcome = new TreeMap<>();
        for (Answer a : answers) {
            byOutcome.merge("gateway " + a.gateway() + " " + a.status() + " " + a.code(), 1, Integer::sum);
        }
        String summary = byOutcome + "\nsecond gateway's " + childOutput();
        assertThat(answers.stream().filter(a -> a.status() == 200).count()).as(summary).isEqualTo(LIMIT);
        List<Answer> refused = answers.stream().filter(a -> a.status() == 429).toList();
        assertThat(refused).as(summary).hasSize(REQUESTS - LIMIT);
        assertThat(refused).as(summary).allSatisfy(a -> {
            assertThat(a.code()).isEqualTo("rate_limited");
            // The window opened with the first request and lasts a minute: what is left of it, in whole seconds.
            assertThat(a.retryAfter()).hasValueSatisfying(s -> assertThat(Long.parseLong(s)).isBetween(1L, 60L));
        });
        assertThat(child.isAlive()).as(summary).isTrue();
    }
}
