package io.zerogate.audit;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpServer;
import io.zerogate.testing.Await;
import io.zerogate.testing.RunningGateway;
import io.zerogate.testing.TestUpstream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
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
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The audit record of a request that went through posture and policy: the device and its verdict, and every policy
 * check in shadow mode that would have refused it, as {@code policy:route:rule}.
 */
class AuditPolicyFactsTest {

    @TempDir
    static Path dir;

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    private static HttpServer posture;
    private static TestUpstream upstream;
    private static RunningGateway gateway;

    @BeforeAll
    static void start() throws Exception {
        posture = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        posture.createContext("/devices/", exchange -> {
            String id = exchange.getRequestURI().getPath().substring("/devices/".length());
            String answer = switch (id) {
                case "laptop-1" -> "{\"device_id\":\"laptop-1\",\"managed\":true,\"compliant\":true}";
                case "kiosk-2" -> "{\"device_id\":\"kiosk-2\",\"managed\":true,\"compliant\":false}";
                default -> "";
            };
            byte[] body = answer.getBytes(StandardCharsets.UTF_8);
            exchange.getResponseHeaders().set("Content-Type", "application/json");
            exchange.sendResponseHeaders(body.length == 0 ? 404 : 200, body.length == 0 ? -1 : body.length);
            try (OutputStream out = exchange.getResponseBody()) {
                out.write(body);
            }
        });
        posture.start();
        upstream = TestUpstream.start((socket, up) -> {
            InputStream in = socket.getInputStream();
            OutputStream out = socket.getOutputStream();
            while (true) {
                String head = up.readHead(in);
                if (head == null) {
                    return;
                }
                up.skipBody(head, in);
                out.write("HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok".getBytes(StandardCharsets.ISO_8859_1));
                out.flush();
            }
        });
        gateway = RunningGateway.start("""
                audit:
                  file: { directory: "%1$s/audit" }
                  signing_key: "%1$s/keys/audit.pem"
                posture:
                  lookup: { url: "http://127.0.0.1:%2$d/devices/{device_id}" }
                services:
                  api: { targets: [%3$s], tls: none }
                routes:
                  - id: reports
                    match: { path: "/reports/{reportId}" }
                    service: api
                    require: { device: managed }
                    allow:
                      - { id: open, when: "true" }
                      - { id: tenant, when: 'request.headers["x-tenant"] == "acme"', mode: shadow }
                      - { id: compliant, when: device.compliant, mode: shadow }
                """.formatted(dir, posture.getAddress().getPort(), upstream.target()));
    }

    @AfterAll
    static void stop() throws Exception {
        gateway.close();
        upstream.close();
        posture.stop(0);
    }

    @Test
    void aRequestFromAManagedDeviceRecordsTheDeviceAndTheShadowRulesThatWouldHaveRefused() throws Exception {
        HttpResponse<String> kiosk = get("/reports/7", "Device-Id", "kiosk-2", "X-Tenant", "globex");
        assertThat(kiosk.statusCode()).isEqualTo(200);
        JsonNode record = awaitRecord(kiosk);
        assertThat(record.get("outcome").asText()).isEqualTo("allowed");
        assertThat(record.get("device").get("id").asText()).isEqualTo("kiosk-2");
        assertThat(record.get("device").get("verdict").asText()).isEqualTo("managed");
        assertThat(record.get("shadow")).extracting(JsonNode::asText)
                .containsExactly("policy:reports:tenant", "policy:reports:compliant");

        HttpResponse<String> laptop = get("/reports/7", "Device-Id", "laptop-1", "X-Tenant", "acme");
        assertThat(laptop.statusCode()).isEqualTo(200);
        JsonNode clean = awaitRecord(laptop);
        assertThat(clean.get("device").get("verdict").asText()).isEqualTo("compliant");
        assertThat(clean.has("shadow")).isFalse();
    }

    @Test
    void aRequestWithoutADeviceIsRecordedWithItsReasonAndRule() throws Exception {
        HttpResponse<String> none = get("/reports/7");
        assertThat(none.statusCode()).isEqualTo(403);
        JsonNode record = awaitRecord(none);
        assertThat(record.get("outcome").asText()).isEqualTo("denied");
        assertThat(record.get("reason").asText()).isEqualTo("device_attestation_missing");
        assertThat(record.get("rule").asText()).isEqualTo("reports");
        assertThat(record.has("device")).isFalse();
        assertThat(none.body()).doesNotContain("reports").contains("device_attestation_missing");
    }

    private static HttpResponse<String> get(String path, String... headers) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(gateway.url(path))).timeout(Duration.ofSeconds(10));
        for (int i = 0; i < headers.length; i += 2) {
            b.header(headers[i], headers[i + 1]);
        }
        return http.send(b.build(), HttpResponse.BodyHandlers.ofString());
    }

    private static JsonNode awaitRecord(HttpResponse<String> response) throws Exception {
        String requestId = response.headers().firstValue("x-request-id").orElseThrow();
        Await.until("the audit record of " + requestId, Duration.ofSeconds(10), () -> !recordsFor(requestId).isEmpty());
        List<JsonNode> found = recordsFor(requestId);
        assertThat(found).as("one record for " + requestId).hasSize(1);
        return found.getFirst();
    }

    private static List<JsonNode> recordsFor(String requestId) {
        List<JsonNode> out = new ArrayList<>();
        try (Stream<Path> files = Files.list(dir.resolve("audit"))) {
            for (Path file : files.filter(f -> f.getFileName().toString().endsWith(".jsonl")).sorted().toList()) {
                for (String line : Files.readAllLines(file)) {
                    if (!line.contains(requestId)) {
                        continue;
                    }
                    try {
                        JsonNode node = JSON.readTree(line);
                        if (node.path("request_id").asText().equals(requestId)) {
                            out.add(node);
                        }
                    } catch (IOException e) {
                        // A line being written; the next poll sees it whole.
                    }
                }
            }
        } catch (IOException e) {
            return List.of();
        }
        return out;
    }
}
