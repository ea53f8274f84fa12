package io.zerogate.policy;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.time.Clock;
import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.function.LongSupplier;

/**
 * Asks owner services who owns an object (see {@link OwnerAnswer} for the protocol). Answers that name owners are
 * cached per route and URL for the route's {@code cache_ttl}; "not found" and failures are not, so that a new object,
 * or a service that recovers, is seen on the next request. Concurrent requests for the same object share one call.
 */
final class OwnerDirectory implements OwnerSource {

    /** Bound on cached answers over all routes. */
    static final int MAX_ENTRIES = 10_000;

    private final HttpClient http;
    private final LookupCache<Key, OwnerAnswer> cache;
    private final LookupObserver observer;
    private final LongSupplier nanos;

    OwnerDirectory(HttpClient http, Clock clock, LookupObserver observer, LongSupplier nanos) {
        this.http = Objects.requireNonNull(http, "http");
        this.cache = new LookupCache<>(clock, MAX_ENTRIES);
        this.observer = Objects.requireNonNull(observer, "observer");
        this.nanos = Objects.requireNonNull(nanos, "nanos");
    }

    @Override
    public CompletableFuture<OwnerAnswer> owners(String routeId, URI url, Duration timeout, Duration ttl) {
        Key key = new Key(routeId, url.toString());
        OwnerAnswer cached = cache.cached(key);
        if (cached != null) {
            observer.cacheHit(LookupObserver.Kind.OWNER, routeId);
            return CompletableFuture.completedFuture(cached);
        }
        return cache.get(key, ttl, answer -> answer instanceof OwnerAnswer.Owners, () -> call(url, timeout));
    }

    private CompletableFuture<OwnerAnswer> call(URI url, Duration timeout) {
        long start = nanos.getAsLong();
        HttpRequest request;
        try {
            request = HttpRequest.newBuilder(url).timeout(timeout).header("Accept", "application/json").GET().build();
        } catch (IllegalArgumentException e) {
            return CompletableFuture.completedFuture(new OwnerAnswer.Unavailable("the owner url cannot be requested ("
                    + e.getMessage() + ")"));
        }
        return RemoteCall.send(http, request, timeout).thenApply(reply -> {
            observer.called(LookupObserver.Kind.OWNER, nanos.getAsLong() - start);
            return OwnerAnswer.read(reply);
        });
    }

    /** Cached answers (for tests). */
    long cachedAnswers() {
        return cache.size();
    }

    private record Key(String routeId, String url) {}
}
