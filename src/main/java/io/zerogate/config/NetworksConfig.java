package io.zerogate.config;

import io.zerogate.network.CidrSet;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;

/**
 * The named networks ({@code networks: { office: [203.0.113.0/24], vpn: [...] }}) and the rules every request is
 * checked against ({@code network:}).
 *
 * @param named  each network's name and its addresses, in configuration order
 * @param global the allow and deny lists applied before any route's own
 */
public record NetworksConfig(Map<String, CidrSet> named, NetworkRules global) {

    public static final NetworksConfig NONE = new NetworksConfig(Map.of(), NetworkRules.NONE);

    public NetworksConfig {
        named = Collections.unmodifiableMap(new LinkedHashMap<>(named));
        Objects.requireNonNull(global, "global");
    }
}
