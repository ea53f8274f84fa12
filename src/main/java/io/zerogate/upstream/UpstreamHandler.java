package io.zerogate.upstream;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.util.ReferenceCountUtil;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The last handler of an upstream connection: hands what it reads to the request that leases the
 * connection, and closes a pooled connection that speaks out of turn or sits idle too long.
 */
final class UpstreamHandler extends ChannelInboundHandlerAdapter {

    private static final Logger log = LoggerFactory.getLogger(UpstreamHandler.class);

    private @Nullable ResponseListener listener;
    private @Nullable UpstreamTarget target;
    private boolean closedNotified;
    private boolean accepted;

    /**
     * The target has accepted this connection. Plain connections are accepted once connected; TLS ones only
     * when the first response arrives, since with TLS 1.3 an upstream refuses a client certificate (or its
     * absence) after the gateway's side of the handshake is done.
     */
    void accepted() {
        accepted = true;
    }

    void lease(ResponseListener l, UpstreamTarget t) {
        listener = l;
        target = t;
    }

    void unlease() {
        listener = null;
    }

    boolean isLeased() {
        return listener != null;
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        ResponseListener l = listener;
        if (l == null) {
            // A pooled connection must be silent; anything it sends would be misattributed to the next request.
            ReferenceCountUtil.release(msg);
            ctx.close();
            return;
        }
        if (msg instanceof HttpResponse response) {
            UpstreamTarget t = target;
            if (!accepted && t != null) {
                accepted = true;
                t.onConnected();
            }
            l.onResponseHead(response);
            if (msg instanceof HttpContent content) {
                l.onResponseContent(content);
            }
        } else if (msg instanceof HttpContent content) {
            l.onResponseContent(content);
        } else if (msg instanceof ByteBuf raw) {
            l.onUpgradedBytes(raw);
        } else {
            ReferenceCountUtil.release(msg);
        }
    }

    @Override
    public void channelReadComplete(ChannelHandlerContext ctx) {
        ResponseListener l = listener;
        if (l != null) {
            l.onReadComplete();
        }
    }

    @Override
    public void channelWritabilityChanged(ChannelHandlerContext ctx) {
        ResponseListener l = listener;
        if (l != null) {
            l.onWritabilityChanged(ctx.channel().isWritable());
        }
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        notifyClosed(null);
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        // A TLS alert after the handshake (with TLS 1.3, how an upstream refuses a missing or unwanted
        // client certificate) is a TLS failure, not a protocol error of the upstream's HTTP.
        UpstreamTlsException tls = UpstreamTlsException.from(cause, target != null ? target : ctx.channel().remoteAddress());
        if (tls != null && listener != null) {
            // Handshake failures are reported where the connection is made; this is a failure a request meets.
            log.warn("{}", tls.getMessage());
        }
        notifyClosed(tls != null ? tls : cause);
        ctx.close();
    }

    private void notifyClosed(@Nullable Throwable cause) {
        ResponseListener l = listener;
        if (l != null && !closedNotified) {
            closedNotified = true;
            listener = null;
            l.onClosed(cause);
        }
    }
}
