package io.zerogate.audit.incident;

/** Receives what the incident book does, for metrics; called on the audit writer's or the alert thread, must not block. */
public interface IncidentMetrics {

    IncidentMetrics NONE = new IncidentMetrics() {
        @Override
        public void opened(String reason) {
        }

        @Override
        public void evicted() {
        }

        @Override
        public void alertSent() {
        }

        @Override
        public void alertFailed() {
        }
    };

    /** An incident was opened; {@code reason} is its reason code. */
    void opened(String reason);

    /** An open incident was closed early to keep the book within {@code max_open}. */
    void evicted();

    /** The webhook accepted an alert. */
    void alertSent();

    /** An alert was given up: the webhook kept refusing it, or too many alerts were already waiting. */
    void alertFailed();
}
