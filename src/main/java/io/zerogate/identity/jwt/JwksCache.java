package io.zerogate.identity.jwt;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import com.nimbusds.jose.jwk.JWK;
import io.zerogate.config.IssuerConfig;
import java.net.URI;
import java.net.http.HttpClient;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The JWK set of one issuer, fetched before use and kept current so that keys can rotate safely.
 *
 * <p>The set comes from the configured {@code jwks_uri}, or from the one the issuer's discovery document names.
 * It is refreshed in the background as often as the issuer's {@code Cache-Control: max-age} says (held between
 * 30 seconds and 24 hours), else every {@code jwks.refresh}, and at least twice per {@code jwks.max_staleness};
 * failed fetches are retried with a bounded exponential back-off. A key id missing from the set triggers a
 * refetch, shared by every lookup waiting for it and at most once per {@code jwks.cooldown}; a key id still
 * missing afterwards is remembered as absent for the cool-down, so a flood of made-up key ids costs at most one
 * fetch per cool-down. While the issuer cannot be reached, the last good set is used until it is older than
 * {@code jwks.max_staleness}; after that, and before any set was fetched, lookups answer
 * {@link KeyLookup.Unavailable} so that verification fails closed.
 *
 * <p>Nothing here blocks the caller: fetches start on the scheduler and complete on the HTTP client's executor,
 * and neither may be an event loop.
 */
public final class JwksCache implements KeySource, AutoCloseable {

    private static final int ABSENT_KIDS_REMEMBERED = 10_000;
    // A longer kid is still looked up and may still trigger a refetch; it is only not worth memory to remember.
    private static final int ABSENT_KID_MAX_LENGTH = 256;

    private static final Logger log = LoggerFactory.getLogger(JwksCache.class);

    /** A successfully fetched set and when it arrived. */
    private record Good(JwksKeySet keys, Instant fetchedAt) {}

    /** What one successful fetch brought. */
    private record Fetched(JwksKeySet keys, @Nullable Duration maxAge) {}

    private final IssuerConfig issuer;
    private final Clock clock;
    private final ScheduledExecutorService scheduler;
    private final JwksHttp http;
    private final JwksRefreshSchedule schedule;
    private final Cache<String, Boolean> absentKids;
    private final AtomicLong fetches = new AtomicLong();
    private final Object lock = new Object();

    private volatile @Nullable Good good;
    private volatile @Nullable String lastFailure;
    private volatile @Nullable URI discoveredJwksUri;
    private volatile @Nullable CompletableFuture<?> activeRequest;

    // Guarded by lock.
    private @Nullable CompletableFuture<Void> inFlight;
    private @Nullable Instant lastAttempt;
    private @Nullable ScheduledFuture<?> nextRefresh;
    private @Nullable Duration nextRefreshDelay;
    private int failuresInARow;
    private boolean closed;

    /**
     * @param issuer    where the keys are and how they are kept
     * @param http      the client for discovery and JWK set requests; it must not follow redirects
     * @param clock     the time staleness, cool-down and absent key ids are measured with
     * @param scheduler runs background refreshes and request deadlines; not an event loop; not shut down here
     */
    public JwksCache(IssuerConfig issuer, HttpClient http, Clock clock, ScheduledExecutorService scheduler) {
        this.issuer = Objects.requireNonNull(issuer, "issuer");
        this.clock = Objects.requireNonNull(clock, "clock");
        this.scheduler = Objects.requireNonNull(scheduler, "scheduler");
        this.schedule = new JwksRefreshSchedule(issuer.jwksRefresh(), issuer.jwksMaxStaleness());
        JwksRefreshSchedule.requirePositive("jwks cooldown", issuer.jwksCooldown());
        this.http = new JwksHttp(http, issuer.fetchTimeout(), scheduler);
        this.absentKids = Caffeine.newBuilder()
                .maximumSize(ABSENT_KIDS_REMEMBERED)
                .expireAfterWrite(issuer.jwksCooldown())
                .ticker(() -> {
                    Instant now = clock.instant();
                    return now.getEpochSecond() * 1_000_000_000L + now.getNano();
                })
                .executor(Runnable::run)
                .build();
    }

    /**
     * Fetches the keys for the first time. The answer completes when that fetch ends, exceptionally when it
     * failed; either way the cache keeps refreshing (and retrying) in the background until closed.
     */
    public CompletionStage<Void> start() {
        CompletableFuture<Void> fetch = fetch(true);
        return fetch == null
                ? CompletableFuture.failedFuture(new IllegalStateException("JWK set cache of " + issuer.name() + " is closed"))
                : fetch.minimalCompletionStage();
    }

    @Override
    public CompletionStage<KeyLookup> keys(@Nullable String kid) {
        Good current = good;
        if (current != null && fresh(current, clock.instant())) {
            List<JWK> candidates = current.keys().candidates(kid);
            if (!candidates.isEmpty()) {
                return CompletableFuture.completedFuture(new KeyLookup.Found(candidates));
            }
            if (kid != null && absentKids.getIfPresent(kid) != null) {
                return CompletableFuture.completedFuture(unknown(kid));
            }
        }
        CompletableFuture<Void> fetch = fetch(false);
        if (fetch == null) {
            return CompletableFuture.completedFuture(answer(kid, false));
        }
        return fetch.handle((ignored, error) -> answer(kid, true));
    }

    /** JWK set fetches attempted so far (discovery requests not counted). */
    public long fetches() {
        return fetches.get();
    }

    /** Stops background refreshes and abandons a fetch under way; lookups keep using the set already held. */
    @Override
    public void close() {
        synchronized (lock) {
            closed = true;
            if (nextRefresh != null) {
                nextRefresh.cancel(false);
                nextRefresh = null;
            }
        }
        CompletableFuture<?> request = activeRequest;
        if (request != null) {
            request.cancel(true);
        }
    }

    /** Fetches now whatever the cool-down says, or joins the fetch under way; null once closed. */
    @Nullable CompletableFuture<Void> refreshNow() {
        return fetch(true);
    }

    /** The delay the next background fetch was scheduled with; null before the first fetch ended. */
    @Nullable Duration nextRefreshDelay() {
        synchronized (lock) {
            return nextRefreshDelay;
        }
    }

    /**
     * The fetch under way, or a new one when {@code force} or the cool-down since the last one has passed;
     * null when neither (or when closed). At most one fetch runs at a time.
     */
    private @Nullable CompletableFuture<Void> fetch(boolean force) {
        CompletableFuture<Void> fetch;
        synchronized (lock) {
            if (closed) {
                return null;
            }
            if (inFlight != null) {
                return inFlight;
            }
            Instant now = clock.instant();
            if (!force && lastAttempt != null && now.isBefore(lastAttempt.plus(issuer.jwksCooldown()))) {
                return null;
            }
            lastAttempt = now;
            fetch = new CompletableFuture<>();
            inFlight = fetch;
        }
        try {
            scheduler.execute(() -> run(fetch));
        } catch (RejectedExecutionException e) {
            finish(fetch, null, e);
        }
        return fetch;
    }

    private void run(CompletableFuture<Void> fetch) {
        try {
            jwksUri()
                    .thenCompose(uri -> {
                        fetches.incrementAndGet();
                        return track(http.get(uri)).thenApply(response -> {
                            try {
                                return new Fetched(JwksKeySet.parse(response.body()), response.maxAge());
                            } catch (JwksFetchException e) {
                                throw new CompletionException(new JwksFetchException(uri + ": " + e.getMessage()));
                            }
                        });
                    })
                    .whenComplete((fetched, error) -> finish(fetch, fetched, error));
        } catch (RuntimeException e) {
            finish(fetch, null, e);
        }
    }

    private CompletableFuture<URI> jwksUri() {
        URI configured = issuer.jwksUri();
        if (configured != null) {
            return CompletableFuture.completedFuture(configured);
        }
        URI discovered = discoveredJwksUri;
        if (discovered != null) {
            return CompletableFuture.completedFuture(discovered);
        }
        return track(http.get(issuer.discoveryUri())).thenApply(response -> {
            try {
                URI uri = DiscoveryDocument.parse(response.body(), issuer.issuer()).jwksUri();
                discoveredJwksUri = uri;
                return uri;
            } catch (JwksFetchException e) {
                throw new CompletionException(new JwksFetchException(issuer.discoveryUri() + ": " + e.getMessage()));
            }
        });
    }

    private <T> CompletableFuture<T> track(CompletableFuture<T> request) {
        activeRequest = request;
        synchronized (lock) {
            if (closed) {
                request.cancel(true);
            }
        }
        return request;
    }

    private void finish(CompletableFuture<Void> fetch, @Nullable Fetched fetched, @Nullable Throwable error) {
        boolean succeeded = fetched != null && error == null;
        String failure = succeeded ? null
                : JwksHttp.describe(error == null ? new IllegalStateException("no key set") : error);
        String previousFailure = lastFailure;
        if (fetched != null && succeeded) {
            good = new Good(fetched.keys(), clock.instant());
        } else {
            // A moved jwks_uri is found again through discovery on the next attempt.
            discoveredJwksUri = null;
        }
        lastFailure = failure;
        boolean stopping;
        synchronized (lock) {
            inFlight = null;
            activeRequest = null;
            failuresInARow = succeeded ? 0 : failuresInARow + 1;
            stopping = closed;
            if (!stopping) {
                scheduleNext(fetched != null && succeeded
                        ? schedule.afterSuccess(fetched.maxAge())
                        : schedule.afterFailures(failuresInARow));
            }
        }
        if (failure == null) {
            if (previousFailure != null && fetched != null) {
                log.info("keys of issuer {} fetched again: {} usable", issuer.name(), fetched.keys().size());
            }
            fetch.complete(null);
            return;
        }
        if (previousFailure == null && !stopping) {
            log.warn("keys of issuer {} could not be fetched: {}", issuer.name(), failure);
        } else {
            log.debug("keys of issuer {} could not be fetched: {}", issuer.name(), failure);
        }
        fetch.completeExceptionally(new JwksFetchException(failure));
    }

    private void scheduleNext(Duration delay) {
        if (nextRefresh != null) {
            nextRefresh.cancel(false);
        }
        nextRefreshDelay = delay;
        try {
            nextRefresh = scheduler.schedule(() -> fetch(true), delay.toNanos(), TimeUnit.NANOSECONDS);
        } catch (RejectedExecutionException e) {
            nextRefresh = null;
            log.warn("keys of issuer {} will not be refreshed: the scheduler refused the task", issuer.name());
        }
    }

    private KeyLookup answer(@Nullable String kid, boolean afterFetch) {
        Good current = good;
        String failure = lastFailure;
        String cause = failure == null ? "" : "; last attempt: " + failure;
        if (current == null) {
            return new KeyLookup.Unavailable("no key set of issuer " + issuer.name() + " has been fetched yet" + cause);
        }
        if (!fresh(current, clock.instant())) {
            return new KeyLookup.Unavailable("the keys of issuer " + issuer.name() + " were last fetched at "
                    + current.fetchedAt() + ", longer ago than the allowed staleness of " + issuer.jwksMaxStaleness()
                    + cause);
        }
        List<JWK> candidates = current.keys().candidates(kid);
        if (!candidates.isEmpty()) {
            return new KeyLookup.Found(candidates);
        }
        if (kid == null) {
            return new KeyLookup.Unknown("the key set of issuer " + issuer.name() + " is empty");
        }
        if (afterFetch && kid.length() <= ABSENT_KID_MAX_LENGTH) {
            absentKids.put(kid, Boolean.TRUE);
        }
        return unknown(kid);
    }

    private KeyLookup unknown(String kid) {
        // The kid comes from the token: its length is all a detail may repeat of it.
        return new KeyLookup.Unknown("no key with the token's kid (" + kid.length() + " characters) in the key set of issuer "
                + issuer.name());
    }

    private boolean fresh(Good current, Instant now) {
        return now.isBefore(current.fetchedAt().plus(issuer.jwksMaxStaleness()));
    }
}
