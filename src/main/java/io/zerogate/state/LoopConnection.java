package io.zerogate.state;

import io.lettuce.core.ClientOptions;
import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisURI;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.codec.StringCodec;
import io.lettuce.core.resource.ClientResources;
import io.lettuce.core.resource.DefaultClientResources;
import io.lettuce.core.resource.EventLoopGroupProvider;
import io.netty.channel.EventLoop;
import io.netty.channel.EventLoopGroup;
import io.netty.util.concurrent.EventExecutorGroup;
import io.netty.util.concurrent.Future;
import io.netty.util.concurrent.ImmediateEventExecutor;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * A Redis connection whose channel is registered on one of the gateway's own event loops. A charge made on that
 * loop is written to Redis by the loop itself, and the reply is read and handed to the waiting requests there too:
 * no task crosses to the client's I/O thread and back, and no thread has to be woken for either hop.
 *
 * <p>Only for one server or a master behind Sentinel; a Redis Cluster keeps the deployment's shared connection.
 * The client's other resources (its timer and computation threads) are the deployment's; the loop is the
 * gateway's, so closing the connection never stops it.
 */
final class LoopConnection {

    private final ClientResources resources;
    private final RedisClient client;
    private final StatefulRedisConnection<String, String> connection;
    private final RedisLimitScript script;

    private LoopConnection(ClientResources resources, RedisClient client, StatefulRedisConnection<String, String> connection) {
        this.resources = resources;
        this.client = client;
        this.connection = connection;
        this.script = new RedisLimitScript(connection.async());
    }

    /**
     * Connects to {@code server} with a channel on {@code loop}. Call it off the loop: resolving the server's name
     * may block. Fails when the loop cannot take the client's channel (another transport) or the server cannot be
     * reached.
     */
    static CompletableFuture<LoopConnection> open(ClientResources shared, ClientOptions options, RedisURI server,
                                                  EventLoop loop) {
        // Handed over one by one, the shared pieces are marked as not this client's to stop (a mutated copy of the
        // shared resources would stop them when it shuts down).
        ClientResources resources = DefaultClientResources.builder()
                .eventLoopGroupProvider(new OneLoop(loop))
                .eventExecutorGroup(shared.eventExecutorGroup())
                .timer(shared.timer())
                .eventBus(shared.eventBus())
                .reconnectDelay(shared::reconnectDelay)
                .commandLatencyRecorder(shared.commandLatencyRecorder())
                .build();
        RedisClient client = RedisClient.create(resources);
        client.setOptions(options);
        CompletableFuture<LoopConnection> opened;
        try {
            opened = client.connectAsync(StringCodec.UTF8, server).toCompletableFuture()
                    .thenApply(connection -> new LoopConnection(resources, client, connection));
        } catch (RuntimeException e) {
            opened = CompletableFuture.failedFuture(e);
        }
        return opened.whenComplete((connection, failure) -> {
            if (failure != null) {
                shutdown(client, resources, Duration.ofSeconds(1));
            }
        });
    }

    /** The limit script over this connection. */
    RedisLimitScript script() {
        return script;
    }

    /** Closes the connection and its client, waiting at most {@code timeout}; the loop keeps running. */
    CompletableFuture<Void> close(Duration timeout) {
        return connection.closeAsync().handle((done, failure) -> null)
                .thenCompose(closed -> shutdown(client, resources, timeout));
    }

    private static CompletableFuture<Void> shutdown(RedisClient client, ClientResources resources, Duration timeout) {
        long millis = timeout.toMillis();
        return client.shutdownAsync(0, millis, TimeUnit.MILLISECONDS).handle((done, failure) -> null)
                .thenRun(() -> resources.shutdown(0, millis, TimeUnit.MILLISECONDS));
    }

    /**
     * Hands the client one event loop for every channel it opens (also when it reconnects), and leaves that loop
     * running when the client lets go of it or shuts down: it belongs to the gateway.
     */
    private record OneLoop(EventLoop loop) implements EventLoopGroupProvider {

        @Override
        @SuppressWarnings("unchecked")
        public <T extends EventLoopGroup> T allocate(Class<T> type) {
            // An event loop is a group of one whose next() is itself; the client only registers channels with it.
            return (T) loop;
        }

        @Override
        public int threadPoolSize() {
            return 1;
        }

        @Override
        public Future<Boolean> release(EventExecutorGroup group, long quietPeriod, long timeout, TimeUnit unit) {
            return ImmediateEventExecutor.INSTANCE.newSucceededFuture(true);
        }

        @Override
        public Future<Boolean> shutdown(long quietPeriod, long timeout, TimeUnit unit) {
            return ImmediateEventExecutor.INSTANCE.newSucceededFuture(true);
        }
    }
}
