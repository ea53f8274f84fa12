package io.zerogate.policy;

/**
 * Receives what the ownership lookup and the external decision point find, for metrics; must not block. Called from
 * event loops and from the HTTP client's threads.
 */
public interface LookupObserver {

    /** Which remote check. */
    enum Kind {
        /** The owner service of an ownership lookup. */
        OWNER,
        /** The external decision point (OPA). */
        OPA
    }

    /** What became of one request's check. */
    enum Result {
        /** The caller owns the object, or the decision point allowed the request. */
        ALLOW,
        /** Refused: the caller does not own the object, or the decision point said no. */
        DENY,
        /** In shadow mode, a check that would have refused (including an unavailable service); the request went on. */
        WOULD_DENY,
        /** Refused because the service could not give an answer (error, timeout, unreadable or oversize answer). */
        UNAVAILABLE
    }

    LookupObserver NONE = new LookupObserver() {
        @Override
        public void checked(Kind kind, String routeId, Result result) {
        }

        @Override
        public void called(Kind kind, long nanos) {
        }

        @Override
        public void cacheHit(Kind kind, String routeId) {
        }
    };

    /** One request was checked on a route. */
    void checked(Kind kind, String routeId, Result result);

    /** A call to the remote service ended (answered or failed) after {@code nanos}. */
    void called(Kind kind, long nanos);

    /** A request's check was answered from the cache, without a call. */
    void cacheHit(Kind kind, String routeId);
}
