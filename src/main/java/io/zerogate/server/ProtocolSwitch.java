package io.zerogate.server;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.ssl.ApplicationProtocolNames;
import io.netty.handler.ssl.SslHandler;
import io.netty.handler.ssl.SslHandshakeCompletionEvent;
import io.netty.util.ReferenceCountUtil;
import io.netty.util.concurrent.ScheduledFuture;
import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.concurrent.TimeUnit;
import org.jspecify.annotations.Nullable;

/**
 * Decides which HTTP a new connection speaks on a listener that has HTTP/2 on, then sets up the pipeline for it
 * and steps aside. Over TLS the handshake decided it: {@code h2} chosen by ALPN means HTTP/2, anything else
 * HTTP/1.1. In plain text a connection that opens with the HTTP/2 connection preface speaks HTTP/2 (prior
 * knowledge, "h2c"); any other first bytes are HTTP/1.1, where an {@code Upgrade: h2c} request is never
 * honoured. The connection is closed if it has not decided within the request head timeout.
 */
final class ProtocolSwitch extends ChannelInboundHandlerAdapter {

    /** What a client that speaks HTTP/2 with prior knowledge sends first (RFC 9113 section 3.4). */
    private static final byte[] PREFACE = "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n".getBytes(StandardCharsets.US_ASCII);

    private final ClientPipelines pipelines;
    private final boolean tls;
    private final long timeoutNanos;
    /** What arrived before the decision; given to the chosen protocol's handlers. */
    private final ArrayDeque<Object> held = new ArrayDeque<>(2);
    /** Plain-text bytes seen so far, compared with the preface. */
    private int matched;
    private boolean decided;
    private @Nullable ScheduledFuture<?> timeout;

    ProtocolSwitch(ClientPipelines pipelines, boolean tls, long timeoutNanos) {
        this.pipelines = pipelines;
        this.tls = tls;
        this.timeoutNanos = timeoutNanos;
    }

    @Override
    public void channelActive(ChannelHandlerContext ctx) {
        // The handlers installed later are told the connection is active once they are there.
        timeout = ctx.executor().schedule(() -> {
            if (!decided) {
                ctx.close();
            }
        }, timeoutNanos, TimeUnit.NANOSECONDS);
        ctx.read();
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (decided) {
            ctx.fireChannelRead(msg);
            return;
        }
        held.add(msg);
        if (tls || !(msg instanceof ByteBuf bytes)) {
            return;
        }
        for (int i = bytes.readerIndex(); i < bytes.writerIndex() && matched < PREFACE.length; i++) {
            if (bytes.getByte(i) != PREFACE[matched]) {
                decide(ctx, false);
                return;
            }
            matched++;
        }
        if (matched == PREFACE.length) {
            decide(ctx, true);
        }
    }

    @Override
    public void channelReadComplete(ChannelHandlerContext ctx) {
        if (!decided) {
            ctx.read();
        } else {
            ctx.fireChannelReadComplete();
        }
    }

    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
        if (tls && !decided && evt instanceof SslHandshakeCompletionEvent done && done.isSuccess()) {
            SslHandler ssl = ctx.pipeline().get(SslHandler.class);
            String protocol = ssl == null ? null : ssl.applicationProtocol();
            decide(ctx, ApplicationProtocolNames.HTTP_2.equals(protocol));
        }
        ctx.fireUserEventTriggered(evt);
    }

    private void decide(ChannelHandlerContext ctx, boolean http2) {
        decided = true;
        ScheduledFuture<?> t = timeout;
        if (t != null) {
            t.cancel(false);
        }
        if (http2) {
            pipelines.installHttp2(ctx.pipeline());
        } else {
            pipelines.installHttp1(ctx.pipeline());
        }
        ctx.fireChannelActive();
        Object m;
        while ((m = held.poll()) != null) {
            ctx.fireChannelRead(m);
        }
        ctx.fireChannelReadComplete();
        ctx.pipeline().remove(this);
        if (http2) {
            // Streams are held back by HTTP/2 flow control, not by reading the connection.
            ctx.channel().config().setAutoRead(true);
        }
    }

    @Override
    public void handlerRemoved(ChannelHandlerContext ctx) {
        Object m;
        while ((m = held.poll()) != null) {
            ReferenceCountUtil.release(m);
        }
        ScheduledFuture<?> t = timeout;
        if (t != null) {
            t.cancel(false);
        }
    }
}
