package io.zerogate.audit.sink;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

import io.zerogate.config.AuditConfig;
import io.zerogate.config.AuditConfig.HttpSink.Format;
import io.zerogate.config.Secret;
import io.zerogate.testing.Await;
import io.zerogate.testing.MutableClock;
import java.io.IOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.stream.IntStream;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The HTTP sink against a real collector on loopback: encodings, the spool, retries, restarts and bounds. */
class HttpAuditSinkTest {

    private static final Duration BOUND = Duration.ofSeconds(10);
    private static final String TOKEN = "Bearer collector-credential-7f3a";

    @TempDir
    Path spool;

    private final MutableClock clock = new MutableClock(Instant.parse("2025-03-01T10:00:00Z"));
    private final List<AutoCloseable> open = new ArrayList<>();

    @AfterEach
    void closeAll() throws Exception {
        io.zerogate.testing.Closing.all(open.reversed().toArray(AutoCloseable[]::new));
    }

    @Test
    void jsonArrayBatchIsOneArrayOfTheLines() throws Exception {
        HttpTestReceiver collector = receiver();
        HttpAuditSink sink = sink(settings(collector.url("/ingest"), Format.JSON_ARRAY, null));

        sink.write(lines(1, 3));

        HttpTestReceiver.Received r = collector.next(BOUND);
        assertThat(r.method()).isEqualTo("POST");
        assertThat(r.path()).isEqualTo("/ingest");
        assertThat(r.header("content-type")).isEqualTo("application/json");
        assertThat(r.header("authorization")).isEqualTo(TOKEN);
        assertThat(r.text()).isEqualTo("[" + text(1) + "," + text(2) + "," + text(3) + "]");
        Await.until("the batch counted as delivered", BOUND, () -> sink.lag() == 0);
    }

    @Test
    void ndjsonBatchIsOneLinePerRecord() throws Exception {
        HttpTestReceiver collector = receiver();
        HttpAuditSink sink = sink(settings(collector.url("/loki"), Format.NDJSON, null));

        sink.write(lines(1, 3));

        HttpTestReceiver.Received r = collector.next(BOUND);
        assertThat(r.header("content-type")).isEqualTo("application/x-ndjson");
        assertThat(r.text()).isEqualTo(text(1) + "\n" + text(2) + "\n" + text(3) + "\n");
    }

    @Test
    void elasticsearchBulkPairsEachLineWithAnIndexAction() throws Exception {
        HttpTestReceiver collector = receiver();
        HttpAuditSink sink = sink(settings(collector.url("/_bulk"), Format.ELASTICSEARCH_BULK, "zerogate-audit"));

        sink.write(lines(1, 2));

        HttpTestReceiver.Received r = collector.next(BOUND);
        assertThat(r.header("content-type")).isEqualTo("application/x-ndjson");
        String action = "{\"index\":{\"_index\":\"zerogate-audit\"}}\n";
        assertThat(r.text()).isEqualTo(action + text(1) + "\n" + action + text(2) + "\n");
    }

    @Test
    void bulkAnswerReportingDocumentErrorsIsCountedAndNotSentAgain() throws Exception {
        HttpTestReceiver collector = receiver();
        collector.answer(n -> n == 1
                ? new HttpTestReceiver.Answer(200, "{\"took\":4,\"errors\":true,\"items\":[{\"index\":{\"status\":400}}]}")
                : new HttpTestReceiver.Answer(200, "{\"took\":1,\"errors\":false,\"items\":[]}"));
        HttpAuditSink sink = sink(settings(collector.url("/_bulk"), Format.ELASTICSEARCH_BULK, "zerogate-audit"));

        sink.write(lines(1, 1));
        collector.next(BOUND);
        Await.until("the first batch counted", BOUND, () -> sink.lag() == 0);
        sink.write(lines(2, 2));

        assertThat(collector.next(BOUND).text()).endsWith(text(2) + "\n").doesNotContain(text(1));
        Await.until("the second batch counted", BOUND, () -> sink.lag() == 0);
        assertThat(sink.batchesWithDocumentErrors()).isEqualTo(1);
    }

    @Test
    void batchesHoldAtMostBatchSizeLinesAndKeepTheirOrder() throws Exception {
        HttpTestReceiver collector = receiver();
        HttpAuditSink sink = sink(settings(collector.url("/"), Format.NDJSON, null));

        sink.write(lines(1, 7));

        assertThat(collector.next(BOUND).text()).isEqualTo(ndjson(1, 3));
        assertThat(collector.next(BOUND).text()).isEqualTo(ndjson(4, 6));
        assertThat(collector.next(BOUND).text()).isEqualTo(ndjson(7, 7));
    }

    @Test
    void collectorDownThenUpGetsEverySpooledLineOnceInOrder() throws Exception {
        int port = downPort();
        try (HttpLogCapture log = new HttpLogCapture(HttpDelivery.class)) {
            HttpAuditSink sink = sink(settings(URI.create("http://127.0.0.1:" + port + "/"), Format.NDJSON, null));
            for (int i = 1; i <= 40; i += 4) {
                sink.write(lines(i, i + 3));
            }
            Await.until("a failed delivery logged", BOUND, () -> log.contains("connection refused"));
            assertThat(sink.lag()).isEqualTo(40);
            assertThat(sink.problem()).as("not failing for long yet").isNull();

            clock.advance(Duration.ofSeconds(31));
            assertThat(sink.problem()).startsWith("audit collector http://127.0.0.1:" + port + "/ failing since 2025-03-01T10:00:00Z")
                    .endsWith("; 40 lines wait in the spool");

            HttpTestReceiver collector = track(new HttpTestReceiver(port));
            Await.until("the spool delivered", BOUND, () -> sink.lag() == 0);
            assertThat(delivered(collector)).containsExactlyElementsOf(texts(1, 40));
            assertThat(sink.problem()).isNull();
            assertThat(log.contains("takes batches again")).isTrue();
        }
    }

    @Test
    void slowCollectorNeverHoldsUpWritesAndIsCaughtUpInOrder() throws Exception {
        HttpTestReceiver collector = receiver();
        collector.hold();
        HttpAuditSink sink = sink(settings(collector.url("/"), Format.NDJSON, null));

        sink.write(lines(1, 1));
        collector.next(BOUND);
        assertTimeoutPreemptively(Duration.ofSeconds(5), () -> {
            for (int i = 2; i <= 300; i++) {
                sink.write(lines(i, i));
            }
        }, "writes while the collector stalls");
        assertThat(collector.received()).as("the collector still holds the first batch").hasSize(1);
        assertThat(sink.lag()).isEqualTo(300);

        collector.release();
        Await.until("the spool caught up", BOUND, () -> sink.lag() == 0);
        assertThat(delivered(collector)).containsExactlyElementsOf(texts(1, 300));
    }

    @Test
    void refusedBatchIsSentAgainUnchangedUntilAccepted() throws Exception {
        HttpTestReceiver collector = receiver();
        collector.answer(n -> new HttpTestReceiver.Answer(n <= 2 ? 503 : 200, "{}"));
        HttpAuditSink sink = sink(settings(collector.url("/"), Format.NDJSON, null));

        sink.write(lines(1, 3));
        Await.until("the batch accepted", BOUND, () -> sink.lag() == 0);
        sink.write(lines(4, 4));
        Await.until("the next batch accepted", BOUND, () -> collector.received().size() == 4);

        List<String> bodies = collector.received().stream().map(HttpTestReceiver.Received::text).toList();
        assertThat(bodies).containsExactly(ndjson(1, 3), ndjson(1, 3), ndjson(1, 3), ndjson(4, 4));
        assertThat(sink.problem()).isNull();
    }

    @Test
    void fullSpoolRefusesTheBatchAndSaysWhichBound() throws Exception {
        HttpTestReceiver collector = receiver();
        collector.hold();
        long bound = 10L * (text(1).length() + 1);
        HttpAuditSink sink = sink(settings(collector.url("/"), Format.NDJSON, null, bound));
        for (int i = 1; i <= 10; i++) {
            sink.write(lines(i, i));
        }

        assertThatThrownBy(() -> sink.write(lines(11, 11))).isInstanceOf(IOException.class)
                .hasMessage("audit spool " + spool + " is full: " + bound + " bytes wait for delivery and a batch of "
                        + (text(11).length() + 1) + " bytes would pass the bound of " + bound + " bytes (spool_max_size)");
        assertThat(sink.problem()).contains("is full").contains("bound of " + bound + " bytes");
        assertThat(sink.lag()).as("the refused batch was not taken").isEqualTo(10);

        collector.release();
        Await.until("the spool drained", BOUND, () -> sink.lag() == 0);
        sink.write(lines(11, 11));
        assertThat(sink.problem()).isNull();
        Await.until("the last line delivered", BOUND, () -> sink.lag() == 0);
        assertThat(delivered(collector)).containsExactlyElementsOf(texts(1, 11));
    }

    @Test
    void restartResumesWhereDeliveryStood() throws Exception {
        HttpTestReceiver first = receiver();
        int port = first.port();
        AuditConfig.HttpSink settings = settings(URI.create("http://127.0.0.1:" + port + "/"), Format.NDJSON, null);
        HttpAuditSink before = sink(settings);
        before.write(lines(1, 4));
        Await.until("the first lines delivered", BOUND, () -> before.lag() == 0);
        first.close();
        before.write(lines(5, 9));
        before.sync();
        before.close();

        HttpTestReceiver second = track(new HttpTestReceiver(port));
        HttpAuditSink after = sink(settings);
        Await.until("the spooled lines delivered", BOUND, () -> after.lag() == 0);
        after.write(lines(10, 10));
        Await.until("a new line delivered", BOUND, () -> after.lag() == 0);

        assertThat(delivered(first)).containsExactlyElementsOf(texts(1, 4));
        assertThat(delivered(second)).containsExactlyElementsOf(texts(5, 10));
    }

    @Test
    void lineTornByACrashIsCutOffAndLogged() throws Exception {
        int port = downPort();
        AuditConfig.HttpSink settings = settings(URI.create("http://127.0.0.1:" + port + "/"), Format.NDJSON, null);
        HttpAuditSink before = sink(settings);
        before.write(lines(1, 3));
        before.close();
        Path segment = segments().getFirst();
        Files.write(segment, "{\"seq\":00".getBytes(StandardCharsets.UTF_8), StandardOpenOption.APPEND);

        try (HttpLogCapture log = new HttpLogCapture(SpoolOpening.class)) {
            HttpAuditSink after = sink(settings);
            assertThat(after.discardedBytes()).isEqualTo(9);
            assertThat(after.lag()).isEqualTo(3);
            assertThat(log.messages()).containsExactly("audit spool segment " + segment
                    + ": dropped a torn last line of 9 bytes left by an interrupted write");
            after.write(lines(4, 4));
            HttpTestReceiver collector = track(new HttpTestReceiver(port));
            Await.until("the spool delivered", BOUND, () -> after.lag() == 0);
            assertThat(delivered(collector)).containsExactlyElementsOf(texts(1, 4));
        }
    }

    @Test
    void deliveredSegmentsAreDeleted() throws Exception {
        HttpTestReceiver collector = receiver();
        collector.hold();
        HttpAuditSink sink = sink(settings(collector.url("/"), Format.NDJSON, null), 3L * (text(1).length() + 1));
        for (int i = 1; i <= 20; i++) {
            sink.write(lines(i, i));
        }
        assertThat(segments()).hasSizeGreaterThan(5);

        collector.release();
        Await.until("the spool delivered", BOUND, () -> sink.lag() == 0);
        assertThat(delivered(collector)).containsExactlyElementsOf(texts(1, 20));
        assertThat(segments()).as("only the segment still written to").hasSize(1);
    }

    @Test
    void closeMakesABoundedLastAttemptAndLeavesTheRestSpooled() throws Exception {
        HttpTestReceiver collector = receiver();
        collector.hold();
        AuditConfig.HttpSink settings = new AuditConfig.HttpSink(collector.url("/"), Format.NDJSON, null, 3,
                Duration.ofMillis(20), Duration.ofMillis(500), Map.of(), spool, 1 << 20);
        HttpAuditSink sink = sink(settings);
        sink.write(lines(1, 5));
        collector.next(BOUND);

        long started = System.nanoTime();
        sink.close();
        assertThat(Duration.ofNanos(System.nanoTime() - started)).isLessThan(Duration.ofSeconds(3));

        HttpAuditSink again = sink(settings);
        assertThat(again.lag()).isEqualTo(5);
    }

    @Test
    void aSecondSinkCannotShareTheSpool() throws Exception {
        HttpTestReceiver collector = receiver();
        AuditConfig.HttpSink settings = settings(collector.url("/"), Format.NDJSON, null);
        sink(settings);

        assertThatThrownBy(() -> sink(settings)).isInstanceOf(IOException.class)
                .hasMessage("audit spool " + spool + " is in use by another sink");
    }

    @Test
    void headerValuesAndTheQueryNeverAppearInMessages() throws Exception {
        HttpTestReceiver collector = receiver();
        collector.answer(n -> new HttpTestReceiver.Answer(401, "{\"error\":\"" + TOKEN + "\"}"));
        URI url = URI.create(collector.url("/ingest") + "?token=query-credential-91b2");
        try (HttpLogCapture log = new HttpLogCapture(HttpDelivery.class)) {
            HttpAuditSink sink = sink(settings(url, Format.NDJSON, null));
            sink.write(lines(1, 1));
            assertThat(collector.next(BOUND).header("authorization")).isEqualTo(TOKEN);
            Await.until("the refusal logged", BOUND, () -> log.contains("HTTP 401"));
            clock.advance(Duration.ofMinutes(1));

            String everything = sink + "\n" + sink.problem() + "\n" + String.join("\n", log.messages());
            assertThat(everything).contains("HTTP 401").contains("/ingest?…")
                    .doesNotContain("collector-credential").doesNotContain("query-credential");
        }

        AuditConfig.HttpSink broken = new AuditConfig.HttpSink(collector.url("/"), Format.NDJSON, null, 3,
                Duration.ofMillis(20), BOUND, Map.of("Authorization", new Secret("collector-credential\nX-Evil: 1")),
                spool, 1 << 20);
        assertThatThrownBy(() -> sink(broken)).isInstanceOf(IllegalArgumentException.class)
                .hasMessage("header Authorization cannot be sent: the HTTP client sets it itself or the value holds"
                        + " characters a header may not hold")
                .hasNoCause();
    }

    // --- helpers ---

    private HttpTestReceiver receiver() throws IOException {
        return track(new HttpTestReceiver());
    }

    private <T extends AutoCloseable> T track(T resource) {
        open.add(resource);
        return resource;
    }

    /** A loopback port nothing listens on (a receiver had it and stopped), for a collector that is down. */
    private static int downPort() throws IOException {
        try (HttpTestReceiver gone = new HttpTestReceiver()) {
            return gone.port();
        }
    }

    private AuditConfig.HttpSink settings(URI url, Format format, String index) {
        return settings(url, format, index, 1 << 20);
    }

    private AuditConfig.HttpSink settings(URI url, Format format, String index, long spoolMaxBytes) {
        return new AuditConfig.HttpSink(url, format, index, 3, Duration.ofMillis(20), BOUND,
                Map.of("Authorization", new Secret(TOKEN)), spool, spoolMaxBytes);
    }

    private HttpAuditSink sink(AuditConfig.HttpSink settings) throws IOException {
        return sink(settings, 64 * 1024);
    }

    private HttpAuditSink sink(AuditConfig.HttpSink settings, long segmentBytes) throws IOException {
        return track(new HttpAuditSink(settings, clock, HttpDestination.client(Duration.ofSeconds(2)),
                new HttpBackoff(Duration.ofMillis(5), Duration.ofMillis(40), new SplittableRandom(7)), segmentBytes,
                Duration.ofSeconds(30)));
    }

    private List<Path> segments() throws IOException {
        try (Stream<Path> files = Files.list(spool)) {
            return files.filter(f -> SpoolSegment.firstLineOf(f.getFileName().toString()) > 0).sorted().toList();
        }
    }

    static String text(int n) {
        return String.format("{\"seq\":%04d,\"type\":\"record\"}", n);
    }

    static List<byte[]> lines(int from, int to) {
        return IntStream.rangeClosed(from, to).mapToObj(n -> text(n).getBytes(StandardCharsets.UTF_8)).toList();
    }

    private static List<String> texts(int from, int to) {
        return IntStream.rangeClosed(from, to).mapToObj(HttpAuditSinkTest::text).toList();
    }

    private static String ndjson(int from, int to) {
        return String.join("\n", texts(from, to)) + "\n";
    }

    /** Every line of every NDJSON batch the collector received, in arrival order. */
    private static List<String> delivered(HttpTestReceiver collector) {
        return collector.received().stream()
                .flatMap(r -> r.text().lines())
                .toList();
    }
}
