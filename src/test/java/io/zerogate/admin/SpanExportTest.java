package io.zerogate.admin;

import static org.assertj.core.api.Assertions.assertThat;

import com.sun.net.httpserver.HttpServer;
import io.zerogate.testing.Await;
import io.zerogate.testing.Closing;
import io.zerogate.testing.RunningGateway;
import io.zerogate.testing.TestUpstream;
import java.io.ByteArrayOutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * OTLP span export through a real gateway to a real HTTP endpoint: the exported span carries the trace id and
 * the span id the upstream was given as its parent, continues the client's span, and is sent only for sampled
 * traces. The OTLP body is protobuf, in which ids travel as raw bytes, so the test looks for those bytes.
 */
@Timeout(60)
class SpanExportTest {

    private static HttpServer collector;
    private static final List<byte[]> bodies = new CopyOnWriteArrayList<>();
    private static final List<String> contentTypes = new CopyOnWriteArrayList<>();
    private static final List<String> keys = new CopyOnWriteArrayList<>();
    private static final BlockingQueue<String> upstreamHeads = new LinkedBlockingQueue<>();
    private static TestUpstream upstream;
    private static RunningGateway gateway;
    private static final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    @BeforeAll
    static void start() throws Exception {
        collector = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        collector.createContext("/v1/traces", ex -> {
            ByteArrayOutputStream body = new ByteArrayOutputStream();
            ex.getRequestBody().transferTo(body);
            bodies.add(body.toByteArray());
            contentTypes.add(ex.getRequestHeaders().getFirst("Content-Type"));
            keys.add(String.valueOf(ex.getRequestHeaders().getFirst("X-Tracing-Key")));
            ex.sendResponseHeaders(200, -1);
            ex.close();
        });
        collector.start();
        upstream = TestUpstream.start((socket, up) -> {
            while (true) {
                String head = up.readHead(socket.getInputStream());
                if (head == null) {
                    return;
                }
                upstreamHeads.add(head);
                socket.getOutputStream().write("HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok".getBytes(StandardCharsets.ISO_8859_1));
                socket.getOutputStream().flush();
            }
        });
        gateway = RunningGateway.start("""
                tracing:
                  service_name: edge-gateway
                  otlp:
                    endpoint: http://127.0.0.1:%d/v1/traces
                    headers: { X-Tracing-Key: k-123 }
                services:
                  api: { targets: [%s], tls: none }
                routes:
                  - { id: items, match: { path: "/items/{id}" }, service: api, public: true }
                """.formatted(collector.getAddress().getPort(), upstream.target()));
    }

    @AfterAll
    static void stop() throws Exception {
        Closing.all(gateway, upstream);
        collector.stop(0);
    }

    @Test
    void aSampledTraceIsExportedAsTheSpanTheUpstreamSawAsItsParent() throws Exception {
        upstreamHeads.clear();
        String unsampledTrace = "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa";
        send("00-" + unsampledTrace + "-1111111111111111-00");
        String parent = "2222222222222222";
        String trace = "4bf92f3577b34da6a3ce929d0e0e4736";
        send("00-" + trace + "-" + parent + "-01");
        send(null);

        upstreamHeads.poll(5, TimeUnit.SECONDS);
        String sampledHead = upstreamHeads.poll(5, TimeUnit.SECONDS);
        String freshHead = upstreamHeads.poll(5, TimeUnit.SECONDS);
        String[] sampled = traceparent(sampledHead).split("-");
        String[] fresh = traceparent(freshHead).split("-");
        assertThat(sampled[1]).isEqualTo(trace);
        assertThat(fresh[3]).isEqualTo("01");

        Await.until("both spans at the collector", Duration.ofSeconds(15),
                () -> exported(sampled[1]) && exported(sampled[2]) && exported(fresh[1]) && exported(fresh[2]));
        assertThat(exported(parent)).isTrue();
        assertThat(exported(unsampledTrace)).isFalse();
        assertThat(contentTypes).allMatch(t -> t.startsWith("application/x-protobuf"));
        assertThat(keys).allMatch("k-123"::equals);
        assertThat(containsText("edge-gateway")).isTrue();
        assertThat(containsText("GET /items/{id}")).isTrue();
    }

    private static void send(String traceparent) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(gateway.url("/items/1"))).timeout(Duration.ofSeconds(10));
        if (traceparent != null) {
            b.header("traceparent", traceparent);
        }
        assertThat(http.send(b.build(), HttpResponse.BodyHandlers.discarding()).statusCode()).isEqualTo(200);
    }

    private static boolean exported(String hexId) {
        return contains(HexFormat.of().parseHex(hexId));
    }

    private static boolean containsText(String text) {
        return contains(text.getBytes(StandardCharsets.UTF_8));
    }

    private static boolean contains(byte[] needle) {
        for (byte[] body : bodies) {
            outer:
            for (int i = 0; i + needle.length <= body.length; i++) {
                for (int j = 0; j < needle.length; j++) {
                    if (body[i + j] != needle[j]) {
                        continue outer;
                    }
                }
                return true;
            }
        }
        return false;
    }

    private static String traceparent(String head) {
        for (String line : head.split("\r\n")) {
            if (line.toLowerCase().startsWith("traceparent:")) {
                return line.substring(12).trim();
            }
        }
        throw new AssertionError("no traceparent in " + head);
    }
}
