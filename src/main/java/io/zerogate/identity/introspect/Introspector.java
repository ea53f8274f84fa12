package io.zerogate.identity.introspect;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import com.github.benmanes.caffeine.cache.Expiry;
import io.zerogate.chain.ReasonCode;
import io.zerogate.config.IntrospectionConfig;
import io.zerogate.config.IssuerConfig;
import io.zerogate.identity.Verification;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Arrays;
import java.util.Base64;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import org.jspecify.annotations.Nullable;

/**
 * Checks opaque access tokens of one issuer with its RFC 7662 introspection endpoint.
 *
 * <p>Each call POSTs the token with {@code token_type_hint=access_token}, authenticating the gateway as a client
 * ({@code client_secret_basic} or {@code client_secret_post}), and is bounded by the configured timeout. Anything
 * but a 200 answer with a JSON object that has a boolean {@code active} fails closed with
 * {@link ReasonCode#IDENTITY_PROVIDER_UNAVAILABLE}; see {@link IntrospectionAnswer} for how an answer is read.
 *
 * <p>Active answers are cached, keyed by the token's SHA-256 (the token itself is not kept), until the token's
 * {@code exp} but never longer than {@code cache_max_ttl}; negative answers and failures are not cached.
 * Concurrent requests for the same uncached token share one call. The returned stages complete on the HTTP
 * client's threads or the caller's, never by blocking.
 */
public final class Introspector {

    /** Bound on an answer's body. */
    static final int MAX_RESPONSE_BYTES = 256 << 10;
    /** Longer tokens are refused without a call. */
    static final int MAX_TOKEN_LENGTH = 16 << 10;

    private final IntrospectionConfig config;
    private final HttpClient http;
    private final Clock clock;
    private final IntrospectionAnswer answers;
    private final @Nullable String basicAuthorization;
    private final @Nullable Cache<TokenHash, Cached> cache;
    private final ConcurrentHashMap<TokenHash, CompletableFuture<Verification>> inFlight = new ConcurrentHashMap<>();

    /**
     * @param issuer the issuer whose tokens are checked; its {@code introspection} must be set
     * @param http   the client for the endpoint (its connect timeout, proxy and TLS settings apply)
     * @throws IllegalArgumentException when the issuer has no introspection endpoint
     */
    public Introspector(IssuerConfig issuer, HttpClient http, Clock clock) {
        Objects.requireNonNull(issuer, "issuer");
        IntrospectionConfig introspection = issuer.introspection();
        if (introspection == null) {
            throw new IllegalArgumentException("issuer " + issuer.name() + " has no introspection endpoint");
        }
        this.config = introspection;
        this.http = Objects.requireNonNull(http, "http");
        this.clock = Objects.requireNonNull(clock, "clock");
        Objects.requireNonNull(config.timeout(), "introspection.timeout");
        Objects.requireNonNull(config.cacheMaxTtl(), "introspection.cacheMaxTtl");
        if (config.timeout().isNegative() || config.timeout().isZero()) {
            throw new IllegalArgumentException("introspection.timeout: " + config.timeout() + " (expected: > 0)");
        }
        if (config.cacheSize() < 0) {
            throw new IllegalArgumentException("introspection.cacheSize: " + config.cacheSize() + " (expected: >= 0)");
        }
        this.answers = new IntrospectionAnswer(issuer);
        this.basicAuthorization = config.clientAuth() == IntrospectionConfig.ClientAuth.CLIENT_SECRET_BASIC
                ? basic(config.clientId(), config.clientSecret().reveal()) : null;
        this.cache = config.cacheSize() == 0 || !config.cacheMaxTtl().isPositive() ? null
                : Caffeine.newBuilder()
                        .maximumSize(config.cacheSize())
                        .ticker(() -> epochNanos(clock.instant()))
                        .expireAfter(new UntilValid())
                        // Maintenance on the calling thread keeps the cache free of background work to wait for.
                        .executor(Runnable::run)
                        .build();
    }

    /**
     * Checks a token: from the cache when an earlier active answer is still valid, otherwise with the endpoint.
     * The stage never completes exceptionally; every failure is a {@link Verification.Refused}.
     */
    public CompletionStage<Verification> introspect(String token) {
        if (token.isEmpty() || token.length() > MAX_TOKEN_LENGTH) {
            return CompletableFuture.completedFuture(Verification.refused(ReasonCode.TOKEN_MALFORMED,
                    "the token is empty or longer than " + MAX_TOKEN_LENGTH + " characters"));
        }
        TokenHash key = TokenHash.of(token);
        Verification cached = cached(key);
        if (cached != null) {
            return CompletableFuture.completedFuture(cached);
        }
        CompletableFuture<Verification> mine = new CompletableFuture<>();
        CompletableFuture<Verification> running = inFlight.putIfAbsent(key, mine);
        if (running != null) {
            // A copy, so that a caller cancelling its stage cannot cancel everyone's.
            return running.copy();
        }
        // A call that finished between the cache lookup and the registration has cached its answer by now.
        cached = cached(key);
        if (cached != null) {
            inFlight.remove(key, mine);
            mine.complete(cached);
            return mine.copy();
        }
        call(token).whenComplete((answer, error) -> {
            Verification result = answer != null ? answer
                    : IntrospectionAnswer.unavailable("introspection failed (" + describe(error) + ")");
            try {
                if (result instanceof Verification.Accepted accepted) {
                    remember(key, accepted);
                }
            } finally {
                // Whatever happens, the waiting callers get their answer and the next caller starts afresh.
                inFlight.remove(key, mine);
                mine.complete(result);
            }
        });
        return mine.copy();
    }

    private CompletableFuture<Verification> call(String token) {
        try {
            return send(token);
        } catch (RuntimeException e) {
            return CompletableFuture.completedFuture(IntrospectionAnswer.unavailable(
                    "the introspection request could not be sent (" + e.getClass().getSimpleName() + ")"));
        }
    }

    private CompletableFuture<Verification> send(String token) {
        StringBuilder form = new StringBuilder("token=").append(encode(token)).append("&token_type_hint=access_token");
        HttpRequest.Builder request = HttpRequest.newBuilder(config.endpoint())
                .timeout(config.timeout())
                .header("Content-Type", "application/x-www-form-urlencoded")
                .header("Accept", "application/json");
        if (basicAuthorization != null) {
            request.header("Authorization", basicAuthorization);
        } else {
            form.append("&client_id=").append(encode(config.clientId()))
                    .append("&client_secret=").append(encode(config.clientSecret().reveal()));
        }
        request.POST(HttpRequest.BodyPublishers.ofString(form.toString(), StandardCharsets.UTF_8));
        CompletableFuture<HttpResponse<byte[]>> response = http.sendAsync(request.build(),
                BoundedBody.handler(MAX_RESPONSE_BYTES));
        CompletableFuture<Verification> result = response
                .handle((r, error) -> error != null
                        ? IntrospectionAnswer.unavailable("introspection failed (" + describe(error) + ")")
                        : read(r))
                // The request timeout bounds the wait for the headers; this bounds the body as well.
                .completeOnTimeout(IntrospectionAnswer.unavailable("no introspection answer within " + config.timeout()),
                        config.timeout().toNanos(), TimeUnit.NANOSECONDS);
        result.whenComplete((v, e) -> response.cancel(true));
        return result;
    }

    private Verification read(HttpResponse<byte[]> response) {
        if (response.statusCode() != 200) {
            return IntrospectionAnswer.unavailable("the introspection endpoint answered " + response.statusCode());
        }
        return answers.read(response.body(), clock.instant());
    }

    private @Nullable Verification cached(TokenHash key) {
        if (cache == null) {
            return null;
        }
        Cached hit = cache.getIfPresent(key);
        if (hit == null) {
            return null;
        }
        if (!clock.instant().isBefore(hit.validUntil())) {
            cache.invalidate(key);
            return null;
        }
        return hit.answer();
    }

    private void remember(TokenHash key, Verification.Accepted answer) {
        if (cache == null) {
            return;
        }
        Instant now = clock.instant();
        Instant validUntil = now.plus(config.cacheMaxTtl());
        if (answer.expiresAt() != null && answer.expiresAt().isBefore(validUntil)) {
            validUntil = answer.expiresAt();
        }
        if (now.isBefore(validUntil)) {
            cache.put(key, new Cached(answer, validUntil));
        }
    }

    private static String describe(@Nullable Throwable error) {
        Throwable cause = error;
        while ((cause instanceof CompletionException || cause instanceof java.util.concurrent.ExecutionException)
                && cause.getCause() != null) {
            cause = cause.getCause();
        }
        if (cause == null) {
            return "no answer";
        }
        if (cause instanceof HttpTimeoutException) {
            return "timed out";
        }
        // Exception messages of the HTTP client name hosts and sizes, never the request body.
        return cause.getClass().getSimpleName() + (cause.getMessage() == null ? "" : ": " + cause.getMessage());
    }

    /** RFC 6749 section 2.3.1: the id and secret are form-encoded before they are joined and base64-encoded. */
    static String basic(String clientId, String clientSecret) {
        String pair = encode(clientId) + ":" + encode(clientSecret);
        return "Basic " + Base64.getEncoder().encodeToString(pair.getBytes(StandardCharsets.UTF_8));
    }

    private static String encode(String value) {
        return URLEncoder.encode(value, StandardCharsets.UTF_8);
    }

    private static long epochNanos(Instant instant) {
        try {
            return Math.addExact(Math.multiplyExact(instant.getEpochSecond(), 1_000_000_000L), instant.getNano());
        } catch (ArithmeticException e) {
            return instant.getEpochSecond() < 0 ? Long.MIN_VALUE : Long.MAX_VALUE;
        }
    }

    /** An active answer and until when it may be reused. */
    private record Cached(Verification.Accepted answer, Instant validUntil) {}

    /** Each entry lives until its own validity ends, measured on the injected clock. */
    private final class UntilValid implements Expiry<TokenHash, Cached> {

        @Override
        public long expireAfterCreate(TokenHash key, Cached value, long currentTime) {
            return Math.max(0, epochNanos(value.validUntil()) - currentTime);
        }

        @Override
        public long expireAfterUpdate(TokenHash key, Cached value, long currentTime, long currentDuration) {
            return expireAfterCreate(key, value, currentTime);
        }

        @Override
        public long expireAfterRead(TokenHash key, Cached value, long currentTime, long currentDuration) {
            return currentDuration;
        }
    }

    /** The SHA-256 of a token: what the cache and the in-flight table are keyed by, instead of the token. */
    private record TokenHash(byte[] digest) {

        static TokenHash of(String token) {
            try {
                return new TokenHash(MessageDigest.getInstance("SHA-256").digest(token.getBytes(StandardCharsets.UTF_8)));
            } catch (NoSuchAlgorithmException e) {
                throw new IllegalStateException("every Java platform provides SHA-256", e);
            }
        }

        @Override
        public boolean equals(Object o) {
            return o instanceof TokenHash other && Arrays.equals(digest, other.digest);
        }

        @Override
        public int hashCode() {
            return Arrays.hashCode(digest);
        }

        @Override
        public String toString() {
            return "TokenHash";
        }
    }
}
