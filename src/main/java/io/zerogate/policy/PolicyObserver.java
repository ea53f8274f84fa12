package io.zerogate.policy;

/**
 * Receives the outcome of every policy rule evaluated, for metrics. The policy stage asks for one {@link RuleMeter}
 * per rule when it compiles a configuration, so that counting on the request path needs no lookup by name. Must not
 * block.
 */
public interface PolicyObserver {

    /** What became of one rule for one request. */
    enum Result {
        /** The rule let the request through (an allow rule held, a deny rule did not). */
        ALLOW,
        /** The rule refused the request. */
        DENY,
        /** A rule in shadow mode would have refused the request; it went on. */
        WOULD_DENY,
        /** The rule could not be evaluated (a missing claim, a type error, an exhausted budget). */
        ERROR
    }

    /** Counts one rule's outcomes. */
    interface RuleMeter {

        void record(Result result);
    }

    PolicyObserver NONE = (routeId, ruleId) -> result -> { };

    /** The meter of rule {@code ruleId} of route {@code routeId}; called while a configuration is compiled. */
    RuleMeter rule(String routeId, String ruleId);
}
