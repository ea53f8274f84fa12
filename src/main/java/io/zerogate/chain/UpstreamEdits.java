package io.zerogate.chain;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Objects;

/**
 * What the chain changes in the request the upstream receives: inbound credentials removed, the gateway's own
 * identity assertion added. Stages record edits; the data plane applies them only when the whole chain let the
 * request through. Header names are compared case-insensitively.
 */
public final class UpstreamEdits {

    private final List<String> removedHeaders = new ArrayList<>(4);
    private final List<Decision.ResponseHeader> setHeaders = new ArrayList<>(2);
    private final List<String> removedQueryParameters = new ArrayList<>(1);

    /** The header is not forwarded (every field of that name). */
    public void removeHeader(String name) {
        removedHeaders.add(Objects.requireNonNull(name, "name").toLowerCase(Locale.ROOT));
    }

    /** The header is forwarded with exactly this value, replacing any inbound field of that name. */
    public void setHeader(String name, String value) {
        // ResponseHeader refuses CR and LF; NUL is refused here as well since it would end up on the wire.
        if (value.indexOf('\0') >= 0) {
            throw new IllegalArgumentException("header value for " + name + " contains NUL");
        }
        setHeaders.add(new Decision.ResponseHeader(name.toLowerCase(Locale.ROOT), value));
    }

    /** Every occurrence of this query parameter is dropped from the forwarded request target. */
    public void removeQueryParameter(String name) {
        removedQueryParameters.add(Objects.requireNonNull(name, "name"));
    }

    /** Lower-case names of headers to remove. */
    public List<String> removedHeaders() {
        return removedHeaders;
    }

    /** Headers to set (lower-case names), in the order they were recorded. */
    public List<Decision.ResponseHeader> setHeaders() {
        return setHeaders;
    }

    /** Query parameter names (as written, exact) to drop. */
    public List<String> removedQueryParameters() {
        return removedQueryParameters;
    }
}
