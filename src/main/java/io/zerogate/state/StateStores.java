package io.zerogate.state;

import io.zerogate.config.StateConfig;
import java.net.URI;
import java.time.Clock;
import java.time.Duration;
import java.util.Objects;

/** Opens the state store a configuration names. */
public final class StateStores {

    /**
     * How long a Redis command may take before it fails. Callers deny on failure, so this bounds how long a
     * request can wait on an unreachable Redis.
     */
    public static final Duration REDIS_TIMEOUT = Duration.ofSeconds(1);

    private StateStores() {
    }

    /**
     * Opens the configured back end. For Redis this connects before it returns (blocking the calling thread
     * for at most the configured timeout per server tried), so that a gateway that cannot reach its shared
     * state does not start. Standalone, Sentinel and Cluster deployments are supported.
     *
     * @throws IllegalStateException when Redis cannot be reached
     */
    public static StateStore open(StateConfig config, Clock clock) {
        Objects.requireNonNull(config, "config");
        Objects.requireNonNull(clock, "clock");
        return switch (config.store()) {
            case LOCAL -> config.dataDir() == null ? new EmbeddedStateStore(clock)
                    : EmbeddedStateStore.persistent(clock, config.dataDir());
            case REDIS -> RedisStateStore.connect(Objects.requireNonNull(config.redis(), "redis"));
        };
    }

    /** A time to live in whole milliseconds, rounded up, so that a claim never lives shorter than asked. */
    static long ttlMillis(Duration ttl) {
        Objects.requireNonNull(ttl, "ttl");
        if (ttl.isNegative() || ttl.isZero()) {
            throw new IllegalArgumentException("ttl: " + ttl + " (expected: > 0)");
        }
        try {
            long millis = ttl.toMillis();
            return ttl.minusMillis(millis).isZero() ? millis : millis + 1;
        } catch (ArithmeticException e) {
            return Long.MAX_VALUE;
        }
    }

    /** scheme://host:port of a Redis URI, without credentials, for messages. */
    static String endpoint(URI uri) {
        return uri.getScheme() + "://" + uri.getHost() + (uri.getPort() < 0 ? "" : ":" + uri.getPort());
    }
}
