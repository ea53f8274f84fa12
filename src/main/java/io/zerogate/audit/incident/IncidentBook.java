package io.zerogate.audit.incident;

import io.zerogate.audit.AuditListener;
import io.zerogate.audit.AuditRecord;
import io.zerogate.audit.sink.HttpDestination;
import io.zerogate.config.AuditConfig;
import java.net.http.HttpClient;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Objects;
import org.jspecify.annotations.Nullable;

/**
 * The open incidents: every refusal the audit trail records is counted against (reason, caller, route), and the
 * gateway's own problems against (reason, {@code gateway}). An incident stays open while it keeps happening and
 * closes once a whole window passes without it; its count is what happened in its current window, which starts
 * with the first occurrence and starts again with the first occurrence after it ends. When a count reaches the
 * webhook's threshold (1 for the gateway's own problems), one alert per window goes to the webhook.
 *
 * <p>Called on the audit writer's thread, {@link #recorded} takes a short lock and, at most, queues an alert; the
 * alert is posted from the thread {@code zerogate-incident-alerts}. The book holds at most {@code max_open}
 * incidents: a new one beyond that closes the one seen least recently.
 */
public final class IncidentBook implements AuditListener, AutoCloseable {

    /** The caller of the gateway's own problems. */
    public static final String GATEWAY = "gateway";
    private static final int MAX_DETAIL = 300;
    private static final Duration FIRST_RETRY_PAUSE = Duration.ofSeconds(1);

    private record Key(String reason, String caller, @Nullable String routeId) {}

    private final Duration window;
    private final int maxOpen;
    private final Clock clock;
    private final IncidentMetrics metrics;
    private final @Nullable IncidentAlerts alerts;
    private final int threshold;
    private final String idPrefix;
    // Access order: the eldest entry is the incident seen least recently.
    private final LinkedHashMap<Key, Tally> open = new LinkedHashMap<>(64, 0.75f, true);
    private long sequence;

    /**
     * Starts the alert thread when a webhook is configured.
     *
     * @param gateway names this gateway in alerts (a host name or node id)
     * @throws IllegalArgumentException when a webhook header cannot be sent (named, its value never shown)
     */
    public IncidentBook(AuditConfig.Incidents config, String gateway, Clock clock, IncidentMetrics metrics) {
        this(config, gateway, clock, metrics,
                config.webhook() == null ? null : HttpDestination.client(config.webhook().timeout()),
                FIRST_RETRY_PAUSE, IncidentAlerts.QUEUE);
    }

    IncidentBook(AuditConfig.Incidents config, String gateway, Clock clock, IncidentMetrics metrics,
                 @Nullable HttpClient http, Duration firstRetryPause, int alertQueue) {
        this.window = config.window();
        this.maxOpen = config.maxOpen();
        this.clock = Objects.requireNonNull(clock, "clock");
        this.metrics = Objects.requireNonNull(metrics, "metrics");
        if (window.isNegative() || window.isZero()) {
            throw new IllegalArgumentException("incident window: " + window + " (expected: > 0)");
        }
        if (maxOpen < 1) {
            throw new IllegalArgumentException("max open incidents: " + maxOpen + " (expected: >= 1)");
        }
        if (gateway.isBlank()) {
            throw new IllegalArgumentException("gateway name: '" + gateway + "' (expected: a host name or node id)");
        }
        AuditConfig.Webhook webhook = config.webhook();
        this.threshold = webhook == null ? Integer.MAX_VALUE : webhook.threshold();
        this.alerts = webhook == null ? null : new IncidentAlerts(webhook, window, gateway, metrics,
                Objects.requireNonNull(http, "http"), firstRetryPause, alertQueue);
        this.idPrefix = Long.toString(clock.millis(), 36) + "-";
    }

    /** Counts a refusal; anything else is not an incident. */
    @Override
    public void recorded(AuditRecord record, byte[] line) {
        if (!record.isRefusal()) {
            return;
        }
        AuditRecord.SubjectFacts subject = record.subject();
        String caller = subject != null ? "subject:" + subject.id()
                : "client:" + Objects.requireNonNullElse(record.forwardedFor(), record.clientAddress());
        String reason = Objects.requireNonNullElse(record.reason(), "unspecified");
        String detail = Objects.requireNonNullElse(record.detail(), "refused with " + record.status());
        count(new Key(reason, caller, record.routeId()), record.status(), record.requestId(), detail, threshold);
    }

    /**
     * Counts a problem of the gateway's own ({@code audit_dropped}, {@code audit_sink_failed} …); the first in a
     * window is alerted at once. {@code detail} must never hold a credential.
     */
    public void raise(String reason, String detail) {
        Objects.requireNonNull(reason, "reason");
        Objects.requireNonNull(detail, "detail");
        count(new Key(reason, GATEWAY, null), 0, null, detail, 1);
    }

    private void count(Key key, int status, @Nullable String requestId, String detail, int alertAt) {
        Instant now = clock.instant();
        boolean isNew = false;
        boolean evicted = false;
        Incident alert = null;
        synchronized (open) {
            closeQuiet(now);
            Tally tally = open.get(key);
            if (tally == null) {
                if (open.size() >= maxOpen) {
                    Iterator<Tally> eldest = open.values().iterator();
                    eldest.next();
                    eldest.remove();
                    evicted = true;
                }
                tally = new Tally(idPrefix + Long.toString(++sequence, 36), now);
                open.put(key, tally);
                isNew = true;
            }
            tally.add(now, window, status, requestId, detail.length() > MAX_DETAIL ? detail.substring(0, MAX_DETAIL) + "…" : detail);
            if (alerts != null && !tally.alertedInWindow && tally.count >= alertAt) {
                tally.alertedInWindow = true;
                tally.alerted = true;
                alert = tally.incident(key);
            }
        }
        if (evicted) {
            metrics.evicted();
        }
        if (isNew) {
            metrics.opened(key.reason());
        }
        if (alert != null) {
            alerts.offer(alert, alertAt, now);
        }
    }

    /** The open incidents, the one seen most recently first. */
    public List<Incident> open() {
        List<Incident> list = new ArrayList<>();
        synchronized (open) {
            closeQuiet(clock.instant());
            open.forEach((key, tally) -> list.add(tally.incident(key)));
        }
        Collections.reverse(list);
        return list;
    }

    private void closeQuiet(Instant now) {
        for (Iterator<Tally> it = open.values().iterator(); it.hasNext(); ) {
            if (now.isBefore(it.next().lastSeen.plus(window))) {
                break;
            }
            it.remove();
        }
    }

    /** Sends the alerts still waiting (bounded by the webhook's timeout) and stops the alert thread. */
    @Override
    public void close() {
        if (alerts != null) {
            alerts.close();
        }
    }

    @Override
    public String toString() {
        return "IncidentBook[window " + window + ", max open " + maxOpen
                + (alerts == null ? "" : ", webhook " + alerts + " at " + threshold) + "]";
    }

    /** One open incident's counts; guarded by the book's lock. */
    private static final class Tally {
        private final String id;
        private final Instant firstSeen;
        private Instant windowStart;
        private Instant lastSeen;
        private long count;
        private int status;
        private boolean alerted;
        private boolean alertedInWindow;
        private @Nullable String lastRequestId;
        private String detail = "";

        Tally(String id, Instant now) {
            this.id = id;
            this.firstSeen = now;
            this.windowStart = now;
            this.lastSeen = now;
        }

        void add(Instant now, Duration window, int status, @Nullable String requestId, String detail) {
            if (!now.isBefore(windowStart.plus(window))) {
                windowStart = now;
                count = 0;
                alertedInWindow = false;
            }
            count++;
            lastSeen = now;
            this.status = status;
            this.lastRequestId = requestId;
            this.detail = detail;
        }

        Incident incident(Key key) {
            return new Incident(id, key.reason(), key.caller(), key.routeId(), status, firstSeen, lastSeen, count,
                    alerted, lastRequestId, detail);
        }
    }
}
