package io.zerogate.state;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Executor;

/**
 * State the gateway shares between requests and, in cluster mode, between gateway processes: expiring claims
 * (replay caches) and metered limits (rates, windows, concurrency, quotas). Every operation is atomic across
 * every process that shares the store, completes without blocking the caller, and fails (completes
 * exceptionally) rather than guessing when the store cannot be reached: callers deny on failure.
 */
public interface StateStore extends AutoCloseable {

    /**
     * Records {@code key} for {@code ttl} if it is not recorded yet.
     *
     * @return true when this call recorded it (first use), false when it was already there (a replay)
     */
    CompletionStage<Boolean> claimOnce(String key, Duration ttl);

    /**
     * Checks every charge and applies them all or none, atomically with respect to every other call on any
     * process sharing the store: when every enforced charge allows, every charge that allows (enforced or
     * shadow) is applied; otherwise nothing is. Keys are distinct within one call.
     *
     * @param leaseId names the leases taken by {@link Meter.Concurrency} charges, for {@link #release}; unique
     *                per request
     */
    CompletionStage<ChargeVerdict> charge(List<Charge> charges, String leaseId);

    /**
     * As {@link #charge(List, String)}, for a caller running on the event loop {@code loop} that may touch its
     * own state only there: the answer completes on {@code loop}, or has completed when this returns. A remote
     * store may hold the charges until the loop has finished its current work, to send them together with those
     * of other requests; each request is still decided on its own, exactly as by {@link #charge(List, String)}.
     * A store that answers at once needs nothing more than {@link #charge(List, String)}.
     */
    default CompletionStage<ChargeVerdict> charge(List<Charge> charges, String leaseId, Executor loop) {
        return charge(charges, leaseId);
    }

    /** Gives back the leases that {@link #charge} took under {@code leaseId}; other meters are left alone. */
    CompletionStage<Void> release(List<Charge> charges, String leaseId);

    /** What {@link #charge} would answer for each charge on its own, applying nothing. */
    CompletionStage<List<ChargeResult>> peek(List<Charge> charges);

    @Override
    void close();
}
