package io.zerogate.admin;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.zerogate.audit.AuditLog;
import io.zerogate.audit.AuditObserver;
import io.zerogate.audit.AuditSink;
import io.zerogate.audit.incident.IncidentMetrics;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Metrics of the audit trail (records written, dropped, checkpoints, queue depth, sink failures and lag) and of
 * incidents (opened by reason, evicted, alerts sent and failed).
 */
public final class AuditMetrics implements AuditObserver, IncidentMetrics {

    private final MeterRegistry registry;
    private final Counter records;
    private final Counter droppedRecords;
    private final Counter refusedRequests;
    private final Counter checkpoints;
    private final Map<String, Counter> sinkErrors = new ConcurrentHashMap<>();
    private final Map<String, AtomicInteger> sinkFailing = new ConcurrentHashMap<>();

    private final Map<String, Counter> incidentsOpened = new ConcurrentHashMap<>();
    private final Counter incidentsEvicted;
    private final Counter alertsSent;
    private final Counter alertsFailed;

    public AuditMetrics(GatewayMetrics metrics) {
        this.registry = metrics.registry();
        this.incidentsEvicted = Counter.builder("zerogate_incidents_evicted")
                .description("open incidents closed early to stay within incidents.max_open").register(registry);
        this.alertsSent = Counter.builder("zerogate_incident_alerts").description("incident alerts posted to the webhook")
                .tag("result", "sent").register(registry);
        this.alertsFailed = Counter.builder("zerogate_incident_alerts").description("incident alerts posted to the webhook")
                .tag("result", "failed").register(registry);
        this.records = Counter.builder("zerogate_audit_records").description("audit records written to every sink")
                .register(registry);
        this.droppedRecords = Counter.builder("zerogate_audit_dropped").description("audit records lost")
                .tag("kind", "record").register(registry);
        this.refusedRequests = Counter.builder("zerogate_audit_dropped")
                .description("audit records lost").tag("kind", "refused_request").register(registry);
        this.checkpoints = Counter.builder("zerogate_audit_checkpoints").description("signed checkpoints written")
                .register(registry);
    }

    /** Publishes the queue depth and each sink's lag of a started audit log. */
    public void watch(AuditLog log) {
        Gauge.builder("zerogate_audit_queue_depth", log, AuditLog::queueDepth)
                .description("audit records waiting for the writer").register(registry);
        for (AuditSink sink : log.sinks()) {
            Gauge.builder("zerogate_audit_sink_lag", sink, AuditSink::lag)
                    .description("audit lines taken by a sink but not yet delivered").tag("sink", sink.name())
                    .register(registry);
            failing(sink.name());
        }
    }

    @Override
    public void recorded(int count) {
        records.increment(count);
    }

    @Override
    public void dropped(boolean refusedRequest) {
        if (refusedRequest) {
            refusedRequests.increment();
        } else {
            droppedRecords.increment();
        }
    }

    @Override
    public void checkpoint() {
        checkpoints.increment();
    }

    @Override
    public void sinkFailed(String sink, String problem) {
        sinkErrors.computeIfAbsent(sink, s -> Counter.builder("zerogate_audit_sink_errors")
                .description("times an audit sink started refusing records").tag("sink", s).register(registry)).increment();
        failing(sink).set(1);
    }

    @Override
    public void sinkRecovered(String sink) {
        failing(sink).set(0);
    }

    @Override
    public void opened(String reason) {
        incidentsOpened.computeIfAbsent(reason, r -> Counter.builder("zerogate_incidents_opened")
                .description("incidents opened, by reason").tag("reason", r).register(registry)).increment();
    }

    @Override
    public void evicted() {
        incidentsEvicted.increment();
    }

    @Override
    public void alertSent() {
        alertsSent.increment();
    }

    @Override
    public void alertFailed() {
        alertsFailed.increment();
    }

    private AtomicInteger failing(String sink) {
        return sinkFailing.computeIfAbsent(sink, s -> registry.gauge("zerogate_audit_sink_failing",
                io.micrometer.core.instrument.Tags.of("sink", s), new AtomicInteger()));
    }
}
