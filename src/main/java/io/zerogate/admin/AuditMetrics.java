package io.zerogate.admin;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.zerogate.audit.AuditLog;
import io.zerogate.audit.AuditObserver;
import io.zerogate.audit.AuditSink;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BiConsumer;

/**
 * Metrics of the audit trail (records written, dropped, checkpoints, queue depth, sink failures and lag), and
 * the gateway's own incidents when records are lost or a sink fails.
 */
public final class AuditMetrics implements AuditObserver {

    private final MeterRegistry registry;
    private final BiConsumer<String, String> incidents;
    private final Counter records;
    private final Counter droppedRecords;
    private final Counter refusedRequests;
    private final Counter checkpoints;
    private final Map<String, Counter> sinkErrors = new ConcurrentHashMap<>();
    private final Map<String, AtomicInteger> sinkFailing = new ConcurrentHashMap<>();

    /** @param incidents raises an incident of the gateway's own: (reason code, detail) */
    public AuditMetrics(GatewayMetrics metrics, BiConsumer<String, String> incidents) {
        this.registry = metrics.registry();
        this.incidents = incidents;
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
            incidents.accept("audit_unavailable", "a request was refused because the audit queue was full");
        } else {
            droppedRecords.increment();
            incidents.accept("audit_dropped", "an audit record was lost because the audit queue was full");
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
        incidents.accept("audit_sink_failed", "audit sink " + sink + " refuses records: " + problem);
    }

    @Override
    public void sinkRecovered(String sink) {
        failing(sink).set(0);
    }

    private AtomicInteger failing(String sink) {
        return sinkFailing.computeIfAbsent(sink, s -> registry.gauge("zerogate_audit_sink_failing",
                io.micrometer.core.instrument.Tags.of("sink", s), new AtomicInteger()));
    }
}
