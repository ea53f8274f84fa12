package io.zerogate.policy;

import io.zerogate.identity.introspect.BoundedBody;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.jspecify.annotations.Nullable;

/**
 * One bounded call to a policy service (an owner service, a decision point): the whole exchange, headers and body,
 * must end within the timeout, and the body may not exceed {@link #MAX_BODY_BYTES}. Never completes exceptionally:
 * every way a call can fail is a {@link Reply.Failed}.
 */
final class RemoteCall {

    /** Bound on an answer's body; owner and decision answers are a few dozen bytes. */
    static final int MAX_BODY_BYTES = 16 << 10;

    private RemoteCall() {}

    /** What a call brought back. */
    sealed interface Reply {

        /** The service answered with a status and a body (of at most {@link #MAX_BODY_BYTES}). */
        record Answered(int status, byte[] body) implements Reply {}

        /** No usable answer; {@code why} names hosts and causes, never request contents. */
        record Failed(String why) implements Reply {}
    }

    static CompletableFuture<Reply> send(HttpClient http, HttpRequest request, Duration timeout) {
        CompletableFuture<HttpResponse<byte[]>> response;
        try {
            response = http.sendAsync(request, BoundedBody.handler(MAX_BODY_BYTES));
        } catch (RuntimeException e) {
            return CompletableFuture.completedFuture(new Reply.Failed("the request could not be sent ("
                    + e.getClass().getSimpleName() + ")"));
        }
        CompletableFuture<Reply> reply = response
                .handle((r, error) -> error != null ? new Reply.Failed(describe(error))
                        : (Reply) new Reply.Answered(r.statusCode(), r.body()))
                // The request timeout bounds the wait for the headers; this bounds the body as well.
                .completeOnTimeout(new Reply.Failed("no answer within " + timeout), timeout.toNanos(), TimeUnit.NANOSECONDS);
        reply.whenComplete((v, e) -> response.cancel(true));
        return reply;
    }

    private static String describe(@Nullable Throwable error) {
        Throwable cause = error;
        while ((cause instanceof CompletionException || cause instanceof ExecutionException) && cause.getCause() != null) {
            cause = cause.getCause();
        }
        if (cause == null) {
            return "no answer";
        }
        if (cause instanceof HttpTimeoutException) {
            return "timed out";
        }
        // The HTTP client's messages name hosts and sizes, never the request body.
        return cause.getClass().getSimpleName() + (cause.getMessage() == null ? "" : ": " + cause.getMessage());
    }
}
