package io.zerogate.server;

import io.netty.channel.Channel;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelPipeline;
import io.netty.handler.codec.http2.Http2FrameCodec;
import io.netty.handler.codec.http2.Http2FrameCodecBuilder;
import io.netty.handler.codec.http2.Http2MultiplexHandler;
import io.netty.handler.codec.http2.Http2Settings;
import io.netty.handler.codec.http2.Http2StreamChannel;
import io.netty.handler.codec.http2.Http2StreamFrameToHttpObjectCodec;
import io.zerogate.config.GatewayConfig;
import org.jspecify.annotations.Nullable;

/**
 * The handlers of one listener's client connections: TLS when configured, then HTTP/1.1, or HTTP/2 with a
 * channel per stream whose pipeline ends in the same {@link ProxyHandler} as an HTTP/1.1 connection, so that
 * routing, the chain, the upstream pools and the response path are the same for both.
 */
final class ClientPipelines extends ChannelInitializer<Channel> {

    /** The stream window the gateway advertises (the protocol default): the unread body a stream may hold. */
    private static final int STREAM_WINDOW = 65_535;

    private final ServerContext context;
    private final String listener;
    private final String scheme;
    private final @Nullable DownstreamTls tls;
    private final @Nullable HandshakeObserver observer;
    private final boolean http2;
    private final Http2Events http2Events;
    private final PeerLogLimiter http2Log;

    ClientPipelines(ServerContext context, String listener, @Nullable DownstreamTls tls, @Nullable HandshakeObserver observer,
                    boolean http2, Http2Events http2Events, PeerLogLimiter http2Log) {
        this.context = context;
        this.listener = listener;
        this.scheme = tls == null ? "http" : "https";
        this.tls = tls;
        this.observer = observer;
        this.http2 = http2;
        this.http2Events = http2Events;
        this.http2Log = http2Log;
    }

    @Override
    protected void initChannel(Channel ch) {
        ChannelPipeline p = ch.pipeline();
        if (tls != null) {
            p.addLast("tls", tls.newHandler());
            if (observer != null) {
                p.addLast("tls-handshake", observer);
            }
        }
        if (http2) {
            long timeout = config().timeouts().requestHeader().toNanos();
            p.addLast("protocol", new ProtocolSwitch(this, tls != null, timeout));
        } else {
            installHttp1(p);
        }
    }

    private GatewayConfig config() {
        return context.state.get().config().config();
    }

    /** Adds the HTTP/1.1 handlers at the end of the connection's pipeline. */
    void installHttp1(ChannelPipeline p) {
        GatewayConfig c = config();
        StrictRequestDecoder decoder = new StrictRequestDecoder(
                c.limits().maxRequestLineBytes(), c.limits().maxHeaderBytes(), context.nanoClock);
        GatewayResponseEncoder encoder = new GatewayResponseEncoder();
        p.addLast("decoder", decoder)
                .addLast("encoder", encoder)
                .addLast("proxy", new ProxyHandler(context, listener, scheme, decoder, encoder));
    }

    /** Adds the HTTP/2 handlers at the end of the connection's pipeline. */
    void installHttp2(ChannelPipeline p) {
        GatewayConfig c = config();
        int maxStreams = c.limits().maxConcurrentStreams();
        Http2Settings settings = Http2Settings.defaultSettings()
                .maxConcurrentStreams(maxStreams)
                .maxHeaderListSize(c.limits().maxHeaderBytes())
                .initialWindowSize(STREAM_WINDOW);
        Http2FrameCodec codec = Http2FrameCodecBuilder.forServer()
                .initialSettings(settings)
                .validateHeaders(true)
                // Resets are counted by the guard, which also reports them.
                .decoderEnforceMaxRstFramesPerWindow(0, 0)
                .gracefulShutdownTimeoutMillis(c.timeouts().shutdownGrace().toMillis())
                .build();
        long window = (long) maxStreams * STREAM_WINDOW - STREAM_WINDOW;
        Http2ConnectionGuard guard = new Http2ConnectionGuard(context, listener, http2Events, http2Log,
                (int) Math.min(Integer.MAX_VALUE - STREAM_WINDOW, window), c.limits().maxStreamResets(),
                c.limits().streamResetWindow());
        p.addLast("h2", codec)
                .addLast("h2-guard", guard)
                .addLast("h2-streams", new Http2MultiplexHandler(new ChannelInitializer<Http2StreamChannel>() {
                    @Override
                    protected void initChannel(Http2StreamChannel stream) {
                        // Frames are read as the request's upstream takes them; the stream window holds the rest.
                        stream.config().setAutoRead(false);
                        guard.streamOpened(stream);
                        stream.pipeline()
                                .addLast("h2-request", new Http2StreamAdapter())
                                .addLast("h2-response", new Http2StreamFrameToHttpObjectCodec(true))
                                .addLast("proxy", ProxyHandler.forStream(context, listener, scheme));
                    }
                }));
    }
}
