package io.zerogate.chain;

/** Receives every exchange's outcome on the event loop that served it; must not block. */
public interface OutcomeSink {

    void record(ExchangeOutcome outcome);

    /**
     * Whether outcomes can be recorded now. When false, the data plane refuses new requests (503,
     * {@code audit_unavailable}) rather than serve what it could not record; the outcome of such a refusal is
     * still reported, and a sink that cannot take it counts it.
     */
    default boolean accepting() {
        return true;
    }

    /** Both sinks, in order: each outcome goes to both; new requests are admitted while both accept. */
    static OutcomeSink both(OutcomeSink first, OutcomeSink second) {
        return new OutcomeSink() {
            @Override
            public void record(ExchangeOutcome outcome) {
                try {
                    first.record(outcome);
                } finally {
                    second.record(outcome);
                }
            }

            @Override
            public boolean accepting() {
                return first.accepting() && second.accepting();
            }
        };
    }
}
