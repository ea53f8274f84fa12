package io.zerogate.chain;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.Objects;
import org.jspecify.annotations.Nullable;

/**
 * Who is on the other end, kept apart: the direct peer of the TCP connection and, when that peer is a
 * trusted proxy, the client address it forwarded. {@link #effective()} is what limits and policies key on.
 *
 * @param forwarded null unless the direct peer is a trusted proxy that named a client
 */
public record ClientAddress(InetSocketAddress direct, @Nullable InetAddress forwarded) {

    public ClientAddress {
        Objects.requireNonNull(direct, "direct");
    }

    public InetAddress effective() {
        return forwarded != null ? forwarded : direct.getAddress();
    }
}
