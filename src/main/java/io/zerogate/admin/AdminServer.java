package io.zerogate.admin;

import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.WriteBufferWaterMark;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.handler.ssl.ClientAuth;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import io.netty.handler.ssl.SslHandler;
import io.netty.handler.ssl.SslHandshakeCompletionEvent;
import io.netty.handler.timeout.IdleStateHandler;
import io.netty.util.concurrent.DefaultThreadFactory;
import io.zerogate.config.AdminConfig;
import io.zerogate.config.ConfigException;
import io.zerogate.server.ListenerBindException;
import io.zerogate.server.Transport;
import java.net.InetSocketAddress;
import java.security.cert.X509Certificate;
import java.util.Objects;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SSLException;
import org.jspecify.annotations.Nullable;

/**
 * The admin listener, on an event loop of its own and never on a port that carries client traffic. Open to anyone
 * who reaches it: {@code /healthz}, {@code /readyz} and {@code /.well-known/jwks.json}. Everything else — metrics
 * (unless made public), the running configuration with secrets masked, reload, incidents, the live audit tail,
 * quotas, keys — needs a configured bearer token or, on a TLS admin listener with a client CA, a client certificate
 * that chains to it. With neither configured, everything else is refused.
 */
public final class AdminServer implements AutoCloseable {

    private static final long HANDSHAKE_TIMEOUT_MILLIS = 10_000;
    /** A connection that neither sends nor receives anything for this long is closed. */
    private static final int IDLE_SECONDS = 60;

    private final EventLoopGroup group;
    private final Channel channel;
    private final ConfigReloads reloads;
    private final boolean tls;

    private AdminServer(EventLoopGroup group, Channel channel, ConfigReloads reloads, boolean tls) {
        this.group = group;
        this.channel = channel;
        this.reloads = reloads;
        this.tls = tls;
    }

    /**
     * Binds the admin listener at {@code admin.address()}. The address and TLS settings are read once, here; the
     * credentials are read from {@code api.config()} on every call, so they follow reloads.
     *
     * @throws ConfigException when the TLS settings cannot be used
     */
    public static AdminServer start(Transport transport, AdminConfig admin, AdminApi api) throws InterruptedException, ConfigException {
        InetSocketAddress address = Objects.requireNonNull(admin.address(), "admin.address (the admin listener is disabled)");
        SslContext ssl = admin.tls() == null ? null : sslContext(admin.tls());
        EventLoopGroup group = new MultiThreadIoEventLoopGroup(1, new DefaultThreadFactory("zerogate-admin", true),
                transport.ioHandlerFactory());
        ConfigReloads reloads = new ConfigReloads(api.reload());
        AdminRefusals refusals = AdminRefusals.of(api.metrics());
        try {
            Channel channel = ListenerBindException.bind(new ServerBootstrap()
                    .group(group)
                    .channel(transport.serverChannel())
                    // A follower of the audit tail that cannot take more is noticed before much piles up in memory.
                    .childOption(ChannelOption.WRITE_BUFFER_WATER_MARK, new WriteBufferWaterMark(32 * 1024, 64 * 1024))
                    .childHandler(new ChannelInitializer<Channel>() {
                        @Override
                        protected void initChannel(Channel c) {
                            if (ssl != null) {
                                SslHandler handler = ssl.newHandler(c.alloc());
                                handler.setHandshakeTimeoutMillis(HANDSHAKE_TIMEOUT_MILLIS);
                                c.pipeline().addLast(handler, new HandshakeFailures(refusals));
                            }
                            c.pipeline().addLast(new IdleStateHandler(0, 0, IDLE_SECONDS),
                                    new HttpServerCodec(4096, 8192, 8192),
                                    new HttpObjectAggregator(16 * 1024),
                                    new AdminEndpoints(api, reloads, refusals));
                        }
                    }), address, "the admin listener");
            return new AdminServer(group, channel, reloads, ssl != null);
        } catch (InterruptedException | RuntimeException e) {
            reloads.close();
            group.shutdownGracefully(0, 0, TimeUnit.SECONDS);
            throw e;
        }
    }

    private static SslContext sslContext(AdminConfig.Tls tls) throws ConfigException {
        try {
            SslContextBuilder b = SslContextBuilder.forServer(tls.identity().key(), tls.identity().chain())
                    .protocols("TLSv1.3", "TLSv1.2");
            if (!tls.clientCas().isEmpty()) {
                // Optional: health checks and key fetches come without a certificate; a certificate that is presented
                // must chain to the admin CA or the handshake fails.
                b.clientAuth(ClientAuth.OPTIONAL).trustManager(tls.clientCas().toArray(X509Certificate[]::new));
            }
            return b.build();
        } catch (SSLException | IllegalArgumentException e) {
            throw new ConfigException("admin listener", 0, "admin.tls", "the TLS settings cannot be used: " + e.getMessage(), e);
        }
    }

    public InetSocketAddress address() {
        return (InetSocketAddress) channel.localAddress();
    }

    /** {@code https} when the admin listener speaks TLS, else {@code http}. */
    public String scheme() {
        return tls ? "https" : "http";
    }

    @Override
    public void close() {
        channel.close().awaitUninterruptibly();
        reloads.close();
        group.shutdownGracefully(0, 1, TimeUnit.SECONDS).awaitUninterruptibly(2, TimeUnit.SECONDS);
    }

    /** Counts handshakes that failed, a client certificate from another CA among them, as refused admin calls. */
    private static final class HandshakeFailures extends ChannelInboundHandlerAdapter {

        private final AdminRefusals refusals;

        HandshakeFailures(AdminRefusals refusals) {
            this.refusals = refusals;
        }

        @Override
        public void userEventTriggered(ChannelHandlerContext ctx, Object evt) throws Exception {
            if (evt instanceof SslHandshakeCompletionEvent done) {
                ctx.pipeline().remove(this);
                @Nullable Throwable cause = done.cause();
                if (cause instanceof SSLException && ctx.channel().remoteAddress() instanceof InetSocketAddress peer) {
                    refusals.refused(peer.getAddress(), "tls_handshake", "the TLS handshake");
                }
            }
            super.userEventTriggered(ctx, evt);
        }
    }
}
