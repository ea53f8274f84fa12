package io.zerogate.chain;

import java.util.List;
import org.jspecify.annotations.Nullable;

/**
 * The request as the chain sees it: already parsed strictly and normalised. {@code path} is exactly what
 * the route was matched against and what the upstream receives.
 */
public interface RequestHead {

    /** Upper-case method token. */
    String method();

    /** "http" or "https": how the client reached the gateway. */
    String scheme();

    /** Lower-case host without port. */
    String host();

    /** Normalised path. */
    String path();

    /**
     * The path exactly as the client sent it, before normalisation, without query or fragment. Only for
     * checks that must compare with what the client itself signed (a DPoP proof's {@code htu}); routing and
     * policy use {@link #path()}.
     */
    String rawPath();

    /** Raw query without '?', or null when the request had none. */
    @Nullable String query();

    /** First value of a header field (case-insensitive name), or null. */
    @Nullable String header(String name);

    /** All values of a header field, in order; empty when absent. */
    List<String> headers(String name);

    /**
     * The names of the header fields present, lower-cased, each once. A head built by hand that cannot list its
     * fields has none.
     */
    default List<String> headerNames() {
        return List.of();
    }
}
