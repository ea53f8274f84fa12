package io.zerogate.testing;

import io.zerogate.cli.CertificateMint;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.ssl.ClientAuth;
import io.netty.handler.ssl.SniHandler;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import io.netty.handler.ssl.SslHandler;
import io.netty.handler.ssl.SslHandshakeCompletionEvent;
import io.netty.util.Mapping;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.security.cert.Certificate;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import javax.net.ssl.SSLPeerUnverifiedException;
import org.jspecify.annotations.Nullable;

/**
 * A real HTTPS upstream on loopback: Netty with TLS, HTTP/1.1 keep-alive, answering every request with the
 * current {@link #status(int) status}, the body {@code tls-ok}, and what it saw of the connection in
 * response headers: the SNI name the client sent ({@code -} for none), and the subject and SPIFFE ID of the
 * client certificate when there was one. It counts accepted connections and handshakes, so tests can tell
 * how many connections the gateway opened and whether they were verified.
 */
public final class TlsUpstream implements AutoCloseable {

    public static final String SEEN_SNI = "x-seen-sni";
    public static final String SEEN_CLIENT_SUBJECT = "x-seen-client-subject";
    public static final String SEEN_CLIENT_SPIFFE = "x-seen-client-spiffe";
    public static final String BODY = "tls-ok";

    private final EventLoopGroup group = new MultiThreadIoEventLoopGroup(1, NioIoHandler.newFactory());
    private final Channel server;
    private final AtomicInteger connections = new AtomicInteger();
    private final AtomicInteger handshakes = new AtomicInteger();
    private final AtomicInteger failedHandshakes = new AtomicInteger();
    private final AtomicInteger status = new AtomicInteger(200);
    private final BlockingQueue<String> requests = new LinkedBlockingQueue<>();

    private TlsUpstream(SslContext context) throws InterruptedException {
        server = new ServerBootstrap()
                .group(group)
                .channel(NioServerSocketChannel.class)
                .childHandler(new ChannelInitializer<Channel>() {
                    @Override
                    protected void initChannel(Channel ch) {
                        connections.incrementAndGet();
                        AtomicReference<String> sni = new AtomicReference<>("-");
                        Mapping<String, SslContext> byName = name -> {
                            sni.set(name == null ? "-" : name);
                            return context;
                        };
                        ch.pipeline().addLast(new SniHandler(byName), new HttpServerCodec(),
                                new HttpObjectAggregator(64 * 1024), new Responder(sni));
                    }
                })
                .bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0)).sync().channel();
    }

    /**
     * @param certificate what the upstream presents (its chain is sent, leaf first)
     * @param clientCa    when not null, a client certificate signed by it is required
     * @param protocols   the TLS versions offered; none means the defaults
     */
    public static TlsUpstream start(CertificateMint.Issued certificate, CertificateMint.@Nullable Issued clientCa, String... protocols)
            throws Exception {
        List<X509Certificate> chain = new ArrayList<>();
        for (CertificateMint.Issued i = certificate; i != null && i.issuer() != null; i = i.issuer()) {
            chain.add(i.certificate());
        }
        SslContextBuilder b = SslContextBuilder.forServer(certificate.keys().getPrivate(), chain);
        if (clientCa != null) {
            b.trustManager(clientCa.certificate()).clientAuth(ClientAuth.REQUIRE);
        }
        if (protocols.length > 0) {
            b.protocols(protocols);
        }
        return new TlsUpstream(b.build());
    }

    public int port() {
        return ((InetSocketAddress) server.localAddress()).getPort();
    }

    /** Connections accepted, whether or not their handshake succeeded. */
    public int connections() {
        return connections.get();
    }

    public int handshakes() {
        return handshakes.get();
    }

    public int failedHandshakes() {
        return failedHandshakes.get();
    }

    /** Request lines received so far ({@code GET /r}), in order. */
    public List<String> requests() {
        return List.copyOf(requests);
    }

    /** Sets the status of every following answer. */
    public void status(int code) {
        status.set(code);
    }

    @Override
    public void close() {
        server.close().syncUninterruptibly();
        group.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly();
    }

    private final class Responder extends SimpleChannelInboundHandler<FullHttpRequest> {

        private final AtomicReference<String> sni;

        Responder(AtomicReference<String> sni) {
            this.sni = sni;
        }

        @Override
        public void userEventTriggered(ChannelHandlerContext ctx, Object evt) throws Exception {
            if (evt instanceof SslHandshakeCompletionEvent done) {
                (done.isSuccess() ? handshakes : failedHandshakes).incrementAndGet();
            }
            super.userEventTriggered(ctx, evt);
        }

        @Override
        protected void channelRead0(ChannelHandlerContext ctx, FullHttpRequest request) throws Exception {
            requests.add(request.method() + " " + request.uri());
            FullHttpResponse response = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1,
                    HttpResponseStatus.valueOf(status.get()), Unpooled.copiedBuffer(BODY, StandardCharsets.US_ASCII));
            response.headers().setInt(HttpHeaderNames.CONTENT_LENGTH, response.content().readableBytes())
                    .set(SEEN_SNI, sni.get());
            X509Certificate client = clientCertificate(ctx);
            if (client != null) {
                response.headers().set(SEEN_CLIENT_SUBJECT, client.getSubjectX500Principal().getName());
                String spiffe = spiffeId(client);
                if (spiffe != null) {
                    response.headers().set(SEEN_CLIENT_SPIFFE, spiffe);
                }
            }
            boolean keepAlive = HttpUtil.isKeepAlive(request);
            HttpUtil.setKeepAlive(response, keepAlive);
            if (keepAlive) {
                ctx.writeAndFlush(response);
            } else {
                ctx.writeAndFlush(response).addListener(ChannelFutureListener.CLOSE);
            }
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            // Failed handshakes are counted from their completion event; the connection just ends.
            ctx.close();
        }

        private static @Nullable X509Certificate clientCertificate(ChannelHandlerContext ctx) {
            SslHandler ssl = ctx.pipeline().get(SslHandler.class);
            try {
                Certificate[] peer = ssl.engine().getSession().getPeerCertificates();
                return peer.length > 0 && peer[0] instanceof X509Certificate x ? x : null;
            } catch (SSLPeerUnverifiedException none) {
                return null;
            }
        }

        private static @Nullable String spiffeId(X509Certificate certificate) throws Exception {
            Collection<List<?>> sans = certificate.getSubjectAlternativeNames();
            if (sans != null) {
                for (List<?> san : sans) {
                    if (Integer.valueOf(6).equals(san.get(0)) && san.get(1) instanceof String uri && uri.startsWith("spiffe://")) {
                        return uri;
                    }
                }
            }
            return null;
        }
    }
}
