package io.zerogate.admin;

import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.ServerChannel;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.QueryStringDecoder;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.util.concurrent.DefaultThreadFactory;
import io.zerogate.limits.LimitsStage;
import io.zerogate.server.ListenerBindException;
import io.zerogate.server.Transport;
import java.net.InetSocketAddress;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeUnit;
import java.nio.charset.StandardCharsets;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;

/**
 * The admin listener: {@code /healthz} (the process is alive), {@code /readyz} (the gateway accepts
 * traffic; its body also says when limits count on this node alone because the shared state store failed),
 * {@code /metrics} (Prometheus), {@code /.well-known/jwks.json} (the public keys of the identity assertions the
 * gateway signs, for services to verify them) and {@code /limits/quotas} (what is left of a caller's quotas). Bound to loopback unless configured otherwise; it never
 * shares a port with client traffic.
 */
public final class AdminServer implements AutoCloseable {

    private final EventLoopGroup group;
    private final Channel channel;

    private AdminServer(EventLoopGroup group, Channel channel) {
        this.group = group;
        this.channel = channel;
    }

    /** Binds the admin listener on its own event loop, apart from client traffic. */
    public static AdminServer start(Transport transport, InetSocketAddress address, GatewayMetrics metrics,
                                    BooleanSupplier ready, Supplier<String> assertionKeys, Supplier<LimitsStage> limits)
            throws InterruptedException {
        EventLoopGroup group = new MultiThreadIoEventLoopGroup(1, new DefaultThreadFactory("zerogate-admin", true),
                transport.ioHandlerFactory());
        try {
            return new AdminServer(group, bind(group, transport.serverChannel(), address, metrics, ready, assertionKeys, limits));
        } catch (InterruptedException | RuntimeException e) {
            group.shutdownGracefully(0, 0, TimeUnit.SECONDS);
            throw e;
        }
    }

    private static Channel bind(EventLoopGroup group, Class<? extends ServerChannel> channelType,
                                InetSocketAddress address, GatewayMetrics metrics, BooleanSupplier ready,
                                Supplier<String> assertionKeys, Supplier<LimitsStage> limits) throws InterruptedException {
        return ListenerBindException.bind(new ServerBootstrap()
                .group(group)
                .channel(channelType)
                .childHandler(new ChannelInitializer<Channel>() {
                    @Override
                    protected void initChannel(Channel c) {
                        c.pipeline().addLast(new HttpServerCodec(4096, 8192, 8192),
                                new HttpObjectAggregator(16 * 1024),
                                new Endpoints(metrics, ready, assertionKeys, limits));
                    }
                }), address, "the admin listener");
    }

    public InetSocketAddress address() {
        return (InetSocketAddress) channel.localAddress();
    }

    @Override
    public void close() {
        channel.close().awaitUninterruptibly();
        group.shutdownGracefully(0, 1, TimeUnit.SECONDS).awaitUninterruptibly(2, TimeUnit.SECONDS);
    }

    private static final class Endpoints extends SimpleChannelInboundHandler<FullHttpRequest> {

        private final GatewayMetrics metrics;
        private final BooleanSupplier ready;
        private final Supplier<String> assertionKeys;
        private final Supplier<LimitsStage> limits;

        Endpoints(GatewayMetrics metrics, BooleanSupplier ready, Supplier<String> assertionKeys, Supplier<LimitsStage> limits) {
            this.metrics = metrics;
            this.ready = ready;
            this.assertionKeys = assertionKeys;
            this.limits = limits;
        }

        @Override
        protected void channelRead0(ChannelHandlerContext ctx, FullHttpRequest req) {
            String path = req.uri();
            int q = path.indexOf('?');
            if (q >= 0) {
                path = path.substring(0, q);
            }
            FullHttpResponse res;
            if (!req.decoderResult().isSuccess()) {
                res = text(HttpResponseStatus.BAD_REQUEST, "bad request\n", "text/plain");
            } else if (req.method() != HttpMethod.GET && req.method() != HttpMethod.HEAD) {
                res = text(HttpResponseStatus.METHOD_NOT_ALLOWED, "method not allowed\n", "text/plain");
                res.headers().set(HttpHeaderNames.ALLOW, "GET, HEAD");
            } else if (path.equals("/limits/quotas")) {
                quotas(ctx, req);
                return;
            } else {
                res = switch (path) {
                    case "/healthz" -> text(HttpResponseStatus.OK, "ok\n", "text/plain");
                    case "/readyz" -> !ready.getAsBoolean()
                            ? text(HttpResponseStatus.SERVICE_UNAVAILABLE, "not ready\n", "text/plain")
                            : limits.get().degraded()
                            ? text(HttpResponseStatus.OK, "ready; degraded: the state store does not answer, limits count on this node\n", "text/plain")
                            : text(HttpResponseStatus.OK, "ready\n", "text/plain");
                    case "/metrics" -> text(HttpResponseStatus.OK, metrics.scrape(), "text/plain; version=0.0.4; charset=utf-8");
                    case "/.well-known/jwks.json" -> {
                        FullHttpResponse keys = text(HttpResponseStatus.OK, assertionKeys.get(), "application/jwk-set+json");
                        // Short, so that services notice a new assertion key soon after a reload.
                        keys.headers().set(HttpHeaderNames.CACHE_CONTROL, "public, max-age=60");
                        yield keys;
                    }
                    default -> text(HttpResponseStatus.NOT_FOUND, "not found\n", "text/plain");
                };
            }
            send(ctx, res, HttpUtil.isKeepAlive(req));
        }

        private static void send(ChannelHandlerContext ctx, FullHttpResponse res, boolean keepAlive) {
            HttpUtil.setKeepAlive(res, keepAlive);
            var f = ctx.writeAndFlush(res);
            if (!keepAlive) {
                f.addListener(ChannelFutureListener.CLOSE);
            }
        }

        /** {@code GET /limits/quotas?subject=…}: read from the store, answered when it has answered. */
        private void quotas(ChannelHandlerContext ctx, FullHttpRequest req) {
            boolean keepAlive = HttpUtil.isKeepAlive(req);
            Map<String, String> query = new HashMap<>();
            QueryStringDecoder decoder = new QueryStringDecoder(req.uri());
            for (Map.Entry<String, List<String>> p : decoder.parameters().entrySet()) {
                if (p.getValue().size() != 1) {
                    send(ctx, text(HttpResponseStatus.BAD_REQUEST, "parameter " + p.getKey() + " given " + p.getValue().size()
                            + " times (expected: once)\n", "text/plain"), keepAlive);
                    return;
                }
                query.put(p.getKey(), p.getValue().get(0));
            }
            CompletionStage<String> read;
            try {
                read = limits.get().quotas().read(query);
            } catch (IllegalArgumentException e) {
                send(ctx, text(HttpResponseStatus.BAD_REQUEST, e.getMessage() + "\n", "text/plain"), keepAlive);
                return;
            }
            read.whenComplete((json, failure) -> ctx.executor().execute(() -> send(ctx, failure == null
                    ? text(HttpResponseStatus.OK, json, "application/json")
                    : text(HttpResponseStatus.SERVICE_UNAVAILABLE, "the state store did not answer\n", "text/plain"), keepAlive)));
        }

        private static FullHttpResponse text(HttpResponseStatus status, String body, String type) {
            byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
            FullHttpResponse r = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, status, Unpooled.wrappedBuffer(bytes));
            r.headers().set(HttpHeaderNames.CONTENT_TYPE, type).setInt(HttpHeaderNames.CONTENT_LENGTH, bytes.length)
                    .set(HttpHeaderNames.CACHE_CONTROL, "no-store");
            return r;
        }
    }
}
