package io.zerogate.posture;

import io.zerogate.config.IssuerConfig;
import io.zerogate.config.PostureConfig;
import io.zerogate.identity.jwt.JwksCache;
import java.net.URI;
import java.net.http.HttpClient;
import java.time.Clock;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ScheduledExecutorService;
import org.jspecify.annotations.Nullable;

/**
 * The posture issuer's JWK set, kept by the identity package's {@link JwksCache} exactly like an access token
 * issuer's (fetched before use, refreshed in the background, refetched for an unknown key id, the last good set
 * used while the issuer is unreachable up to a bound). One cache per key location lives for the life of the
 * process, so a reload that keeps the posture issuer keeps its keys; {@link #retain} closes the ones the
 * configuration in force no longer uses (including one created for a configuration that was then refused), and
 * {@link #close} closes them all at shutdown.
 */
public final class PostureKeys implements AutoCloseable {

    private static final Duration REFRESH = Duration.ofMinutes(5);
    private static final Duration COOLDOWN = Duration.ofSeconds(30);
    private static final Duration MAX_STALENESS = Duration.ofHours(6);
    private static final Duration FETCH_TIMEOUT = Duration.ofSeconds(2);

    /** What a key cache depends on. */
    private record Location(String issuer, URI jwksUri) {}

    private final HttpClient http;
    private final ScheduledExecutorService scheduler;
    private final Clock clock;
    private final Map<Location, JwksCache> caches = new LinkedHashMap<>();
    private boolean closed;

    /**
     * @param http      fetches the key sets; must not follow redirects
     * @param scheduler runs refreshes and fetch deadlines; not an event loop
     */
    public PostureKeys(HttpClient http, ScheduledExecutorService scheduler, Clock clock) {
        this.http = Objects.requireNonNull(http, "http");
        this.scheduler = Objects.requireNonNull(scheduler, "scheduler");
        this.clock = Objects.requireNonNull(clock, "clock");
    }

    /** The key cache of this attestation issuer, created (and its first fetch started) when there is none yet. */
    synchronized JwksCache cache(PostureConfig.Attestation attestation) {
        if (closed) {
            throw new IllegalStateException("the posture keys are closed");
        }
        Location location = new Location(attestation.issuer(), attestation.jwksUri());
        JwksCache cache = caches.get(location);
        if (cache == null) {
            cache = new JwksCache(issuer(attestation), http, clock, scheduler);
            caches.put(location, cache);
            // The first fetch runs in the background; an attestation arriving before it ends waits for it.
            cache.start();
        }
        return cache;
    }

    /** Closes every key cache except the one {@code posture} (the configuration now in force) uses. */
    public synchronized void retain(@Nullable PostureConfig posture) {
        PostureConfig.Attestation attestation = posture == null ? null : posture.attestation();
        Location keep = attestation == null ? null : new Location(attestation.issuer(), attestation.jwksUri());
        caches.entrySet().removeIf(e -> {
            if (e.getKey().equals(keep)) {
                return false;
            }
            e.getValue().close();
            return true;
        });
    }

    /** Key set fetches attempted so far, over every cache still open. */
    public synchronized long fetches() {
        return caches.values().stream().mapToLong(JwksCache::fetches).sum();
    }

    @Override
    public synchronized void close() {
        closed = true;
        caches.values().forEach(JwksCache::close);
        caches.clear();
    }

    /** The attestation issuer as the key cache sees an issuer: its name in logs, its keys' location and upkeep. */
    private static IssuerConfig issuer(PostureConfig.Attestation a) {
        return new IssuerConfig("posture", a.issuer(), a.audience() == null ? Set.of() : Set.of(a.audience()),
                Set.copyOf(a.algorithms()), a.jwksUri(), null, DeviceFacts.CLOCK_SKEW, a.maxAge(), List.of(), null,
                "scope", "roles", REFRESH, COOLDOWN, MAX_STALENESS, FETCH_TIMEOUT, null, a.line());
    }
}
