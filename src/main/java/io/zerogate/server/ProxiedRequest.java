package io.zerogate.server;

import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ConnectTimeoutException;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpStatusClass;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.util.AsciiString;
import io.netty.util.ReferenceCountUtil;
import io.zerogate.chain.Decision;
import io.zerogate.chain.QueryString;
import io.zerogate.chain.UpstreamEdits;
import io.zerogate.chain.Exchange;
import io.zerogate.chain.ExchangeOutcome;
import io.zerogate.chain.ReasonCode;
import io.zerogate.chain.TraceContext;
import io.zerogate.config.ServiceConfig;
import io.zerogate.http.PathNormaliser;
import io.zerogate.upstream.ConnectionPool;
import io.zerogate.upstream.ResponseListener;
import io.zerogate.upstream.UpstreamConnection;
import io.zerogate.upstream.UpstreamService;
import io.zerogate.upstream.UpstreamTarget;
import io.zerogate.upstream.UpstreamTlsException;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One allowed request on its way to an upstream and its response on the way back, both streamed.
 * Backpressure runs both ways: client bytes are read only while the upstream connection is writable, and
 * upstream bytes only while the client connection is. Everything happens on the client connection's event
 * loop, which is also the upstream connection's.
 */
final class ProxiedRequest implements ResponseListener, ConnectionPool.Acquisition {

    private static final Logger log = LoggerFactory.getLogger(ProxiedRequest.class);

    static final AsciiString X_REQUEST_ID = AsciiString.cached("x-request-id");
    private static final AsciiString TRACEPARENT = AsciiString.cached("traceparent");
    private static final AsciiString TRACESTATE = AsciiString.cached("tracestate");
    private static final int MAX_ATTEMPTS = 3;

    private enum Phase { DECIDING, CONNECTING, FORWARDING, TUNNEL, DONE }

    private final ProxyHandler client;
    private final ServerContext server;
    private final HttpRequest request;
    private final Exchange exchange;
    private final TraceContext trace;
    private final UpstreamService service;
    private final ServiceConfig serviceConfig;
    private final boolean head;
    private final boolean idempotent;
    private final boolean expectContinue;
    private final boolean upgrade;
    private final boolean clientKeepAlive;
    private final boolean http10;

    private Phase phase = Phase.DECIDING;
    private @Nullable UpstreamConnection connection;
    private @Nullable UpstreamTarget failedTarget;
    private boolean reusedConnection;
    private int attempts;
    private boolean requestComplete;
    private boolean bodyForwarded;
    private boolean upstreamNeedsFlush;
    private boolean responseStarted;
    private boolean closeClientAfter;
    private boolean upstreamKeepAlive;
    private int status;
    private boolean responseTimerArmed;
    private long bytesIn;
    private long bytesOut;
    private long chainNanos;
    private long upstreamStart;
    /** When the current connection was asked for (the gateway's clock). */
    private long connectNanos;
    private long upstreamNanos;

    ProxiedRequest(ProxyHandler client, ServerContext server, HttpRequest request, Exchange exchange, TraceContext trace,
                   UpstreamService service, RuntimeSnapshot state, PathNormaliser.Ok target,
                   @Nullable String hostHeader, boolean expectContinue, boolean bodyFollows) {
        this.client = client;
        this.server = server;
        this.request = request;
        this.exchange = exchange;
        this.trace = trace;
        this.service = service;
        this.serviceConfig = service.config();
        this.head = request.method() == HttpMethod.HEAD;
        this.idempotent = isIdempotent(request.method());
        this.expectContinue = expectContinue;
        this.upgrade = !client.isStream() && HopByHop.isUpgradeRequest(request.headers()) && request.method() == HttpMethod.GET
                && request.protocolVersion() == HttpVersion.HTTP_1_1 && !bodyFollows;
        this.clientKeepAlive = HttpUtil.isKeepAlive(request);
        this.http10 = request.protocolVersion() == HttpVersion.HTTP_1_0;
        rewriteForUpstream(state, target, hostHeader);
    }

    private static boolean isIdempotent(HttpMethod m) {
        return m == HttpMethod.GET || m == HttpMethod.HEAD || m == HttpMethod.OPTIONS || m == HttpMethod.TRACE
                || m == HttpMethod.PUT || m == HttpMethod.DELETE;
    }

    /** Turns the client's request head into the one the upstream receives, in place. */
    private void rewriteForUpstream(RuntimeSnapshot state, PathNormaliser.Ok target, @Nullable String hostHeader) {
        HttpHeaders h = request.headers();
        boolean peerTrusted = state.config().config().trustedProxies().cidrs().contains(exchange.client().direct().getAddress());
        HopByHop.strip(h, upgrade);
        if (upgrade) {
            h.set(HttpHeaderNames.CONNECTION, HttpHeaderValues.UPGRADE);
        }
        h.remove(HttpHeaderNames.EXPECT);
        client.forwarding().apply(h, peerTrusted, exchange.client().effective(), hostHeader);
        h.set(X_REQUEST_ID, exchange.requestId());
        if (!trace.continued()) {
            // State that belonged to a trace the client did not validly name would be attached to a new one.
            h.remove(TRACESTATE);
        }
        h.set(TRACEPARENT, trace.traceparent());
        if (hostHeader == null) {
            h.set(HttpHeaderNames.HOST, serviceConfig.targets().get(0).authority());
        }
        String query = target.query();
        request.setUri(query == null ? target.path() : target.path() + '?' + query);
        request.setProtocolVersion(HttpVersion.HTTP_1_1);
    }

    // ---- decision and connection --------------------------------------------------------------------

    void decided(Decision decision) {
        if (phase != Phase.DECIDING) {
            return;
        }
        long now = server.nanoClock.getAsLong();
        chainNanos = now - exchange.startNanos();
        if (decision instanceof Decision.Deny deny) {
            fail(deny);
            return;
        }
        applyEdits();
        phase = Phase.CONNECTING;
        connect(now);
    }

    /** What the chain asked to change in the forwarded request: credentials out, the gateway's assertion in. */
    private void applyEdits() {
        UpstreamEdits edits = exchange.recordedEdits();
        if (edits == null) {
            return;
        }
        HttpHeaders h = request.headers();
        for (String name : edits.removedHeaders()) {
            h.remove(name);
        }
        for (Decision.ResponseHeader header : edits.setHeaders()) {
            h.set(header.name(), header.value());
        }
        if (!edits.removedQueryParameters().isEmpty()) {
            String query = exchange.request().query();
            if (query != null) {
                String kept = QueryString.without(query, edits.removedQueryParameters());
                String path = exchange.request().path();
                request.setUri(kept.isEmpty() ? path : path + '?' + kept);
            }
        }
    }

    /** Picks a target and asks the loop's pool for a connection; {@code now} is a fresh reading of the gateway's clock. */
    private void connect(long now) {
        UpstreamTarget target = service.pick(now, failedTarget);
        if (target == null) {
            fail(Decision.deny(ReasonCode.UPSTREAM_UNAVAILABLE, "no available target in service " + serviceConfig.name()));
            return;
        }
        attempts++;
        pickedTarget = target;
        connectNanos = now;
        server.pool(client.ctx().channel().eventLoop()).acquire(service, target, this, now);
    }

    @Override
    public void onConnected(UpstreamConnection conn, boolean reused) {
        if (phase != Phase.CONNECTING) {
            conn.release(serviceConfig.maxConnectionsPerTarget());
            return;
        }
        connection = conn;
        reusedConnection = reused;
        conn.lease(this, service.balancesByLoad());
        phase = Phase.FORWARDING;
        // A pooled connection is handed over at once: the clock read when it was asked for still holds.
        upstreamStart = reused ? connectNanos : server.nanoClock.getAsLong();
        Channel up = conn.channel();
        up.write(request, up.voidPromise());
        upstreamNeedsFlush = true;
        if (pendingLast) {
            pendingLast = false;
            up.write(LastHttpContent.EMPTY_LAST_CONTENT, up.voidPromise());
            requestComplete = true;
            armResponseTimer(upstreamStart);
        }
        if (expectContinue) {
            client.writeContinue();
        }
        client.drain();
        if (!client.isDraining()) {
            flushUpstream();
        }
        up.read();
        client.readIfWanted();
    }

    @Override
    public void onConnectFailed(Throwable cause) {
        if (phase != Phase.CONNECTING) {
            return;
        }
        UpstreamTarget target = pickedTarget;
        if (target != null) {
            target.onConnectFailure(server.nanoClock.getAsLong(), serviceConfig.passiveHealth());
            failedTarget = target;
        }
        if (idempotent && attempts < MAX_ATTEMPTS && attempts < service.targets().size()) {
            connect(server.nanoClock.getAsLong());
            return;
        }
        if (cause instanceof UpstreamTlsException) {
            fail(Decision.deny(ReasonCode.UPSTREAM_TLS_FAILED, cause.getMessage()));
        } else if (cause instanceof ConnectTimeoutException) {
            fail(Decision.deny(ReasonCode.UPSTREAM_TIMEOUT, "connect to " + target + " timed out"));
        } else {
            fail(Decision.deny(ReasonCode.UPSTREAM_CONNECT_FAILED, "connect to " + target + " failed: " + cause.getMessage()));
        }
    }

    private @Nullable UpstreamTarget pickedTarget;

    // ---- request body -----------------------------------------------------------------------------

    boolean acceptsBody() {
        return phase == Phase.FORWARDING && !requestComplete;
    }

    /** True until the request has an upstream connection: while its decision or its connection is awaited. */
    boolean awaitingUpstream() {
        return phase == Phase.DECIDING || phase == Phase.CONNECTING;
    }

    boolean wantsClientInput() {
        UpstreamConnection c = connection;
        if (phase == Phase.TUNNEL || (phase == Phase.FORWARDING && !requestComplete)) {
            return c != null && c.channel().isWritable();
        }
        // With the request complete, a read only notices the client leaving or queues the next pipelined
        // request (the handler stops reading while anything is queued). Keeping the read armed also spares
        // the event loop re-registering interest in every keep-alive request.
        return phase == Phase.FORWARDING;
    }

    void forwardBody(HttpContent content) {
        UpstreamConnection c = connection;
        if (c == null) {
            content.release();
            return;
        }
        int size = content.content().readableBytes();
        if (size > 0) {
            bodyForwarded = true;
            bytesIn += size;
        }
        boolean last = content instanceof LastHttpContent;
        c.channel().write(content, c.channel().voidPromise());
        upstreamNeedsFlush = true;
        if (last) {
            requestComplete = true;
            flushUpstream();
            if (!responseStarted) {
                armResponseTimer(server.nanoClock.getAsLong());
            } else if (phase == Phase.DONE) {
                finish();
            }
        }
    }

    void flushUpstream() {
        UpstreamConnection c = connection;
        if (upstreamNeedsFlush && c != null) {
            upstreamNeedsFlush = false;
            c.channel().flush();
        }
    }

    private void armResponseTimer(long now) {
        if (responseTimerArmed) {
            return;
        }
        responseTimerArmed = true;
        client.responseDeadline().startNanos(serviceConfig.responseTimeout().toNanos(), now);
    }

    private void cancelResponseTimer() {
        if (responseTimerArmed) {
            responseTimerArmed = false;
            client.responseDeadline().clear();
        }
    }

    /** The upstream did not begin its response within the service's response timeout. */
    void responseTimedOut() {
        responseTimerArmed = false;
        if (phase == Phase.FORWARDING && !responseStarted) {
            fail(Decision.deny(ReasonCode.UPSTREAM_TIMEOUT, "no response from " + connectionTarget() + " in "
                    + serviceConfig.responseTimeout()));
        }
    }

    // ---- response ------------------------------------------------------------------------------------

    @Override
    public void onResponseHead(HttpResponse response) {
        if (phase != Phase.FORWARDING) {
            return;
        }
        if (response.decoderResult().isFailure()) {
            // Not HTTP, a head too large, a bad Content-Length: what the codec salvaged must not reach the client.
            fail(Decision.deny(ReasonCode.UPSTREAM_PROTOCOL_ERROR, "unparseable response from " + connectionTarget()
                    + ": " + response.decoderResult().cause()));
            return;
        }
        HttpResponseStatus st = response.status();
        if (st.codeClass() == HttpStatusClass.INFORMATIONAL) {
            if (st.code() == 101 && upgrade) {
                openTunnel(response);
            }
            // Other interim responses (100, 103) are not relayed: the gateway answered Expect itself.
            return;
        }
        cancelResponseTimer();
        responseStarted = true;
        status = st.code();
        HttpHeaders h = response.headers();
        upstreamKeepAlive = HttpUtil.isKeepAlive(response);
        boolean chunked = HttpUtil.isTransferEncodingChunked(response);
        HopByHop.strip(h, false);
        if (chunked) {
            h.set(HttpHeaderNames.TRANSFER_ENCODING, HttpHeaderValues.CHUNKED);
        }
        boolean bodyless = head || st.code() == 204 || st.code() == 304;
        boolean delimited = bodyless || chunked || h.contains(HttpHeaderNames.CONTENT_LENGTH);
        closeClientAfter = !clientKeepAlive || client.mustCloseAfterResponse() || !requestComplete;
        if (!delimited) {
            // A close-delimited upstream body: re-frame it as chunked for HTTP/1.1 clients; 1.0 clients
            // learn the end by the close.
            if (http10) {
                closeClientAfter = true;
            } else {
                h.set(HttpHeaderNames.TRANSFER_ENCODING, HttpHeaderValues.CHUNKED);
            }
        } else if (chunked && http10) {
            h.remove(HttpHeaderNames.TRANSFER_ENCODING);
            closeClientAfter = true;
        }
        if (closeClientAfter) {
            h.set(HttpHeaderNames.CONNECTION, HttpHeaderValues.CLOSE);
        } else if (http10) {
            h.set(HttpHeaderNames.CONNECTION, HttpHeaderValues.KEEP_ALIVE);
        }
        h.set(X_REQUEST_ID, exchange.requestId());
        for (Decision.ResponseHeader header : exchange.responseHeaders()) {
            h.add(header.name(), header.value());
        }
        response.setProtocolVersion(HttpVersion.HTTP_1_1);
        client.prepareResponseHead(head);
        if (!(response instanceof HttpContent)) {
            // A response that carries its whole body is written once, head and body together, as its content.
            client.ctx().write(response, client.ctx().voidPromise());
        }
    }

    @Override
    public void onResponseContent(HttpContent content) {
        if (phase != Phase.FORWARDING || !responseStarted) {
            content.release();
            return;
        }
        if (content.decoderResult().isFailure()) {
            // The codec marks a malformed chunk as the last content; relaying it would end a truncated body cleanly.
            content.release();
            breakOff();
            return;
        }
        bytesOut += content.content().readableBytes();
        if (content instanceof LastHttpContent) {
            phase = Phase.DONE;
            // What the request held (a concurrency lease) is given back before the client can see the response end,
            // so that a client sending its next request at once finds it free.
            endExchange();
            if (closeClientAfter) {
                client.ctx().writeAndFlush(content).addListener(ChannelFutureListener.CLOSE);
            } else {
                client.ctx().writeAndFlush(content, client.ctx().voidPromise());
            }
            finish();
        } else {
            client.ctx().write(content, client.ctx().voidPromise());
        }
    }

    @Override
    public void onReadComplete() {
        client.touch();
        if (phase == Phase.FORWARDING || phase == Phase.TUNNEL) {
            client.ctx().flush();
            UpstreamConnection c = connection;
            if (c != null && client.ctx().channel().isWritable()) {
                c.channel().read();
            }
        }
    }

    /** The client can take more response bytes: resume reading the upstream. */
    void clientWritable() {
        UpstreamConnection c = connection;
        if (c != null && (phase == Phase.FORWARDING || phase == Phase.TUNNEL)) {
            c.channel().read();
        }
    }

    @Override
    public void onWritabilityChanged(boolean writable) {
        if (writable) {
            client.touch();
            client.readIfWanted();
        }
    }

    /** The exchange is complete on the upstream side; settle both connections. */
    private void finish() {
        UpstreamConnection c = connection;
        connection = null;
        long now = server.nanoClock.getAsLong();
        if (c != null) {
            // An upstream that answered before it had the whole request body is mid-message: never reuse it.
            if (upstreamKeepAlive && requestComplete) {
                c.release(serviceConfig.maxConnectionsPerTarget(), now);
            } else {
                c.discard();
            }
        }
        record(status, null, false, now);
        if (closeClientAfter) {
            // The last write closes the client connection once it is on the wire.
            client.requestFinishedAndClosing();
        } else {
            client.requestFinished();
        }
    }

    @Override
    public void onUpgradedBytes(ByteBuf bytes) {
        if (phase == Phase.TUNNEL) {
            client.ctx().write(bytes, client.ctx().voidPromise());
        } else {
            bytes.release();
        }
    }

    @Override
    public void onClosed(@Nullable Throwable cause) {
        discardConnection();
        switch (phase) {
            case TUNNEL -> {
                phase = Phase.DONE;
                record(101, null, false);
                client.requestFinishedAndClosing();
                client.ctx().flush();
                client.ctx().close();
            }
            case FORWARDING -> {
                if (responseStarted) {
                    breakOff();
                } else if (reusedConnection && idempotent && !bodyForwarded && attempts < MAX_ATTEMPTS) {
                    // A pooled connection the upstream had already closed: safe to send again.
                    cancelResponseTimer();
                    pendingLast = requestComplete;
                    requestComplete = false;
                    phase = Phase.CONNECTING;
                    connect(server.nanoClock.getAsLong());
                } else if (cause instanceof UpstreamTlsException && !reusedConnection) {
                    // The target refused the new connection by TLS alert after the client side of the handshake
                    // had completed (TLS 1.3 checks the client's certificate then): a failed connect, with a
                    // request that never reached the upstream's HTTP.
                    UpstreamTarget target = pickedTarget;
                    if (target != null) {
                        target.onConnectFailure(server.nanoClock.getAsLong(), serviceConfig.passiveHealth());
                        failedTarget = target;
                    }
                    if (idempotent && !bodyForwarded && attempts < MAX_ATTEMPTS && attempts < service.targets().size()) {
                        cancelResponseTimer();
                        pendingLast = requestComplete;
                        requestComplete = false;
                        phase = Phase.CONNECTING;
                        connect(server.nanoClock.getAsLong());
                    } else {
                        fail(Decision.deny(ReasonCode.UPSTREAM_TLS_FAILED, cause.getMessage()));
                    }
                } else {
                    fail(Decision.deny(ReasonCode.UPSTREAM_PROTOCOL_ERROR, "upstream closed before responding"
                            + (cause != null ? ": " + cause.getMessage() : "")));
                }
            }
            default -> { }
        }
    }

    /**
     * The response broke off after its head went out: the client cannot be told cleanly, so its connection
     * ends too, after what was already relayed, and without the end of the body.
     */
    private void breakOff() {
        phase = Phase.DONE;
        discardConnection();
        record(status, Decision.deny(ReasonCode.UPSTREAM_PROTOCOL_ERROR, "upstream response broke off after its head"), false);
        client.requestFinishedAndClosing();
        client.ctx().flush();
        client.ctx().close();
    }

    /** Set when a resent request still owes the upstream its (empty) last content. */
    private boolean pendingLast;

    // ---- protocol switch -------------------------------------------------------------------------------

    private void openTunnel(HttpResponse response) {
        cancelResponseTimer();
        phase = Phase.TUNNEL;
        status = 101;
        responseStarted = true;
        UpstreamConnection c = connection;
        if (c == null) {
            return;
        }
        HopByHop.strip(response.headers(), true);
        response.headers().set(HttpHeaderNames.CONNECTION, HttpHeaderValues.UPGRADE);
        response.headers().set(X_REQUEST_ID, exchange.requestId());
        client.prepareResponseHead(false);
        client.ctx().writeAndFlush(response);
        c.switchToRawBytes();
        client.switchToTunnel();
        client.readIfWanted();
    }

    boolean isTunnel() {
        return phase == Phase.TUNNEL;
    }

    void tunnelFromClient(ByteBuf bytes) {
        UpstreamConnection c = connection;
        if (c == null) {
            bytes.release();
            return;
        }
        c.channel().write(bytes, c.channel().voidPromise());
        upstreamNeedsFlush = true;
    }

    // ---- failure paths ---------------------------------------------------------------------------------

    /** Ends the request with a problem response from the gateway (nothing was sent to the client yet). */
    private void fail(Decision.Deny deny) {
        if (phase == Phase.DONE) {
            return;
        }
        phase = Phase.DONE;
        cancelResponseTimer();
        discardConnection();
        boolean close = !requestComplete && (bodyForwarded || expectsBody()) || !clientKeepAlive || client.mustCloseAfterResponse();
        client.writeProblem(deny, exchange.requestId(), head, close);
        record(deny.status(), deny, false);
        if (close) {
            client.requestFinishedAndClosing();
        } else {
            client.requestFinished();
        }
    }

    private boolean expectsBody() {
        return HttpUtil.isTransferEncodingChunked(request) || HttpUtil.getContentLength(request, 0L) > 0;
    }

    /**
     * The client's body lost its framing (a bad chunk size or delimiter). The upstream connection is cut, so
     * the upstream never sees that body end nor reads what follows as a request. The client gets the problem
     * response unless the upstream's response has begun, in which case its connection just ends.
     */
    void bodyMalformed(Decision.Deny deny) {
        if (phase == Phase.DONE) {
            return;
        }
        if (!responseStarted) {
            // The body never completed, so the answer closes the connection.
            fail(deny);
            return;
        }
        phase = Phase.DONE;
        discardConnection();
        record(status, deny, false);
        client.requestFinishedAndClosing();
        client.ctx().close();
    }

    /** Ends the lease on the upstream connection and closes it: its framing can no longer be trusted. */
    private void discardConnection() {
        UpstreamConnection c = connection;
        connection = null;
        if (c != null) {
            c.discard();
        }
    }

    /** The client connection closed. */
    void clientGone() {
        if (phase == Phase.DONE) {
            return;
        }
        boolean wasTunnel = phase == Phase.TUNNEL;
        phase = Phase.DONE;
        cancelResponseTimer();
        discardConnection();
        record(wasTunnel ? 101 : responseStarted ? status : 0, null, !wasTunnel);
    }

    /** No bytes moved either way for the idle timeout. */
    void idle() {
        if (phase == Phase.TUNNEL || (phase == Phase.FORWARDING && responseStarted)) {
            client.ctx().close();
        } else if (phase == Phase.FORWARDING && !requestComplete) {
            UpstreamConnection c = connection;
            if (c != null && !c.channel().isWritable()) {
                // The client was not idle: the gateway stopped reading it because the upstream takes no more body.
                fail(Decision.deny(ReasonCode.UPSTREAM_TIMEOUT, "upstream " + c.target() + " stopped reading the request body"));
            } else {
                fail(Decision.deny(ReasonCode.REQUEST_TIMEOUT, "request body stalled"));
            }
        }
        // Deciding, connecting, or waiting for the response head: those have their own timeouts.
    }

    private @Nullable UpstreamTarget connectionTarget() {
        UpstreamConnection c = connection;
        return c == null ? null : c.target();
    }

    private boolean recorded;

    private void endExchange() {
        try {
            exchange.end();
        } catch (RuntimeException e) {
            log.warn("releasing what request {} held failed", exchange.requestId(), e);
        }
    }

    private void record(int statusSent, Decision.@Nullable Deny refusal, boolean aborted) {
        record(statusSent, refusal, aborted, server.nanoClock.getAsLong());
    }

    private void record(int statusSent, Decision.@Nullable Deny refusal, boolean aborted, long now) {
        if (recorded) {
            return;
        }
        recorded = true;
        endExchange();
        UpstreamTarget t = pickedTarget;
        if (upstreamStart != 0 && upstreamNanos == 0) {
            upstreamNanos = now - upstreamStart;
        }
        server.requestEnded(new ExchangeOutcome(exchange.requestId(), exchange.listener(), trace, exchange.request(),
                exchange.client(), exchange, exchange.route().id(), exchange.request().method(), statusSent, refusal,
                t == null ? null : t.url(), bytesIn, bytesOut, now - exchange.startNanos(), chainNanos,
                upstreamNanos, aborted));
    }
}
