package io.zerogate.upstream;

import io.netty.channel.Channel;

/**
 * A connection to one upstream target, leased to one request at a time. The lease counts the request as
 * in flight on the target until it is released or closed.
 */
public final class UpstreamConnection {

    private final Channel channel;
    private final UpstreamTarget target;
    private final ConnectionPool.Key key;
    private final ConnectionPool pool;
    private boolean leased;
    private long idleSince;

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

    /** Starts delivering this connection's input to {@code listener}. */
    public void lease(ResponseListener listener) {
        if (leased) {
            throw new IllegalStateException("connection to " + target + " is already leased");
        }
        leased = true;
        target.begin();
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
            target.end();
            handler().unlease();
        }
    }

    private UpstreamHandler handler() {
        return (UpstreamHandler) channel.pipeline().get(ConnectionPool.UPSTREAM_HANDLER);
    }

    @Override
    public String toString() {
        return "UpstreamConnection[" + target + ", " + channel.id().asShortText() + "]";
    }
}
