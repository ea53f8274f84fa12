package io.zerogate.config;

import java.net.InetSocketAddress;

/** A data listener: where the gateway accepts client traffic. Port 0 picks a free port. */
public record ListenerConfig(String name, InetSocketAddress address) {}
