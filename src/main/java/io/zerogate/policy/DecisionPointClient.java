package io.zerogate.policy;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Clock;
import java.time.Duration;
import java.util.Arrays;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.function.LongSupplier;
import java.util.function.Supplier;

/**
 * Asks external decision points (OPA's data API) about requests: {@code POST} of {@code {"input": ...}} (see
 * {@link DecisionInput}), answer read by {@link DecisionAnswer}. Decisions, allow and deny alike, are cached for the
 * route's {@code cache_ttl}, keyed by the SHA-256 of the URL and the input without {@code now}; failures are not
 * cached. Concurrent requests with the same input share one call.
 */
final class DecisionPointClient implements DecisionSource {

    /** Bound on cached decisions over all routes. */
    static final int MAX_ENTRIES = 10_000;

    private final HttpClient http;
    private final LookupCache<InputDigest, DecisionAnswer> cache;
    private final LookupObserver observer;
    private final LongSupplier nanos;

    DecisionPointClient(HttpClient http, Clock clock, LookupObserver observer, LongSupplier nanos) {
        this.http = Objects.requireNonNull(http, "http");
        this.cache = new LookupCache<>(clock, MAX_ENTRIES);
        this.observer = Objects.requireNonNull(observer, "observer");
        this.nanos = Objects.requireNonNull(nanos, "nanos");
    }

    @Override
    public CompletableFuture<DecisionAnswer> decide(String routeId, URI url, byte[] facts, Supplier<byte[]> body,
                                             Duration timeout, Duration ttl) {
        InputDigest key = InputDigest.of(url, facts);
        DecisionAnswer cached = cache.cached(key);
        if (cached != null) {
            observer.cacheHit(LookupObserver.Kind.OPA, routeId);
            return CompletableFuture.completedFuture(cached);
        }
        return cache.get(key, ttl, answer -> !(answer instanceof DecisionAnswer.Unavailable),
                () -> call(url, body.get(), timeout));
    }

    private CompletableFuture<DecisionAnswer> call(URI url, byte[] body, Duration timeout) {
        long start = nanos.getAsLong();
        HttpRequest request = HttpRequest.newBuilder(url)
                .timeout(timeout)
                .header("Content-Type", "application/json")
                .header("Accept", "application/json")
                .POST(HttpRequest.BodyPublishers.ofByteArray(body))
                .build();
        return RemoteCall.send(http, request, timeout).thenApply(reply -> {
            observer.called(LookupObserver.Kind.OPA, nanos.getAsLong() - start);
            return DecisionAnswer.read(reply);
        });
    }

    /** Cached decisions (for tests). */
    long cachedDecisions() {
        return cache.size();
    }

    /** The SHA-256 of a decision point's URL and an input: the input itself may be kilobytes. */
    private record InputDigest(byte[] digest) {

        static InputDigest of(URI url, byte[] facts) {
            try {
                MessageDigest sha = MessageDigest.getInstance("SHA-256");
                sha.update(url.toString().getBytes(StandardCharsets.UTF_8));
                sha.update((byte) 0);
                return new InputDigest(sha.digest(facts));
            } catch (NoSuchAlgorithmException e) {
                throw new IllegalStateException("every Java platform provides SHA-256", e);
            }
        }

        @Override
        public boolean equals(Object o) {
            return o instanceof InputDigest other && Arrays.equals(digest, other.digest);
        }

        @Override
        public int hashCode() {
            return Arrays.hashCode(digest);
        }

        @Override
        public String toString() {
            return "InputDigest";
        }
    }
}
