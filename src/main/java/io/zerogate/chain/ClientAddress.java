package io.zerogate.chain;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.Objects;
import org.jspecify.annotations.Nullable;

/**
 * Who is on the other end, kept apart: the direct peer of the TCP connection and, when that peer is a
 * trusted proxy, the client address it forwarded. {@link #effective()} is what limits and policies key on.
 * A connection's requests that forward nothing can share one instance, and with it the peer's address as text
 * ({@link #directText()}), made once instead of once per request. Immutable, apart from that text, which any
 * thread may make again.
 */
public final class ClientAddress {

    private final InetSocketAddress direct;
    private final @Nullable InetAddress forwarded;
    private @Nullable String directText;

    /** @param forwarded null unless the direct peer is a trusted proxy that named a client */
    public ClientAddress(InetSocketAddress direct, @Nullable InetAddress forwarded) {
        this.direct = Objects.requireNonNull(direct, "direct");
        this.forwarded = forwarded;
    }

    public InetSocketAddress direct() {
        return direct;
    }

    public @Nullable InetAddress forwarded() {
        return forwarded;
    }

    public InetAddress effective() {
        return forwarded != null ? forwarded : direct.getAddress();
    }

    /** The direct peer's address as text ({@link InetAddress#getHostAddress()}), without the port. */
    public String directText() {
        String text = directText;
        if (text == null) {
            text = direct.getAddress().getHostAddress();
            directText = text;
        }
        return text;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof ClientAddress other && direct.equals(other.direct) && Objects.equals(forwarded, other.forwarded);
    }

    @Override
    public int hashCode() {
        return 31 * direct.hashCode() + Objects.hashCode(forwarded);
    }

    @Override
    public String toString() {
        return "ClientAddress[direct=" + direct + ", forwarded=" + forwarded + "]";
    }
}
