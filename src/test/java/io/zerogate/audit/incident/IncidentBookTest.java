package io.zerogate.audit.incident;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.zerogate.audit.AuditRecord;
import io.zerogate.audit.AuditRecord.Outcome;
import io.zerogate.audit.sink.HttpDestination;
import io.zerogate.audit.sink.HttpLogCapture;
import io.zerogate.audit.sink.HttpTestReceiver;
import io.zerogate.config.AuditConfig;
import io.zerogate.config.Secret;
import io.zerogate.testing.Await;
import io.zerogate.testing.Closing;
import io.zerogate.testing.MutableClock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** Incidents gathered from refusals and the gateway's own problems, and the alerts a real webhook receives. */
class IncidentBookTest {

    private static final Duration WINDOW = Duration.ofMinutes(5);
    private static final Duration BOUND = Duration.ofSeconds(10);
    private static final Instant T0 = Instant.parse("2025-03-01T10:00:00Z");
    private static final String ALERT_TOKEN = "alert-credential-55c1";

    private final MutableClock clock = new MutableClock(T0);
    private final Counts counts = new Counts();
    private final List<AutoCloseable> open = new ArrayList<>();
    private int requests;

    @AfterEach
    void closeAll() throws Exception {
        Closing.all(open.reversed().toArray(AutoCloseable[]::new));
    }

    @Test
    void refusalsAreGatheredByReasonCallerAndRoute() {
        IncidentBook book = book(10, null);

        record(book, refusal("rate_limited", "alice", "10.0.0.1", null, "orders", 429));
        record(book, refusal("rate_limited", "bob", "10.0.0.1", null, "orders", 429));
        record(book, refusal("rate_limited", "alice", "10.0.0.1", null, "users", 429));
        record(book, refusal("token_invalid", null, "10.0.0.5", "203.0.113.9", "orders", 401));
        record(book, refusal("token_missing", null, "10.0.0.7", null, null, 401));
        record(book, refusal("rate_limited", "alice", "10.0.0.2", null, "orders", 429));
        record(book, exchange(Outcome.ALLOWED, null, 200));
        record(book, exchange(Outcome.ERRORED, "upstream_unavailable", 502));
        record(book, exchange(Outcome.DENIED, "audit_unavailable", 503));

        List<Incident> incidents = book.open();
        assertThat(incidents).extracting(Incident::reason, Incident::caller, Incident::routeId, Incident::status, Incident::count)
                .containsExactly(
                        org.assertj.core.groups.Tuple.tuple("rate_limited", "subject:alice", "orders", 429, 2L),
                        org.assertj.core.groups.Tuple.tuple("token_missing", "client:10.0.0.7", null, 401, 1L),
                        org.assertj.core.groups.Tuple.tuple("token_invalid", "client:203.0.113.9", "orders", 401, 1L),
                        org.assertj.core.groups.Tuple.tuple("rate_limited", "subject:alice", "users", 429, 1L),
                        org.assertj.core.groups.Tuple.tuple("rate_limited", "subject:bob", "orders", 429, 1L));
        Incident alice = incidents.getFirst();
        assertThat(alice.firstSeen()).isEqualTo(T0);
        assertThat(alice.lastSeen()).isEqualTo(T0.plusSeconds(5));
        assertThat(alice.lastRequestId()).isEqualTo("req-6");
        assertThat(alice.detail()).isEqualTo("limit per-user: 0 of 100 left");
        assertThat(alice.alerted()).isFalse();
        assertThat(incidents).extracting(Incident::id).doesNotHaveDuplicates();
        assertThat(counts.opened).containsEntry("rate_limited", 3).containsEntry("token_invalid", 1).containsEntry("token_missing", 1);
    }

    @Test
    void incidentClosesAfterAQuietWindow() {
        IncidentBook book = book(10, null);
        record(book, refusal("rate_limited", "alice", "10.0.0.1", null, "orders", 429));
        clock.advance(Duration.ofMinutes(4));
        record(book, refusal("rate_limited", "alice", "10.0.0.1", null, "orders", 429));
        String id = book.open().getFirst().id();

        // record() moved the clock a second past the last refusal.
        clock.advance(WINDOW.minusSeconds(2));
        assertThat(book.open()).singleElement().satisfies(i -> {
            assertThat(i.id()).isEqualTo(id);
            assertThat(i.count()).isEqualTo(2);
        });
        clock.advance(Duration.ofSeconds(1));
        assertThat(book.open()).isEmpty();

        Instant reopened = clock.instant();
        record(book, refusal("rate_limited", "alice", "10.0.0.1", null, "orders", 429));
        assertThat(book.open()).singleElement().satisfies(i -> {
            assertThat(i.id()).isNotEqualTo(id);
            assertThat(i.count()).isEqualTo(1);
            assertThat(i.firstSeen()).isEqualTo(reopened);
        });
    }

    @Test
    void countStartsAgainWithEachWindowWhileTheIncidentStaysOpen() {
        IncidentBook book = book(10, null);
        for (int minutes : new int[] {0, 3, 3}) {
            clock.advance(Duration.ofMinutes(minutes));
            record(book, refusal("rate_limited", "alice", "10.0.0.1", null, "orders", 429));
        }

        assertThat(book.open()).singleElement().satisfies(i -> {
            assertThat(i.count()).as("the second window began with the last refusal").isEqualTo(1);
            assertThat(i.firstSeen()).isEqualTo(T0);
            assertThat(i.lastSeen()).isEqualTo(T0.plus(Duration.ofMinutes(6)).plusSeconds(2));
        });
        assertThat(counts.opened).containsExactly(Map.entry("rate_limited", 1));
    }

    @Test
    void beyondMaxOpenTheIncidentSeenLeastRecentlyCloses() {
        IncidentBook book = book(2, null);
        record(book, refusal("rate_limited", "a", "10.0.0.1", null, "orders", 429));
        record(book, refusal("rate_limited", "b", "10.0.0.1", null, "orders", 429));
        record(book, refusal("rate_limited", "a", "10.0.0.1", null, "orders", 429));
        record(book, refusal("rate_limited", "c", "10.0.0.1", null, "orders", 429));

        assertThat(book.open()).extracting(Incident::caller).containsExactly("subject:c", "subject:a");
        assertThat(counts.evicted).hasValue(1);
        assertThat(counts.opened).containsExactly(Map.entry("rate_limited", 3));
    }

    @Test
    void reachingTheThresholdPostsOneAlertPerWindow() throws Exception {
        HttpTestReceiver webhook = receiver();
        IncidentBook book = book(10, webhook(webhook, 3));

        for (int i = 0; i < 5; i++) {
            record(book, refusal("rate_limited", "alice", "10.0.0.1", null, "orders", 429));
        }
        clock.set(T0.plus(WINDOW).plusSeconds(1));
        for (int i = 0; i < 3; i++) {
            record(book, refusal("rate_limited", "alice", "10.0.0.1", null, "orders", 429));
        }
        String id = book.open().getFirst().id();
        assertThat(book.open().getFirst().alerted()).isTrue();
        book.close();

        List<HttpTestReceiver.Received> alerts = webhook.received();
        assertThat(alerts).hasSize(2);
        assertThat(alerts.getFirst().header("content-type")).isEqualTo("application/json");
        assertThat(alerts.getFirst().header("x-alert-token")).isEqualTo(ALERT_TOKEN);
        assertThat(json(alerts.get(0))).isEqualTo(alert(id, "2025-03-01T10:00:02Z", "2025-03-01T10:00:02Z", "req-3"));
        assertThat(json(alerts.get(1))).isEqualTo(alert(id, "2025-03-01T10:05:03Z", "2025-03-01T10:05:03Z", "req-8"));
        assertThat(counts.sent).hasValue(2);
    }

    @Test
    void gatewayProblemsAreIncidentsAlertedAtOnce() throws Exception {
        HttpTestReceiver webhook = receiver();
        IncidentBook book = book(10, webhook(webhook, 20));

        book.raise("audit_dropped", "3 records dropped: the audit queue was full");
        clock.advance(Duration.ofSeconds(1));
        book.raise("audit_dropped", "5 records dropped: the audit queue was full");

        assertThat(book.open()).singleElement().satisfies(i -> {
            assertThat(i.caller()).isEqualTo("gateway");
            assertThat(i.routeId()).isNull();
            assertThat(i.status()).isZero();
            assertThat(i.count()).isEqualTo(2);
            assertThat(i.lastRequestId()).isNull();
            assertThat(i.detail()).isEqualTo("5 records dropped: the audit queue was full");
        });
        book.close();
        assertThat(webhook.received()).singleElement().satisfies(r -> assertThat(json(r))
                .containsEntry("reason", "audit_dropped").containsEntry("caller", "gateway")
                .containsEntry("threshold", 1).containsEntry("count", 1)
                .doesNotContainKey("route").doesNotContainKey("last_request_id"));
    }

    @Test
    void alertTheWebhookKeepsRefusingIsTriedThenCountedWithoutItsHeaderValue() throws Exception {
        HttpTestReceiver webhook = receiver();
        webhook.answer(n -> new HttpTestReceiver.Answer(500, "{}"));
        try (HttpLogCapture log = new HttpLogCapture(IncidentAlerts.class)) {
            IncidentBook book = book(10, webhook(webhook, 1));
            record(book, refusal("forbidden", "alice", "10.0.0.1", null, "orders", 403));

            Await.until("the alert given up", BOUND, () -> counts.failed.get() == 1);
            assertThat(webhook.received()).hasSize(IncidentAlerts.ATTEMPTS)
                    .extracting(HttpTestReceiver.Received::text).containsOnly(webhook.received().getFirst().text());
            assertThat(counts.sent).hasValue(0);
            assertThat(log.messages()).singleElement().asString()
                    .endsWith("not delivered to " + webhook.url("/hook") + " after 3 attempts: HTTP 500");
            assertThat(log.messages() + book.toString()).contains("X-Alert-Token").doesNotContain(ALERT_TOKEN);
        }
    }

    @Test
    void alertIsSentOnceTheWebhookRecovers() throws Exception {
        HttpTestReceiver webhook = receiver();
        webhook.answer(n -> new HttpTestReceiver.Answer(n == 1 ? 503 : 204, ""));
        IncidentBook book = book(10, webhook(webhook, 1));

        record(book, refusal("forbidden", "alice", "10.0.0.1", null, "orders", 403));
        book.close();

        assertThat(webhook.received()).hasSize(2);
        assertThat(counts.sent).hasValue(1);
        assertThat(counts.failed).hasValue(0);
    }

    @Test
    void recordingNeverWaitsForTheWebhook() throws Exception {
        HttpTestReceiver webhook = receiver();
        webhook.hold();
        IncidentBook book = track(new IncidentBook(new AuditConfig.Incidents(WINDOW, 100, webhook(webhook, 1)),
                "gw-test-1", clock, counts, HttpDestination.client(BOUND), Duration.ofMillis(10), 2));
        record(book, refusal("forbidden", "caller-0", "10.0.0.1", null, "orders", 403));
        webhook.next(BOUND);

        try (HttpLogCapture log = new HttpLogCapture(IncidentAlerts.class)) {
            assertTimeoutPreemptively(Duration.ofSeconds(2), () -> {
                for (int i = 1; i < 10; i++) {
                    record(book, refusal("forbidden", "caller-" + i, "10.0.0.1", null, "orders", 403));
                }
            });
            assertThat(counts.failed).as("alerts beyond the queue").hasValue(7);
            assertThat(log.messages()).as("one line for the run of drops").singleElement().asString()
                    .contains("dropped: too many alerts already wait for the webhook " + webhook.url("/hook"));
        }

        webhook.release();
        book.close();
        assertThat(counts.sent).hasValue(3);
    }

    // --- helpers ---

    private IncidentBook book(int maxOpen, AuditConfig.@Nullable Webhook webhook) {
        return track(new IncidentBook(new AuditConfig.Incidents(WINDOW, maxOpen, webhook), "gw-test-1", clock, counts,
                webhook == null ? null : HttpDestination.client(BOUND), Duration.ofMillis(10), 1024));
    }

    private static AuditConfig.Webhook webhook(HttpTestReceiver receiver, int threshold) {
        return new AuditConfig.Webhook(receiver.url("/hook"), threshold, Map.of("X-Alert-Token", new Secret(ALERT_TOKEN)),
                Duration.ofSeconds(5));
    }

    private HttpTestReceiver receiver() throws Exception {
        return track(new HttpTestReceiver());
    }

    private <T extends AutoCloseable> T track(T resource) {
        open.add(resource);
        return resource;
    }

    /** Records one exchange, then moves the clock a second on. */
    private void record(IncidentBook book, AuditRecord record) {
        book.recorded(record, new byte[0]);
        clock.advance(Duration.ofSeconds(1));
    }

    private AuditRecord refusal(String reason, @Nullable String subject, String client, @Nullable String forwardedFor,
                                @Nullable String route, int status) {
        AuditRecord.SubjectFacts facts = subject == null ? null
                : new AuditRecord.SubjectFacts(subject, "user", "corp", null, "jwt", "none");
        return new AuditRecord(clock.instant(), "req-" + ++requests, "0af7651916cd43dd8448eb211c80319c", "public", route,
                "GET", "api.example.com", route == null ? null : "/" + route + "/{id}", "/orders/7", client, forwardedFor,
                facts, null, Outcome.DENIED, reason, route == null ? null : route + ":per-user",
                reason.equals("rate_limited") ? "limit per-user: 0 of 100 left" : null, List.of(), null, null, status, 0, 0,
                120, 40, 0, Map.of());
    }

    private AuditRecord exchange(Outcome outcome, @Nullable String reason, int status) {
        return new AuditRecord(clock.instant(), "req-" + ++requests, "0af7651916cd43dd8448eb211c80319c", "public",
                "orders", "GET", "api.example.com", "/orders/{id}", "/orders/7", "10.0.0.1", null, null, null, outcome,
                reason, null, null, List.of(), null, "10.0.1.5:8443", status, 0, 10, 900, 40, 700, Map.of());
    }

    private static Map<String, Object> alert(String id, String time, String lastSeen, String lastRequestId) {
        Map<String, Object> expected = new LinkedHashMap<>();
        expected.put("type", "zerogate_incident");
        expected.put("gateway", "gw-test-1");
        expected.put("time", time);
        expected.put("id", id);
        expected.put("reason", "rate_limited");
        expected.put("caller", "subject:alice");
        expected.put("route", "orders");
        expected.put("status", 429);
        expected.put("count", 3);
        expected.put("threshold", 3);
        expected.put("window_seconds", 300);
        expected.put("first_seen", "2025-03-01T10:00:00Z");
        expected.put("last_seen", lastSeen);
        expected.put("last_request_id", lastRequestId);
        expected.put("detail", "limit per-user: 0 of 100 left");
        return expected;
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> json(HttpTestReceiver.Received received) throws Exception {
        return new ObjectMapper().readValue(received.body(), Map.class);
    }

    /** The metrics hook as a gateway would keep it: counts per event. */
    private static final class Counts implements IncidentMetrics {
        final Map<String, Integer> opened = new ConcurrentHashMap<>();
        final AtomicInteger evicted = new AtomicInteger();
        final AtomicInteger sent = new AtomicInteger();
        final AtomicInteger failed = new AtomicInteger();

        @Override
        public void opened(String reason) {
            opened.merge(reason, 1, Integer::sum);
        }

        @Override
        public void evicted() {
            evicted.incrementAndGet();
        }

        @Override
        public void alertSent() {
            sent.incrementAndGet();
        }

        @Override
        public void alertFailed() {
            failed.incrementAndGet();
        }
    }
}
