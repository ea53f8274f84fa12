package io.zerogate.audit.incident;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import io.zerogate.audit.sink.HttpDestination;
import io.zerogate.audit.sink.HttpSender;
import io.zerogate.config.AuditConfig;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.http.HttpClient;
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.Semaphore;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Posts incident alerts to the webhook from its own thread, {@code zerogate-incident-alerts}, so that raising an
 * alert costs the caller one enqueue. An alert the webhook refuses is tried again a few times with a growing pause,
 * then given up and counted; so is an alert that finds the queue full.
 */
final class IncidentAlerts implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(IncidentAlerts.class);
    private static final JsonFactory JSON = new JsonFactory();
    static final int ATTEMPTS = 3;
    static final int QUEUE = 1024;

    /** An incident as it stood when it crossed its threshold, and when that was. */
    private record Alert(Incident incident, int threshold, Instant time) {}

    /** Queued by {@link #close()}: the alerts before it are sent, then the thread ends. */
    private static final Alert STOP = new Alert(new Incident("-", "-", "-", null, 0, Instant.EPOCH, Instant.EPOCH, 0,
            false, null, "-"), 0, Instant.EPOCH);

    private final HttpDestination webhook;
    private final HttpClient http;
    private final Duration timeout;
    private final Duration window;
    private final String gateway;
    private final IncidentMetrics metrics;
    private final Duration firstPause;
    private final BlockingQueue<Alert> queue = new LinkedBlockingQueue<>();
    private final Semaphore room;
    private final HttpSender sender;
    private volatile boolean closed;
    private volatile boolean dropping;

    /** Takes ownership of {@code http} and closes it. */
    IncidentAlerts(AuditConfig.Webhook config, Duration window, String gateway, IncidentMetrics metrics, HttpClient http,
                   Duration firstPause, int queueCapacity) {
        if (queueCapacity < 1) {
            throw new IllegalArgumentException("alert queue: " + queueCapacity + " (expected: >= 1)");
        }
        try {
            this.webhook = new HttpDestination(config.url(), config.headers(), http);
        } catch (RuntimeException e) {
            http.shutdownNow();
            throw e;
        }
        this.http = http;
        this.timeout = config.timeout();
        this.window = window;
        this.gateway = gateway;
        this.metrics = metrics;
        this.firstPause = firstPause;
        this.room = new Semaphore(queueCapacity);
        this.sender = new HttpSender("zerogate-incident-alerts", this::run);
    }

    /** Queues an alert without waiting; one that does not fit is counted as failed. */
    void offer(Incident incident, int threshold, Instant time) {
        if (closed || !room.tryAcquire()) {
            metrics.alertFailed();
            // Once per run of drops: a flood of alerts must not become a flood of log lines on the writer's thread.
            if (!dropping) {
                dropping = true;
                LOG.warn("incident alert for {} ({}, {}) dropped: {}; further drops are only counted until an alert"
                        + " is queued again", incident.id(), incident.reason(), incident.caller(),
                        closed ? "alerts are no longer sent after shutdown"
                                : "too many alerts already wait for the webhook " + webhook.shown());
            }
            return;
        }
        dropping = false;
        queue.add(new Alert(incident, threshold, time));
    }

    private void run() {
        try {
            for (Alert alert = queue.take(); alert != STOP; alert = queue.take()) {
                room.release();
                try {
                    deliver(alert);
                } catch (RuntimeException e) {
                    metrics.alertFailed();
                    LOG.error("incident alert for {} could not be sent", alert.incident().id(), e);
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private void deliver(Alert alert) throws InterruptedException {
        byte[] body = json(alert);
        String failure = null;
        for (int attempt = 1; attempt <= ATTEMPTS; attempt++) {
            if (attempt > 1) {
                Thread.sleep(firstPause.multipliedBy(1L << (attempt - 2)));
            }
            HttpDestination.Reply reply = webhook.post("application/json", body, timeout);
            if (reply.accepted()) {
                metrics.alertSent();
                return;
            }
            failure = reply.failure();
        }
        Incident i = alert.incident();
        LOG.warn("incident alert for {} ({}, {}) not delivered to {} after {} attempts: {}", i.id(), i.reason(),
                i.caller(), webhook.shown(), ATTEMPTS, failure);
        // Counted once logged: whoever sees the count finds the reason in the log.
        metrics.alertFailed();
    }

    private byte[] json(Alert alert) {
        Incident i = alert.incident();
        ByteArrayOutputStream out = new ByteArrayOutputStream(512);
        try (JsonGenerator g = JSON.createGenerator(out)) {
            g.writeStartObject();
            g.writeStringField("type", "zerogate_incident");
            g.writeStringField("gateway", gateway);
            g.writeStringField("time", alert.time().toString());
            g.writeStringField("id", i.id());
            g.writeStringField("reason", i.reason());
            g.writeStringField("caller", i.caller());
            if (i.routeId() != null) {
                g.writeStringField("route", i.routeId());
            }
            g.writeNumberField("status", i.status());
            g.writeNumberField("count", i.count());
            g.writeNumberField("threshold", alert.threshold());
            g.writeNumberField("window_seconds", window.toSeconds());
            g.writeStringField("first_seen", i.firstSeen().toString());
            g.writeStringField("last_seen", i.lastSeen().toString());
            if (i.lastRequestId() != null) {
                g.writeStringField("last_request_id", i.lastRequestId());
            }
            g.writeStringField("detail", i.detail());
            g.writeEndObject();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out.toByteArray();
    }

    /**
     * Sends the alerts still waiting for at most the webhook's timeout, then stops the thread; alerts left unsent
     * are counted as failed.
     */
    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        queue.add(STOP);
        sender.stop(timeout.plusSeconds(1));
        int left = (int) queue.stream().filter(a -> a != STOP).count();
        queue.clear();
        for (int n = 0; n < left; n++) {
            metrics.alertFailed();
        }
        if (left > 0) {
            LOG.warn("{} incident alerts were not sent before shutdown", left);
        }
        http.shutdownNow();
    }

    @Override
    public String toString() {
        return webhook.toString();
    }
}
