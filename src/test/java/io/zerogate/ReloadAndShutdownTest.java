package io.zerogate;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import io.zerogate.testing.Await;
import io.zerogate.testing.RunningGateway;
import io.zerogate.testing.TestUpstream;
import io.zerogate.testing.Wire;
import java.io.IOException;
import java.io.InputStream;
import java.net.ConnectException;
import java.net.InetAddress;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.LoggerFactory;

/** Configuration reloads under traffic, and a graceful shutdown that drains what is in flight. */
@Timeout(value = 1, unit = TimeUnit.MINUTES)
class ReloadAndShutdownTest {

    @TempDir
    Path dir;

    private final ExecutorService threads = Executors.newCachedThreadPool();
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();

    @AfterEach
    void stopThreads() {
        threads.shutdownNow();
        http.close();
    }

    private static String config(String target, String routes, String serviceExtra) {
        return RunningGateway.document("""
                services:
                  s:
                    targets: [%s]
                    tls: none
                %s
                routes:
                %s
                """.formatted(target, serviceExtra.indent(4).stripTrailing(), routes.indent(2).stripTrailing()));
    }

    private static final String ROUTE_A = "- { id: a, match: { path: /a }, service: s, public: true }";
    private static final String ROUTE_B = "- { id: b, match: { path: /b }, service: s, public: true }";

    /** Replaces the file in one step, as editors and ConfigMap updates do, so the watcher never reads half. */
    private void replace(Path file, String text) throws IOException {
        Path next = dir.resolve(".next.yaml");
        Files.writeString(next, text);
        Files.move(next, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    }

    private int status(RunningGateway gw, String path) throws Exception {
        return http.send(HttpRequest.newBuilder(URI.create(gw.url(path))).timeout(Duration.ofSeconds(5)).build(),
                HttpResponse.BodyHandlers.discarding()).statusCode();
    }

    /** Sends GET /a continuously on keep-alive connections until stopped; records every answer that is not 200. */
    private final class Traffic implements AutoCloseable {
        final AtomicInteger sent = new AtomicInteger();
        final List<String> failures = new CopyOnWriteArrayList<>();
        private final AtomicBoolean stop = new AtomicBoolean();
        private final Future<?> loop;

        Traffic(RunningGateway gw) {
            loop = threads.submit(() -> {
                // Bounded in count as well as by the stop flag.
                while (!stop.get() && sent.get() < 200_000) {
                    try (Socket s = gw.connect()) {
                        InputStream in = s.getInputStream();
                        for (int i = 0; i < 50 && !stop.get(); i++) {
                            Wire.write(s.getOutputStream(), "GET /a HTTP/1.1\r\nHost: example.com\r\n\r\n");
                            String head = Wire.readHead(in);
                            sent.incrementAndGet();
                            if (head == null || Wire.status(head) != 200) {
                                failures.add(String.valueOf(head));
                                break;
                            }
                            Wire.readBodyText(head, in);
                        }
                    } catch (IOException e) {
                        failures.add(e.toString());
                    }
                }
                return null;
            });
        }

        @Override
        public void close() throws Exception {
            stop.set(true);
            loop.get(10, TimeUnit.SECONDS);
        }
    }

    @Test
    void reloadUnderTrafficAddsARouteAndMovesTheServiceWithoutAFailedRequest() throws Exception {
        ListAppender<ILoggingEvent> log = capture();
        Path file = dir.resolve("gateway.yaml");
        try (TestUpstream first = TestUpstream.fixed("first"); TestUpstream second = TestUpstream.fixed("second")) {
            Files.writeString(file, config(first.target(), ROUTE_A, ""));
            try (RunningGateway gw = RunningGateway.startWatching(file, 2)) {
                assertThat(status(gw, "/b")).isEqualTo(404);
                Traffic traffic = new Traffic(gw);
                Await.until("traffic flowing", Duration.ofSeconds(5), () -> traffic.sent.get() > 50);

                replace(file, config(second.target(), ROUTE_A + "\n" + ROUTE_B, ""));
                Await.until("new route served", Duration.ofSeconds(10), () -> statusQuietly(gw, "/b") == 200);
                int headsBefore = second.heads().size();
                Await.until("traffic on the new target", Duration.ofSeconds(5), () -> second.heads().size() > headsBefore + 50);

                replace(file, "version: 1\nlisteners: [ {{ oops\n");
                Await.until("bad file rejected", Duration.ofSeconds(10), () -> log.list.stream()
                        .anyMatch(e -> e.getFormattedMessage().contains("configuration reload rejected")));
                int afterBad = traffic.sent.get();
                Await.until("traffic after the rejection", Duration.ofSeconds(5), () -> traffic.sent.get() > afterBad + 50);
                traffic.close();

                assertThat(traffic.failures).isEmpty();
                assertThat(status(gw, "/b")).isEqualTo(200);
                assertThat(gw.gateway().snapshot().config().config().routes()).hasSize(2);
                System.out.printf("reload under traffic: %d requests, %d failed%n", traffic.sent.get(), traffic.failures.size());
            }
        } finally {
            release(log);
        }
    }

    @Test
    void targetThatFailedItsProbesIsBackInRotationWhenAReloadDropsTheProbes() throws Exception {
        Path file = dir.resolve("gateway.yaml");
        try (TestUpstream up = TestUpstream.start((socket, u) -> {
            InputStream in = socket.getInputStream();
            String head;
            while ((head = u.readHead(in)) != null) {
                int st = head.startsWith("GET /healthz ") ? 500 : 200;
                Wire.write(socket.getOutputStream(), "HTTP/1.1 " + st + " X\r\nContent-Length: 0\r\n\r\n");
            }
        })) {
            Files.writeString(file, config(up.target(), ROUTE_A,
                    "health: { active: { path: /healthz, interval: 100ms, timeout: 90ms, healthy_after: 1, unhealthy_after: 1 } }"));
            try (RunningGateway gw = RunningGateway.startWatching(file, 2)) {
                Await.until("probe failed", Duration.ofSeconds(5), () -> statusQuietly(gw, "/a") == 503);

                replace(file, config(up.target(), ROUTE_A, ""));
                Await.until("target back without probes", Duration.ofSeconds(10), () -> statusQuietly(gw, "/a") == 200);
            }
        }
    }

    private int statusQuietly(RunningGateway gw, String path) {
        try {
            return status(gw, path);
        } catch (Exception e) {
            return -1;
        }
    }

    private static ListAppender<ILoggingEvent> capture() {
        ListAppender<ILoggingEvent> appender = new ListAppender<>();
        appender.start();
        ((Logger) LoggerFactory.getLogger(Gateway.class)).addAppender(appender);
        return appender;
    }

    private static void release(ListAppender<ILoggingEvent> appender) {
        ((Logger) LoggerFactory.getLogger(Gateway.class)).detachAppender(appender);
    }

    // ---- graceful shutdown ------------------------------------------------------------------------------

    private static String slowService(TestUpstream up) {
        return """
                services:
                  s: { targets: [%s], tls: none }
                routes:
                  - { id: a, match: { path: /a }, service: s, public: true }
                """.formatted(up.target());
    }

    /** An upstream that holds every request until {@code release} opens. */
    private static TestUpstream holding(CountDownLatch arrived, CountDownLatch release) throws IOException {
        return TestUpstream.start((socket, u) -> {
            InputStream in = socket.getInputStream();
            u.skipBody(u.readHead(in), in);
            arrived.countDown();
            release.await(30, TimeUnit.SECONDS);
            Wire.write(socket.getOutputStream(), "HTTP/1.1 200 OK\r\nContent-Length: 4\r\n\r\ndone");
        });
    }

    @Test
    void shutdownLetsTheRequestInFlightFinishWhileRefusingNewConnections() throws Exception {
        CountDownLatch arrived = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        try (TestUpstream up = holding(arrived, release); RunningGateway gw = RunningGateway.start(slowService(up));
             Socket inFlight = gw.connect(); Socket idle = gw.connect()) {
            int port = gw.port();
            String readyz = "http://127.0.0.1:" + gw.adminPort() + "/readyz";
            assertThat(adminStatus(readyz)).isEqualTo(200);
            Wire.write(inFlight.getOutputStream(), "GET /a HTTP/1.1\r\nHost: example.com\r\n\r\n");
            assertThat(arrived.await(5, TimeUnit.SECONDS)).isTrue();

            long start = System.nanoTime();
            Future<?> shutdown = threads.submit(() -> gw.gateway().shutdown(Duration.ofSeconds(5)));

            Await.until("not ready while draining", Duration.ofSeconds(5), () -> adminStatusQuietly(readyz) == 503);
            Await.until("listener closed", Duration.ofSeconds(5), () -> refuses(port));
            assertThatThrownBy(() -> new Socket(InetAddress.getLoopbackAddress(), port).close())
                    .isInstanceOf(ConnectException.class);
            assertThat(idle.getInputStream().read()).as("an idle connection is closed at once").isEqualTo(-1);
            assertThat(shutdown).isNotDone();

            release.countDown();
            InputStream in = inFlight.getInputStream();
            String head = Wire.readHead(in);
            assertThat(Wire.status(head)).isEqualTo(200);
            assertThat(Wire.header(head, "connection")).isEqualToIgnoringCase("close");
            assertThat(Wire.readBodyText(head, in)).isEqualTo("done");
            assertThat(in.read()).isEqualTo(-1);
            shutdown.get(5, TimeUnit.SECONDS);
            assertThat(TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start)).isLessThan(5_000);
            assertThat(gw.gateway().inFlight()).isZero();
        }
    }

    @Test
    void requestStillRunningAfterTheGracePeriodIsCut() throws Exception {
        CountDownLatch arrived = new CountDownLatch(1);
        CountDownLatch upstreamSawEnd = new CountDownLatch(1);
        try (TestUpstream up = TestUpstream.start((socket, u) -> {
                 InputStream in = socket.getInputStream();
                 u.readHead(in);
                 arrived.countDown();
                 if (in.read() < 0) {
                     upstreamSawEnd.countDown();
                 }
             });
             RunningGateway gw = RunningGateway.start(slowService(up)); Socket client = gw.connect()) {
            Wire.write(client.getOutputStream(), "GET /a HTTP/1.1\r\nHost: example.com\r\n\r\n");
            assertThat(arrived.await(5, TimeUnit.SECONDS)).isTrue();

            long start = System.nanoTime();
            gw.gateway().shutdown(Duration.ofMillis(500));
            long tookMillis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);

            assertThat(tookMillis).isBetween(500L, 5_000L);
            assertThat(Wire.readHead(client.getInputStream())).as("no response, just the end").isNull();
            assertThat(upstreamSawEnd.await(5, TimeUnit.SECONDS)).isTrue();
            assertThat(gw.gateway().inFlight()).isZero();
        }
    }

    private static boolean refuses(int port) {
        try (Socket s = new Socket(InetAddress.getLoopbackAddress(), port)) {
            return false;
        } catch (IOException e) {
            return true;
        }
    }

    private int adminStatus(String url) throws Exception {
        return http.send(HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(2)).build(),
                HttpResponse.BodyHandlers.discarding()).statusCode();
    }

    private int adminStatusQuietly(String url) {
        try {
            return adminStatus(url);
        } catch (Exception e) {
            return -1;
        }
    }
}
