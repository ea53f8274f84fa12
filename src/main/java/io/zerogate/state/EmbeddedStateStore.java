package io.zerogate.state;

import java.io.IOException;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.Comparator;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentSkipListSet;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongSupplier;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The state store of a single gateway process: claims and metered limits live in memory until they expire.
 *
 * <p>Memory stays bounded in two ways. Every call first forgets a few expired entries, so expired state never
 * piles up while the store is in use. And the number of live entries is capped, separately for claims and for
 * limit keys: when a cap is reached the call fails instead of forgetting live state, because a forgotten claim
 * would let a replay through and a forgotten limit would admit too much. Callers deny on failure.
 *
 * <p>Limits never hold a lock: each key's state is immutable and replaced by compare-and-set (see
 * {@link LimitTable}). Claims and quotas use the injected wall clock; every other meter uses the injected
 * monotonic microseconds, so a wall-clock jump never changes a rate, window or lease.
 *
 * <p>With a data directory, quota counts survive a restart: a background thread writes them to
 * {@code quotas.bin} there at most once a second when they changed, and {@link #close()} writes them a
 * last time. A crash therefore loses at most about a second of quota consumption. The other meters are not
 * kept: they run on monotonic time, which does not survive the process, and they refill within their period
 * anyway. Claims are not kept either.
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

    /** How often changed quotas are written out. */
    private static final Duration QUOTA_WRITE_INTERVAL = Duration.ofSeconds(1);

    private static final Logger logger = LoggerFactory.getLogger(EmbeddedStateStore.class);

    private final Clock clock;
    private final int capacity;
    private final LimitTable limits;
    private final @Nullable QuotaFile quotaFile;
    private final @Nullable ScheduledExecutorService quotaWriter;
    /** Keeps the background writer and {@link #close()} from writing the quota file at the same time. */
    private final Object quotaWriteLock = new Object();
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

    public EmbeddedStateStore(Clock clock, int capacity) {
        this(clock, EmbeddedStateStore::monotonicMicros, capacity, null);
    }

    /**
     * A store that keeps its quotas in {@code dataDir} across restarts, with the default monotonic time and
     * capacity.
     *
     * @throws IllegalStateException when the quota file there cannot be read
     */
    public static EmbeddedStateStore persistent(Clock wallClock, Path dataDir) {
        return new EmbeddedStateStore(wallClock, EmbeddedStateStore::monotonicMicros, DEFAULT_CAPACITY,
                Objects.requireNonNull(dataDir, "dataDir"));
    }

    /**
     * @param wallClock the time of claims and quotas
     * @param micros    monotonic microseconds, the time of every other meter
     * @param capacity  the most live claims, and separately the most live limit keys, held at once (exceeded by
     *                  at most the number of concurrent callers)
     * @param dataDir   where quotas are kept across restarts; null to keep them in memory only
     * @throws IllegalStateException when the quota file in {@code dataDir} cannot be read or is corrupt
     */
    public EmbeddedStateStore(Clock wallClock, LongSupplier micros, int capacity, @Nullable Path dataDir) {
        this.clock = Objects.requireNonNull(wallClock, "wallClock");
        Objects.requireNonNull(micros, "micros");
        if (capacity < 1) {
            throw new IllegalArgumentException("capacity: " + capacity + " (expected: >= 1)");
        }
        this.capacity = capacity;
        this.quotaFile = dataDir == null ? null : new QuotaFile(dataDir);
        this.limits = new LimitTable(micros, wallClock, capacity,
                quotaFile == null ? Map.of() : quotaFile.load(wallClock.millis()));
        if (quotaFile == null) {
            this.quotaWriter = null;
        } else {
            this.quotaWriter = Executors.newSingleThreadScheduledExecutor(task -> {
                Thread thread = new Thread(task, "zerogate-quota-writer");
                thread.setDaemon(true);
                return thread;
            });
            long interval = QUOTA_WRITE_INTERVAL.toMillis();
            quotaWriter.scheduleWithFixedDelay(this::writeQuotas, interval, interval, TimeUnit.MILLISECONDS);
        }
    }

    private static long monotonicMicros() {
        return System.nanoTime() / 1000;
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
    public CompletionStage<ChargeVerdict> charge(List<Charge> charges, String leaseId) {
        Objects.requireNonNull(charges, "charges");
        Objects.requireNonNull(leaseId, "leaseId");
        if (closed) {
            return closedFailure();
        }
        try {
            return CompletableFuture.completedFuture(limits.charge(charges, leaseId));
        } catch (IllegalStateException full) {
            return CompletableFuture.failedFuture(full);
        }
    }

    @Override
    public CompletionStage<Void> release(List<Charge> charges, String leaseId) {
        Objects.requireNonNull(charges, "charges");
        Objects.requireNonNull(leaseId, "leaseId");
        if (closed) {
            return closedFailure();
        }
        limits.release(charges, leaseId);
        return CompletableFuture.completedFuture(null);
    }

    @Override
    public CompletionStage<List<ChargeResult>> peek(List<Charge> charges) {
        Objects.requireNonNull(charges, "charges");
        if (closed) {
            return closedFailure();
        }
        return CompletableFuture.completedFuture(limits.peek(charges));
    }

    private static <T> CompletableFuture<T> closedFailure() {
        return CompletableFuture.failedFuture(new IllegalStateException("state store is closed"));
    }

    /** The number of limit keys held, live or not yet forgotten. */
    int limitEntries() {
        return limits.size();
    }

    /** Writes the quotas out if they changed since they were last written; never on a caller's thread. */
    private void writeQuotas() {
        synchronized (quotaWriteLock) {
            if (quotaFile == null || !limits.takeQuotasChanged()) {
                return;
            }
            try {
                quotaFile.write(limits.quotas());
            } catch (IOException | RuntimeException e) {
                limits.quotasUnsaved();
                logger.warn("Quotas could not be written to {}; retrying: {}", quotaFile.path(), e.toString());
            }
        }
    }

    /** Stops the store; with a data directory, writes the quotas a last time first. */
    @Override
    public void close() {
        closed = true;
        if (quotaWriter != null) {
            quotaWriter.shutdown();
            try {
                quotaWriter.awaitTermination(5, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            writeQuotas();
        }
        claims.clear();
        expiries.clear();
        limits.clear();
    }

    @Override
    public String toString() {
        return "EmbeddedStateStore[capacity=" + capacity + "]";
    }
}
