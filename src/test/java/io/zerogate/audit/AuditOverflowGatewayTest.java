package io.zerogate.audit;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.zerogate.audit.sink.HttpTestReceiver;
import io.zerogate.testing.Await;
import io.zerogate.testing.Closing;
import io.zerogate.testing.RunningGateway;
import io.zerogate.testing.TestUpstream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The whole overflow path through a real gateway: a collector that keeps failing fills the HTTP sink's spool, the
 * writer cannot hand lines on, the queue fills, and under {@code block_new_requests} the gateway answers 503
 * {@code audit_unavailable}, is not ready, and lists the incidents; once the collector answers, the spool drains
 * in order and the gateway serves again, with every served request in the trail.
 */
@Timeout(90)
class AuditOverflowGatewayTest {

    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path dir;

    @Test
    void aFailingCollectorLeadsTo503UntilItRecoversAndNothingServedIsLost() throws Exception {
        HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
        try (HttpTestReceiver collector = new HttpTestReceiver();
             TestUpstream upstream = TestUpstream.fixed("ok")) {
            collector.answer(n -> new HttpTestReceiver.Answer(503, "busy"));
            try (RunningGateway gateway = RunningGateway.start("""
                    audit:
                      file: { directory: "%1$s/audit" }
                      http:
                        url: "%2$s"
                        batch_size: 5
                        flush_interval: 100ms
                        spool_directory: "%1$s/spool"
                        spool_max_size: 4KiB
                      queue_capacity: 16
                      on_overflow: block_new_requests
                    services:
                      api: { targets: [%3$s], tls: none }
                    routes:
                      - { id: any, match: { path: "/{p...}" }, service: api, public: true }
                    """.formatted(dir, collector.url("/ingest"), upstream.target()))) {
                Set<String> served = new LinkedHashSet<>();
                HttpResponse<String> refused = null;
                for (int i = 0; i < 200 && refused == null; i++) {
                    HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create(gateway.url("/r" + i))).build(),
                            HttpResponse.BodyHandlers.ofString());
                    if (r.statusCode() == 503) {
                        refused = r;
                    } else {
                        assertThat(r.statusCode()).isEqualTo(200);
                        served.add(r.headers().firstValue("x-request-id").orElseThrow());
                    }
                }
                assertThat(refused).as("a 503 once the queue is full").isNotNull();
                assertThat(refused.body()).contains("\"code\":\"audit_unavailable\"");
                assertThat(http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + gateway.adminPort() + "/readyz"))
                        .build(), HttpResponse.BodyHandlers.ofString()).statusCode()).isEqualTo(503);
                String incidents = http.send(gateway.admin("/admin/incidents").build(), HttpResponse.BodyHandlers.ofString()).body();
                assertThat(incidents).contains("audit_sink_failed", "audit_unavailable");

                collector.answer(n -> new HttpTestReceiver.Answer(200, "{}"));
                Await.until("the gateway to serve again", Duration.ofSeconds(30), () -> {
                    try {
                        HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create(gateway.url("/after"))).build(),
                                HttpResponse.BodyHandlers.ofString());
                        if (r.statusCode() == 200) {
                            served.add(r.headers().firstValue("x-request-id").orElseThrow());
                            return true;
                        }
                        return false;
                    } catch (Exception e) {
                        return false;
                    }
                });
                Await.until("every served request at the collector", Duration.ofSeconds(30),
                        () -> delivered(collector).containsAll(served));
                // Batches the collector refused come again; past those, lines arrive in chain order without a gap.
                List<Long> seqs = new ArrayList<>(new LinkedHashSet<>(sequence(collector)));
                for (int i = 1; i < seqs.size(); i++) {
                    assertThat(seqs.get(i)).as("delivered in chain order").isEqualTo(seqs.get(i - 1) + 1);
                }
            }
        }
    }

    private static Set<String> delivered(HttpTestReceiver collector) {
        Set<String> ids = new LinkedHashSet<>();
        for (JsonNode line : lines(collector)) {
            if (line.has("request_id")) {
                ids.add(line.get("request_id").asText());
            }
        }
        return ids;
    }

    private static List<Long> sequence(HttpTestReceiver collector) {
        List<Long> out = new ArrayList<>();
        for (JsonNode line : lines(collector)) {
            out.add(line.get("seq").asLong());
        }
        return out;
    }

    private static List<JsonNode> lines(HttpTestReceiver collector) {
        List<JsonNode> out = new ArrayList<>();
        for (HttpTestReceiver.Received r : collector.received()) {
            if (r.headers() == null || !r.path().equals("/ingest")) {
                continue;
            }
            for (String line : new String(r.body(), StandardCharsets.UTF_8).split("\n")) {
                if (!line.isBlank()) {
                    try {
                        out.add(JSON.readTree(line));
                    } catch (java.io.IOException e) {
                        throw new AssertionError("not JSON: " + line, e);
                    }
                }
            }
        }
        return out;
    }
}
