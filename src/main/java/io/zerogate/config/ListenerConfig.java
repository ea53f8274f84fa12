package io.zerogate.config;

import java.net.InetSocketAddress;
import org.jspecify.annotations.Nullable;

/**
 * A data listener: where the gateway accepts client traffic. Port 0 picks a free port.
 *
 * @param tls   null for plain HTTP
 * @param http2 HTTP/2 is spoken: offered by ALPN ({@code h2}) on a TLS listener, accepted with prior knowledge
 *              ({@code h2c}) on a plain one; HTTP/1.1 is always spoken
 */
public record ListenerConfig(String name, InetSocketAddress address, @Nullable ListenerTls tls, boolean http2) {

    /** A listener with the default for {@code http2}: on with TLS, off without. */
    public ListenerConfig(String name, InetSocketAddress address, @Nullable ListenerTls tls) {
        this(name, address, tls, tls != null);
    }
}
