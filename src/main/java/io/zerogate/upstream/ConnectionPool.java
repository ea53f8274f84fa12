package io.zerogate.upstream;

import io.netty.bootstrap.Bootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoop;
import io.netty.handler.codec.http.HttpClientCodec;
import io.zerogate.config.TargetAddress;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * Keep-alive connections to upstream targets for one event loop. A request's upstream connection lives on
 * the same event loop as the client connection, so nothing here is shared between threads and nothing
 * needs a lock. Idle connections close themselves after the idle timeout.
 */
public final class ConnectionPool {

    /** Told how an acquisition ended. Called on the pool's event loop. */
    public interface Acquisition {

        /** @param reused true when the connection came from the pool rather than a fresh connect */
        void onConnected(UpstreamConnection connection, boolean reused);

        void onConnectFailed(Throwable cause);
    }

    private final EventLoop loop;
    private final Bootstrap bootstrap;
    private final Map<TargetAddress, ArrayDeque<UpstreamConnection>> idle = new HashMap<>();
    private final long idleTimeoutNanos;
    private boolean sweepScheduled;

    /**
     * @param template a bootstrap with the channel type set; the pool adds the event loop and pipeline
     * @param idleTimeout how long a pooled connection may stay unused
     * @param maxResponseHeadBytes bound on an upstream's response head
     */
    public ConnectionPool(EventLoop loop, Bootstrap template, Duration idleTimeout, int maxResponseHeadBytes) {
        this.loop = loop;
        this.idleTimeoutNanos = idleTimeout.toNanos();
        this.bootstrap = template.clone(loop)
                .option(ChannelOption.TCP_NODELAY, true)
                .option(ChannelOption.AUTO_READ, false)
                .handler(new ChannelInitializer<Channel>() {
                    @Override
                    protected void initChannel(Channel ch) {
                        ch.pipeline()
                                .addLast("codec", new HttpClientCodec(8192, maxResponseHeadBytes, 65536))
                                .addLast("upstream", new UpstreamHandler());
                    }
                });
    }

    public EventLoop loop() {
        return loop;
    }

    /** Leases a connection to {@code target}: a pooled one when available, otherwise a new one. */
    public void acquire(UpstreamTarget target, Duration connectTimeout, Acquisition acquisition) {
        ArrayDeque<UpstreamConnection> queue = idle.get(target.address());
        if (queue != null) {
            long now = System.nanoTime();
            UpstreamConnection c;
            while ((c = queue.pollLast()) != null) {
                if (c.channel().isActive() && now - c.idleSince() < idleTimeoutNanos) {
                    acquisition.onConnected(c, true);
                    return;
                }
                // The newest pooled connection is stale, so every older one is too.
                c.channel().close();
            }
        }
        TargetAddress a = target.address();
        ChannelFuture f = bootstrap.clone()
                .option(ChannelOption.CONNECT_TIMEOUT_MILLIS, (int) Math.max(1, Math.min(Integer.MAX_VALUE, connectTimeout.toMillis())))
                .connect(a.host(), a.port());
        f.addListener(done -> {
            if (done.isSuccess()) {
                target.onConnected();
                Channel ch = f.channel();
                UpstreamConnection conn = new UpstreamConnection(ch, target, this);
                ch.closeFuture().addListener(closed -> forget(conn));
                acquisition.onConnected(conn, false);
            } else {
                acquisition.onConnectFailed(done.cause());
            }
        });
    }

    /** Returns a connection whose exchange completed cleanly; keeps at most {@code maxIdle} per target. */
    void release(UpstreamConnection connection, int maxIdle) {
        if (!connection.channel().isActive()) {
            return;
        }
        ArrayDeque<UpstreamConnection> queue = idle.computeIfAbsent(connection.target().address(), k -> new ArrayDeque<>());
        if (queue.size() >= maxIdle) {
            connection.channel().close();
            return;
        }
        connection.idleSince(System.nanoTime());
        queue.addLast(connection);
        // Read so that the pool notices the upstream closing or speaking out of turn.
        connection.channel().read();
        if (!sweepScheduled) {
            sweepScheduled = true;
            loop.schedule(this::sweep, idleTimeoutNanos, TimeUnit.NANOSECONDS);
        }
    }

    /**
     * Closes pooled connections unused for the idle timeout. One sweep per loop and idle period, rather than
     * a timer per connection: pooling and leasing then cost no timer work at all.
     */
    private void sweep() {
        sweepScheduled = false;
        long now = System.nanoTime();
        boolean any = false;
        for (ArrayDeque<UpstreamConnection> queue : idle.values()) {
            UpstreamConnection oldest;
            while ((oldest = queue.peekFirst()) != null && now - oldest.idleSince() >= idleTimeoutNanos) {
                queue.pollFirst();
                oldest.channel().close();
            }
            any |= !queue.isEmpty();
        }
        if (any) {
            sweepScheduled = true;
            loop.schedule(this::sweep, Math.max(idleTimeoutNanos / 2, TimeUnit.MILLISECONDS.toNanos(10)), TimeUnit.NANOSECONDS);
        }
    }

    private void forget(UpstreamConnection connection) {
        ArrayDeque<UpstreamConnection> queue = idle.get(connection.target().address());
        if (queue != null) {
            queue.remove(connection);
        }
    }

    /** Idle connections held for a target on this loop (for tests and metrics). */
    public int idleCount(TargetAddress target) {
        ArrayDeque<UpstreamConnection> q = idle.get(target);
        return q == null ? 0 : q.size();
    }
}
