package io.zerogate.cli;

import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.DefaultHttpContent;
import io.netty.handler.codec.http.DefaultHttpResponse;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.util.concurrent.DefaultThreadFactory;
import io.zerogate.server.Transport;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;

/**
 * The small API that {@code zerogate demo} puts behind the gateway: a greeting, orders, an echo of what
 * the upstream actually receives (so the header rewriting is visible), a server-sent event stream and a
 * health endpoint.
 */
final class SampleApi implements AutoCloseable {

    private static final ObjectMapper JSON = new ObjectMapper();

    private final EventLoopGroup group;
    private final Channel channel;

    private SampleApi(EventLoopGroup group, Channel channel) {
        this.group = group;
        this.channel = channel;
    }

    static SampleApi start(InetSocketAddress address) throws InterruptedException {
        Transport t = Transport.best();
        EventLoopGroup group = new MultiThreadIoEventLoopGroup(1, new DefaultThreadFactory("sample-api", true), t.ioHandlerFactory());
        Channel ch = new ServerBootstrap().group(group).channel(t.serverChannel())
                .childHandler(new ChannelInitializer<Channel>() {
                    @Override
                    protected void initChannel(Channel c) {
                        c.pipeline().addLast(new HttpServerCodec(), new HttpObjectAggregator(1 << 20), new Handler());
                    }
                }).bind(address).sync().channel();
        return new SampleApi(group, ch);
    }

    InetSocketAddress address() {
        return (InetSocketAddress) channel.localAddress();
    }

    @Override
    public void close() {
        channel.close().awaitUninterruptibly();
        group.shutdownGracefully(0, 1, TimeUnit.SECONDS).awaitUninterruptibly(2, TimeUnit.SECONDS);
    }

    private static final class Handler extends SimpleChannelInboundHandler<FullHttpRequest> {

        @Override
        protected void channelRead0(ChannelHandlerContext ctx, FullHttpRequest req) throws Exception {
            String path = req.uri();
            int q = path.indexOf('?');
            if (q >= 0) {
                path = path.substring(0, q);
            }
            if (path.equals("/events") && req.method() == HttpMethod.GET) {
                streamEvents(ctx, 5);
                return;
            }
            ObjectNode body = JSON.createObjectNode();
            HttpResponseStatus status = HttpResponseStatus.OK;
            if (path.equals("/hello")) {
                body.put("message", "hello from the sample API");
            } else if (path.equals("/healthz")) {
                body.put("status", "ok");
            } else if (path.startsWith("/payments/")) {
                body.put("id", path.substring("/payments/".length())).put("status", "settled").put("amount", 42.5);
            } else if (path.startsWith("/transfers/")) {
                body.put("id", path.substring("/transfers/".length())).put("from", "alice").put("amount", 250);
            } else if (path.startsWith("/users/") && path.endsWith("/orders")) {
                String user = path.substring("/users/".length(), path.length() - "/orders".length());
                body.put("user", user).set("orders", JSON.createArrayNode()
                        .add(JSON.createObjectNode().put("id", user + "-1").put("total", 42.5)));
            } else if (path.equals("/payroll")) {
                body.put("period", "2026-11").put("employees", 12).put("total", 61250);
            } else if (path.startsWith("/orders/")) {
                body.put("id", path.substring("/orders/".length())).put("owner", "alice").put("total", 42.5);
            } else if (path.equals("/echo") || path.equals("/whoami")) {
                body.put("method", req.method().name()).put("uri", req.uri()).put("body_bytes", req.content().readableBytes());
                Map<String, String> headers = new TreeMap<>();
                req.headers().forEach(e -> headers.merge(e.getKey().toLowerCase(java.util.Locale.ROOT), e.getValue(), (a, b) -> a + ", " + b));
                body.set("headers", JSON.valueToTree(headers));
            } else {
                status = HttpResponseStatus.NOT_FOUND;
                body.put("error", "not found");
            }
            byte[] bytes = (JSON.writerWithDefaultPrettyPrinter().writeValueAsString(body) + "\n").getBytes(StandardCharsets.UTF_8);
            FullHttpResponse res = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, status, Unpooled.wrappedBuffer(bytes));
            res.headers().set(HttpHeaderNames.CONTENT_TYPE, "application/json").setInt(HttpHeaderNames.CONTENT_LENGTH, bytes.length);
            boolean keepAlive = HttpUtil.isKeepAlive(req);
            HttpUtil.setKeepAlive(res, keepAlive);
            var f = ctx.writeAndFlush(res);
            if (!keepAlive) {
                f.addListener(ChannelFutureListener.CLOSE);
            }
        }

        private static void streamEvents(ChannelHandlerContext ctx, int count) {
            HttpResponse head = new DefaultHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.OK);
            head.headers().set(HttpHeaderNames.CONTENT_TYPE, "text/event-stream").set(HttpHeaderNames.CACHE_CONTROL, "no-cache");
            HttpUtil.setTransferEncodingChunked(head, true);
            ctx.writeAndFlush(head);
            for (int i = 1; i <= count; i++) {
                int n = i;
                ctx.executor().schedule(() -> {
                    byte[] event = ("id: " + n + "\ndata: {\"tick\":" + n + "}\n\n").getBytes(StandardCharsets.UTF_8);
                    ctx.writeAndFlush(new DefaultHttpContent(Unpooled.wrappedBuffer(event)));
                    if (n == count) {
                        ctx.writeAndFlush(LastHttpContent.EMPTY_LAST_CONTENT);
                    }
                }, 300L * i, TimeUnit.MILLISECONDS);
            }
        }
    }
}
