package io.zerogate.state;

import io.lettuce.core.ClientOptions;
import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisURI;
import io.lettuce.core.SetArgs;
import io.lettuce.core.SocketOptions;
import io.lettuce.core.TimeoutOptions;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.api.async.RedisAsyncCommands;
import io.lettuce.core.codec.StringCodec;
import java.net.URI;
import java.time.Duration;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * The state store of a cluster: every gateway process shares one Redis, so a claim made on one node is seen
 * by all. A claim is one {@code SET key 1 NX PX ttl}, atomic in Redis itself.
 *
 * <p>Every command has a time limit. While the connection is down (it reconnects in the background) commands
 * are refused at once instead of queued, and a Redis that stops answering fails each command when its time
 * limit passes: a claim never waits longer than the timeout, and callers deny on failure.
 *
 * <p>Futures complete on the Redis client's own I/O threads.
 */
public final class RedisStateStore implements StateStore {

    /** Prefix of every key this store writes, so the gateway can share a Redis with other users. */
    static final String KEY_PREFIX = "zerogate:";

    private static final Set<String> SCHEMES = Set.of("redis", "rediss");

    private final RedisClient client;
    private final StatefulRedisConnection<String, String> connection;
    private final RedisAsyncCommands<String, String> commands;
    private final String endpoint;
    private final AtomicBoolean closed = new AtomicBoolean();

    private RedisStateStore(RedisClient client, StatefulRedisConnection<String, String> connection, String endpoint) {
        this.client = client;
        this.connection = connection;
        this.commands = connection.async();
        this.endpoint = endpoint;
    }

    /**
     * Connects to Redis, blocking the calling thread until connected or until {@code timeout} has passed.
     *
     * @param uri     {@code redis://[:password@]host[:port][/db]}, or {@code rediss://…} for TLS
     * @param timeout the limit on connecting and on every later command
     * @throws IllegalStateException when Redis cannot be reached
     */
    public static RedisStateStore connect(URI uri, Duration timeout) {
        Objects.requireNonNull(uri, "uri");
        Objects.requireNonNull(timeout, "timeout");
        if (uri.getScheme() == null || !SCHEMES.contains(uri.getScheme()) || uri.getHost() == null) {
            throw new IllegalArgumentException("redis uri: " + StateStores.endpoint(uri)
                    + " (expected: redis://host[:port][/db] or rediss://…)");
        }
        if (timeout.isNegative() || timeout.isZero()) {
            throw new IllegalArgumentException("timeout: " + timeout + " (expected: > 0)");
        }
        String endpoint = StateStores.endpoint(uri);
        RedisURI redisUri = RedisURI.create(uri);
        redisUri.setTimeout(timeout);
        RedisClient client = RedisClient.create(redisUri);
        client.setOptions(ClientOptions.builder()
                .autoReconnect(true)
                .disconnectedBehavior(ClientOptions.DisconnectedBehavior.REJECT_COMMANDS)
                .timeoutOptions(TimeoutOptions.enabled(timeout))
                .socketOptions(SocketOptions.builder().connectTimeout(timeout).keepAlive(true).build())
                .build());
        try {
            return new RedisStateStore(client, client.connect(StringCodec.UTF8), endpoint);
        } catch (RuntimeException e) {
            client.shutdown(Duration.ZERO, timeout);
            throw new IllegalStateException("cannot connect to Redis at " + endpoint + " within " + timeout, e);
        }
    }

    @Override
    public CompletionStage<Boolean> claimOnce(String key, Duration ttl) {
        Objects.requireNonNull(key, "key");
        long ttlMillis = StateStores.ttlMillis(ttl);
        if (closed.get()) {
            return CompletableFuture.failedFuture(new IllegalStateException("state store is closed"));
        }
        try {
            // The reply is OK when this call set the key, and null when NX found it already set.
            return commands.set(KEY_PREFIX + key, "1", SetArgs.Builder.nx().px(ttlMillis)).thenApply("OK"::equals);
        } catch (RuntimeException e) {
            // A client that is shutting down throws instead of failing the future.
            return CompletableFuture.failedFuture(
                    new IllegalStateException("Redis at " + endpoint + " did not accept the command", e));
        }
    }

    @Override
    public CompletionStage<ChargeVerdict> charge(java.util.List<Charge> charges, String leaseId) {
        return CompletableFuture.failedFuture(new UnsupportedOperationException("limits are not available in " + this));
    }

    @Override
    public CompletionStage<Void> release(java.util.List<Charge> charges, String leaseId) {
        return CompletableFuture.failedFuture(new UnsupportedOperationException("limits are not available in " + this));
    }

    @Override
    public CompletionStage<java.util.List<ChargeResult>> peek(java.util.List<Charge> charges) {
        return CompletableFuture.failedFuture(new UnsupportedOperationException("limits are not available in " + this));
    }

    @Override
    public void close() {
        if (closed.compareAndSet(false, true)) {
            connection.close();
            client.shutdown(Duration.ZERO, Duration.ofSeconds(2));
        }
    }

    @Override
    public String toString() {
        return "RedisStateStore[" + endpoint + "]";
    }
}
