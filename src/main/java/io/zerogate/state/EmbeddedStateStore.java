package io.zerogate.state;

import java.time.Clock;
import java.time.Duration;
import java.util.Comparator;
import java.util.Iterator;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentSkipListSet;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The state store of a single gateway process: claims live in memory until their time to live has passed.
 *
 * <p>Memory stays bounded in two ways. Every claim first removes a few expired claims, oldest expiry first,
 * so expired claims never pile up while the store is in use. And the number of live claims is capped: when
 * the cap is reached the claim fails instead of forgetting a live one, because a forgotten claim would let
 * a replay through. Callers deny on failure.
 *
 * <p>Time comes from the injected clock, so expiry can be tested without waiting.
 */
public final class EmbeddedStateStore implements StateStore {

    /**
     * The default cap on live claims. A DPoP replay claim costs about 260 bytes with its key, so a full store
     * holds about 130 MB; with the default proof age that is room for some 4,000 distinct proofs a second.
     */
    public static final int DEFAULT_CAPACITY = 500_000;

    /** Expired claims removed per call: more than one, so removal always outpaces insertion. */
    private static final int SWEEP_BATCH = 16;

    private static final Comparator<Claim> BY_EXPIRY =
            Comparator.comparingLong(Claim::expiresAt).thenComparingLong(Claim::sequence);

    private final Clock clock;
    private final int capacity;
    private final ConcurrentHashMap<String, Claim> claims = new ConcurrentHashMap<>();
    private final ConcurrentSkipListSet<Claim> expiries = new ConcurrentSkipListSet<>(BY_EXPIRY);
    private final AtomicLong sequence = new AtomicLong();
    private volatile boolean closed;

    /** The sequence number makes every claim distinct, so a sweep never removes a newer claim of the same key. */
    private record Claim(String key, long expiresAt, long sequence) {
    }

    public EmbeddedStateStore(Clock clock) {
        this(clock, DEFAULT_CAPACITY);
    }

    /**
     * @param capacity the most live claims held at once (exceeded by at most the number of concurrent callers)
     */
    public EmbeddedStateStore(Clock clock, int capacity) {
        this.clock = Objects.requireNonNull(clock, "clock");
        if (capacity < 1) {
            throw new IllegalArgumentException("capacity: " + capacity + " (expected: >= 1)");
        }
        this.capacity = capacity;
    }

    @Override
    public CompletionStage<Boolean> claimOnce(String key, Duration ttl) {
        Objects.requireNonNull(key, "key");
        long ttlMillis = StateStores.ttlMillis(ttl);
        if (closed) {
            return CompletableFuture.failedFuture(new IllegalStateException("state store is closed"));
        }
        long now = clock.millis();
        sweep(now, SWEEP_BATCH);
        Claim present = claims.get(key);
        if (present != null && present.expiresAt > now) {
            return CompletableFuture.completedFuture(Boolean.FALSE);
        }
        if (claims.size() >= capacity) {
            sweep(now, Integer.MAX_VALUE);
            if (claims.size() >= capacity) {
                return CompletableFuture.failedFuture(new IllegalStateException(
                        "state store is full: " + capacity + " live claims (expected: fewer; raise the capacity)"));
            }
        }
        long expiresAt = now + ttlMillis < now ? Long.MAX_VALUE : now + ttlMillis;
        Claim fresh = new Claim(key, expiresAt, sequence.incrementAndGet());
        Claim held = claims.compute(key, (k, existing) -> existing != null && existing.expiresAt > now ? existing : fresh);
        if (held != fresh) {
            return CompletableFuture.completedFuture(Boolean.FALSE);
        }
        expiries.add(fresh);
        return CompletableFuture.completedFuture(Boolean.TRUE);
    }

    /** Removes up to {@code limit} claims whose time has passed, earliest expiry first. */
    private void sweep(long now, int limit) {
        Iterator<Claim> oldest = expiries.iterator();
        int removed = 0;
        while (removed < limit && oldest.hasNext()) {
            Claim claim = oldest.next();
            if (claim.expiresAt > now) {
                return;
            }
            if (expiries.remove(claim)) {
                // Only this exact claim: the key may have been claimed again since this one expired.
                claims.remove(claim.key, claim);
                removed++;
            }
        }
    }

    /** The number of claims held, live or not yet swept. */
    int size() {
        return claims.size();
    }

    @Override
    public CompletionStage<ChargeVerdict> charge(java.util.List<Charge> charges, String leaseId) {
        return CompletableFuture.failedFuture(new UnsupportedOperationException("limits are not available in " + this));
    }

    @Override
    public CompletionStage<Void> release(java.util.List<Charge> charges, String leaseId) {
        return CompletableFuture.failedFuture(new UnsupportedOperationException("limits are not available in " + this));
    }

    @Override
    public CompletionStage<java.util.List<ChargeResult>> peek(java.util.List<Charge> charges) {
        return CompletableFuture.failedFuture(new UnsupportedOperationException("limits are not available in " + this));
    }

    @Override
    public void close() {
        closed = true;
        claims.clear();
        expiries.clear();
    }

    @Override
    public String toString() {
        return "EmbeddedStateStore[capacity=" + capacity + "]";
    }
}
