package io.zerogate.audit.incident;

import io.zerogate.audit.AuditObserver;

/**
 * Raises the audit trail's own troubles as incidents of the gateway (records lost, requests refused because
 * they could not be recorded, a sink that fails), and passes everything on to the metrics.
 */
public final class GatewayIncidents implements AuditObserver {

    private final AuditObserver metrics;
    private final IncidentBook book;

    public GatewayIncidents(AuditObserver metrics, IncidentBook book) {
        this.metrics = metrics;
        this.book = book;
    }

    @Override
    public void recorded(int count) {
        metrics.recorded(count);
    }

    @Override
    public void dropped(boolean refusedRequest) {
        metrics.dropped(refusedRequest);
        if (refusedRequest) {
            book.raise("audit_unavailable", "a request was refused because the audit queue was full");
        } else {
            book.raise("audit_dropped", "an audit record was lost because the audit queue was full");
        }
    }

    @Override
    public void checkpoint() {
        metrics.checkpoint();
    }

    @Override
    public void sinkFailed(String sink, String problem) {
        metrics.sinkFailed(sink, problem);
        book.raise("audit_sink_failed", "audit sink " + sink + ": " + problem);
    }

    @Override
    public void sinkRecovered(String sink) {
        metrics.sinkRecovered(sink);
    }
}
