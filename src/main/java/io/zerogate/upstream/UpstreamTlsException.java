package io.zerogate.upstream;

import javax.net.ssl.SSLException;
import org.jspecify.annotations.Nullable;

/**
 * TLS with an upstream target failed: the handshake broke off, the target's certificate does not chain to
 * the service's CAs or does not carry the expected name or SPIFFE ID, or the target refused the gateway's
 * own certificate. The request that met it is answered {@code 502 upstream_tls_failed}.
 */
public final class UpstreamTlsException extends SSLException {

    private static final long serialVersionUID = 1L;

    UpstreamTlsException(String message, @Nullable Throwable cause) {
        super(message, cause);
    }

    /** The TLS failure at the root of {@code cause}, or null when TLS had no part in it. */
    static @Nullable UpstreamTlsException from(Throwable cause, Object target) {
        if (cause instanceof UpstreamTlsException tls) {
            return tls;
        }
        for (Throwable t = cause; t != null; t = t.getCause()) {
            if (t instanceof SSLException ssl) {
                return new UpstreamTlsException("TLS with " + target + " failed: " + describe(ssl), cause);
            }
        }
        return null;
    }

    /** The innermost message, which says what was wrong rather than that something was. */
    static String describe(Throwable cause) {
        String message = cause.getMessage();
        for (Throwable t = cause.getCause(); t != null; t = t.getCause()) {
            if (t.getMessage() != null) {
                message = t.getMessage();
            }
        }
        return message != null ? message : cause.getClass().getSimpleName();
    }
}
