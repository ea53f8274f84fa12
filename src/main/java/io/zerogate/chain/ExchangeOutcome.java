package io.zerogate.chain;

import java.util.Objects;
import org.jspecify.annotations.Nullable;

/**
 * How one exchange ended, reported exactly once per request to the recording sinks (metrics and the audit
 * trail) on the event loop that served it. Holds what the data plane knows; the facts stages established are
 * read from {@link #exchange()}.
 *
 * @param trace          the exchange's trace context
 * @param request        the request head, or null when the bytes could not be read as a request
 * @param client         who sent it
 * @param exchange       the exchange the chain ran on, or null when the request was refused before the chain
 *                       (no route, a malformed head …); read only on the event loop that reports the outcome
 * @param routeId        null when no route matched
 * @param method         the request method, or {@code -} when there was none
 * @param status         the status sent to the client, or 0 when the client left before any response
 * @param refusal        why the gateway refused or failed the request; null when it was forwarded
 * @param upstream       the target that served it, when one did
 * @param bytesIn        request body bytes forwarded upstream
 * @param bytesOut       response body bytes sent to the client
 * @param durationNanos  from the complete request head to the end of the exchange
 * @param chainNanos     time the chain took to decide, or 0 when it did not run
 * @param upstreamNanos  from the request being sent upstream to the end of its response, or 0
 * @param clientAborted  true when the client went away before the response was complete
 */
public record ExchangeOutcome(
        String requestId,
        String listener,
        TraceContext trace,
        @Nullable RequestHead request,
        ClientAddress client,
        @Nullable Exchange exchange,
        @Nullable String routeId,
        String method,
        int status,
        Decision.@Nullable Deny refusal,
        @Nullable String upstream,
        long bytesIn,
        long bytesOut,
        long durationNanos,
        long chainNanos,
        long upstreamNanos,
        boolean clientAborted) {

    public ExchangeOutcome {
        Objects.requireNonNull(requestId, "requestId");
        Objects.requireNonNull(listener, "listener");
        Objects.requireNonNull(trace, "trace");
        Objects.requireNonNull(client, "client");
        Objects.requireNonNull(method, "method");
    }

    /** The reason code of the refusal, or null when the request was forwarded. */
    public @Nullable ReasonCode reason() {
        Decision.Deny r = refusal;
        return r == null ? null : r.reason();
    }
}
