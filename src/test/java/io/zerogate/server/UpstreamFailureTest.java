package io.zerogate.server;

import static org.assertj.core.api.Assertions.assertThat;

import io.zerogate.testing.Await;
import io.zerogate.testing.DeadTargets;
import io.zerogate.testing.RunningGateway;
import io.zerogate.testing.TestUpstream;
import io.zerogate.testing.Wire;
import io.zerogate.upstream.UpstreamTarget;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;

/** What the client sees when an upstream cannot be reached, does not answer, or breaks off. */
@Timeout(value = 1, unit = TimeUnit.MINUTES)
class UpstreamFailureTest {

    private static final String GET = "GET /r HTTP/1.1\r\nHost: example.com\r\nConnection: close\r\n\r\n";
    private static final String POST = "POST /r HTTP/1.1\r\nHost: example.com\r\nConnection: close\r\nContent-Length: 5\r\n\r\nhello";

    private static String service(String targets, String extra) {
        return """
                services:
                  s:
                    targets: [%s]
                    tls: none
                %s
                routes:
                  - id: r
                    match: { path: /r }
                    service: s
                    public: true
                """.formatted(targets, extra.indent(4).stripTrailing());
    }

    @Test
    void refusedConnectIs502UpstreamConnectFailed() throws Exception {
        try (RunningGateway gw = RunningGateway.start(service(DeadTargets.refusing(), ""))) {
            String res = gw.exchange(GET);
            assertThat(RunningGateway.status(res)).isEqualTo(502);
            assertThat(Wire.problemCode(res)).isEqualTo("upstream_connect_failed");
            assertThat(Wire.header(res, "content-type")).isEqualTo("application/problem+json");
            gw.awaitRequestCount("r", 502, "upstream_connect_failed", 1);
        }
    }

    @Test
    void idempotentRequestIsRetriedOnTheOtherTargetButAPostIsNot() throws Exception {
        // Round robin starts at the first target; the failure threshold is out of reach, so the dead
        // target stays in rotation and is picked first again by the third pick (the POST).
        try (TestUpstream alive = TestUpstream.fixed("alive");
             RunningGateway gw = RunningGateway.start(service(DeadTargets.refusing() + ", " + alive.target(),
                     "health: { passive: { consecutive_failures: 100 } }"))) {
            String get = gw.exchange(GET);
            assertThat(RunningGateway.status(get)).isEqualTo(200);
            assertThat(get).endsWith("\r\n\r\nalive");

            String post = gw.exchange(POST);
            assertThat(RunningGateway.status(post)).isEqualTo(502);
            assertThat(Wire.problemCode(post)).isEqualTo("upstream_connect_failed");
            assertThat(alive.nextHead()).startsWith("GET /r ");
            assertThat(alive.heads()).as("the POST never reached the live target").isEmpty();
        }
    }

    @Test
    void deadTargetIsEjectedAfterConsecutiveFailuresAndRequestsGoStraightToTheLiveOne() throws Exception {
        try (TestUpstream alive = TestUpstream.fixed("alive");
             RunningGateway gw = RunningGateway.start(service(DeadTargets.refusing() + ", " + alive.target(),
                     "health: { passive: { consecutive_failures: 2, cool_down: 1m } }"))) {
            UpstreamTarget dead = gw.gateway().snapshot().upstreams().service("s").targets().get(0);
            // Both first picks land on the dead target (round robin restarts there after each retry).
            assertThat(RunningGateway.status(gw.exchange(GET))).isEqualTo(200);
            assertThat(dead.isAvailable(System.nanoTime())).isTrue();
            assertThat(RunningGateway.status(gw.exchange(GET))).isEqualTo(200);
            assertThat(dead.isAvailable(System.nanoTime())).as("ejected after two failures").isFalse();

            // A POST is never retried, so a POST sent to the dead target would come back 502.
            for (int i = 0; i < 10; i++) {
                String res = gw.exchange(POST);
                assertThat(RunningGateway.status(res)).as("POST %d", i).isEqualTo(200);
            }
            gw.awaitRequestCount("r", 200, "forwarded", 12);
            assertThat(gw.gateway().metrics().scrape())
                    .contains("zerogate_upstream_healthy{service=\"s\",target=\"" + dead.address() + "\"} 0.0");
        }
    }

    @Test
    void ejectedTargetReturnsAfterItsCoolDown() throws Exception {
        int port = DeadTargets.refusingPort();
        try (RunningGateway gw = RunningGateway.start(service("http://127.0.0.1:" + port,
                "health: { passive: { consecutive_failures: 1, cool_down: 300ms } }"))) {
            String first = gw.exchange(GET);
            assertThat(Wire.problemCode(first)).isEqualTo("upstream_connect_failed");
            String second = gw.exchange(GET);
            assertThat(RunningGateway.status(second)).isEqualTo(503);
            assertThat(Wire.problemCode(second)).isEqualTo("upstream_unavailable");

            try (java.net.ServerSocket listener = new java.net.ServerSocket()) {
                listener.setReuseAddress(true);
                listener.bind(new java.net.InetSocketAddress(java.net.InetAddress.getLoopbackAddress(), port));
                UpstreamTarget target = gw.gateway().snapshot().upstreams().service("s").targets().get(0);
                Await.until("cool-down over", Duration.ofSeconds(5), () -> target.isAvailable(System.nanoTime()));
                Thread answer = Thread.ofVirtual().start(() -> {
                    try (Socket s = listener.accept()) {
                        InputStream in = s.getInputStream();
                        Wire.readHead(in);
                        Wire.write(s.getOutputStream(), "HTTP/1.1 200 OK\r\nContent-Length: 4\r\nConnection: close\r\n\r\nback");
                    } catch (java.io.IOException ignored) {
                        // the assertion on the response reports it
                    }
                });
                String third = gw.exchange(GET);
                assertThat(RunningGateway.status(third)).isEqualTo(200);
                assertThat(third).endsWith("back");
                answer.join(5000);
            }
        }
    }

    @Test
    void noAvailableTargetIs503UpstreamUnavailable() throws Exception {
        try (RunningGateway gw = RunningGateway.start(service(DeadTargets.refusing(),
                "health: { passive: { consecutive_failures: 1, cool_down: 1m } }"))) {
            assertThat(RunningGateway.status(gw.exchange(GET))).isEqualTo(502);
            String res = gw.exchange(GET);
            assertThat(RunningGateway.status(res)).isEqualTo(503);
            assertThat(Wire.problemCode(res)).isEqualTo("upstream_unavailable");
            gw.awaitRequestCount("r", 503, "upstream_unavailable", 1);
        }
    }

    @Test
    void upstreamThatNeverAnswersIs504AfterTheResponseTimeout() throws Exception {
        CountDownLatch upstreamSawClose = new CountDownLatch(1);
        try (TestUpstream silent = TestUpstream.start((socket, u) -> {
                 InputStream in = socket.getInputStream();
                 u.readHead(in);
                 if (in.read() < 0) {
                     upstreamSawClose.countDown();
                 }
             });
             RunningGateway gw = RunningGateway.start(service(silent.target(), "response_timeout: 300ms"))) {
            long start = System.nanoTime();
            String res = gw.exchange(GET);
            long tookMillis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
            assertThat(RunningGateway.status(res)).isEqualTo(504);
            assertThat(Wire.problemCode(res)).isEqualTo("upstream_timeout");
            assertThat(tookMillis).isBetween(300L, 5_000L);
            assertThat(upstreamSawClose.await(5, TimeUnit.SECONDS)).as("upstream connection closed").isTrue();
        }
    }

    @Test
    void connectThatIsNeverAnsweredIs504AfterTheConnectTimeout() throws Exception {
        try (DeadTargets.Unanswered unanswered = new DeadTargets.Unanswered();
             RunningGateway gw = RunningGateway.start(service(unanswered.target(), "connect_timeout: 200ms"))) {
            long start = System.nanoTime();
            String res = gw.exchange(GET);
            long tookMillis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
            assertThat(RunningGateway.status(res)).isEqualTo(504);
            assertThat(Wire.problemCode(res)).isEqualTo("upstream_timeout");
            assertThat(tookMillis).isBetween(200L, 5_000L);
        }
    }

    @Test
    void upstreamClosingMidResponseClosesThatClientOnly() throws Exception {
        try (TestUpstream up = TestUpstream.start((socket, u) -> {
                 InputStream in = socket.getInputStream();
                 OutputStream out = socket.getOutputStream();
                 String head;
                 while ((head = u.readHead(in)) != null) {
                     if (head.startsWith("GET /r?broken ")) {
                         Wire.write(out, "HTTP/1.1 200 OK\r\nContent-Length: 1000\r\n\r\n" + "x".repeat(100));
                         return;
                     }
                     Wire.write(out, "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok");
                 }
             });
             RunningGateway gw = RunningGateway.start(service(up.target(), ""));
             Socket bystander = gw.connect();
             Socket victim = gw.connect()) {
            InputStream bin = bystander.getInputStream();
            Wire.write(bystander.getOutputStream(), "GET /r HTTP/1.1\r\nHost: example.com\r\n\r\n");
            String head = Wire.readHead(bin);
            assertThat(Wire.status(head)).isEqualTo(200);
            assertThat(Wire.readBodyText(head, bin)).isEqualTo("ok");

            Wire.write(victim.getOutputStream(), "GET /r?broken HTTP/1.1\r\nHost: example.com\r\n\r\n");
            InputStream vin = victim.getInputStream();
            String vhead = Wire.readHead(vin);
            assertThat(Wire.status(vhead)).isEqualTo(200);
            byte[] rest = vin.readAllBytes();
            assertThat(rest).as("the body up to the break, then the end of the connection").hasSize(100);

            Wire.write(bystander.getOutputStream(), "GET /r HTTP/1.1\r\nHost: example.com\r\n\r\n");
            String again = Wire.readHead(bin);
            assertThat(Wire.status(again)).isEqualTo(200);
            assertThat(Wire.readBodyText(again, bin)).isEqualTo("ok");
            Await.until("no request in flight", Duration.ofSeconds(5), () -> gw.gateway().inFlight() == 0);
            gw.awaitRequestCount("r", 200, "upstream_protocol_error", 1);
        }
    }

    /** An upstream that answers every request with {@code answer}, then closes. */
    private static TestUpstream answering(String answer) throws java.io.IOException {
        return TestUpstream.start((socket, u) -> {
            InputStream in = socket.getInputStream();
            u.skipBody(u.readHead(in), in);
            Wire.write(socket.getOutputStream(), answer);
            // Wait for the gateway to close: a close from here could race the gateway reading the answer.
            in.read();
        });
    }

    @Test
    void responseThatIsNotHttpIs502UpstreamProtocolError() throws Exception {
        try (TestUpstream up = answering("SSH-2.0-OpenSSH_9.6\r\n\r\n");
             RunningGateway gw = RunningGateway.start(service(up.target(), ""))) {
            String res = gw.exchange(GET);
            assertThat(RunningGateway.status(res)).isEqualTo(502);
            assertThat(Wire.problemCode(res)).isEqualTo("upstream_protocol_error");
            gw.awaitRequestCount("r", 502, "upstream_protocol_error", 1);
        }
    }

    @Test
    void responseHeadThatIsTooLargeIs502UpstreamProtocolError() throws Exception {
        try (TestUpstream up = answering("HTTP/1.1 200 OK\r\nX-Big: " + "b".repeat(64 * 1024) + "\r\nContent-Length: 2\r\n\r\nok");
             RunningGateway gw = RunningGateway.start(service(up.target(), ""))) {
            String res = gw.exchange(GET);
            assertThat(RunningGateway.status(res)).isEqualTo(502);
            assertThat(Wire.problemCode(res)).isEqualTo("upstream_protocol_error");
            assertThat(res).doesNotContain("bbbb");
        }
    }

    @Test
    void responseWithAnInvalidContentLengthIs502UpstreamProtocolError() throws Exception {
        try (TestUpstream up = answering("HTTP/1.1 200 OK\r\nContent-Length: 2x\r\n\r\nok");
             RunningGateway gw = RunningGateway.start(service(up.target(), ""))) {
            String res = gw.exchange(GET);
            assertThat(RunningGateway.status(res)).isEqualTo(502);
            assertThat(Wire.problemCode(res)).isEqualTo("upstream_protocol_error");
        }
    }

    @Test
    void brokenChunkMidResponseEndsTheClientConnectionWithoutACleanEnd() throws Exception {
        try (TestUpstream up = answering("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
                     + "5\r\nhello\r\nzz\r\nnot a chunk\r\n0\r\n\r\n");
             RunningGateway gw = RunningGateway.start(service(up.target(), ""));
             Socket client = gw.connect()) {
            Wire.write(client.getOutputStream(), "GET /r HTTP/1.1\r\nHost: example.com\r\n\r\n");
            InputStream in = client.getInputStream();
            String head = Wire.readHead(in);
            assertThat(Wire.status(head)).isEqualTo(200);
            String rest = new String(in.readAllBytes(), java.nio.charset.StandardCharsets.ISO_8859_1);
            assertThat(rest).as("no terminating chunk: the client must see the body is incomplete")
                    .doesNotContain("0\r\n\r\n").doesNotContain("not a chunk");
            gw.awaitRequestCount("r", 200, "upstream_protocol_error", 1);
            Await.until("no request in flight", Duration.ofSeconds(5), () -> gw.gateway().inFlight() == 0);
        }
    }

    @Test
    void clientThatStopsSendingItsBodyIs408AfterTheIdleTimeout() throws Exception {
        CountDownLatch upstreamSawEnd = new CountDownLatch(1);
        try (TestUpstream up = TestUpstream.start((socket, u) -> {
                 InputStream in = socket.getInputStream();
                 u.readHead(in);
                 in.readNBytes(3);
                 if (in.read() < 0) {
                     upstreamSawEnd.countDown();
                 }
             });
             RunningGateway gw = RunningGateway.start(service(up.target(), "") + "timeouts: { idle: 500ms }\n");
             Socket client = gw.connect()) {
            Wire.write(client.getOutputStream(), "PUT /r HTTP/1.1\r\nHost: example.com\r\nContent-Length: 10\r\n\r\nabc");
            String res = new String(client.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.ISO_8859_1);
            assertThat(RunningGateway.status(res)).isEqualTo(408);
            assertThat(Wire.problemCode(res)).isEqualTo("request_timeout");
            assertThat(upstreamSawEnd.await(5, TimeUnit.SECONDS)).isTrue();
        }
    }

    @Test
    void upstreamThatStopsReadingTheBodyIsNotBlamedOnTheClient() throws Exception {
        CountDownLatch release = new CountDownLatch(1);
        try (TestUpstream up = TestUpstream.start((socket, u) -> {
                 InputStream in = socket.getInputStream();
                 u.readHead(in);
                 release.await(30, TimeUnit.SECONDS);
             });
             RunningGateway gw = RunningGateway.start(service(up.target(), "") + "timeouts: { idle: 500ms }\n");
             Socket client = gw.connect()) {
            long body = 64L << 20;
            Thread writer = Thread.ofVirtual().start(() -> {
                try {
                    java.io.OutputStream out = client.getOutputStream();
                    Wire.write(out, "PUT /r HTTP/1.1\r\nHost: example.com\r\nContent-Length: " + body + "\r\n\r\n");
                    Wire.writeGenerated(out, body, false, null);
                } catch (java.io.IOException expected) {
                    // the gateway gives up on the request while the client is still sending
                }
            });
            String head = Wire.readHead(client.getInputStream());
            assertThat(Wire.status(head)).isEqualTo(504);
            assertThat(Wire.problemCode(Wire.readBodyText(head, client.getInputStream()))).isEqualTo("upstream_timeout");
            release.countDown();
            client.close();
            writer.join(5_000);
        }
    }

    @Test
    void slowUpstreamDoesNotStallAnotherRouteOnTheSameEventLoop() throws Exception {
        CountDownLatch release = new CountDownLatch(1);
        CountDownLatch slowHasRequest = new CountDownLatch(1);
        try (TestUpstream slow = TestUpstream.start((socket, u) -> {
                 InputStream in = socket.getInputStream();
                 u.readHead(in);
                 slowHasRequest.countDown();
                 release.await(30, TimeUnit.SECONDS);
                 Wire.write(socket.getOutputStream(), "HTTP/1.1 200 OK\r\nContent-Length: 4\r\n\r\nslow");
             });
             TestUpstream fast = TestUpstream.fixed("fast");
             RunningGateway gw = RunningGateway.start("""
                     services:
                       slow: { targets: [%s], tls: none }
                       fast: { targets: [%s], tls: none }
                     routes:
                       - { id: slow, match: { path: /slow }, service: slow, public: true }
                       - { id: fast, match: { path: /fast }, service: fast, public: true }
                     """.formatted(slow.target(), fast.target()), 1);
             Socket waiting = gw.connect()) {
            Wire.write(waiting.getOutputStream(), "GET /slow HTTP/1.1\r\nHost: example.com\r\n\r\n");
            assertThat(slowHasRequest.await(5, TimeUnit.SECONDS)).isTrue();

            long start = System.nanoTime();
            String res = gw.exchange("GET /fast HTTP/1.1\r\nHost: example.com\r\nConnection: close\r\n\r\n");
            assertThat(RunningGateway.status(res)).isEqualTo(200);
            assertThat(res).endsWith("fast");
            assertThat(TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start)).isLessThan(2_000);

            waiting.setSoTimeout(200);
            InputStream in = waiting.getInputStream();
            try {
                int b = in.read();
                throw new AssertionError("the slow request was answered early: " + b);
            } catch (SocketTimeoutException expected) {
                // still waiting for its upstream, as it should be
            }
            release.countDown();
            waiting.setSoTimeout(5_000);
            String head = Wire.readHead(in);
            assertThat(Wire.status(head)).isEqualTo(200);
            assertThat(Wire.readBodyText(head, in)).isEqualTo("slow");
        }
    }
}
