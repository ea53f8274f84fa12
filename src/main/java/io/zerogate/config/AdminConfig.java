package io.zerogate.config;

import java.net.InetSocketAddress;
import org.jspecify.annotations.Nullable;

/** The admin listener (health, readiness, metrics); {@code address} is null when disabled. */
public record AdminConfig(@Nullable InetSocketAddress address) {}
