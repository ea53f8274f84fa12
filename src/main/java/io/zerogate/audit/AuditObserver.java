package io.zerogate.audit;

/**
 * What the audit writer reports about itself, for metrics and for the gateway's own incidents. Called from the
 * writer's thread, and from event loops for {@link #dropped}; implementations must not block.
 */
public interface AuditObserver {

    /** {@code count} records were linked and taken by every sink. */
    void recorded(int count);

    /** A record did not fit in the queue and is lost; {@code refusedRequest} when it was a 503 for that reason. */
    void dropped(boolean refusedRequest);

    /** A checkpoint was written. */
    void checkpoint();

    /** A sink refused a batch; the writer keeps offering it. */
    void sinkFailed(String sink, String problem);

    /** A sink that had failed took a batch again. */
    void sinkRecovered(String sink);

    /** Observes nothing. */
    AuditObserver NONE = new AuditObserver() {
        @Override
        public void recorded(int count) {}

        @Override
        public void dropped(boolean refusedRequest) {}

        @Override
        public void checkpoint() {}

        @Override
        public void sinkFailed(String sink, String problem) {}

        @Override
        public void sinkRecovered(String sink) {}
    };
}
