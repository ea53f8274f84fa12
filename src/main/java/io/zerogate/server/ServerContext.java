package io.zerogate.server;

import io.netty.channel.EventLoop;
import io.netty.channel.group.ChannelGroup;
import io.netty.util.concurrent.EventExecutor;
import io.zerogate.chain.ExchangeOutcome;
import io.zerogate.chain.OutcomeSink;
import io.zerogate.upstream.ConnectionPool;
import java.util.IdentityHashMap;
import java.util.Map;
import java.util.function.LongSupplier;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** What every client connection of a running gateway shares. */
final class ServerContext {

    private static final Logger log = LoggerFactory.getLogger(ServerContext.class);

    final Supplier<RuntimeSnapshot> state;
    final LongSupplier nanoClock;
    final ChannelGroup connections;
    /** Facts about the verified client certificate chain of a TLS connection, for its exchanges. */
    final PeerCertificateFacts peerFacts;
    private final OutcomeSink sink;
    private final Map<EventExecutor, ConnectionPool> pools;
    /**
     * Requests begun and not yet recorded, counted per thread so that counting costs no cache line shared between
     * cores. The sum is read only while draining.
     */
    private final ThreadCounter inFlight = new ThreadCounter();
    private volatile boolean draining;

    ServerContext(Supplier<RuntimeSnapshot> state, OutcomeSink sink, LongSupplier nanoClock,
                  ChannelGroup connections, Map<EventExecutor, ConnectionPool> pools, PeerCertificateFacts peerFacts) {
        this.state = state;
        this.peerFacts = peerFacts;
        this.sink = sink;
        this.nanoClock = nanoClock;
        this.connections = connections;
        this.pools = new IdentityHashMap<>(pools);
    }

    ConnectionPool pool(EventLoop loop) {
        ConnectionPool p = pools.get(loop);
        if (p == null) {
            throw new IllegalStateException("no connection pool for event loop " + loop);
        }
        return p;
    }

    /** Whether new requests may be admitted: false while their outcome could not be recorded. */
    boolean accepting() {
        return sink.accepting();
    }

    void requestStarted() {
        inFlight.increment();
    }

    void requestEnded(ExchangeOutcome outcome) {
        // Recorded before the request stops counting as in flight: a drained gateway has recorded everything.
        try {
            sink.record(outcome);
        } catch (RuntimeException e) {
            log.warn("recording the outcome of request {} failed", outcome.requestId(), e);
        } finally {
            inFlight.decrement();
        }
    }

    int inFlight() {
        return (int) inFlight.sum();
    }

    boolean isDraining() {
        return draining;
    }

    void startDraining() {
        draining = true;
    }
}
