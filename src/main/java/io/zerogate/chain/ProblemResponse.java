package io.zerogate.chain;

import com.fasterxml.jackson.core.io.JsonStringEncoder;
import java.nio.charset.StandardCharsets;
import java.util.List;

/**
 * The one place where a denial becomes what the client sees: an RFC 9457 {@code application/problem+json}
 * body with the reason's public title and code and the request id, plus the denial's response headers.
 * The denial's internal detail is never part of it.
 *
 * @param body UTF-8 JSON
 */
public record ProblemResponse(int status, List<Decision.ResponseHeader> headers, byte[] body) {

    public static final String CONTENT_TYPE = "application/problem+json";

    /** Renders a denial for the client. */
    public static ProblemResponse of(Decision.Deny deny, String requestId) {
        ReasonCode r = deny.reason();
        StringBuilder json = new StringBuilder(192)
                .append("{\"type\":\"urn:zerogate:problem:").append(r.code())
                .append("\",\"title\":\"").append(r.title())
                .append("\",\"status\":").append(deny.status())
                .append(",\"code\":\"").append(r.code())
                .append("\",\"request_id\":\"");
        JsonStringEncoder.getInstance().quoteAsString(requestId, json);
        json.append("\"}\n");
        return new ProblemResponse(deny.status(), deny.headers(), json.toString().getBytes(StandardCharsets.UTF_8));
    }
}
