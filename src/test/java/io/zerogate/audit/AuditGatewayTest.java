package io.zerogate.audit;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.zerogate.testing.Await;
import io.zerogate.testing.Closing;
import io.zerogate.testing.DeadTargets;
import io.zerogate.testing.RunningGateway;
import io.zerogate.testing.TestUpstream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
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
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The audit trail through a real gateway: exactly one record per exchange for every outcome (forwarded, refused
 * before and by the chain, failed upstream, abandoned mid-stream), the trace context the upstream receives, what a
 * record holds and never holds, and a restart that continues the chain.
 */
@Timeout(60)
class AuditGatewayTest {

    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    static Path dir;

    private static TestUpstream upstream;
    private static RunningGateway gateway;
    private static final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    private static final BlockingQueue<String> upstreamHeads = new LinkedBlockingQueue<>();
    private static volatile CountDownLatch streamRelease = new CountDownLatch(1);

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
                upstreamHeads.add(head);
                if (head.startsWith("GET /stream")) {
                    // A long response: the head and a first chunk, then nothing until the test lets go.
                    out.write("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n".getBytes(StandardCharsets.ISO_8859_1));
                    out.flush();
                    streamRelease.await(20, TimeUnit.SECONDS);
                    return;
                }
                out.write("HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok".getBytes(StandardCharsets.ISO_8859_1));
                out.flush();
            }
        });
        gateway = RunningGateway.start(config());
    }

    private static String config() throws IOException {
        return """
                audit:
                  file: { directory: "%1$s/audit" }
                  signing_key: "%1$s/keys/audit.pem"
                  headers: [user-agent, x-tenant]
                services:
                  api: { targets: [%2$s], tls: none }
                  dead: { targets: ["http://127.0.0.1:%3$d"], tls: none }
                routes:
                  - id: items
                    match: { path: "/items/{itemId}" }
                    service: api
                    public: true
                    limits:
                      - { id: per-caller, key: header:X-Caller, rate: 1/1h }
                  - id: stream
                    match: { path: /stream }
                    service: api
                    public: true
                  - id: dead
                    match: { path: /dead }
                    service: dead
                    public: true
                """.formatted(dir, upstream.target(), DeadTargets.refusingPort());
    }

    @AfterAll
    static void stop() throws Exception {
        streamRelease.countDown();
        Closing.all(gateway, upstream);
    }

    @Test
    void aForwardedRequestIsRecordedOnceWithItsRouteTraceAndSize() throws Exception {
        upstreamHeads.clear();
        String parent = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01";
        HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create(gateway.url("/items/42?q=1")))
                .header("traceparent", parent).header("tracestate", "vendor=1").header("User-Agent", "audit-test/1")
                .header("X-Tenant", "acme").header("Authorization", "Bearer secret-token-value")
                .POST(HttpRequest.BodyPublishers.ofString("twelve bytes")).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(r.statusCode()).isEqualTo(200);
        String requestId = r.headers().firstValue("x-request-id").orElseThrow();

        JsonNode rec = awaitRecord(requestId);
        assertThat(rec.get("type").asText()).isEqualTo("record");
        assertThat(rec.get("outcome").asText()).isEqualTo("allowed");
        assertThat(rec.get("status").asInt()).isEqualTo(200);
        assertThat(rec.get("route_id").asText()).isEqualTo("items");
        assertThat(rec.get("path_template").asText()).isEqualTo("/items/{itemId}");
        assertThat(rec.get("path").asText()).isEqualTo("/items/42");
        assertThat(rec.get("method").asText()).isEqualTo("POST");
        assertThat(rec.get("client_address").asText()).isEqualTo("127.0.0.1");
        assertThat(rec.get("upstream").asText()).contains(Integer.toString(upstream.port()));
        assertThat(rec.get("bytes_in").asLong()).isEqualTo(12);
        assertThat(rec.get("bytes_out").asLong()).isEqualTo(2);
        assertThat(rec.get("trace_id").asText()).isEqualTo("4bf92f3577b34da6a3ce929d0e0e4736");
        assertThat(rec.get("limit").get("key").asText()).isEqualTo("per-caller");
        assertThat(rec.get("headers").get("user-agent").asText()).isEqualTo("audit-test/1");
        assertThat(rec.get("headers").get("x-tenant").asText()).isEqualTo("acme");
        assertThat(rec.get("total_micros").asLong()).isGreaterThanOrEqualTo(rec.get("upstream_micros").asLong());
        assertThat(recordsFor(requestId)).hasSize(1);
        assertThat(allLines()).noneMatch(l -> l.contains("secret-token-value"));

        String head = upstreamHeads.poll(5, TimeUnit.SECONDS);
        String forwarded = headerValue(head, "traceparent");
        assertThat(forwarded).startsWith("00-4bf92f3577b34da6a3ce929d0e0e4736-").endsWith("-01")
                .doesNotContain("00f067aa0ba902b7");
        assertThat(headerValue(head, "tracestate")).isEqualTo("vendor=1");
    }

    @Test
    void anInvalidTraceparentStartsANewTraceAndDropsItsState() throws Exception {
        upstreamHeads.clear();
        HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create(gateway.url("/items/7")))
                .header("traceparent", "00-00000000000000000000000000000000-00f067aa0ba902b7-01")
                .header("tracestate", "vendor=1").header("X-Caller", "trace").build(), HttpResponse.BodyHandlers.ofString());
        assertThat(r.statusCode()).isEqualTo(200);
        JsonNode rec = awaitRecord(r.headers().firstValue("x-request-id").orElseThrow());
        String head = upstreamHeads.poll(5, TimeUnit.SECONDS);
        String forwarded = headerValue(head, "traceparent");
        assertThat(forwarded).matches("00-[0-9a-f]{32}-[0-9a-f]{16}-00").contains(rec.get("trace_id").asText());
        assertThat(rec.get("trace_id").asText()).isNotEqualTo("00000000000000000000000000000000");
        assertThat(headerValue(head, "tracestate")).isNull();
    }

    @Test
    void refusalsBeforeAndByTheChainAreRecordedWithReasonAndRule() throws Exception {
        HttpResponse<String> none = get("/nowhere", "X-Caller", "r");
        assertThat(none.statusCode()).isEqualTo(404);
        JsonNode noRoute = awaitRecord(none.headers().firstValue("x-request-id").orElseThrow());
        assertThat(noRoute.get("outcome").asText()).isEqualTo("denied");
        assertThat(noRoute.get("reason").asText()).isEqualTo("no_route");
        assertThat(noRoute.has("route_id")).isFalse();
        assertThat(noRoute.get("path").asText()).isEqualTo("/nowhere");

        assertThat(get("/items/1", "X-Caller", "limited").statusCode()).isEqualTo(200);
        HttpResponse<String> limited = get("/items/1", "X-Caller", "limited");
        assertThat(limited.statusCode()).isEqualTo(429);
        JsonNode rec = awaitRecord(limited.headers().firstValue("x-request-id").orElseThrow());
        assertThat(rec.get("outcome").asText()).isEqualTo("denied");
        assertThat(rec.get("reason").asText()).isEqualTo("rate_limited");
        assertThat(rec.get("rule").asText()).isEqualTo("per-caller");
        assertThat(rec.get("status").asInt()).isEqualTo(429);
        assertThat(rec.has("upstream")).isFalse();
    }

    @Test
    void metricsCountStageDecisionsAndWrittenRecords() throws Exception {
        assertThat(get("/items/9", "X-Caller", "metrics").statusCode()).isEqualTo(200);
        assertThat(get("/items/9", "X-Caller", "metrics").statusCode()).isEqualTo(429);
        Await.until("the records to be written", Duration.ofSeconds(10),
                () -> gateway.gateway().metrics().scrape().matches("(?s).*zerogate_audit_records_total [1-9].*"));
        String scrape = gateway.gateway().metrics().scrape();
        assertThat(scrape).containsPattern("zerogate_stage_decisions_total\\{decision=\"continue\",stage=\"limits\"} [1-9]")
                .containsPattern("zerogate_stage_decisions_total\\{decision=\"rate_limited\",stage=\"limits\"} [1-9]")
                .contains("zerogate_stage_duration_seconds_count{stage=\"route-access\"}")
                .containsPattern("zerogate_audit_checkpoints_total [1-9]")
                .contains("zerogate_audit_queue_depth ")
                .contains("zerogate_audit_sink_failing{sink=\"file\"} 0.0");
    }

    @Test
    void theAdminApiPublishesTheCheckpointKeyAndTailsNewRecords() throws Exception {
        HttpResponse<String> keys = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + gateway.adminPort()
                + "/.well-known/jwks.json")).build(), HttpResponse.BodyHandlers.ofString());
        AuditKeys trailKey = AuditKeys.loadOrCreate(dir.resolve("keys/audit.pem"));
        JsonNode okp = null;
        for (JsonNode k : JSON.readTree(keys.body()).get("keys")) {
            if (k.path("kty").asText().equals("OKP")) {
                okp = k;
            }
        }
        assertThat(okp).isNotNull();
        assertThat(okp.get("kid").asText()).isEqualTo(trailKey.keyId());

        HttpResponse<InputStream> tail = http.send(gateway.admin("/admin/audit/tail").build(),
                HttpResponse.BodyHandlers.ofInputStream());
        assertThat(tail.statusCode()).isEqualTo(200);
        try (InputStream events = tail.body()) {
            String requestId = get("/items/77", "X-Caller", "tail").headers().firstValue("x-request-id").orElseThrow();
            java.io.BufferedReader lines = new java.io.BufferedReader(new java.io.InputStreamReader(events, StandardCharsets.UTF_8));
            String line;
            while ((line = lines.readLine()) != null) {
                if (line.startsWith("data:") && line.contains(requestId)) {
                    break;
                }
            }
            assertThat(line).isNotNull();
            assertThat(JSON.readTree(line.substring(5).trim()).get("request_id").asText()).isEqualTo(requestId);
        }
    }

    @Test
    void anUpstreamFailureIsRecordedAsErrored() throws Exception {
        HttpResponse<String> r = get("/dead");
        assertThat(r.statusCode()).isEqualTo(502);
        JsonNode rec = awaitRecord(r.headers().firstValue("x-request-id").orElseThrow());
        assertThat(rec.get("outcome").asText()).isEqualTo("errored");
        assertThat(rec.get("reason").asText()).isEqualTo("upstream_connect_failed");
    }

    @Test
    void aClientThatLeavesMidStreamIsRecordedAsAbandoned() throws Exception {
        streamRelease = new CountDownLatch(1);
        String requestId;
        try (Socket s = new Socket("127.0.0.1", gateway.port())) {
            s.getOutputStream().write("GET /stream HTTP/1.1\r\nHost: a\r\n\r\n".getBytes(StandardCharsets.ISO_8859_1));
            byte[] buf = new byte[4096];
            StringBuilder got = new StringBuilder();
            while (!got.toString().contains("hello")) {
                int n = s.getInputStream().read(buf);
                assertThat(n).isPositive();
                got.append(new String(buf, 0, n, StandardCharsets.ISO_8859_1));
            }
            requestId = headerValue(got.toString(), "x-request-id");
        }
        JsonNode rec = awaitRecord(requestId);
        streamRelease.countDown();
        assertThat(rec.get("outcome").asText()).isEqualTo("abandoned");
        assertThat(rec.get("status").asInt()).isEqualTo(200);
        assertThat(rec.get("bytes_out").asLong()).isGreaterThan(0);
        assertThat(recordsFor(requestId)).hasSize(1);
    }

    @Test
    void everyLineLinksToTheOneBeforeAndARestartContinuesTheChain() throws Exception {
        Path other = dir.resolve("restart");
        String yaml = """
                audit:
                  file: { directory: "%1$s/audit" }
                services:
                  api: { targets: [%2$s], tls: none }
                routes:
                  - { id: any, match: { path: "/{p...}" }, service: api, public: true }
                """.formatted(other, upstream.target());
        try (RunningGateway first = RunningGateway.start(yaml)) {
            for (int i = 0; i < 3; i++) {
                assertThat(http.send(HttpRequest.newBuilder(URI.create(first.url("/a"))).build(),
                        HttpResponse.BodyHandlers.ofString()).statusCode()).isEqualTo(200);
            }
        }
        try (RunningGateway second = RunningGateway.start(yaml)) {
            assertThat(http.send(HttpRequest.newBuilder(URI.create(second.url("/b"))).build(),
                    HttpResponse.BodyHandlers.ofString()).statusCode()).isEqualTo(200);
        }
        List<Path> files = files(other.resolve("audit"));
        assertThat(files).hasSize(2);
        List<String> firstFile = Files.readAllLines(files.get(0));
        List<String> secondFile = Files.readAllLines(files.get(1));
        assertThat(JSON.readTree(firstFile.get(0)).get("type").asText()).isEqualTo("resume");
        assertThat(JSON.readTree(firstFile.get(0)).get("prev").asText()).isEqualTo(AuditChain.GENESIS);
        assertThat(JSON.readTree(firstFile.get(firstFile.size() - 1)).get("type").asText()).isEqualTo("checkpoint");
        JsonNode resume = JSON.readTree(secondFile.get(0));
        assertThat(resume.get("type").asText()).isEqualTo("resume");
        assertThat(resume.get("previous_file").asText()).isEqualTo(files.get(0).getFileName().toString());
        assertThat(resume.get("discarded_bytes").asLong()).isZero();
        List<String> all = new ArrayList<>(firstFile);
        all.addAll(secondFile);
        assertChainIntact(all);
        assertThat(all.stream().filter(l -> l.contains("\"type\":\"record\""))).hasSize(4);

        // The trail the gateway wrote across a restart is intact for the verifier, with the key it published.
        java.security.PublicKey key = TrailKeyFile.read(AuditKeys.publicKeyFile(other.resolve("audit/audit-signing-key.pem")));
        VerifyReport report = new AuditVerifier(List.of(key), false).verify(AuditVerifier.trailFiles(List.of(other.resolve("audit"))));
        assertThat(report.verdict()).isEqualTo(VerifyReport.Verdict.INTACT);

        // One edited byte in the first file is the first broken link.
        Path first = files.get(0);
        String edited = Files.readString(first).replaceFirst("\"status\":200", "\"status\":201");
        Files.writeString(first, edited);
        VerifyReport tampered = new AuditVerifier(List.of(key), false).verify(AuditVerifier.trailFiles(List.of(other.resolve("audit"))));
        assertThat(tampered.verdict()).isEqualTo(VerifyReport.Verdict.BROKEN);
        assertThat(tampered.broken().file().getFileName()).isEqualTo(first.getFileName());
        assertThat(tampered.broken().kind()).isEqualTo(TrailBreak.Kind.EDITED);
    }

    static void assertChainIntact(List<String> lines) throws IOException {
        String prev = AuditChain.GENESIS;
        long seq = 0;
        for (String line : lines) {
            JsonNode n = JSON.readTree(line);
            assertThat(n.get("seq").asLong()).isEqualTo(seq + 1);
            assertThat(n.get("prev").asText()).isEqualTo(prev);
            byte[] bytes = line.getBytes(StandardCharsets.UTF_8);
            prev = AuditChain.hash(bytes, 0, bytes.length);
            seq++;
        }
    }

    private static HttpResponse<String> get(String path, String... headers) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(gateway.url(path))).timeout(Duration.ofSeconds(10));
        if (headers.length > 0) {
            b.headers(headers);
        }
        return http.send(b.build(), HttpResponse.BodyHandlers.ofString());
    }

    private static JsonNode awaitRecord(String requestId) throws Exception {
        Await.until("the audit record of " + requestId, Duration.ofSeconds(10), () -> !recordsFor(requestId).isEmpty());
        return recordsFor(requestId).get(0);
    }

    private static List<JsonNode> recordsFor(String requestId) {
        List<JsonNode> out = new ArrayList<>();
        for (String line : allLines()) {
            if (line.contains(requestId)) {
                try {
                    JsonNode n = JSON.readTree(line);
                    if (n.path("request_id").asText().equals(requestId)) {
                        out.add(n);
                    }
                } catch (IOException e) {
                    // A line being written; the next poll sees it whole.
                }
            }
        }
        return out;
    }

    private static List<String> allLines() {
        List<String> out = new ArrayList<>();
        try {
            for (Path f : files(dir.resolve("audit"))) {
                out.addAll(Files.readAllLines(f));
            }
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
        return out;
    }

    private static List<Path> files(Path directory) throws IOException {
        try (Stream<Path> s = Files.list(directory)) {
            return s.filter(p -> p.getFileName().toString().endsWith(".jsonl")).sorted().toList();
        }
    }

    private static String headerValue(String head, String name) {
        for (String line : head.split("\r\n")) {
            int colon = line.indexOf(':');
            if (colon > 0 && line.substring(0, colon).trim().equalsIgnoreCase(name)) {
                return line.substring(colon + 1).trim();
            }
        }
        return null;
    }
}
