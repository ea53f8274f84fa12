package io.zerogate.upstream;

import io.netty.channel.Channel;
import org.jspecify.annotations.Nullable;

/**
 * A connection to one upstream target, leased to one request at a time. A lease for a service that balances
 * by load counts the request as in flight on the target until it is released or closed.
 */
public final class UpstreamConnection {

    private final Channel channel;
    private final UpstreamTarget target;
    private final ConnectionPool.Key key;
    private final ConnectionPool pool;
    private boolean leased;
    /** Whether the current lease counts as in flight on the target. */
    private boolean counted;
    private long idleSince;
    private @Nullable UpstreamHandler handler;

    UpstreamConnection(Channel channel, UpstreamTarget target, ConnectionPool.Key key, ConnectionPool pool) {
        this.channel = channel;
        this.target = target;
        this.key = key;
        this.pool = pool;
    }

    ConnectionPool.Key key() {
        return key;
    }

    long idleSince() {
        return idleSince;
    }

    void idleSince(long nanos) {
        idleSince = nanos;
    }

    public Channel channel() {
        return channel;
    }

    public UpstreamTarget target() {
        return target;
    }

    /** Starts delivering this connection's input to {@code listener}, counted as in flight on the target. */
    public void lease(ResponseListener listener) {
        lease(listener, true);
    }

    /**
     * Starts delivering this connection's input to {@code listener}. {@code countInFlight}: whether the
     * request counts on the target's in-flight load, which only least-in-flight balancing reads; not counting
     * spares every request two updates of a counter all event loops share.
     */
    public void lease(ResponseListener listener, boolean countInFlight) {
        if (leased) {
            throw new IllegalStateException("connection to " + target + " is already leased");
        }
        leased = true;
        counted = countInFlight;
        if (countInFlight) {
            target.begin();
        }
        handler().lease(listener, target);
    }

    /** Ends the lease and keeps the connection for the next request. */
    public void release(int maxIdle) {
        release(maxIdle, System.nanoTime());
    }

    /** As {@link #release(int)}, with the caller's reading of the monotonic clock as the moment it went idle. */
    public void release(int maxIdle, long nowNanos) {
        endLease();
        pool.release(this, maxIdle, nowNanos);
    }

    /** Ends the lease and closes the connection (its framing can no longer be trusted). */
    public void discard() {
        endLease();
        channel.close();
    }

    private void endLease() {
        if (leased) {
            leased = false;
            if (counted) {
                counted = false;
                target.end();
            }
            handler().unlease();
        }
    }

    /** Takes the HTTP codec off the connection after a protocol switch: from now on it carries raw bytes. */
    public void switchToRawBytes() {
        UpstreamCodec.remove(channel.pipeline());
    }

    private UpstreamHandler handler() {
        UpstreamHandler h = handler;
        if (h == null) {
            // Looked up once: the handler stays for the connection's life, also when a tunnel drops the codec.
            h = handler = (UpstreamHandler) channel.pipeline().get(ConnectionPool.UPSTREAM_HANDLER);
        }
        return h;
    }

    @Override
    public String toString() {
        return "UpstreamConnection[" + target + ", " + channel.id().asShortText() + "]";
    }
}
