package io.zerogate.network;

import io.zerogate.chain.AttributeKey;
import java.net.InetAddress;
import java.util.List;
import java.util.Objects;

/**
 * Where a request comes from, as the network stage established it: the client address (the direct peer, or the
 * address a trusted proxy forwarded) and the named networks it belongs to. A fact for policies, never a grant:
 * being on a named network does not stand in for identity.
 *
 * @param ip       the client address the gateway decides on
 * @param peer     the direct peer's address (the proxy, when one forwarded the request)
 * @param networks the names of the configured networks that contain {@code ip}, in configuration order
 */
public record NetworkContext(InetAddress ip, InetAddress peer, List<String> networks) {

    public static final AttributeKey<NetworkContext> KEY = AttributeKey.of("network", NetworkContext.class);

    public NetworkContext {
        Objects.requireNonNull(ip, "ip");
        Objects.requireNonNull(peer, "peer");
        networks = List.copyOf(networks);
    }
}
