package io.zerogate.chain;

/** Receives every exchange's outcome on the event loop that served it; must not block. */
@FunctionalInterface
public interface OutcomeSink {

    void record(ExchangeOutcome outcome);
}
