package io.zerogate.server;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.DecoderException;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.DefaultLastHttpContent;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpObject;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.handler.ssl.SslHandler;
import io.netty.util.ReferenceCountUtil;
import io.netty.util.AsciiString;
import io.zerogate.chain.ClientAddress;
import io.zerogate.chain.Decision;
import io.zerogate.chain.Exchange;
import io.zerogate.chain.ExchangeOutcome;
import io.zerogate.chain.RequestHead;
import io.zerogate.chain.TraceContext;
import io.zerogate.chain.ProblemResponse;
import io.zerogate.chain.RandomIds;
import io.zerogate.chain.ReasonCode;
import io.zerogate.config.CompiledRoute;
import io.zerogate.config.Router;
import io.zerogate.http.PathNormaliser;
import io.zerogate.upstream.UpstreamService;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.security.cert.Certificate;
import java.security.cert.X509Certificate;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.function.Consumer;
import javax.net.ssl.SSLPeerUnverifiedException;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One HTTP/1.1 client connection, or one HTTP/2 stream: takes strictly decoded requests one at a time,
 * normalises and routes them, runs the chain, and hands allowed requests to a {@link ProxiedRequest} that
 * streams them to the upstream. Reads are explicit (auto-read is off): the connection reads a new request
 * only when the previous one is answered, and body bytes only as fast as the upstream takes them. A stream
 * carries exactly one request and ends with its response.
 */
final class ProxyHandler extends ChannelInboundHandlerAdapter {

    private static final Logger log = LoggerFactory.getLogger(ProxyHandler.class);

    private final ServerContext server;
    private final String listener;
    private final String scheme;
    /** The connection is TLS: its exchanges carry facts about the client certificate. */
    private final boolean tls;
    /** The HTTP/1.1 codecs; null on an HTTP/2 stream, whose frames are converted before this handler. */
    private final @Nullable StrictRequestDecoder decoder;
    private final @Nullable GatewayResponseEncoder encoder;
    /** This handler serves one HTTP/2 stream rather than a connection. */
    private final boolean stream;
    private final ArrayDeque<HttpObject> inbound = new ArrayDeque<>(4);

    private @Nullable ChannelHandlerContext ctx;
    private @Nullable ForwardedHeaders forwarding;
    private @Nullable ProxiedRequest current;
    /** The current response is the connection's last. */
    private boolean closeAfterResponse;
    /** Body parts of a refused request that are still arriving and must be discarded. */
    private boolean discardingBody;
    private boolean closed;
    private boolean inDrain;
    /** A malformed request that arrived behind the current one; answered when the current one is. */
    private Decision.@Nullable Deny pendingRefusal;
    /** When the next request head must be complete. */
    private @Nullable Deadline headDeadline;
    /** When the current request's upstream must have begun its response. */
    private @Nullable Deadline responseDeadline;
    /** When the connection counts as idle unless bytes moved since. */
    private @Nullable Deadline idleDeadline;
    /** The last time bytes moved on this connection or its upstream (monotonic nanoseconds). */
    private long lastActivityNanos;
    /** The current request is HTTP/1.0: a connection that stays open must say so. */
    private boolean http10;
    /** What each exchange of this TLS connection is told about its client certificate; worked out once. */
    private @Nullable Consumer<Exchange> peerFacts;
    /** The connection's peer, with nothing forwarded: shared by its requests (see {@link #peer()}). */
    private @Nullable ClientAddress peer;

    ProxyHandler(ServerContext server, String listener, String scheme, StrictRequestDecoder decoder,
                 GatewayResponseEncoder encoder) {
        this(server, listener, scheme, decoder, encoder, false);
    }

    private ProxyHandler(ServerContext server, String listener, String scheme, @Nullable StrictRequestDecoder decoder,
                         @Nullable GatewayResponseEncoder encoder, boolean stream) {
        this.server = server;
        this.listener = listener;
        this.scheme = scheme;
        this.tls = scheme.equals("https");
        this.decoder = decoder;
        this.encoder = encoder;
        this.stream = stream;
    }

    /** A handler for one HTTP/2 stream, whose pipeline turns frames into HTTP/1.1 messages before it. */
    static ProxyHandler forStream(ServerContext server, String listener, String scheme) {
        return new ProxyHandler(server, listener, scheme, null, null, true);
    }

    // ---- connection lifecycle -------------------------------------------------------------------------

    @Override
    public void handlerAdded(ChannelHandlerContext ctx) {
        this.ctx = ctx;
        headDeadline = new Deadline(ctx.executor(), server.nanoClock, this::headTimeout);
        idleDeadline = new Deadline(ctx.executor(), server.nanoClock, this::idleCheck);
        responseDeadline = new Deadline(ctx.executor(), server.nanoClock, () -> {
            ProxiedRequest r = current;
            if (r != null) {
                r.responseTimedOut();
            }
        });
    }

    @Override
    public void channelActive(ChannelHandlerContext ctx) {
        forwarding = new ForwardedHeaders((InetSocketAddress) ctx.channel().remoteAddress(), scheme);
        touch();
        idleDeadline().startNanos(idleTimeoutNanos());
        if (!stream) {
            // A stream's head arrived whole with its HEADERS frame; its connection is tracked by the HTTP/2 handler.
            server.connections.add(ctx.channel());
            armHeadTimer();
        }
        ctx.read();
        ctx.fireChannelActive();
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        closed = true;
        idleDeadline().cancel();
        headDeadline().cancel();
        responseDeadline().cancel();
        HttpObject o;
        while ((o = inbound.poll()) != null) {
            ReferenceCountUtil.release(o);
        }
        ProxiedRequest r = current;
        current = null;
        if (r != null) {
            r.clientGone();
        }
        ctx.fireChannelInactive();
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (closed) {
            ReferenceCountUtil.release(msg);
            return;
        }
        if (msg instanceof HttpObject http) {
            inbound.add(http);
            drain();
        } else if (msg instanceof ByteBuf raw && current != null && current.isTunnel()) {
            current.tunnelFromClient(raw);
        } else {
            ReferenceCountUtil.release(msg);
        }
    }

    @Override
    public void channelReadComplete(ChannelHandlerContext ctx) {
        touch();
        ProxiedRequest r = current;
        if (r != null) {
            r.flushUpstream();
        }
        readIfWanted();
    }

    @Override
    public void channelWritabilityChanged(ChannelHandlerContext ctx) {
        if (ctx.channel().isWritable()) {
            touch();
        }
        ProxiedRequest r = current;
        if (r != null && ctx.channel().isWritable()) {
            r.clientWritable();
        }
        ctx.fireChannelWritabilityChanged();
    }

    /** Bytes moved on this connection or its upstream: the idle clock starts again. */
    void touch() {
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

    /**
     * The idle deadline passed: if nothing moved for the whole idle timeout, an idle keep-alive connection
     * closes and a stalled exchange is ended; otherwise the deadline moves to the idle timeout after the
     * last activity. Activity is a timestamp, not a write listener, so it costs nothing per write.
     */
    private void idleCheck() {
        if (closed) {
            return;
        }
        long timeout = idleTimeoutNanos();
        long quiet = server.nanoClock.getAsLong() - lastActivityNanos;
        if (quiet < timeout) {
            idleDeadline().startNanos(timeout - quiet);
            return;
        }
        ProxiedRequest r = current;
        if (r == null) {
            if (decoder == null || !decoder.isHeadPending()) {
                ctx().close();
                return;
            }
        } else {
            r.idle();
        }
        if (!closed) {
            idleDeadline().startNanos(timeout);
        }
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        Throwable c = cause instanceof DecoderException && cause.getCause() != null ? cause.getCause() : cause;
        if (c instanceof MalformedRequestException m) {
            refuseUnparsed(Decision.deny(m.reason(), m.getMessage()));
            return;
        }
        if (!(c instanceof IOException)) {
            log.debug("closing client connection {} after an error", ctx.channel(), c);
        }
        ctx.close();
    }

    /** Stops taking new requests: close now when idle, else after the current response. */
    void startDraining() {
        ChannelHandlerContext c = ctx;
        if (c == null || closed) {
            return;
        }
        if (current == null) {
            c.close();
        } else {
            closeAfterResponse = true;
        }
    }

    // ---- request intake -------------------------------------------------------------------------------

    /** Processes queued input as far as the current state allows. */
    void drain() {
        // Re-entrant calls (a refusal that finishes a request inside the loop) leave the work to this loop.
        if (inDrain) {
            return;
        }
        inDrain = true;
        try {
            drainQueue();
        } finally {
            inDrain = false;
        }
        // One flush for everything the loop wrote upstream (a request head and its body together).
        ProxiedRequest r = current;
        if (r != null) {
            r.flushUpstream();
        }
    }

    /** True while the intake loop runs; what it writes upstream is flushed when it ends. */
    boolean isDraining() {
        return inDrain;
    }

    private void drainQueue() {
        HttpObject o;
        while (!closed && (o = inbound.peek()) != null) {
            if (o instanceof HttpRequest request) {
                if (current != null || closeAfterResponse) {
                    return;
                }
                inbound.poll();
                discardingBody = false;
                begin(request);
                // A request that is itself an HttpContent (never from the decoder) carries no separate body.
                if (request instanceof HttpContent content) {
                    content.release();
                }
            } else {
                HttpContent content = (HttpContent) o;
                if (content.decoderResult().isFailure()) {
                    inbound.poll();
                    Throwable cause = content.decoderResult().cause();
                    content.release();
                    refuseMalformedBody(cause);
                    continue;
                }
                ProxiedRequest r = current;
                if (r == null || discardingBody) {
                    inbound.poll();
                    if (content instanceof LastHttpContent) {
                        discardingBody = false;
                    }
                    content.release();
                    continue;
                }
                if (!r.acceptsBody()) {
                    return;
                }
                inbound.poll();
                r.forwardBody(withoutTrailers(content));
            }
        }
    }

    /**
     * Request trailers are not forwarded: the gateway vouches for the head it sends, and a back end that
     * merges trailer fields into the head would otherwise take client-chosen forwarding or identity fields.
     */
    private static HttpContent withoutTrailers(HttpContent content) {
        if (content instanceof LastHttpContent last && !last.trailingHeaders().isEmpty()) {
            // The new message takes over the buffer; the old one is dropped without a release.
            return new DefaultLastHttpContent(last.content());
        }
        return content;
    }

    /** Issues a read when the state wants more input and nothing queued is waiting. */
    void readIfWanted() {
        ChannelHandlerContext c = ctx;
        if (c == null || closed) {
            return;
        }
        ProxiedRequest r = current;
        if (!inbound.isEmpty()) {
            // While the request waits for its decision or its upstream connection, its end may be all that is
            // queued. Nothing the client sends next can reach the upstream before this response, and a read
            // left armed brings in at most one more batch, which then waits here; it spares the event loop
            // taking the socket out of its interest set and putting it back for every such request.
            if (r != null && r.awaitingUpstream() && onlyRequestEndQueued()) {
                c.read();
            }
            return;
        }
        if (r == null) {
            if (!closeAfterResponse) {
                c.read();
            }
        } else if (r.wantsClientInput()) {
            c.read();
        }
    }

    /** True when the queue holds the rest of the current request's body, through its end, and nothing after it. */
    private boolean onlyRequestEndQueued() {
        if (discardingBody || !(inbound.peekLast() instanceof LastHttpContent)) {
            return false;
        }
        for (HttpObject o : inbound) {
            if (o instanceof HttpRequest) {
                return false;
            }
        }
        return true;
    }

    private void begin(HttpRequest request) {
        cancelHeadTimer();
        http10 = request.protocolVersion().equals(HttpVersion.HTTP_1_0);
        long start = server.nanoClock.getAsLong();
        int maxHeaderCount = server.state.get().config().config().limits().maxHeaderCount();
        RequestHeadCheck.Verdict verdict = RequestHeadCheck.check(request, maxHeaderCount);
        if (verdict instanceof RequestHeadCheck.FramingLost lost) {
            refuseUnparsed(lost.deny());
            return;
        }
        if (verdict instanceof RequestHeadCheck.Refused refused) {
            refuse(refused.deny(), request, start, null, refused.bodyFollows());
            return;
        }
        RequestHeadCheck.Accepted head = (RequestHeadCheck.Accepted) verdict;
        if (!server.accepting()) {
            refuse(Decision.deny(ReasonCode.AUDIT_UNAVAILABLE, "the audit trail cannot take more records"),
                    request, start, null, head.bodyFollows());
            return;
        }
        HttpHeaders headers = request.headers();
        String method = head.method();
        String host = head.host();
        String hostHeader = head.hostHeader();
        PathNormaliser.Ok ok = head.target();
        boolean bodyFollows = head.bodyFollows();
        boolean expectContinue = head.expectContinue();
        RuntimeSnapshot state = server.state.get();
        Router.Result<CompiledRoute> routed = state.config().router().route(host, method, ok.path());
        if (routed instanceof Router.MethodNotAllowed<CompiledRoute> mna) {
            refuse(Decision.deny(ReasonCode.METHOD_NOT_ALLOWED, "method " + method + " not routed")
                    .withHeader("Allow", String.join(", ", mna.allowed())), request, start, null, bodyFollows);
            return;
        }
        if (!(routed instanceof Router.Found<CompiledRoute> found)) {
            refuse(Decision.deny(ReasonCode.NO_ROUTE, "no route for " + method + " " + host + ok.path()),
                    request, start, null, bodyFollows);
            return;
        }
        CompiledRoute route = found.value();
        UpstreamService service = state.upstreams().service(route.service().name());
        if (service == null) {
            refuse(Decision.deny(ReasonCode.UPSTREAM_UNAVAILABLE, "service " + route.service().name() + " missing"),
                    request, start, route.id(), bodyFollows);
            return;
        }
        ClientAddress client = ForwardedHeaders.clientAddress(peer(), headers, state.config().config().trustedProxies().cidrs());
        String requestId = newRequestId();
        Exchange exchange = new Exchange(requestId, listener, new NettyRequestHead(method, scheme, host, ok.path(), ok.query(), headers,
                request.uri()),
                client, route, found.params(), start);
        if (tls) {
            attachPeerFacts(exchange);
        }
        server.requestStarted();
        TraceContext trace = TraceContext.from(headers.get(TRACEPARENT), state.config().config().tracing() != null);
        ProxiedRequest r = new ProxiedRequest(this, server, request, exchange, trace, service, state, ok, hostHeader,
                expectContinue, bodyFollows);
        current = r;
        CompletableFuture<Decision> decision = state.chain().run(exchange, ctx().channel().eventLoop()).toCompletableFuture();
        if (decision.isDone()) {
            Decision d = decision.getNow(null);
            r.decided(d != null ? d : Decision.deny(ReasonCode.STAGE_NO_DECISION, "chain answered nothing"));
        } else {
            decision.whenComplete((d, t) -> {
                Decision settled = t != null || d == null
                        ? Decision.deny(ReasonCode.STAGE_ERROR, "chain failed") : d;
                if (ctx().executor().inEventLoop()) {
                    r.decided(settled);
                } else {
                    ctx().executor().execute(() -> r.decided(settled));
                }
            });
        }
    }

    private void attachPeerFacts(Exchange exchange) {
        Consumer<Exchange> facts = peerFacts;
        if (facts == null) {
            // Worked out once per connection, however many streams it carries.
            Channel connection = connection();
            facts = connection.attr(PEER_FACTS).get();
            if (facts == null) {
                facts = server.peerFacts.forConnection(verifiedPeerChain(connection));
                connection.attr(PEER_FACTS).set(facts);
            }
            peerFacts = facts;
        }
        facts.accept(exchange);
    }

    private static final io.netty.util.AttributeKey<Consumer<Exchange>> PEER_FACTS =
            io.netty.util.AttributeKey.valueOf(ProxyHandler.class, "peerFacts");

    /** The client's TCP connection: the channel itself, or the connection an HTTP/2 stream belongs to. */
    private Channel connection() {
        Channel ch = ctx().channel();
        Channel parent = ch.parent();
        return stream && parent != null ? parent : ch;
    }

    /** The client's chain as the completed handshake verified it, leaf first; empty when it sent none. */
    private static List<X509Certificate> verifiedPeerChain(Channel connection) {
        SslHandler ssl = connection.pipeline().get(SslHandler.class);
        if (ssl == null || !ssl.handshakeFuture().isSuccess()) {
            // Never read as "no certificate": the connection is closed instead.
            throw new IllegalStateException("a request on a TLS connection without a completed handshake");
        }
        Certificate[] peer;
        try {
            peer = ssl.engine().getSession().getPeerCertificates();
        } catch (SSLPeerUnverifiedException e) {
            return List.of();
        }
        List<X509Certificate> chain = new ArrayList<>(peer.length);
        for (Certificate c : peer) {
            if (c instanceof X509Certificate x) {
                chain.add(x);
            }
        }
        return chain;
    }

    // ---- answers ------------------------------------------------------------------------------------

    /**
     * Answers a request the gateway would not forward, before or after the chain. Keeps the connection when
     * the request's body (if any) can be skipped cheaply, i.e. it has none.
     */
    void refuse(Decision.Deny deny, HttpRequest request, long start, @Nullable String routeId, boolean bodyFollows) {
        String requestId = newRequestId();
        boolean keepAlive = !bodyFollows && HttpUtil.isKeepAlive(request) && !mustCloseAfterResponse();
        server.requestStarted();
        writeProblem(deny, requestId, request.method() == HttpMethod.HEAD, !keepAlive);
        HttpHeaders headers = request.headers();
        ClientAddress client = ForwardedHeaders.clientAddress(peer(), headers,
                server.state.get().config().config().trustedProxies().cidrs());
        String host = headers.get(HttpHeaderNames.HOST, "-");
        String target = request.uri();
        RequestHead head = new NettyRequestHead(request.method().name(), scheme, host,
                target.length() > RECORDED_TARGET ? target.substring(0, RECORDED_TARGET) : target, null, headers, target);
        server.requestEnded(new ExchangeOutcome(requestId, listener, TraceContext.from(headers.get(TRACEPARENT),
                server.state.get().config().config().tracing() != null), head,
                client, null, routeId, request.method().name(), deny.status(), deny, null, 0, 0,
                server.nanoClock.getAsLong() - start, 0, 0, false));
        if (keepAlive) {
            discardingBody = true;
            requestFinished();
        } else {
            closeAfterResponse = true;
        }
    }

    /**
     * The current request's body broke off in a way that loses the framing (a bad chunk size or delimiter).
     * Its upstream connection is cut, so the upstream never sees that body end and never reads what follows
     * as a request; the client gets 400 unless a response to it has already begun.
     */
    private void refuseMalformedBody(Throwable cause) {
        Decision.Deny deny = Decision.deny(ReasonCode.AMBIGUOUS_FRAMING,
                "request body: " + cause.getClass().getSimpleName() + ": " + cause.getMessage());
        ProxiedRequest r = current;
        if (r != null) {
            r.bodyMalformed(deny);
            return;
        }
        if (closeAfterResponse) {
            // The answer already written ends the connection.
            return;
        }
        refuseUnparsed(deny);
    }

    /** Answers bytes that could not be read as a request; the framing is lost, so the connection closes. */
    private void refuseUnparsed(Decision.Deny deny) {
        if (current != null) {
            // Answered, and the connection closed, once the current response is complete. That response must
            // not close the connection itself, or this answer would never be written.
            if (pendingRefusal == null) {
                pendingRefusal = deny;
            }
            return;
        }
        String requestId = newRequestId();
        server.requestStarted();
        closeAfterResponse = true;
        writeProblem(deny, requestId, false, true);
        server.requestEnded(new ExchangeOutcome(requestId, listener, TraceContext.from(null, server.state.get().config().config().tracing() != null), null,
                peer(), null, null, "-", deny.status(), deny, null, 0, 0, 0, 0, 0, false));
    }

    /** Writes a problem response; {@code close} ends the connection once it is written. */
    ChannelFuture writeProblem(Decision.Deny deny, String requestId, boolean head, boolean close) {
        ProblemResponse problem = ProblemResponse.of(deny, requestId);
        FullHttpResponse response = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1,
                HttpResponseStatus.valueOf(problem.status()), Unpooled.wrappedBuffer(problem.body()));
        HttpHeaders h = response.headers();
        h.set(HttpHeaderNames.CONTENT_TYPE, ProblemResponse.CONTENT_TYPE)
                .setInt(HttpHeaderNames.CONTENT_LENGTH, problem.body().length)
                .set(HttpHeaderNames.CACHE_CONTROL, HttpHeaderValues.NO_STORE)
                .set(ProxiedRequest.X_REQUEST_ID, requestId);
        for (Decision.ResponseHeader header : problem.headers()) {
            h.add(header.name(), header.value());
        }
        if (close) {
            h.set(HttpHeaderNames.CONNECTION, HttpHeaderValues.CLOSE);
        } else if (http10) {
            h.set(HttpHeaderNames.CONNECTION, HttpHeaderValues.KEEP_ALIVE);
        }
        if (encoder != null) {
            encoder.answeringHead(head);
        }
        ChannelFuture f = ctx().writeAndFlush(response);
        if (close) {
            f.addListener(ChannelFutureListener.CLOSE);
        }
        return f;
    }

    /** Sends the interim 100 Continue once the chain allowed a request that expects it. */
    void writeContinue() {
        ctx().writeAndFlush(new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.CONTINUE, Unpooled.EMPTY_BUFFER));
    }

    void prepareResponseHead(boolean head) {
        if (encoder != null) {
            encoder.answeringHead(head);
        }
    }

    /** The current request is fully answered and the connection stays: take the next one. */
    void requestFinished() {
        current = null;
        Decision.Deny refusal = pendingRefusal;
        if (refusal != null) {
            pendingRefusal = null;
            closeAfterResponse = false;
            refuseUnparsed(refusal);
            return;
        }
        if (server.isDraining() || closeAfterResponse || stream) {
            closeAfterResponse = true;
            ctx().close();
            return;
        }
        armHeadTimer();
        drain();
        readIfWanted();
    }

    /** The current request is answered and the connection ends with it. */
    void requestFinishedAndClosing() {
        current = null;
        closeAfterResponse = true;
    }

    /** The current response ends the connection, or on HTTP/2 the stream (which ends with its one exchange). */
    boolean mustCloseAfterResponse() {
        return closeAfterResponse || stream || server.isDraining();
    }

    /** This handler serves an HTTP/2 stream: there is no connection of its own to switch or tunnel. */
    boolean isStream() {
        return stream;
    }

    /** Switches the client side to raw bytes after a successful protocol switch. */
    void switchToTunnel() {
        if (decoder == null || encoder == null) {
            throw new IllegalStateException("an HTTP/2 stream cannot switch protocols");
        }
        ChannelHandlerContext c = ctx();
        c.pipeline().remove(encoder);
        c.pipeline().remove(decoder);
    }

    /** This connection's forwarding headers. */
    ForwardedHeaders forwarding() {
        ForwardedHeaders f = forwarding;
        if (f == null) {
            throw new IllegalStateException("connection is not active");
        }
        return f;
    }

    /** The connection's peer as a client address with nothing forwarded, made once per connection. */
    private ClientAddress peer() {
        InetSocketAddress remote = (InetSocketAddress) ctx().channel().remoteAddress();
        ClientAddress known = peer;
        if (known == null || known.direct() != remote) {
            known = new ClientAddress(remote, null);
            peer = known;
        }
        return known;
    }

    ChannelHandlerContext ctx() {
        ChannelHandlerContext c = ctx;
        if (c == null) {
            throw new IllegalStateException("handler is not attached to a channel");
        }
        return c;
    }

    // ---- timers ---------------------------------------------------------------------------------------

    private void armHeadTimer() {
        headDeadline().startNanos(server.state.get().config().config().timeouts().requestHeader().toNanos());
    }

    /** The deadline for the current request's response head; the request sets and clears it. */
    Deadline responseDeadline() {
        Deadline d = responseDeadline;
        if (d == null) {
            throw new IllegalStateException("handler is not attached to a channel");
        }
        return d;
    }

    private Deadline headDeadline() {
        Deadline d = headDeadline;
        if (d == null) {
            throw new IllegalStateException("handler is not attached to a channel");
        }
        return d;
    }

    private void headTimeout() {
        StrictRequestDecoder decoder = this.decoder;
        if (closed || current != null || decoder == null) {
            return;
        }
        long timeout = server.state.get().config().config().timeouts().requestHeader().toNanos();
        long waited = decoder.headPendingNanos();
        if (waited >= timeout) {
            refuseUnparsed(Decision.deny(ReasonCode.REQUEST_TIMEOUT, "request head not complete in time"));
        } else {
            headDeadline().startNanos(timeout - Math.max(0, waited));
        }
    }

    private void cancelHeadTimer() {
        headDeadline().clear();
    }

    static final AsciiString TRACEPARENT = AsciiString.cached("traceparent");
    /** A refused request's target is recorded up to this many characters. */
    private static final int RECORDED_TARGET = 2048;

    static String newRequestId() {
        return RandomIds.hex128();
    }
}
