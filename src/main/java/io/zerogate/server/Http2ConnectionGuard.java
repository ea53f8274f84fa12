package io.zerogate.server;

import io.netty.channel.Channel;
import io.netty.channel.ChannelDuplexHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.http2.DefaultHttp2GoAwayFrame;
import io.netty.handler.codec.http2.DefaultHttp2WindowUpdateFrame;
import io.netty.handler.codec.http2.Http2Error;
import io.netty.handler.codec.http2.Http2FrameStreamException;
import io.netty.handler.codec.http2.Http2MultiplexActiveStreamsException;
import io.netty.handler.codec.http2.Http2ResetFrame;
import io.netty.handler.codec.http2.Http2StreamChannel;
import io.netty.util.ReferenceCountUtil;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Watches one HTTP/2 connection between Netty's frame codec and the stream multiplexer: closes it when it has
 * been idle with no open stream, widens its flow-control window to cover every stream it may open, and cuts
 * off a client that resets more streams than {@code limits.max_stream_resets} per
 * {@code limits.stream_reset_window} (the "rapid reset" attack, CVE-2023-44487): opening and cancelling streams costs the client almost nothing
 * and the gateway a chain run and an upstream request each, and a cancelled stream no longer counts against
 * the concurrent stream limit. Such a client gets {@code GOAWAY} with {@code ENHANCE_YOUR_CALM} and its
 * connection is closed. Everything runs on the connection's event loop.
 */
final class Http2ConnectionGuard extends ChannelDuplexHandler {

    private static final Logger log = LoggerFactory.getLogger(Http2ConnectionGuard.class);

    /** Resets a client may send in a burst. */
    private final int resetsPerWindow;
    /** The window the burst is measured over; sustained, the client may reset one stream per window / burst. */
    private final long resetWindowNanos;
    private final long nanosPerReset;

    private final ServerContext server;
    private final String listener;
    private final Http2Events events;
    private final PeerLogLimiter logLimiter;
    /** Added to the connection window at the start: one stream window for each stream the client may open. */
    private final int connectionWindowIncrement;
    private final Set<Channel> streams = new HashSet<>();

    private @Nullable ChannelHandlerContext ctx;
    private @Nullable Deadline idleDeadline;
    private long lastActivityNanos;
    /**
     * When the client's reset allowance is next back to full (monotonic nanoseconds): each reset moves it by
     * {@code nanosPerReset} from now or from where it was, whichever is later; more than the window ahead
     * of now is a flood.
     */
    private long resetsClearAt;
    private boolean cutOff;

    Http2ConnectionGuard(ServerContext server, String listener, Http2Events events, PeerLogLimiter logLimiter,
                         int connectionWindowIncrement, int resetsPerWindow, java.time.Duration resetWindow) {
        this.resetsPerWindow = resetsPerWindow;
        this.resetWindowNanos = resetWindow.toNanos();
        this.nanosPerReset = resetWindowNanos / resetsPerWindow;
        this.server = server;
        this.listener = listener;
        this.events = events;
        this.logLimiter = logLimiter;
        this.connectionWindowIncrement = connectionWindowIncrement;
    }

    @Override
    public void handlerAdded(ChannelHandlerContext ctx) {
        this.ctx = ctx;
        this.resetsClearAt = server.nanoClock.getAsLong();
        this.idleDeadline = new Deadline(ctx.executor(), server.nanoClock, this::idleCheck);
    }

    @Override
    public void channelActive(ChannelHandlerContext ctx) {
        server.connections.add(ctx.channel());
        touch();
        idleDeadline().startNanos(idleTimeoutNanos());
        if (connectionWindowIncrement > 0) {
            // Without this the connection window (64 KiB) would be shared by all streams, and one stream whose
            // upstream reads slowly would hold up every other.
            ctx.writeAndFlush(new DefaultHttp2WindowUpdateFrame(connectionWindowIncrement));
        }
        ctx.fireChannelActive();
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        idleDeadline().cancel();
        ctx.fireChannelInactive();
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        touch();
        if (cutOff) {
            ReferenceCountUtil.release(msg);
            return;
        }
        if (msg instanceof Http2ResetFrame && resetCounted()) {
            ctx.fireChannelRead(msg);
            cutOff(ctx);
            return;
        }
        ctx.fireChannelRead(msg);
    }

    /** Counts one reset from the client; true when it is one too many. */
    private boolean resetCounted() {
        long now = server.nanoClock.getAsLong();
        long from = resetsClearAt - now > 0 ? resetsClearAt : now;
        resetsClearAt = from + nanosPerReset;
        return resetsClearAt - now > resetWindowNanos;
    }

    private void cutOff(ChannelHandlerContext ctx) {
        cutOff = true;
        try {
            events.resetFloodClosed(listener);
        } catch (RuntimeException e) {
            log.warn("counting a reset flood on listener {} failed", listener, e);
        }
        if (ctx.channel().remoteAddress() instanceof InetSocketAddress peer && peer.getAddress() != null
                && logLimiter.tryAcquire(peer.getAddress())) {
            log.info("HTTP/2 client {} on listener {} reset more than {} streams in {} s; closing its connection "
                    + "(further cut-offs of this address are not logged for a minute)", peer.getAddress().getHostAddress(),
                    listener, resetsPerWindow, TimeUnit.NANOSECONDS.toSeconds(resetWindowNanos));
        }
        ctx.writeAndFlush(new DefaultHttp2GoAwayFrame(Http2Error.ENHANCE_YOUR_CALM));
        // The codec closes a connection that sent GOAWAY once its streams are done: end them now. Later, so that
        // the stream whose reset is being read is closed by then and is not reset back.
        ctx.executor().execute(() -> {
            for (Channel s : new ArrayList<>(streams)) {
                s.close();
            }
            ctx.close();
        });
    }

    /** A new stream's channel; it counts as open until it closes. */
    void streamOpened(Http2StreamChannel stream) {
        streams.add(stream);
        stream.closeFuture().addListener(f -> {
            streams.remove(stream);
            touch();
        });
    }

    /** Stops taking new streams: GOAWAY now, and the connection closes when its open streams are done. */
    void startDraining() {
        ChannelHandlerContext c = ctx;
        if (c != null && c.channel().isActive()) {
            c.close();
        }
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        if (cause instanceof Http2FrameStreamException || cause instanceof Http2MultiplexActiveStreamsException) {
            // Meant for a stream's channel; the multiplexer delivers it.
            ctx.fireExceptionCaught(cause);
            return;
        }
        // Protocol errors have already been answered with GOAWAY by the codec.
        if (!(cause instanceof IOException)) {
            log.debug("closing HTTP/2 connection {} after an error", ctx.channel(), cause);
        }
        ctx.close();
    }

    private void touch() {
        lastActivityNanos = server.nanoClock.getAsLong();
    }

    private long idleTimeoutNanos() {
        return server.state.get().config().config().timeouts().idle().toNanos();
    }

    private Deadline idleDeadline() {
        Deadline d = idleDeadline;
        if (d == null) {
            throw new IllegalStateException("handler is not attached to a channel");
        }
        return d;
    }

    /** Closes a connection that had no open stream and no frames for the idle timeout; streams time out themselves. */
    private void idleCheck() {
        ChannelHandlerContext c = ctx;
        if (c == null || !c.channel().isActive()) {
            return;
        }
        long timeout = idleTimeoutNanos();
        long quiet = server.nanoClock.getAsLong() - lastActivityNanos;
        if (streams.isEmpty() && quiet >= timeout) {
            c.close();
            return;
        }
        idleDeadline().startNanos(quiet >= timeout ? timeout : timeout - quiet);
    }
}
