package io.zerogate.policy;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import com.github.benmanes.caffeine.cache.Expiry;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Predicate;
import java.util.function.Supplier;
import org.jspecify.annotations.Nullable;

/**
 * Answers of a remote policy service, kept for a while and shared: a bounded cache whose entries each live for the
 * time-to-live they were stored with (measured on the injected clock), and a table of calls in flight so that
 * concurrent requests for the same key make one call. Only answers the caller calls cacheable are kept; failures
 * never are, so that the next request asks again.
 *
 * @param <K> the key (route and URL, or a digest of a decision input)
 * @param <V> the answer
 */
final class LookupCache<K, V> {

    private final Clock clock;
    private final Cache<K, Entry<V>> cache;
    private final ConcurrentHashMap<K, CompletableFuture<V>> inFlight = new ConcurrentHashMap<>();

    LookupCache(Clock clock, int maxEntries) {
        if (maxEntries < 1) {
            throw new IllegalArgumentException("maxEntries: " + maxEntries + " (expected: >= 1)");
        }
        this.clock = Objects.requireNonNull(clock, "clock");
        this.cache = Caffeine.newBuilder()
                .maximumSize(maxEntries)
                .ticker(() -> epochNanos(clock.instant()))
                .expireAfter(new UntilValid<K, V>())
                // Maintenance on the calling thread keeps the cache free of background work to wait for.
                .executor(Runnable::run)
                .build();
    }

    /** The answer stored for {@code key} that is still valid, or null. */
    @Nullable V cached(K key) {
        Entry<V> hit = cache.getIfPresent(key);
        if (hit == null) {
            return null;
        }
        if (!clock.instant().isBefore(hit.validUntil())) {
            cache.asMap().remove(key, hit);
            return null;
        }
        return hit.answer();
    }

    /**
     * The answer for {@code key}: the cached one, the one of a call already in flight, or that of a new call made
     * with {@code call}, which must never complete exceptionally. A cacheable answer is kept for {@code ttl}
     * (zero: not kept). The returned future is the caller's own: cancelling it cancels nobody else's wait.
     */
    CompletableFuture<V> get(K key, Duration ttl, Predicate<? super V> cacheable, Supplier<CompletableFuture<V>> call) {
        V cached = cached(key);
        if (cached != null) {
            return CompletableFuture.completedFuture(cached);
        }
        CompletableFuture<V> mine = new CompletableFuture<>();
        CompletableFuture<V> running = inFlight.putIfAbsent(key, mine);
        if (running != null) {
            return running.copy();
        }
        // A call that finished between the lookup and the registration has stored its answer by now.
        cached = cached(key);
        if (cached != null) {
            inFlight.remove(key, mine);
            mine.complete(cached);
            return mine.copy();
        }
        CompletableFuture<V> answer;
        try {
            answer = call.get();
        } catch (RuntimeException e) {
            inFlight.remove(key, mine);
            mine.completeExceptionally(e);
            return mine.copy();
        }
        answer.whenComplete((value, error) -> {
            try {
                if (value != null && ttl.isPositive() && cacheable.test(value)) {
                    cache.put(key, new Entry<>(value, clock.instant().plus(ttl)));
                }
            } finally {
                // Whatever happens, the waiting callers get their answer and the next caller starts afresh.
                inFlight.remove(key, mine);
                if (error != null) {
                    mine.completeExceptionally(error);
                } else {
                    mine.complete(value);
                }
            }
        });
        return mine.copy();
    }

    /** Entries in the cache (for tests). */
    long size() {
        cache.cleanUp();
        return cache.estimatedSize();
    }

    private static long epochNanos(Instant instant) {
        try {
            return Math.addExact(Math.multiplyExact(instant.getEpochSecond(), 1_000_000_000L), instant.getNano());
        } catch (ArithmeticException e) {
            return instant.getEpochSecond() < 0 ? Long.MIN_VALUE : Long.MAX_VALUE;
        }
    }

    private record Entry<V>(V answer, Instant validUntil) {}

    /** Each entry lives until its own validity ends. */
    private static final class UntilValid<K, V> implements Expiry<K, Entry<V>> {

        @Override
        public long expireAfterCreate(K key, Entry<V> value, long currentTime) {
            return Math.max(0, epochNanos(value.validUntil()) - currentTime);
        }

        @Override
        public long expireAfterUpdate(K key, Entry<V> value, long currentTime, long currentDuration) {
            return expireAfterCreate(key, value, currentTime);
        }

        @Override
        public long expireAfterRead(K key, Entry<V> value, long currentTime, long currentDuration) {
            return currentDuration;
        }
    }
}
