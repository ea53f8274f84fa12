package io.zerogate.server;

import static org.assertj.core.api.Assertions.assertThat;

import io.zerogate.testing.Await;
import io.zerogate.testing.RunningGateway;
import io.zerogate.testing.TestUpstream;
import io.zerogate.testing.Wire;
import io.zerogate.upstream.UpstreamTarget;
import java.io.InputStream;
import java.net.Socket;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;

/** Which target serves a request: rotation, load, and active health probes, observed from real upstreams. */
@Timeout(value = 1, unit = TimeUnit.MINUTES)
class TargetSelectionTest {

    /**
     * An upstream that answers {@code /healthz} with the current {@code health} status, {@code /slow} once
     * {@code release} opens, and anything else at once, each with its own name as the body.
     */
    private static TestUpstream named(String name, AtomicInteger health, CountDownLatch release,
                                      AtomicReference<String> slowAt, CountDownLatch slowArrived) throws Exception {
        return TestUpstream.start((socket, u) -> {
            InputStream in = socket.getInputStream();
            String head;
            while ((head = u.readHead(in)) != null) {
                u.skipBody(head, in);
                int status = 200;
                if (head.startsWith("GET /healthz ")) {
                    status = health.get();
                } else if (head.startsWith("GET /slow ")) {
                    slowAt.set(name);
                    slowArrived.countDown();
                    release.await(30, TimeUnit.SECONDS);
                }
                Wire.write(socket.getOutputStream(), "HTTP/1.1 " + status + " X\r\nContent-Length: " + name.length()
                        + "\r\n\r\n" + name);
            }
        });
    }

    private static String config(TestUpstream a, TestUpstream b, String extra) {
        return """
                services:
                  s:
                    targets: [%s, %s]
                    tls: none
                %s
                routes:
                  - id: r
                    match: { path: "/{any}" }
                    service: s
                    public: true
                """.formatted(a.target(), b.target(), extra.indent(4).stripTrailing());
    }

    /** Sends {@code n} GETs to /fast on one connection and counts which upstream answered. */
    private static Map<String, Integer> spread(RunningGateway gw, int n) throws Exception {
        Map<String, Integer> by = new HashMap<>();
        try (Socket s = gw.connect()) {
            InputStream in = s.getInputStream();
            for (int i = 0; i < n; i++) {
                Wire.write(s.getOutputStream(), "GET /fast HTTP/1.1\r\nHost: example.com\r\n\r\n");
                String head = Wire.readHead(in);
                assertThat(Wire.status(head)).isEqualTo(200);
                by.merge(Wire.readBodyText(head, in), 1, Integer::sum);
            }
        }
        return by;
    }

    @Test
    void roundRobinAlternatesBetweenHealthyTargets() throws Exception {
        AtomicInteger ok = new AtomicInteger(200);
        CountDownLatch open = new CountDownLatch(0);
        try (TestUpstream a = named("a", ok, open, new AtomicReference<>(), new CountDownLatch(1));
             TestUpstream b = named("b", ok, open, new AtomicReference<>(), new CountDownLatch(1));
             RunningGateway gw = RunningGateway.start(config(a, b, ""))) {
            assertThat(spread(gw, 10)).containsExactlyInAnyOrderEntriesOf(Map.of("a", 5, "b", 5));
        }
    }

    @Test
    void targetFailingItsProbesLeavesTheRotationAndComesBackWhenItRecovers() throws Exception {
        AtomicInteger healthA = new AtomicInteger(200);
        AtomicInteger healthB = new AtomicInteger(200);
        CountDownLatch open = new CountDownLatch(0);
        try (TestUpstream a = named("a", healthA, open, new AtomicReference<>(), new CountDownLatch(1));
             TestUpstream b = named("b", healthB, open, new AtomicReference<>(), new CountDownLatch(1));
             RunningGateway gw = RunningGateway.start(config(a, b, """
                     health:
                       active: { path: /healthz, interval: 200ms, timeout: 150ms, healthy_after: 2, unhealthy_after: 2 }
                     """))) {
            UpstreamTarget targetB = gw.gateway().snapshot().upstreams().service("s").targets().get(1);
            Await.until("b probed", Duration.ofSeconds(5), () -> b.heads().stream().anyMatch(h -> h.startsWith("GET /healthz ")));
            assertThat(b.heads().stream().filter(h -> h.startsWith("GET /healthz ")).findFirst().orElseThrow())
                    .containsIgnoringCase("user-agent: zerogate-health");

            healthB.set(500);
            Await.until("b out of rotation", Duration.ofSeconds(5), () -> !targetB.isProbeHealthy());
            assertThat(gw.gateway().metrics().scrape())
                    .contains("zerogate_upstream_healthy{service=\"s\",target=\"" + targetB.address() + "\"} 0.0");
            assertThat(spread(gw, 10)).containsExactlyEntriesOf(Map.of("a", 10));

            healthB.set(200);
            Await.until("b back in rotation", Duration.ofSeconds(5), targetB::isProbeHealthy);
            assertThat(spread(gw, 10)).containsExactlyInAnyOrderEntriesOf(Map.of("a", 5, "b", 5));
        }
    }

    @Test
    void leastInFlightSendsNewRequestsAwayFromTheTargetThatIsBusy() throws Exception {
        AtomicInteger ok = new AtomicInteger(200);
        CountDownLatch release = new CountDownLatch(1);
        CountDownLatch slowArrived = new CountDownLatch(1);
        AtomicReference<String> slowAt = new AtomicReference<>();
        try (TestUpstream a = named("a", ok, release, slowAt, slowArrived);
             TestUpstream b = named("b", ok, release, slowAt, slowArrived);
             RunningGateway gw = RunningGateway.start(config(a, b, "balance: least_in_flight"));
             Socket busy = gw.connect()) {
            Wire.write(busy.getOutputStream(), "GET /slow HTTP/1.1\r\nHost: example.com\r\n\r\n");
            assertThat(slowArrived.await(5, TimeUnit.SECONDS)).isTrue();
            String stalled = slowAt.get();
            String other = stalled.equals("a") ? "b" : "a";

            assertThat(spread(gw, 10)).containsExactlyEntriesOf(Map.of(other, 10));

            release.countDown();
            InputStream in = busy.getInputStream();
            String head = Wire.readHead(in);
            assertThat(Wire.status(head)).isEqualTo(200);
            assertThat(Wire.readBodyText(head, in)).isEqualTo(stalled);
            // With nothing in flight, ties rotate again.
            assertThat(spread(gw, 10)).containsExactlyInAnyOrderEntriesOf(Map.of("a", 5, "b", 5));
        }
    }
}
