package io.zerogate.audit;

import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import org.jspecify.annotations.Nullable;

/**
 * What happened to one exchange, as the audit trail keeps it: who asked for what, from where, what the gateway
 * decided and why, and what it cost. Built on the exchange's event loop from facts the stages attached, then
 * handed to the audit writer; immutable, so it may cross threads. It never holds a credential, a cookie, a
 * body or a header outside the configured allowlist.
 *
 * @param time           when the request head was complete (wall clock)
 * @param traceId        the W3C trace id (32 lower-case hex digits) the request carried or was given
 * @param routeId        null when no route matched
 * @param pathTemplate   the matched route's path template, null when no route matched
 * @param path           the normalised path (without the query), or the raw target when it could not be
 *                       normalised
 * @param clientAddress  the direct peer's address
 * @param forwardedFor   the client address a trusted proxy forwarded, or null
 * @param subject        who called, when the identity stage established it
 * @param device         the device id and posture verdict, when a posture stage established them
 * @param outcome        what became of the exchange
 * @param reason         the reason code of a refusal or failure ({@code ReasonCode.code()}), null when forwarded
 * @param rule           the configured rule (route id, policy rule, limit) that decided a refusal, or null
 * @param detail         the refusal's internal detail (never sent to the client), or null
 * @param shadow         every control in shadow mode that would have refused the request, as {@code stage:rule}
 * @param limit          the rate limit closest to refusing and what it had left, or null
 * @param upstream       the upstream target ({@code host:port}) that served the request, or null
 * @param status         the status sent to the client; 0 when the client left before any response
 * @param bytesIn        request body bytes received from the client
 * @param bytesOut       response body bytes sent to the client
 * @param totalMicros    from the complete request head to the end of the exchange
 * @param chainMicros    time spent deciding (all stages), or 0 when the chain did not run
 * @param upstreamMicros from the request being sent upstream to the end of the upstream response, or 0
 * @param headers        request headers from the configured allowlist, names lower-cased
 * @param spanId         the gateway's span in the trace (16 hex digits), or null when not known
 * @param parentSpanId   the client's span the gateway's span continues, or null
 * @param sampled        whether the trace is sampled, so that the exchange's span is exported
 */
public record AuditRecord(
        Instant time,
        String requestId,
        String traceId,
        String listener,
        @Nullable String routeId,
        String method,
        String host,
        @Nullable String pathTemplate,
        String path,
        String clientAddress,
        @Nullable String forwardedFor,
        @Nullable SubjectFacts subject,
        @Nullable DeviceFacts device,
        Outcome outcome,
        @Nullable String reason,
        @Nullable String rule,
        @Nullable String detail,
        List<String> shadow,
        @Nullable LimitState limit,
        @Nullable String upstream,
        int status,
        long bytesIn,
        long bytesOut,
        long totalMicros,
        long chainMicros,
        long upstreamMicros,
        Map<String, String> headers,
        @Nullable String spanId,
        @Nullable String parentSpanId,
        boolean sampled) {

    /** What became of an exchange. */
    public enum Outcome {
        /** Forwarded, and the response was delivered. */
        ALLOWED,
        /** Refused by the gateway: parsing, routing or a stage of the chain. */
        DENIED,
        /** Allowed, but the gateway or the upstream failed to produce a response (5xx of the gateway's own). */
        ERRORED,
        /** The client went away before the response was complete. */
        ABANDONED;

        public String code() {
            return name().toLowerCase(java.util.Locale.ROOT);
        }
    }

    /**
     * The caller as the audit trail names it.
     *
     * @param kind        {@code user}, {@code workload} or {@code api_key}
     * @param issuer      the configured issuer that vouched for it, or null
     * @param clientId    the OAuth client ({@code client_id} or {@code azp} claim), or null
     * @param credential  how it proved itself: {@code jwt}, {@code introspection}, {@code api_key},
     *                    {@code client_certificate}
     * @param binding     what the credential was bound to: {@code none}, {@code mtls}, {@code dpop}
     */
    public record SubjectFacts(String id, String kind, @Nullable String issuer, @Nullable String clientId,
                               String credential, String binding) {
        public SubjectFacts {
            Objects.requireNonNull(id, "id");
            Objects.requireNonNull(kind, "kind");
            Objects.requireNonNull(credential, "credential");
            Objects.requireNonNull(binding, "binding");
        }
    }

    /** The calling device and the posture verdict about it ({@code compliant}, {@code managed}, {@code unknown} …). */
    public record DeviceFacts(String id, String verdict) {}

    /**
     * The limit closest to refusing.
     *
     * @param key       the limit's name (its id in the configuration)
     * @param remaining what it had left after this request, or -1 when unknown
     * @param local     counted on this node alone because the shared store could not be reached
     */
    public record LimitState(String key, long remaining, boolean local) {}

    /** A record without span ids (of an exchange whose trace is not exported). */
    public AuditRecord(Instant time, String requestId, String traceId, String listener, @Nullable String routeId,
                       String method, String host, @Nullable String pathTemplate, String path, String clientAddress,
                       @Nullable String forwardedFor, @Nullable SubjectFacts subject, @Nullable DeviceFacts device,
                       Outcome outcome, @Nullable String reason, @Nullable String rule, @Nullable String detail,
                       List<String> shadow, @Nullable LimitState limit, @Nullable String upstream, int status, long bytesIn,
                       long bytesOut, long totalMicros, long chainMicros, long upstreamMicros, Map<String, String> headers) {
        this(time, requestId, traceId, listener, routeId, method, host, pathTemplate, path, clientAddress, forwardedFor,
                subject, device, outcome, reason, rule, detail, shadow, limit, upstream, status, bytesIn, bytesOut,
                totalMicros, chainMicros, upstreamMicros, headers, null, null, false);
    }

    public AuditRecord {
        Objects.requireNonNull(time, "time");
        Objects.requireNonNull(requestId, "requestId");
        Objects.requireNonNull(traceId, "traceId");
        Objects.requireNonNull(listener, "listener");
        Objects.requireNonNull(method, "method");
        Objects.requireNonNull(host, "host");
        Objects.requireNonNull(path, "path");
        Objects.requireNonNull(clientAddress, "clientAddress");
        Objects.requireNonNull(outcome, "outcome");
        shadow = List.copyOf(shadow);
        headers = Map.copyOf(headers);
    }

    /** True for the refusals that become incidents: the gateway said no (4xx of its own making). */
    public boolean isRefusal() {
        return outcome == Outcome.DENIED && status >= 400 && status < 500;
    }
}
