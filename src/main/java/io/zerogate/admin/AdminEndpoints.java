package io.zerogate.admin;

import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.handler.codec.http.DefaultHttpResponse;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.ssl.SslHandler;
import io.netty.handler.timeout.IdleStateEvent;
import io.zerogate.config.AdminConfig;
import java.net.InetSocketAddress;
import java.security.cert.Certificate;
import java.security.cert.X509Certificate;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SSLPeerUnverifiedException;
import org.jspecify.annotations.Nullable;

/**
 * One admin connection: finds the endpoint, checks the method, then the caller's credentials, then answers.
 * Unknown paths are 404 and wrong methods 405 before credentials are looked at; neither reveals anything that
 * the documentation does not.
 */
final class AdminEndpoints extends SimpleChannelInboundHandler<FullHttpRequest> {

    private final AdminApi api;
    private final ConfigReloads reloads;
    private final AdminRefusals refusals;
    private @Nullable TailFollower following;
    private @Nullable ScheduledFuture<?> heartbeats;

    AdminEndpoints(AdminApi api, ConfigReloads reloads, AdminRefusals refusals) {
        this.api = api;
        this.reloads = reloads;
        this.refusals = refusals;
    }

    @Override
    protected void channelRead0(ChannelHandlerContext ctx, FullHttpRequest req) {
        if (following != null) {
            // A stream answers one request; anything sent after it is not read.
            ctx.close();
            return;
        }
        boolean keepAlive = HttpUtil.isKeepAlive(req);
        if (!req.decoderResult().isSuccess()) {
            AdminResponses.send(ctx, AdminResponses.problem(HttpResponseStatus.BAD_REQUEST, "malformed_request",
                    "the request could not be parsed"), false);
            return;
        }
        String uri = req.uri();
        int q = uri.indexOf('?');
        AdminEndpoint endpoint = AdminEndpoint.at(q < 0 ? uri : uri.substring(0, q));
        if (endpoint == null) {
            AdminResponses.send(ctx, AdminResponses.problem(HttpResponseStatus.NOT_FOUND, "not_found",
                    "no admin endpoint at this path"), keepAlive);
            return;
        }
        if (!endpoint.answers(req.method())) {
            FullHttpResponse res = AdminResponses.problem(HttpResponseStatus.METHOD_NOT_ALLOWED, "method_not_allowed",
                    endpoint.path() + " answers " + endpoint.allow());
            res.headers().set(HttpHeaderNames.ALLOW, endpoint.allow());
            AdminResponses.send(ctx, res, keepAlive);
            return;
        }
        String caller = "anyone";
        AdminConfig admin = api.config().get().admin();
        if (endpoint.access() == AdminEndpoint.Access.AUTHENTICATED
                || (endpoint.access() == AdminEndpoint.Access.METRICS && !admin.publicMetrics())) {
            AdminCredentials.Check check = AdminCredentials.check(admin, req.headers().getAll(HttpHeaderNames.AUTHORIZATION),
                    peerCertificates(ctx));
            if (check instanceof AdminCredentials.Check.Refused refused) {
                refusals.refused(((InetSocketAddress) ctx.channel().remoteAddress()).getAddress(), refused.reason(), endpoint.path());
                AdminResponses.send(ctx, unauthorized(admin, refused), keepAlive);
                return;
            }
            caller = ((AdminCredentials.Check.Caller) check).name();
        }
        switch (endpoint) {
            case HEALTH -> AdminResponses.send(ctx, AdminResponses.text(HttpResponseStatus.OK, "ok\n", AdminResponses.PLAIN), keepAlive);
            case READINESS -> AdminResponses.send(ctx, readiness(), keepAlive);
            case JWKS, KEYS -> AdminResponses.send(ctx, keys(), keepAlive);
            case METRICS -> AdminResponses.send(ctx, AdminResponses.text(HttpResponseStatus.OK, api.metrics().scrape(),
                    "text/plain; version=0.0.4; charset=utf-8"), keepAlive);
            case CONFIG -> AdminResponses.send(ctx, AdminResponses.json(HttpResponseStatus.OK, api.config().get()), keepAlive);
            case INCIDENTS -> AdminResponses.send(ctx, AdminResponses.json(HttpResponseStatus.OK, api.incidents().get()), keepAlive);
            case QUOTAS -> QuotaQuery.answer(ctx, req, api.limits().get(), keepAlive);
            case RELOAD -> reloads.reload(caller).whenComplete((res, failure) -> ctx.executor().execute(() ->
                    AdminResponses.send(ctx, failure == null ? res : AdminResponses.problem(HttpResponseStatus.INTERNAL_SERVER_ERROR,
                            "reload_failed", "the reload could not be run"), keepAlive)));
            case AUDIT_TAIL -> follow(ctx);
            case BLOCKS -> AdminResponses.send(ctx, BlockRequests.answer(req, api.blocks(), caller), keepAlive);
        }
    }

    private FullHttpResponse readiness() {
        if (!api.ready().getAsBoolean()) {
            return AdminResponses.text(HttpResponseStatus.SERVICE_UNAVAILABLE, "not ready\n", AdminResponses.PLAIN);
        }
        return api.limits().get().degraded()
                ? AdminResponses.text(HttpResponseStatus.OK,
                        "ready; degraded: the state store does not answer, limits count on this node\n", AdminResponses.PLAIN)
                : AdminResponses.text(HttpResponseStatus.OK, "ready\n", AdminResponses.PLAIN);
    }

    private FullHttpResponse keys() {
        FullHttpResponse keys = AdminResponses.text(HttpResponseStatus.OK, api.publicKeys().get(), "application/jwk-set+json");
        // Short, so that services notice a new assertion key soon after a reload.
        keys.headers().set(HttpHeaderNames.CACHE_CONTROL, "public, max-age=60");
        return keys;
    }

    private static FullHttpResponse unauthorized(AdminConfig admin, AdminCredentials.Check.Refused refused) {
        String detail = admin.authenticates()
                ? "the admin API needs a bearer token (Authorization: Bearer …) or an admin client certificate"
                : "no admin credentials are configured (admin.tokens, admin.tls.client_ca), so only /healthz, /readyz and"
                        + " /.well-known/jwks.json answer";
        FullHttpResponse res = AdminResponses.problem(HttpResponseStatus.UNAUTHORIZED, "admin_unauthenticated", detail);
        res.headers().set(HttpHeaderNames.WWW_AUTHENTICATE,
                "Bearer realm=\"zerogate-admin\"" + (refused.invalid() ? ", error=\"invalid_token\"" : ""));
        return res;
    }

    /** {@code GET /admin/audit/tail}: a server-sent event stream that stays open until either side closes it. */
    private void follow(ChannelHandlerContext ctx) {
        TailFollower f = api.tail().follow(ctx.channel());
        if (f == null) {
            FullHttpResponse busy = AdminResponses.problem(HttpResponseStatus.SERVICE_UNAVAILABLE, "tail_busy",
                    "the audit tail has " + api.tail().maxFollowers() + " followers already; try again later");
            busy.headers().set(HttpHeaderNames.RETRY_AFTER, "10");
            AdminResponses.send(ctx, busy, false);
            return;
        }
        following = f;
        HttpResponse head = new DefaultHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.OK);
        head.headers().set(HttpHeaderNames.CONTENT_TYPE, "text/event-stream; charset=utf-8")
                .set(HttpHeaderNames.CACHE_CONTROL, "no-store")
                .set("X-Accel-Buffering", "no");
        HttpUtil.setTransferEncodingChunked(head, true);
        ctx.writeAndFlush(head).addListener(ChannelFutureListener.CLOSE_ON_FAILURE);
        long every = api.tail().heartbeat().toNanos();
        heartbeats = ctx.executor().scheduleAtFixedRate(f::heartbeat, every, every, TimeUnit.NANOSECONDS);
        f.drain();
    }

    @Override
    public void channelWritabilityChanged(ChannelHandlerContext ctx) throws Exception {
        TailFollower f = following;
        if (f != null && ctx.channel().isWritable()) {
            f.drain();
        }
        super.channelWritabilityChanged(ctx);
    }

    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object evt) throws Exception {
        if (evt instanceof IdleStateEvent) {
            ctx.close();
            return;
        }
        super.userEventTriggered(ctx, evt);
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) throws Exception {
        ScheduledFuture<?> h = heartbeats;
        if (h != null) {
            h.cancel(false);
        }
        super.channelInactive(ctx);
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        ctx.close();
    }

    /** The client chain the handshake verified, or null on a plain listener or when none was presented. */
    private static X509Certificate @Nullable [] peerCertificates(ChannelHandlerContext ctx) {
        SslHandler tls = ctx.pipeline().get(SslHandler.class);
        if (tls == null) {
            return null;
        }
        try {
            Certificate[] chain = tls.engine().getSession().getPeerCertificates();
            X509Certificate[] out = new X509Certificate[chain.length];
            for (int i = 0; i < chain.length; i++) {
                if (!(chain[i] instanceof X509Certificate x)) {
                    return null;
                }
                out[i] = x;
            }
            return out;
        } catch (SSLPeerUnverifiedException none) {
            return null;
        }
    }
}
