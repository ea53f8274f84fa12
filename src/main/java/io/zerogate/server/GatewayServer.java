package io.zerogate.server;

import io.netty.bootstrap.Bootstrap;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.PooledByteBufAllocator;
import io.netty.channel.Channel;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoop;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.WriteBufferWaterMark;
import io.netty.channel.group.ChannelGroup;
import io.netty.channel.group.DefaultChannelGroup;
import io.netty.handler.ssl.SslProvider;
import io.netty.util.concurrent.DefaultThreadFactory;
import io.netty.util.concurrent.EventExecutor;
import io.netty.util.concurrent.GlobalEventExecutor;
import io.zerogate.chain.OutcomeSink;
import io.zerogate.config.ConfigException;
import io.zerogate.config.GatewayConfig;
import io.zerogate.config.ListenerConfig;
import io.zerogate.upstream.ConnectionPool;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.LongSupplier;
import java.util.function.Supplier;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The data plane: the client-facing listeners (HTTP/1.1 and HTTP/2, plain or TLS) and the event loops that serve
 * them and their upstream connections. Configuration is read through a supplier on every request, so a reload takes
 * effect for the next request without touching connections. TLS files are checked for changes on a thread of
 * their own and picked up by new handshakes.
 */
public final class GatewayServer implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(GatewayServer.class);
    private static final Duration ROTATION_CHECK_INTERVAL = Duration.ofSeconds(2);
    /** Peer addresses whose handshake failures are remembered for rate-limiting their log lines. */
    private static final int HANDSHAKE_LOG_PEERS = 4096;

    private final Transport transport;
    private final EventLoopGroup group;
    private final ChannelGroup connections;
    private final ServerContext context;
    private final List<Channel> listeners = new ArrayList<>();
    private final Map<String, InetSocketAddress> bound = new LinkedHashMap<>();
    private final TlsEvents tlsEvents;
    private final Http2Events http2Events;
    private final PeerLogLimiter handshakeLog;
    private final PeerLogLimiter http2Log;
    private volatile @Nullable CertificateRotation rotation;

    /**
     * @param eventLoops        number of event loops (0: one per available processor)
     * @param peerFacts         turns a TLS connection's verified client chain into facts on its exchanges
     * @param tlsEvents         counts failed TLS handshakes and certificate reloads
     * @param http2Events       counts HTTP/2 connections cut off for abuse
     */
    public GatewayServer(Transport transport, int eventLoops, Supplier<RuntimeSnapshot> state, OutcomeSink sink,
                         LongSupplier nanoClock, PeerCertificateFacts peerFacts, TlsEvents tlsEvents,
                         Http2Events http2Events) {
        this.transport = transport;
        this.tlsEvents = tlsEvents;
        this.http2Events = http2Events;
        this.handshakeLog = new PeerLogLimiter(HANDSHAKE_LOG_PEERS, Duration.ofMinutes(1), nanoClock);
        this.http2Log = new PeerLogLimiter(HANDSHAKE_LOG_PEERS, Duration.ofMinutes(1), nanoClock);
        int loops = eventLoops > 0 ? eventLoops : Runtime.getRuntime().availableProcessors();
        this.group = new MultiThreadIoEventLoopGroup(loops, new DefaultThreadFactory("zerogate-io", true),
                transport.ioHandlerFactory());
        this.connections = new DefaultChannelGroup("clients", GlobalEventExecutor.INSTANCE);
        GatewayConfig config = state.get().config().config();
        Bootstrap upstreamTemplate = upstreamBootstrap();
        Map<EventExecutor, ConnectionPool> pools = new IdentityHashMap<>();
        int maxHead = config.limits().maxHeaderBytes() * 2;
        for (EventExecutor e : group) {
            pools.put(e, new ConnectionPool((EventLoop) e, upstreamTemplate, config.timeouts().idle(), maxHead));
        }
        this.context = new ServerContext(state, sink, nanoClock, connections, pools, peerFacts);
    }

    /** A bootstrap template for upstream connections on this server's transport (no event loop yet). */
    public Bootstrap upstreamBootstrap() {
        return new Bootstrap()
                .channel(transport.clientChannel())
                .option(ChannelOption.ALLOCATOR, PooledByteBufAllocator.DEFAULT)
                .option(ChannelOption.WRITE_BUFFER_WATER_MARK, new WriteBufferWaterMark(32 * 1024, 64 * 1024));
    }

    public EventLoopGroup group() {
        return group;
    }

    /**
     * Reads every TLS listener's files, binds every configured listener and starts watching the TLS files;
     * returns the bound address of each listener by name.
     *
     * @throws ConfigException when a TLS listener's files cannot be used
     */
    public Map<String, InetSocketAddress> start() throws InterruptedException, ConfigException {
        GatewayConfig config = context.state.get().config().config();
        Map<String, DownstreamTls> tls = new LinkedHashMap<>();
        SslProvider provider = DownstreamTls.provider();
        long handshakeTimeout = config.timeouts().requestHeader().toMillis();
        for (ListenerConfig l : config.listeners()) {
            if (l.tls() != null) {
                tls.put(l.name(), DownstreamTls.start(l.name(), l.tls(), l.http2(), provider, handshakeTimeout, tlsEvents));
            }
        }
        if (!tls.isEmpty()) {
            log.info("client TLS uses {}", DownstreamTls.describe(provider));
        }
        for (ListenerConfig l : config.listeners()) {
            DownstreamTls listenerTls = tls.get(l.name());
            HandshakeObserver observer = listenerTls == null ? null : new HandshakeObserver(l.name(), tlsEvents, handshakeLog);
            ServerBootstrap b = new ServerBootstrap()
                    .group(group)
                    .channel(transport.serverChannel())
                    .option(ChannelOption.SO_BACKLOG, 1024)
                    .option(ChannelOption.SO_REUSEADDR, true)
                    .childOption(ChannelOption.AUTO_READ, false)
                    .childOption(ChannelOption.TCP_NODELAY, true)
                    .childOption(ChannelOption.ALLOCATOR, PooledByteBufAllocator.DEFAULT)
                    .childOption(ChannelOption.WRITE_BUFFER_WATER_MARK, new WriteBufferWaterMark(32 * 1024, 64 * 1024))
                    .childHandler(new ClientPipelines(context, l.name(), listenerTls, observer, l.http2(), http2Events, http2Log));
            Channel ch = ListenerBindException.bind(b, l.address(), "listener " + l.name());
            listeners.add(ch);
            InetSocketAddress addr = (InetSocketAddress) ch.localAddress();
            bound.put(l.name(), addr);
            log.info("listener {} accepting {} on {} ({})", l.name(), describe(listenerTls != null, l.http2()), addr, transport.name());
        }
        if (!tls.isEmpty()) {
            rotation = new CertificateRotation(List.copyOf(tls.values()), ROTATION_CHECK_INTERVAL);
        }
        return Map.copyOf(bound);
    }

    private static String describe(boolean tls, boolean http2) {
        if (tls) {
            return http2 ? "HTTPS (HTTP/2 by ALPN, HTTP/1.1)" : "HTTPS (HTTP/1.1)";
        }
        return http2 ? "HTTP (HTTP/1.1, HTTP/2 with prior knowledge)" : "HTTP (HTTP/1.1)";
    }

    public Map<String, InetSocketAddress> boundAddresses() {
        return Map.copyOf(bound);
    }

    /** Requests being served right now. */
    public int inFlight() {
        return context.inFlight();
    }

    /**
     * Stops accepting, lets in-flight requests finish within {@code grace} (idle connections close at once,
     * busy ones after their current response), then closes everything.
     */
    public void shutdown(Duration grace) {
        shutdown(grace, () -> {
        });
    }

    /**
     * As {@link #shutdown(Duration)}, running {@code beforeLoopsStop} once every connection is closed and before the
     * event loops stop: for what keeps channels of its own on them (the state store's Redis connections).
     */
    public void shutdown(Duration grace, Runnable beforeLoopsStop) {
        context.startDraining();
        CertificateRotation r = rotation;
        if (r != null) {
            r.close();
        }
        for (Channel l : listeners) {
            l.close().awaitUninterruptibly();
        }
        for (Channel c : connections) {
            c.eventLoop().execute(() -> {
                ProxyHandler h = c.pipeline().get(ProxyHandler.class);
                if (h != null) {
                    h.startDraining();
                }
                Http2ConnectionGuard h2 = c.pipeline().get(Http2ConnectionGuard.class);
                if (h2 != null) {
                    h2.startDraining();
                }
            });
        }
        long deadline = System.nanoTime() + grace.toNanos();
        while (context.inFlight() > 0 && System.nanoTime() < deadline) {
            try {
                Thread.sleep(20);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                break;
            }
        }
        if (context.inFlight() > 0) {
            log.warn("{} requests still in flight after the {} grace period; closing them", context.inFlight(), grace);
        }
        connections.close().awaitUninterruptibly(5, TimeUnit.SECONDS);
        try {
            beforeLoopsStop.run();
        } finally {
            group.shutdownGracefully(0, 2, TimeUnit.SECONDS).awaitUninterruptibly(5, TimeUnit.SECONDS);
        }
    }

    @Override
    public void close() {
        shutdown(Duration.ZERO);
    }
}
