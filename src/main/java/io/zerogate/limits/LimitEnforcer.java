package io.zerogate.limits;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import com.github.benmanes.caffeine.cache.Expiry;
import io.zerogate.config.StateConfig;
import io.zerogate.state.Charge;
import io.zerogate.state.ChargeResult;
import io.zerogate.state.ChargeVerdict;
import io.zerogate.state.Meter;
import io.zerogate.state.SharedState;
import io.zerogate.state.StateStore;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Executor;
import java.util.function.LongSupplier;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Sends one request's charges to the state store in one call, and copes when that store is remote:
 *
 * <ul>
 *   <li>A <em>pre-limiter</em> remembers, per key, until when Redis said an enforced limit refuses, and refuses
 *       requests for that key on this node without asking again: a flood from a caller that is over its limit
 *       costs no Redis round trips.</li>
 *   <li>When Redis fails, {@code on_store_error} decides: refuse ({@code deny}), let through uncounted
 *       ({@code allow}), or count on this node alone with each limit divided by the expected node count
 *       ({@code local}). After a failure the store is left alone for a second, then tried again by one
 *       request while the others go on without it; the first success ends the degraded state.</li>
 * </ul>
 */
final class LimitEnforcer {

    private static final Logger log = LoggerFactory.getLogger(LimitEnforcer.class);

    /** How long limits count without the store after it failed, before trying it again. */
    static final long RETRY_STORE_AFTER_NANOS = 1_000_000_000L;
    /** Keys the pre-limiter remembers at most; the oldest are forgotten first (they are then asked about again). */
    static final int PRE_LIMITER_CAPACITY = 100_000;

    /** How one request's charges were counted. */
    sealed interface Outcome {

        /** The store (shared, or this node's in its place) answered. */
        record Counted(ChargeVerdict verdict, StateStore store, List<Charge> charges, boolean local) implements Outcome {}

        /** Refused on this node: the charge at {@code index} is known to refuse until later. */
        record PreLimited(int index, long retryAfterMicros) implements Outcome {}

        /** The store failed and the configuration says refuse (or the embedded store is full). */
        record Unavailable(Throwable cause) implements Outcome {}

        /** The store failed and the configuration says let requests through uncounted. */
        record Uncounted() implements Outcome {}
    }

    private final SharedState state;
    private final LongSupplier nanos;
    private final LimitObserver observer;
    private final @Nullable Cache<String, Long> refusedUntil;
    /** While degraded, when the store may next be tried; one request claims each try. */
    private final java.util.concurrent.atomic.AtomicLong retryStoreAt = new java.util.concurrent.atomic.AtomicLong();
    private volatile boolean degraded;

    LimitEnforcer(SharedState state, LongSupplier nanos, LimitObserver observer) {
        this.state = state;
        this.nanos = nanos;
        this.observer = observer;
        this.refusedUntil = state.remote() ? Caffeine.newBuilder()
                .maximumSize(PRE_LIMITER_CAPACITY)
                .expireAfter(new Expiry<String, Long>() {
                    @Override
                    public long expireAfterCreate(String key, Long until, long currentTime) {
                        return Math.max(0, until - currentTime);
                    }

                    @Override
                    public long expireAfterUpdate(String key, Long until, long currentTime, long currentDuration) {
                        return Math.max(0, until - currentTime);
                    }

                    @Override
                    public long expireAfterRead(String key, Long until, long currentTime, long currentDuration) {
                        return currentDuration;
                    }
                })
                .ticker(nanos::getAsLong)
                .build() : null;
    }

    /** True while limits count without the shared store. */
    boolean degraded() {
        return degraded;
    }

    /**
     * Counts one request's charges. The answer completes on {@code loop} (the request's event loop), or has
     * completed when this returns.
     */
    CompletionStage<Outcome> charge(List<Charge> charges, String leaseId, Executor loop) {
        StateStore store = state.store();
        if (!state.remote()) {
            return counted(store, charges, leaseId, false, loop);
        }
        long now = nanos.getAsLong();
        Cache<String, Long> refused = refusedUntil;
        if (refused != null && refused.estimatedSize() > 0) {
            for (int i = 0; i < charges.size(); i++) {
                Charge c = charges.get(i);
                Long until = c.enforced() ? refused.getIfPresent(c.key()) : null;
                if (until != null && until - now > 0) {
                    return CompletableFuture.completedFuture(new Outcome.PreLimited(i, (until - now + 999) / 1000));
                }
            }
        }
        if (degraded) {
            long retryAt = retryStoreAt.get();
            // One request tries the store again once the wait is over; the others keep counting without it until
            // that try has answered, so a store that hangs slows one request per wait, not all of them.
            if (now - retryAt < 0 || !retryStoreAt.compareAndSet(retryAt, now + RETRY_STORE_AFTER_NANOS)) {
                return withoutStore(charges, leaseId, null, loop);
            }
        }
        CompletableFuture<Outcome> outcome = new CompletableFuture<>();
        call(store, charges, leaseId, loop).whenComplete((verdict, failure) -> {
            if (failure != null) {
                withoutStore(charges, leaseId, failure, loop).whenComplete((o, error) -> {
                    if (error != null) {
                        outcome.completeExceptionally(error);
                    } else {
                        outcome.complete(o);
                    }
                });
                return;
            }
            if (degraded) {
                degraded = false;
                observer.degraded(false);
                log.info("limits: the state store answers again; counting in it across nodes");
            }
            remember(charges, verdict);
            outcome.complete(new Outcome.Counted(verdict, store, charges, false));
        });
        return outcome;
    }

    /** The store's answer; a store that throws instead of failing its future fails it all the same. */
    private static CompletionStage<ChargeVerdict> call(StateStore store, List<Charge> charges, String leaseId,
                                                       Executor loop) {
        try {
            return store.charge(charges, leaseId, loop);
        } catch (RuntimeException e) {
            return CompletableFuture.failedFuture(e);
        }
    }

    private CompletionStage<Outcome> counted(StateStore store, List<Charge> charges, String leaseId, boolean local,
                                             Executor loop) {
        return call(store, charges, leaseId, loop).handle((verdict, failure) -> failure == null
                ? new Outcome.Counted(verdict, store, charges, local) : new Outcome.Unavailable(failure));
    }

    /** The answer when the shared store cannot be used, as {@code on_store_error} says. */
    private CompletionStage<Outcome> withoutStore(List<Charge> charges, String leaseId, @Nullable Throwable failure,
                                                  Executor loop) {
        if (failure != null) {
            observer.storeFailed();
            retryStoreAt.set(nanos.getAsLong() + RETRY_STORE_AFTER_NANOS);
            if (!degraded) {
                degraded = true;
                observer.degraded(true);
                log.warn("limits: the state store failed ({}); on_store_error: {}", failure.toString(),
                        state.config().onStoreError().name().toLowerCase(java.util.Locale.ROOT));
            }
        }
        return switch (state.config().onStoreError()) {
            case DENY -> CompletableFuture.completedFuture(new Outcome.Unavailable(
                    failure != null ? failure : new IllegalStateException("the state store failed less than a second ago")));
            case ALLOW -> CompletableFuture.completedFuture(new Outcome.Uncounted());
            case LOCAL -> {
                StateStore fallback = java.util.Objects.requireNonNull(state.fallback(), "fallback");
                int nodes = state.config().expectedNodes();
                List<Charge> scaled = new ArrayList<>(charges.size());
                for (Charge c : charges) {
                    scaled.add(new Charge(c.key(), CompiledLimit.scaled(c.meter(), nodes), c.cost(), c.enforced()));
                }
                yield counted(fallback, scaled, leaseId, true, loop);
            }
        };
    }

    /** Keys whose enforced limit Redis refused are refused here until the store said they may retry. */
    private void remember(List<Charge> charges, ChargeVerdict verdict) {
        Cache<String, Long> refused = refusedUntil;
        if (refused == null || verdict.allowed()) {
            return;
        }
        long now = nanos.getAsLong();
        List<ChargeResult> results = verdict.results();
        for (int i = 0; i < results.size(); i++) {
            ChargeResult r = results.get(i);
            Charge c = charges.get(i);
            // Leases are given back at any moment, so a concurrency refusal says nothing about the next request.
            if (c.enforced() && !r.allowed() && r.retryAfterMicros() > 0 && !(c.meter() instanceof Meter.Concurrency)) {
                refused.put(c.key(), now + r.retryAfterMicros() * 1000);
            }
        }
    }

    /** Gives back the concurrency leases of an allowed request, to the store that granted them. */
    void release(Outcome.Counted counted, String leaseId) {
        List<Charge> leases = new ArrayList<>(1);
        for (Charge c : counted.charges()) {
            if (c.meter() instanceof Meter.Concurrency) {
                leases.add(c);
            }
        }
        if (leases.isEmpty()) {
            return;
        }
        try {
            counted.store().release(leases, leaseId).whenComplete((ok, failure) -> {
                if (failure != null) {
                    // The leases expire by themselves after their lease time.
                    log.debug("limits: giving back leases of {} failed: {}", leaseId, failure.toString());
                }
            });
        } catch (RuntimeException e) {
            log.debug("limits: giving back leases of {} failed: {}", leaseId, e.toString());
        }
    }

    StateConfig.OnStoreError onStoreError() {
        return state.config().onStoreError();
    }
}
