package io.zerogate.config;

import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Objects;
import org.jspecify.annotations.Nullable;

/**
 * Where shared state lives: in the process (persisted to a data directory), or in Redis for a cluster, and
 * what limits do while Redis cannot be reached.
 *
 * @param dataDir       where the embedded store keeps what must survive a restart (quotas); null keeps
 *                      nothing across restarts (only for tests and {@code demo})
 * @param redis         the Redis deployment; only for {@link Store#REDIS}
 * @param onStoreError  what a limit does when the store fails
 * @param expectedNodes how many gateway processes share the store; the {@code local} fallback divides each
 *                      limit by it
 */
public record StateConfig(Store store, @Nullable Path dataDir, @Nullable RedisConfig redis, OnStoreError onStoreError,
                          int expectedNodes) {

    /** The embedded store without persistence. */
    public static final StateConfig LOCAL = new StateConfig(Store.LOCAL, null, null, OnStoreError.LOCAL, 1);

    /** The back ends. */
    public enum Store { LOCAL, REDIS }

    /** What a limit does when the store fails: refuse, let through, or count on this node alone. */
    public enum OnStoreError { DENY, ALLOW, LOCAL }

    public StateConfig {
        Objects.requireNonNull(store, "store");
        Objects.requireNonNull(onStoreError, "onStoreError");
        if ((store == Store.REDIS) != (redis != null)) {
            throw new IllegalArgumentException("redis: " + redis + " (expected one exactly for the redis store)");
        }
        if (expectedNodes < 1) {
            throw new IllegalArgumentException("expectedNodes: " + expectedNodes + " (expected: >= 1)");
        }
    }

    /** A single Redis server at {@code uri}, with the default timeout. */
    public static StateConfig redis(URI uri) {
        return new StateConfig(Store.REDIS, null, RedisConfig.standalone(uri), OnStoreError.LOCAL, 1);
    }

    /**
     * A Redis deployment.
     *
     * @param nodes      standalone: the one server; sentinel: the sentinels; cluster: seed nodes. Each
     *                   {@code redis://[:password@]host[:port][/db]} or {@code rediss://…}
     * @param masterName the monitored master's name; only for {@link Mode#SENTINEL}
     * @param timeout    the limit on connecting and on every command
     */
    public record RedisConfig(Mode mode, List<URI> nodes, @Nullable String masterName, Duration timeout) {

        public static final Duration DEFAULT_TIMEOUT = Duration.ofSeconds(1);

        /** How the Redis servers are deployed. */
        public enum Mode { STANDALONE, SENTINEL, CLUSTER }

        public RedisConfig {
            Objects.requireNonNull(mode, "mode");
            nodes = List.copyOf(nodes);
            Objects.requireNonNull(timeout, "timeout");
            if (nodes.isEmpty() || (mode == Mode.STANDALONE && nodes.size() != 1)) {
                throw new IllegalArgumentException("nodes: " + nodes.size() + " (expected: one for standalone, >= 1 otherwise)");
            }
            if ((mode == Mode.SENTINEL) != (masterName != null)) {
                throw new IllegalArgumentException("masterName: " + masterName + " (expected one exactly for sentinel)");
            }
            if (timeout.isNegative() || timeout.isZero()) {
                throw new IllegalArgumentException("timeout: " + timeout + " (expected: > 0)");
            }
        }

        public static RedisConfig standalone(URI uri) {
            return new RedisConfig(Mode.STANDALONE, List.of(uri), null, DEFAULT_TIMEOUT);
        }
    }
}
