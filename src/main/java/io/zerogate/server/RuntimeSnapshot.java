package io.zerogate.server;

import io.zerogate.chain.Chain;
import io.zerogate.config.GatewaySnapshot;
import io.zerogate.upstream.Upstreams;
import java.util.Objects;

/**
 * Everything a request reads from the running configuration, swapped as one value on reload: the compiled
 * configuration, the chain built from it and the upstream services with their live state.
 */
public record RuntimeSnapshot(GatewaySnapshot config, Chain chain, Upstreams upstreams) {

    public RuntimeSnapshot {
        Objects.requireNonNull(config, "config");
        Objects.requireNonNull(chain, "chain");
        Objects.requireNonNull(upstreams, "upstreams");
    }
}
