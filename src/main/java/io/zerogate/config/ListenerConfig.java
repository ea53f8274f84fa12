package io.zerogate.config;

import java.net.InetSocketAddress;
import org.jspecify.annotations.Nullable;

/**
 * A data listener: where the gateway accepts client traffic. Port 0 picks a free port.
 *
 * @param tls null for plain HTTP
 */
public record ListenerConfig(String name, InetSocketAddress address, @Nullable ListenerTls tls) {}
