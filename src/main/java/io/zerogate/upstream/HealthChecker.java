package io.zerogate.upstream;

import io.netty.bootstrap.Bootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoop;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.handler.codec.http.DefaultFullHttpRequest;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.HttpClientCodec;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpObject;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.ssl.SslHandler;
import io.netty.util.concurrent.ScheduledFuture;
import io.zerogate.config.ServiceConfig;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Consumer;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Active health checks: probes every target of each service that configures them with {@code GET path}
 * on a fresh connection, and takes a target out of rotation after {@code unhealthy_after} failures in a row
 * (in again after {@code healthy_after} successes). A TLS service's targets are probed over TLS with the
 * service's profile, so a target that fails verification fails its probes. Probes run on one event loop
 * and never block it.
 */
public final class HealthChecker implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(HealthChecker.class);

    private final EventLoop loop;
    private final Bootstrap bootstrap;
    private final List<ScheduledFuture<?>> schedules = new ArrayList<>();
    private final Map<UpstreamTarget, int[]> streaks = new ConcurrentHashMap<>();
    private final AtomicBoolean closed = new AtomicBoolean();

    public HealthChecker(EventLoop loop, Bootstrap template) {
        this.loop = loop;
        this.bootstrap = template.clone(loop).option(ChannelOption.TCP_NODELAY, true);
    }

    /** Starts probing every target of every service that has active health checks configured. */
    public void start(Upstreams upstreams) {
        Set<UpstreamTarget> probed = new HashSet<>();
        for (UpstreamService service : upstreams.services()) {
            ServiceConfig.ActiveHealth active = service.config().activeHealth();
            if (active == null) {
                continue;
            }
            for (UpstreamTarget target : service.targets()) {
                probed.add(target);
                long period = active.interval().toNanos();
                UpstreamTlsProfile tls = service.tls();
                schedules.add(loop.scheduleAtFixedRate(() -> probe(target, active, tls), 0, period, TimeUnit.NANOSECONDS));
            }
        }
        // Target state outlives a reload; a target whose probes the reload removed would otherwise stay out
        // of rotation on its last verdict, with no probe left to bring it back.
        for (UpstreamTarget target : upstreams.targets()) {
            if (!probed.contains(target) && !target.isProbeHealthy()) {
                target.setProbeHealthy(true);
                log.info("upstream target {} is no longer probed; back in rotation", target);
            }
        }
    }

    @Override
    public void close() {
        if (closed.compareAndSet(false, true)) {
            schedules.forEach(s -> s.cancel(false));
        }
    }

    /** One probe; over TLS when the service uses TLS, verified exactly as a request's connection would be. */
    private void probe(UpstreamTarget target, ServiceConfig.ActiveHealth policy, @Nullable UpstreamTlsProfile tls) {
        if (closed.get()) {
            return;
        }
        AtomicBoolean settled = new AtomicBoolean();
        Consumer<Boolean> finish = ok -> {
            if (settled.compareAndSet(false, true)) {
                record(target, policy, ok);
            }
        };
        ChannelFuture f = bootstrap.clone()
                .option(ChannelOption.CONNECT_TIMEOUT_MILLIS, (int) Math.max(1, policy.timeout().toMillis()))
                .handler(new ChannelInitializer<Channel>() {
                    @Override
                    protected void initChannel(Channel ch) {
                        if (tls != null) {
                            ch.pipeline().addLast(ConnectionPool.TLS_HANDLER,
                                    tls.newHandler(ch.alloc(), target.address(), policy.timeout().toMillis()));
                        }
                        ch.pipeline().addLast(new HttpClientCodec(), new SimpleChannelInboundHandler<HttpObject>() {
                            @Override
                            protected void channelRead0(ChannelHandlerContext ctx, HttpObject msg) {
                                if (msg instanceof HttpResponse r) {
                                    finish.accept(r.status().codeClass() == io.netty.handler.codec.http.HttpStatusClass.SUCCESS);
                                    ctx.close();
                                }
                            }

                            @Override
                            public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
                                finish.accept(false);
                                ctx.close();
                            }

                            @Override
                            public void channelInactive(ChannelHandlerContext ctx) {
                                finish.accept(false);
                            }
                        });
                    }
                })
                .connect(target.address().host(), target.address().port());
        ScheduledFuture<?> timeout = loop.schedule(() -> {
            finish.accept(false);
            f.channel().close();
        }, policy.timeout().toNanos(), TimeUnit.NANOSECONDS);
        f.addListener(done -> {
            if (!done.isSuccess()) {
                timeout.cancel(false);
                finish.accept(false);
                return;
            }
            f.channel().closeFuture().addListener(c -> timeout.cancel(false));
            SslHandler ssl = f.channel().pipeline().get(SslHandler.class);
            if (ssl == null) {
                sendProbe(f.channel(), target, policy);
                return;
            }
            ssl.handshakeFuture().addListener(hs -> {
                if (hs.isSuccess()) {
                    sendProbe(f.channel(), target, policy);
                } else {
                    log.debug("health probe of {}: TLS failed: {}", target, UpstreamTlsException.describe(hs.cause()));
                    finish.accept(false);
                    f.channel().close();
                }
            });
        });
    }

    private static void sendProbe(Channel ch, UpstreamTarget target, ServiceConfig.ActiveHealth policy) {
        FullHttpRequest req = new DefaultFullHttpRequest(HttpVersion.HTTP_1_1, HttpMethod.GET, policy.path());
        req.headers().set(HttpHeaderNames.HOST, target.address().authority())
                .set(HttpHeaderNames.CONNECTION, HttpHeaderValues.CLOSE)
                .set(HttpHeaderNames.USER_AGENT, "zerogate-health");
        ch.writeAndFlush(req);
    }

    private void record(UpstreamTarget target, ServiceConfig.ActiveHealth policy, boolean ok) {
        if (closed.get()) {
            // A probe that outlived its checker must not overrule the checker of the new configuration.
            return;
        }
        int[] streak = streaks.computeIfAbsent(target, t -> new int[2]);
        if (ok) {
            streak[1] = 0;
            if (++streak[0] >= policy.healthyAfter() && !target.isProbeHealthy()) {
                target.setProbeHealthy(true);
                log.info("upstream target {} is healthy again", target);
            }
        } else {
            streak[0] = 0;
            if (++streak[1] >= policy.unhealthyAfter() && target.isProbeHealthy()) {
                target.setProbeHealthy(false);
                log.warn("upstream target {} failed {} health probes in a row; out of rotation", target, streak[1]);
            }
        }
    }
}
