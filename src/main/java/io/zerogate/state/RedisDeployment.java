package io.zerogate.state;

import io.lettuce.core.AbstractRedisClient;
import io.lettuce.core.ClientOptions;
import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisURI;
import io.lettuce.core.SocketOptions;
import io.lettuce.core.TimeoutOptions;
import io.lettuce.core.api.StatefulConnection;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.cluster.ClusterClientOptions;
import io.lettuce.core.cluster.ClusterTopologyRefreshOptions;
import io.lettuce.core.cluster.RedisClusterClient;
import io.lettuce.core.cluster.api.StatefulRedisClusterConnection;
import io.lettuce.core.cluster.api.async.RedisClusterAsyncCommands;
import io.lettuce.core.codec.StringCodec;
import io.lettuce.core.metrics.CommandLatencyRecorder;
import io.lettuce.core.resource.ClientResources;
import io.lettuce.core.resource.DefaultClientResources;
import io.lettuce.core.resource.Delay;
import io.netty.channel.EventLoop;
import io.zerogate.config.StateConfig.RedisConfig;
import java.net.URI;
import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.jspecify.annotations.Nullable;

/**
 * A connection to a Redis deployment as configured: one server, a master found through Sentinel (and found
 * again after a failover), or a Redis Cluster whose topology is refreshed when a server answers MOVED or ASK
 * and every {@link #TOPOLOGY_REFRESH}.
 *
 * @param resources the client's threads and timer, shut down with it
 * @param server    where more connections to the same server go ({@link #connectOn}); null for Redis Cluster
 * @param clustered true for Redis Cluster, where one script call may only touch keys of one slot
 * @param endpoint  where it connects, without credentials, for messages
 */
record RedisDeployment(ClientResources resources, AbstractRedisClient client, StatefulConnection<String, String> connection,
                       RedisClusterAsyncCommands<String, String> commands, @Nullable RedisURI server, boolean clustered,
                       String endpoint) {

    static final Duration TOPOLOGY_REFRESH = Duration.ofSeconds(30);
    /** The longest wait between two attempts to reconnect. */
    static final Duration RECONNECT_AT_MOST_EVERY = Duration.ofSeconds(1);

    private static final Set<String> SCHEMES = Set.of("redis", "rediss");

    /**
     * Connects, blocking the calling thread until connected or until the timeout has passed (per server
     * tried), and loads the limit script.
     *
     * @throws IllegalStateException when Redis cannot be reached
     */
    static RedisDeployment connect(RedisConfig config) {
        Objects.requireNonNull(config, "config");
        config.nodes().forEach(RedisDeployment::check);
        Duration timeout = config.timeout();
        String endpoint = describe(config);
        // Per-command latency histograms are never read; recording them costs every command a clock read and a
        // histogram update on the client's I/O thread. A lost connection is tried again at least every second
        // (the client's own default backs off to half a minute), so limits count in Redis again, or in the master
        // a failover promoted, soon after it answers.
        ClientResources resources = DefaultClientResources.builder()
                .commandLatencyRecorder(CommandLatencyRecorder.disabled())
                .reconnectDelay(Delay.exponential(Duration.ZERO, RECONNECT_AT_MOST_EVERY, 2, TimeUnit.MILLISECONDS))
                .build();
        AbstractRedisClient client = null;
        try {
            RedisDeployment deployment;
            if (config.mode() == RedisConfig.Mode.CLUSTER) {
                RedisClusterClient cluster = RedisClusterClient.create(resources,
                        config.nodes().stream().map(node -> redisUri(node, timeout)).toList());
                client = cluster;
                cluster.setOptions(ClusterClientOptions.builder(clientOptions(timeout))
                        .topologyRefreshOptions(ClusterTopologyRefreshOptions.builder()
                                .enableAllAdaptiveRefreshTriggers()
                                .enablePeriodicRefresh(TOPOLOGY_REFRESH)
                                .build())
                        .build());
                StatefulRedisClusterConnection<String, String> connection = cluster.connect(StringCodec.UTF8);
                deployment = new RedisDeployment(resources, cluster, connection, connection.async(), null, true, endpoint);
            } else {
                RedisClient single = RedisClient.create(resources);
                client = single;
                single.setOptions(clientOptions(timeout));
                RedisURI uri = config.mode() == RedisConfig.Mode.SENTINEL
                        ? sentinelUri(config.nodes(), Objects.requireNonNull(config.masterName(), "masterName"), timeout)
                        : redisUri(config.nodes().get(0), timeout);
                StatefulRedisConnection<String, String> connection = single.connect(StringCodec.UTF8, uri);
                deployment = new RedisDeployment(resources, single, connection, connection.async(), uri, false, endpoint);
            }
            deployment.commands().scriptLoad(RedisLimitScript.SOURCE).get(timeout.toNanos(), TimeUnit.NANOSECONDS);
            return deployment;
        } catch (Exception e) {
            if (client != null) {
                client.shutdown(Duration.ZERO, timeout);
            }
            resources.shutdown(0, timeout.toMillis(), TimeUnit.MILLISECONDS);
            if (e instanceof InterruptedException) {
                Thread.currentThread().interrupt();
            }
            throw new IllegalStateException("cannot connect to Redis at " + endpoint + " within " + timeout, e);
        }
    }

    /**
     * Opens another connection to the server (or the master behind Sentinel) with its channel on {@code loop}
     * ({@link LoopConnection}). Call it off the loop. Fails for a Redis Cluster, which keeps one connection.
     */
    CompletableFuture<LoopConnection> connectOn(EventLoop loop) {
        if (server == null || !(client instanceof RedisClient single)) {
            return CompletableFuture.failedFuture(new IllegalStateException(
                    "a Redis Cluster is reached through one connection: " + endpoint));
        }
        return LoopConnection.open(resources, single.getOptions(), server, loop);
    }

    void close() {
        connection.close();
        client.shutdown(Duration.ZERO, Duration.ofSeconds(2));
        resources.shutdown(0, 2, TimeUnit.SECONDS);
    }

    private static ClientOptions clientOptions(Duration timeout) {
        return ClientOptions.builder()
                .autoReconnect(true)
                .disconnectedBehavior(ClientOptions.DisconnectedBehavior.REJECT_COMMANDS)
                .timeoutOptions(TimeoutOptions.enabled(timeout))
                .socketOptions(SocketOptions.builder().connectTimeout(timeout).keepAlive(true).build())
                .build();
    }

    private static void check(URI uri) {
        if (uri.getScheme() == null || !SCHEMES.contains(uri.getScheme()) || uri.getHost() == null) {
            throw new IllegalArgumentException("redis uri: " + StateStores.endpoint(uri)
                    + " (expected: redis://host[:port][/db] or rediss://…)");
        }
    }

    private static RedisURI redisUri(URI uri, Duration timeout) {
        RedisURI redisUri = RedisURI.create(uri);
        redisUri.setTimeout(timeout);
        return redisUri;
    }

    /**
     * The master behind the sentinels: credentials, database and TLS of the first URI are the master's; each
     * sentinel is reached with the credentials of its own URI.
     */
    private static RedisURI sentinelUri(List<URI> sentinels, String masterName, Duration timeout) {
        RedisURI first = RedisURI.create(sentinels.get(0));
        RedisURI.Builder builder = RedisURI.builder()
                .withSentinelMasterId(masterName)
                .withDatabase(first.getDatabase())
                .withSsl(first.isSsl())
                .withTimeout(timeout);
        if (first.getCredentialsProvider() != null && sentinels.get(0).getUserInfo() != null) {
            builder.withAuthentication(first);
        }
        sentinels.forEach(sentinel -> builder.withSentinel(redisUri(sentinel, timeout)));
        return builder.build();
    }

    private static String describe(RedisConfig config) {
        String nodes = config.nodes().stream().map(StateStores::endpoint).collect(Collectors.joining(","));
        return switch (config.mode()) {
            case STANDALONE -> nodes;
            case SENTINEL -> "sentinel " + nodes + " master " + config.masterName();
            case CLUSTER -> "cluster " + nodes;
        };
    }
}
