package io.zerogate.server;

import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import java.net.InetSocketAddress;

/** A listener that could not be bound, saying which one, where and why (the port is taken, no permission). */
public final class ListenerBindException extends RuntimeException {

    private static final long serialVersionUID = 1L;

    ListenerBindException(String what, InetSocketAddress address, Throwable cause) {
        super("cannot listen on " + address.getHostString() + ":" + address.getPort() + " for " + what + ": "
                + (cause.getMessage() == null ? cause.getClass().getSimpleName() : cause.getMessage()), cause);
    }

    /**
     * Binds and waits for the result.
     *
     * @param what the listener, as an operator would name it ("listener public", "the admin listener")
     */
    public static Channel bind(ServerBootstrap bootstrap, InetSocketAddress address, String what) throws InterruptedException {
        ChannelFuture f = bootstrap.bind(address).await();
        if (!f.isSuccess()) {
            throw new ListenerBindException(what, address, f.cause());
        }
        return f.channel();
    }
}
