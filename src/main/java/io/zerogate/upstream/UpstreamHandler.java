package io.zerogate.upstream;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.util.ReferenceCountUtil;
import org.jspecify.annotations.Nullable;

/**
 * The last handler of an upstream connection: hands what it reads to the request that leases the
 * connection, and closes a pooled connection that speaks out of turn or sits idle too long.
 */
final class UpstreamHandler extends ChannelInboundHandlerAdapter {

    private @Nullable ResponseListener listener;
    private boolean closedNotified;

    void lease(ResponseListener l) {
        listener = l;
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
        notifyClosed(cause);
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
