package io.zerogate.chain;

/**
 * Told about every decision a stage of the chain makes, for metrics. Called on the exchange's event loop; must
 * not block and must be cheap, since it runs once per stage per request.
 */
public interface StageObserver {

    /**
     * {@code stage} decided {@code decision} for one exchange.
     *
     * @param nanos how long the stage took (until its answer, for a stage that answers later), or -1 when this
     *              exchange was not among the sampled ones whose stages are timed
     */
    void decided(String stage, Decision decision, long nanos);

    /**
     * What one stage's decisions are told to, resolved once when a chain is built so that a decision costs no
     * lookup by stage name.
     */
    default StageMeter meter(String stage) {
        return (decision, nanos) -> decided(stage, decision, nanos);
    }

    /** One stage's decisions: see {@link StageObserver#decided}. */
    @FunctionalInterface
    interface StageMeter {
        void decided(Decision decision, long nanos);
    }

    /** Observes nothing. */
    StageObserver NONE = (stage, decision, nanos) -> { };
}
