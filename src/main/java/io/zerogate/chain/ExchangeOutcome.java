package io.zerogate.chain;

import org.jspecify.annotations.Nullable;

/**
 * How one exchange ended, reported exactly once per request to the recording sinks (metrics now; audit
 * builds on it).
 *
 * @param routeId        null when no route matched
 * @param status         the status sent to the client, or 0 when the client left before any response
 * @param reason         why the gateway refused or failed the request; null when it was forwarded
 * @param upstream       the target that served it, when one did
 * @param clientAborted  true when the client went away before the response was complete
 */
public record ExchangeOutcome(
        String requestId,
        String listener,
        @Nullable String routeId,
        String method,
        int status,
        @Nullable ReasonCode reason,
        @Nullable String upstream,
        long durationNanos,
        boolean clientAborted) {}
