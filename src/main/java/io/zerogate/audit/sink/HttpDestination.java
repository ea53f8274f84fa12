package io.zerogate.audit.sink;

import io.zerogate.config.Secret;
import java.io.IOException;
import java.net.ConnectException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.jspecify.annotations.Nullable;

/**
 * A URL that audit data is POSTed to (a collector, an alert webhook), with the configured extra headers, whose
 * values are secrets: they are put on the wire and nowhere else, so every message this class makes names a header
 * but never shows its value. Redirects are never followed: records go only where the configuration says.
 */
public final class HttpDestination {

    /** How much of a response body is kept (enough for a status document); the rest is read and dropped. */
    static final int KEPT_RESPONSE_BYTES = 64 * 1024;

    /**
     * What the destination answered.
     *
     * @param status   the HTTP status, or 0 when no response came
     * @param failure  why the POST did not succeed, or null for a 2xx answer
     * @param bodyHead the first {@link #KEPT_RESPONSE_BYTES} bytes of the response body
     */
    public record Reply(int status, @Nullable String failure, byte[] bodyHead) {

        public boolean accepted() {
            return failure == null;
        }
    }

    private final URI url;
    private final Map<String, Secret> headers;
    private final HttpClient http;

    /**
     * A client fit for destinations: HTTP/1.1 (POSTs go one at a time, so HTTP/2 would add nothing but an upgrade
     * attempt on plain http) and redirects never followed.
     */
    public static HttpClient client(Duration connectTimeout) {
        return HttpClient.newBuilder()
                .version(HttpClient.Version.HTTP_1_1)
                .followRedirects(HttpClient.Redirect.NEVER)
                .connectTimeout(connectTimeout)
                .build();
    }

    /**
     * @throws IllegalArgumentException when a header may not be set: {@code Content-Type} (it follows from what is
     *                                  sent), a header the HTTP client sets itself, or a value that a header cannot
     *                                  hold; the message names the header, never its value
     */
    public HttpDestination(URI url, Map<String, Secret> headers, HttpClient http) {
        this.url = Objects.requireNonNull(url, "url");
        this.http = Objects.requireNonNull(http, "http");
        if (http.followRedirects() != HttpClient.Redirect.NEVER) {
            throw new IllegalArgumentException("http client follows redirects: " + http.followRedirects()
                    + " (expected: NEVER; audit data goes only to the configured URL)");
        }
        this.headers = new LinkedHashMap<>(headers);
        for (Map.Entry<String, Secret> h : this.headers.entrySet()) {
            if (h.getKey().toLowerCase(Locale.ROOT).equals("content-type")) {
                throw new IllegalArgumentException("header " + h.getKey() + " cannot be configured: it follows from the format");
            }
            try {
                HttpRequest.newBuilder(url).header(h.getKey(), h.getValue().reveal());
            } catch (IllegalArgumentException e) {
                // The client's own message would quote the value.
                throw new IllegalArgumentException("header " + h.getKey() + " cannot be sent: the HTTP client sets it"
                        + " itself or the value holds characters a header may not hold");
            }
        }
    }

    /**
     * POSTs {@code body} and waits for the whole answer, at most {@code timeout}; an answer that does not come in
     * time is abandoned.
     */
    public Reply post(String contentType, byte[] body, Duration timeout) throws InterruptedException {
        HttpRequest.Builder request = HttpRequest.newBuilder(url)
                .timeout(timeout)
                .header("Content-Type", contentType)
                .POST(HttpRequest.BodyPublishers.ofByteArray(body));
        headers.forEach((name, value) -> request.header(name, value.reveal()));
        CompletableFuture<HttpResponse<byte[]>> sent = http.sendAsync(request.build(),
                response -> HttpResponse.BodySubscribers.fromSubscriber(new HttpResponseHead(KEPT_RESPONSE_BYTES),
                        HttpResponseHead::bytes));
        HttpResponse<byte[]> response;
        try {
            // The request timeout covers the response head; this one also covers a body that trickles in.
            response = sent.get(timeout.toNanos(), TimeUnit.NANOSECONDS);
        } catch (TimeoutException e) {
            sent.cancel(true);
            return new Reply(0, "no answer within " + timeout, new byte[0]);
        } catch (ExecutionException e) {
            return new Reply(0, describe(e.getCause()), new byte[0]);
        } catch (InterruptedException e) {
            sent.cancel(true);
            throw e;
        }
        int status = response.statusCode();
        return new Reply(status, status / 100 == 2 ? null : "HTTP " + status, response.body());
    }

    /** The URL without its query, which may carry a credential: for logs, problems and {@code toString()}. */
    public String shown() {
        return url.getScheme() + "://" + url.getRawAuthority() + (url.getRawPath() == null ? "" : url.getRawPath())
                + (url.getRawQuery() == null ? "" : "?…");
    }

    private static String describe(@Nullable Throwable error) {
        if (error instanceof HttpTimeoutException) {
            return "timed out";
        }
        if (error instanceof ConnectException) {
            return "connection refused or unreachable";
        }
        if (error instanceof IOException && error.getMessage() != null) {
            return error.getMessage();
        }
        return error == null ? "failed" : error.getClass().getSimpleName();
    }

    @Override
    public String toString() {
        return shown() + " with headers " + headers.keySet();
    }
}
