package io.zerogate.posture;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import com.nimbusds.jose.util.JSONObjectUtils;
import io.zerogate.chain.ReasonCode;
import io.zerogate.config.PostureConfig;
import io.zerogate.identity.introspect.BoundedBody;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.text.ParseException;
import java.time.Clock;
import java.time.Instant;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

/**
 * Asks the posture service about a device by id ({@code GET url} with the id percent-encoded in place of
 * {@code {device_id}}) and reads its JSON answer: the facts {@link DeviceFacts} reads, plus {@code device_id}
 * (when present it must be the id asked about) and {@code user}. Answers are cached for {@code cache_ttl}, a 404
 * (unknown device) included, and concurrent questions about the same id share one call.
 *
 * <p>It fails closed: an answer that is late, not 200 or 404, longer than {@link #MAX_BODY_BYTES} or unreadable
 * is {@link ReasonCode#POSTURE_UNAVAILABLE}, and is not cached. The answer never completes exceptionally; it
 * completes on the HTTP client's threads or the timer's, never on an event loop.
 */
final class PostureLookup {

    static final int MAX_BODY_BYTES = 64 * 1024;
    private static final int CACHE_SIZE = 10_000;

    private final PostureConfig.Lookup config;
    private final HttpClient http;
    private final Clock clock;
    private final Cache<String, PostureAnswer> answers;
    private final ConcurrentHashMap<String, CompletableFuture<PostureAnswer>> inFlight = new ConcurrentHashMap<>();

    PostureLookup(PostureConfig.Lookup config, HttpClient http, Clock clock) {
        this.config = Objects.requireNonNull(config, "config");
        this.http = Objects.requireNonNull(http, "http");
        this.clock = Objects.requireNonNull(clock, "clock");
        if (!config.timeout().isPositive()) {
            throw new IllegalArgumentException("posture.lookup.timeout: " + config.timeout() + " (expected: > 0)");
        }
        this.answers = Caffeine.newBuilder()
                .maximumSize(CACHE_SIZE)
                .expireAfterWrite(config.cacheTtl())
                .ticker(() -> {
                    Instant now = clock.instant();
                    return now.getEpochSecond() * 1_000_000_000L + now.getNano();
                })
                .executor(Runnable::run)
                .build();
    }

    /** The device with this id as the posture service describes it, or why there is none. */
    CompletionStage<PostureAnswer> find(String deviceId) {
        // A dot segment would name another resource of the posture service once the URL is normalised.
        if (!DeviceFacts.plausibleText(deviceId) || deviceId.equals(".") || deviceId.equals("..")) {
            return CompletableFuture.completedFuture(DeviceFacts.invalid(
                    "device id is empty, a dot segment, longer than " + DeviceFacts.MAX_TEXT_LENGTH
                            + " characters or has control characters"));
        }
        PostureAnswer cached = answers.getIfPresent(deviceId);
        if (cached != null) {
            return CompletableFuture.completedFuture(cached);
        }
        CompletableFuture<PostureAnswer> mine = new CompletableFuture<>();
        CompletableFuture<PostureAnswer> running = inFlight.putIfAbsent(deviceId, mine);
        if (running != null) {
            // A copy, so that one caller giving up cannot cancel everyone's answer.
            return running.copy();
        }
        // A call that ended between the cache lookup and the registration has cached its answer by now.
        cached = answers.getIfPresent(deviceId);
        if (cached != null) {
            inFlight.remove(deviceId, mine);
            mine.complete(cached);
            return mine.copy();
        }
        call(deviceId).whenComplete((answer, error) -> {
            PostureAnswer result = answer != null ? answer : unavailable("the posture lookup failed");
            try {
                if (!(result instanceof PostureAnswer.Refused r && r.reason() == ReasonCode.POSTURE_UNAVAILABLE)) {
                    answers.put(deviceId, result);
                }
            } finally {
                inFlight.remove(deviceId, mine);
                mine.complete(result);
            }
        });
        return mine.copy();
    }

    /** How many answers are cached (for tests). */
    long cached() {
        answers.cleanUp();
        return answers.estimatedSize();
    }

    private CompletableFuture<PostureAnswer> call(String deviceId) {
        CompletableFuture<HttpResponse<byte[]>> response;
        try {
            HttpRequest request = HttpRequest.newBuilder(uri(deviceId))
                    .timeout(config.timeout())
                    .header("Accept", "application/json")
                    .GET()
                    .build();
            response = http.sendAsync(request, BoundedBody.handler(MAX_BODY_BYTES));
        } catch (RuntimeException e) {
            return CompletableFuture.completedFuture(unavailable("the lookup could not be sent (" + e.getClass().getSimpleName() + ")"));
        }
        CompletableFuture<PostureAnswer> result = response
                .handle((r, error) -> error != null
                        ? unavailable("the posture service could not be reached or its answer read")
                        : read(deviceId, r))
                // The request timeout bounds the wait for the response head; this bounds the body as well.
                .completeOnTimeout(unavailable("no answer within " + config.timeout().toMillis() + "ms"),
                        config.timeout().toNanos(), TimeUnit.NANOSECONDS);
        result.whenComplete((v, e) -> response.cancel(true));
        return result;
    }

    private URI uri(String deviceId) {
        return URI.create(config.url().replace("{device_id}", encode(deviceId)));
    }

    private PostureAnswer read(String deviceId, HttpResponse<byte[]> response) {
        if (response.statusCode() == 404) {
            return DeviceFacts.invalid("the posture service does not know the device");
        }
        if (response.statusCode() != 200) {
            return unavailable("the posture service answered " + response.statusCode());
        }
        Map<String, Object> json;
        try {
            String text = StandardCharsets.UTF_8.newDecoder()
                    .onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT)
                    .decode(ByteBuffer.wrap(response.body()))
                    .toString();
            json = JSONObjectUtils.parse(text);
        } catch (CharacterCodingException | ParseException e) {
            return unavailable("the posture service's answer is not a JSON object");
        }
        Object id = json.get("device_id");
        if (json.containsKey("device_id") && !deviceId.equals(id)) {
            return unavailable("the posture service answered about another device");
        }
        Object user = json.get("user");
        if (json.containsKey("user") && user != null && !(user instanceof String u && DeviceFacts.plausibleText(u))) {
            return unavailable("the posture service's user is not a plausible user id");
        }
        PostureAnswer answer = DeviceFacts.read(json, deviceId, (String) user, clock.instant(), clock.instant(),
                Device.Source.LOOKUP);
        // A service whose answer cannot be understood is as good as none: refuse, but without blaming the device.
        return answer instanceof PostureAnswer.Refused refused
                ? unavailable("the posture service's answer is not understood: " + refused.detail())
                : answer;
    }

    /** The id as one path segment (or query value): everything but RFC 3986 unreserved characters encoded. */
    static String encode(String value) {
        byte[] bytes = value.getBytes(StandardCharsets.UTF_8);
        StringBuilder out = new StringBuilder(bytes.length);
        for (byte b : bytes) {
            int c = b & 0xff;
            if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' || c == '.'
                    || c == '_' || c == '~') {
                out.append((char) c);
            } else {
                out.append('%').append(Character.toUpperCase(Character.forDigit(c >> 4, 16)))
                        .append(Character.toUpperCase(Character.forDigit(c & 0xf, 16)));
            }
        }
        return out.toString();
    }

    private static PostureAnswer.Refused unavailable(String detail) {
        return PostureAnswer.refused(ReasonCode.POSTURE_UNAVAILABLE, detail);
    }
}
