package io.zerogate.audit.incident;

import java.time.Instant;
import java.util.Objects;
import org.jspecify.annotations.Nullable;

/**
 * Refusals of one kind, by one caller, on one route, gathered within a window; or a problem of the gateway's
 * own (audit records dropped, a sink failing), whose caller is {@code gateway}.
 *
 * @param id            stable for the incident's lifetime, for the admin API and alerts
 * @param reason        the reason code ({@code rate_limited}, {@code token_invalid}, {@code audit_dropped} …)
 * @param caller        {@code subject:<id>} when the caller was identified, else {@code client:<address>};
 *                      {@code gateway} for the gateway's own problems
 * @param routeId       the route, or null when none matched or for the gateway's own problems
 * @param status        the HTTP status of the refusals, or 0 for the gateway's own problems
 * @param count         how many times it happened within the current window
 * @param alerted       whether an alert has been sent for this incident
 * @param lastRequestId the request id of the latest refusal, or null for the gateway's own problems
 * @param detail        a short description, never containing a credential
 */
public record Incident(String id, String reason, String caller, @Nullable String routeId, int status,
                       Instant firstSeen, Instant lastSeen, long count, boolean alerted,
                       @Nullable String lastRequestId, String detail) {

    public Incident {
        Objects.requireNonNull(id, "id");
        Objects.requireNonNull(reason, "reason");
        Objects.requireNonNull(caller, "caller");
        Objects.requireNonNull(firstSeen, "firstSeen");
        Objects.requireNonNull(lastSeen, "lastSeen");
        Objects.requireNonNull(detail, "detail");
    }
}
