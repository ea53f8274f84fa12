package io.zerogate.identity.jwt;

import java.io.ByteArrayOutputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.OptionalLong;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Flow;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import org.jspecify.annotations.Nullable;

/**
 * One GET of a JSON document from an issuer, bounded every way an issuer (or whoever answers in its name) could
 * abuse: redirects are not followed, only 200 is accepted, the body may not exceed {@link #MAX_BODY_BYTES},
 * must be UTF-8, and the whole exchange must end within the timeout.
 */
final class JwksHttp {

    static final int MAX_BODY_BYTES = 1 << 20;

    /**
     * A successful response.
     *
     * @param maxAge how long the issuer says the document may be cached: {@code max-age}, zero for
     *               {@code no-cache} or {@code no-store}, null when it says nothing usable
     */
    record Response(String body, @Nullable Duration maxAge) {}

    private final HttpClient http;
    private final Duration timeout;
    private final ScheduledExecutorService scheduler;

    JwksHttp(HttpClient http, Duration timeout, ScheduledExecutorService scheduler) {
        this.http = Objects.requireNonNull(http, "http");
        this.timeout = Objects.requireNonNull(timeout, "timeout");
        this.scheduler = Objects.requireNonNull(scheduler, "scheduler");
        if (timeout.isNegative() || timeout.isZero()) {
            throw new IllegalArgumentException("fetch timeout: " + timeout + " (expected: > 0)");
        }
        if (http.followRedirects() != HttpClient.Redirect.NEVER) {
            throw new IllegalArgumentException("http client follows redirects: " + http.followRedirects()
                    + " (expected: NEVER; keys are fetched only from the configured location)");
        }
    }

    /** Fetches {@code uri}; the answer fails with a {@link JwksFetchException} that says why when unusable. */
    CompletableFuture<Response> get(URI uri) {
        CompletableFuture<Response> result = new CompletableFuture<>();
        HttpRequest request = HttpRequest.newBuilder(uri)
                .timeout(timeout)
                .header("Accept", "application/json, application/jwk-set+json")
                .GET()
                .build();
        CompletableFuture<HttpResponse<byte[]>> sent = http.sendAsync(request, JwksHttp::bodyFor);
        // The request timeout covers the response head only; the deadline covers a body that trickles in.
        ScheduledFuture<?> deadline = scheduler.schedule(
                () -> result.completeExceptionally(new JwksFetchException(
                        uri + ": timed out (no complete response within " + timeout + ")")),
                timeout.toNanos(), TimeUnit.NANOSECONDS);
        sent.whenComplete((response, error) -> {
            deadline.cancel(false);
            if (error != null) {
                result.completeExceptionally(new JwksFetchException(uri + ": " + describe(error)));
                return;
            }
            try {
                String body = StandardCharsets.UTF_8.newDecoder()
                        .onMalformedInput(CodingErrorAction.REPORT)
                        .onUnmappableCharacter(CodingErrorAction.REPORT)
                        .decode(ByteBuffer.wrap(response.body()))
                        .toString();
                result.complete(new Response(body, maxAge(response.headers().allValues("cache-control"))));
            } catch (CharacterCodingException e) {
                result.completeExceptionally(new JwksFetchException(uri + ": the body is not UTF-8"));
            }
        });
        // Abandons the exchange when the deadline passes or the caller gives up first.
        result.whenComplete((response, error) -> sent.cancel(true));
        return result;
    }

    /** A cause for a lookup detail or a log line: the innermost meaningful exception, without a stack. */
    static String describe(Throwable error) {
        Throwable t = error;
        while ((t instanceof CompletionException || t instanceof ExecutionException) && t.getCause() != null) {
            t = t.getCause();
        }
        if (t instanceof JwksFetchException) {
            return Objects.requireNonNullElse(t.getMessage(), "refused");
        }
        if (t instanceof HttpTimeoutException) {
            return "timed out";
        }
        if (t instanceof CancellationException) {
            return "cancelled";
        }
        // The body subscriber's own refusal arrives wrapped in an IOException by the client.
        if (t.getCause() instanceof JwksFetchException cause) {
            return Objects.requireNonNullElse(cause.getMessage(), "refused");
        }
        String message = t.getMessage();
        if (message == null && t.getCause() != null) {
            message = t.getCause().getMessage();
        }
        return t.getClass().getSimpleName() + (message == null ? "" : ": " + message);
    }

    /** The {@code max-age} of Cache-Control header values; zero when caching is refused; null when silent. */
    static @Nullable Duration maxAge(List<String> cacheControl) {
        Duration maxAge = null;
        boolean noCache = false;
        for (String value : cacheControl) {
            for (String directive : value.split(",")) {
                String d = directive.trim().toLowerCase(Locale.ROOT);
                if (d.equals("no-cache") || d.equals("no-store")) {
                    noCache = true;
                } else if (d.startsWith("max-age=")) {
                    String seconds = d.substring("max-age=".length()).replace("\"", "");
                    if (!seconds.isEmpty() && seconds.length() <= 18 && seconds.chars().allMatch(Character::isDigit)) {
                        maxAge = Duration.ofSeconds(Long.parseLong(seconds));
                    }
                }
            }
        }
        return noCache ? Duration.ZERO : maxAge;
    }

    private static HttpResponse.BodySubscriber<byte[]> bodyFor(HttpResponse.ResponseInfo info) {
        if (info.statusCode() != 200) {
            return new RefusedBody("status " + info.statusCode() + " (expected: 200)");
        }
        OptionalLong declared = info.headers().firstValueAsLong("content-length");
        if (declared.isPresent() && declared.getAsLong() > MAX_BODY_BYTES) {
            return new RefusedBody("body of " + declared.getAsLong() + " bytes (expected: at most " + MAX_BODY_BYTES + ")");
        }
        return new BoundedBody();
    }

    /** Reads nothing: the exchange is abandoned as soon as the response head shows it is unusable. */
    private static final class RefusedBody implements HttpResponse.BodySubscriber<byte[]> {
        private final CompletableFuture<byte[]> body = new CompletableFuture<>();
        private final String reason;

        RefusedBody(String reason) {
            this.reason = reason;
        }

        @Override
        public CompletionStage<byte[]> getBody() {
            return body;
        }

        @Override
        public void onSubscribe(Flow.Subscription subscription) {
            subscription.cancel();
            body.completeExceptionally(new JwksFetchException(reason));
        }

        @Override
        public void onNext(List<ByteBuffer> item) {}

        @Override
        public void onError(Throwable throwable) {
            body.completeExceptionally(new JwksFetchException(reason));
        }

        @Override
        public void onComplete() {
            body.completeExceptionally(new JwksFetchException(reason));
        }
    }

    /** Collects the body one chunk at a time and gives up as soon as it grows past the bound. */
    private static final class BoundedBody implements HttpResponse.BodySubscriber<byte[]> {
        private final CompletableFuture<byte[]> body = new CompletableFuture<>();
        private final ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        private Flow.@Nullable Subscription subscription;

        @Override
        public CompletionStage<byte[]> getBody() {
            return body;
        }

        @Override
        public void onSubscribe(Flow.Subscription subscription) {
            this.subscription = subscription;
            subscription.request(1);
        }

        @Override
        public void onNext(List<ByteBuffer> item) {
            Flow.Subscription s = Objects.requireNonNull(subscription, "subscription");
            if (body.isDone()) {
                return;
            }
            for (ByteBuffer buffer : item) {
                if (bytes.size() + (long) buffer.remaining() > MAX_BODY_BYTES) {
                    s.cancel();
                    body.completeExceptionally(new JwksFetchException(
                            "body longer than " + MAX_BODY_BYTES + " bytes (expected: at most that)"));
                    return;
                }
                byte[] chunk = new byte[buffer.remaining()];
                buffer.get(chunk);
                bytes.writeBytes(chunk);
            }
            s.request(1);
        }

        @Override
        public void onError(Throwable throwable) {
            body.completeExceptionally(throwable);
        }

        @Override
        public void onComplete() {
            body.complete(bytes.toByteArray());
        }
    }
}
