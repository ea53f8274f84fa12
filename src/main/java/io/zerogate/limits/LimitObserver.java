package io.zerogate.limits;

/** Receives what the limits stage decides and how its store fares, for metrics; must not block. */
public interface LimitObserver {

    /** What became of one limit's charge. */
    enum Outcome { ALLOWED, LIMITED, WOULD_LIMIT }

    LimitObserver NONE = new LimitObserver() {
        @Override
        public void checked(String limitId, Outcome outcome) {
        }

        @Override
        public void storeFailed() {
        }

        @Override
        public void degraded(boolean degraded) {
        }
    };

    /** A limit was checked for a request (a shadow limit that would have refused: {@link Outcome#WOULD_LIMIT}). */
    void checked(String limitId, Outcome outcome);

    /** A call to the shared store failed or timed out. */
    void storeFailed();

    /** The limits started (true) or stopped (false) counting without the shared store. */
    void degraded(boolean degraded);
}
