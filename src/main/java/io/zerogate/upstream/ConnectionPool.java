package io.zerogate.upstream;

import io.netty.bootstrap.Bootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.ConnectTimeoutException;
import io.netty.channel.EventLoop;
import io.netty.handler.ssl.SslHandler;
import io.netty.handler.ssl.SslHandshakeTimeoutException;
import io.zerogate.config.TargetAddress;
import java.nio.channels.ClosedChannelException;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.HashMap;
import java.util.Iterator;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Keep-alive connections to upstream targets for one event loop. A request's upstream connection lives on
 * the same event loop as the client connection, so nothing here is shared between threads and nothing
 * needs a lock. Idle connections close themselves after the idle timeout. Connections to targets of a TLS
 * service carry TLS, verified against that service's profile.
 */
public final class ConnectionPool {

    /** Told how an acquisition ended. Called on the pool's event loop. */
    public interface Acquisition {

        /** @param reused true when the connection came from the pool rather than a fresh connect */
        void onConnected(UpstreamConnection connection, boolean reused);

        void onConnectFailed(Throwable cause);
    }

    /**
     * What pooled connections are kept apart by: the target, and the TLS profile the connection was made
     * and verified under (compared by identity; null for plain text). A connection is only ever reused for
     * the profile that verified it, so one made for a service that trusts other CAs, expects another name,
     * or presents another client certificate, or one made before a reload, is never handed out.
     */
    record Key(TargetAddress address, @Nullable UpstreamTlsProfile tls) {}

    static final String TLS_HANDLER = "tls";
    static final String UPSTREAM_HANDLER = "upstream";

    private static final Logger log = LoggerFactory.getLogger(ConnectionPool.class);

    private final EventLoop loop;
    private final Bootstrap bootstrap;
    private final Map<Key, ArrayDeque<UpstreamConnection>> idle = new HashMap<>();
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
                        UpstreamCodec.addTo(ch.pipeline(), maxResponseHeadBytes);
                        ch.pipeline().addLast(UPSTREAM_HANDLER, new UpstreamHandler());
                    }
                });
    }

    public EventLoop loop() {
        return loop;
    }

    /**
     * Leases a connection to {@code target} for a request to {@code service}: a pooled one made under the
     * service's TLS profile when available, otherwise a new one. A new TLS connection is handed over only
     * once its handshake has verified the target; the service's connect timeout covers both the TCP
     * connect and the handshake.
     */
    public void acquire(UpstreamService service, UpstreamTarget target, Acquisition acquisition) {
        acquire(service, target, acquisition, System.nanoTime());
    }

    /** As {@link #acquire(UpstreamService, UpstreamTarget, Acquisition)}, with the caller's reading of the monotonic clock. */
    public void acquire(UpstreamService service, UpstreamTarget target, Acquisition acquisition, long nowNanos) {
        UpstreamTlsProfile tls = service.tls();
        Key key = new Key(target.address(), tls);
        ArrayDeque<UpstreamConnection> queue = idle.get(key);
        if (queue != null) {
            UpstreamConnection c;
            while ((c = queue.pollLast()) != null) {
                if (c.channel().isActive() && nowNanos - c.idleSince() < idleTimeoutNanos) {
                    acquisition.onConnected(c, true);
                    return;
                }
                // The newest pooled connection is stale, so every older one is too.
                c.channel().close();
            }
        }
        TargetAddress a = target.address();
        long timeoutNanos = service.config().connectTimeout().toNanos();
        long started = System.nanoTime();
        ChannelFuture f = bootstrap.clone()
                .option(ChannelOption.CONNECT_TIMEOUT_MILLIS, (int) Math.max(1, Math.min(Integer.MAX_VALUE,
                        TimeUnit.NANOSECONDS.toMillis(timeoutNanos))))
                .connect(a.host(), a.port());
        f.addListener(done -> {
            if (!done.isSuccess()) {
                acquisition.onConnectFailed(done.cause());
                return;
            }
            Channel ch = f.channel();
            if (tls == null) {
                established(ch, key, target, acquisition);
                return;
            }
            long left = timeoutNanos - (System.nanoTime() - started);
            if (left <= 0) {
                ch.close();
                acquisition.onConnectFailed(new ConnectTimeoutException("connect to " + a + " left no time for the TLS handshake"));
                return;
            }
            handshake(ch, tls, key, target, left, acquisition);
        });
    }

    private void handshake(Channel ch, UpstreamTlsProfile tls, Key key, UpstreamTarget target, long timeoutNanos,
                           Acquisition acquisition) {
        SslHandler ssl;
        try {
            ssl = tls.newHandler(ch.alloc(), target.address(), TimeUnit.NANOSECONDS.toMillis(timeoutNanos));
        } catch (RuntimeException e) {
            ch.close();
            acquisition.onConnectFailed(new UpstreamTlsException("TLS with " + target + " cannot start: "
                    + UpstreamTlsException.describe(e), e));
            return;
        }
        // First in the pipeline, so the codec only ever sees plain text. Added to the active channel, it
        // starts the handshake at once; auto-read is off, so it needs a read for the server's first flight.
        ch.pipeline().addFirst(TLS_HANDLER, ssl);
        ch.read();
        ssl.handshakeFuture().addListener(hs -> {
            if (hs.isSuccess()) {
                established(ch, key, target, acquisition);
                return;
            }
            ch.close();
            Throwable cause = hs.cause();
            if (cause instanceof SslHandshakeTimeoutException) {
                acquisition.onConnectFailed(new ConnectTimeoutException("TLS handshake with " + target
                        + " did not complete within the connect timeout"));
                return;
            }
            UpstreamTlsException failure = UpstreamTlsException.from(cause, target);
            if (failure == null) {
                // Whatever ended a handshake (a reset, a close) means the target did not prove itself.
                failure = new UpstreamTlsException("TLS handshake with " + target + " failed: "
                        + UpstreamTlsException.describe(cause), cause);
            }
            log.warn("{}", failure.getMessage());
            acquisition.onConnectFailed(failure);
        });
    }

    private void established(Channel ch, Key key, UpstreamTarget target, Acquisition acquisition) {
        if (!ch.isActive()) {
            acquisition.onConnectFailed(new ClosedChannelException());
            return;
        }
        if (key.tls() == null) {
            // A TLS target has only accepted the connection once it answers (see UpstreamHandler#accepted).
            target.onConnected();
            ((UpstreamHandler) ch.pipeline().get(UPSTREAM_HANDLER)).accepted();
        }
        UpstreamConnection conn = new UpstreamConnection(ch, target, key, this);
        ch.closeFuture().addListener(closed -> forget(conn));
        acquisition.onConnected(conn, false);
    }

    /** Returns a connection whose exchange completed cleanly; keeps at most {@code maxIdle} per target. */
    void release(UpstreamConnection connection, int maxIdle, long nowNanos) {
        if (!connection.channel().isActive()) {
            return;
        }
        ArrayDeque<UpstreamConnection> queue = idle.computeIfAbsent(connection.key(), k -> new ArrayDeque<>());
        if (queue.size() >= maxIdle) {
            connection.channel().close();
            return;
        }
        connection.idleSince(nowNanos);
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
        for (Iterator<ArrayDeque<UpstreamConnection>> it = idle.values().iterator(); it.hasNext(); ) {
            ArrayDeque<UpstreamConnection> queue = it.next();
            UpstreamConnection oldest;
            while ((oldest = queue.peekFirst()) != null && now - oldest.idleSince() >= idleTimeoutNanos) {
                queue.pollFirst();
                oldest.channel().close();
            }
            if (queue.isEmpty()) {
                // Keys of an earlier configuration's TLS profiles would otherwise pile up over reloads.
                it.remove();
            } else {
                any = true;
            }
        }
        if (any) {
            sweepScheduled = true;
            loop.schedule(this::sweep, Math.max(idleTimeoutNanos / 2, TimeUnit.MILLISECONDS.toNanos(10)), TimeUnit.NANOSECONDS);
        }
    }

    private void forget(UpstreamConnection connection) {
        ArrayDeque<UpstreamConnection> queue = idle.get(connection.key());
        if (queue != null) {
            queue.remove(connection);
        }
    }

    /** Idle connections held for a target on this loop, under any TLS profile (for tests and metrics). */
    public int idleCount(TargetAddress target) {
        int n = 0;
        for (Map.Entry<Key, ArrayDeque<UpstreamConnection>> e : idle.entrySet()) {
            if (e.getKey().address().equals(target)) {
                n += e.getValue().size();
            }
        }
        return n;
    }
}
