package io.zerogate.chain;

import io.zerogate.config.CompiledRoute;
import java.util.IdentityHashMap;
import java.util.Map;
import java.util.Objects;
import org.jspecify.annotations.Nullable;

/**
 * One request's journey through the chain: the strictly parsed request, the route it matched with its
 * path parameters, who sent it, and the typed facts stages attach for later stages. An exchange belongs to
 * one connection's event loop and is never shared between threads while the chain runs.
 */
public final class Exchange {

    private final String requestId;
    private final String listener;
    private final RequestHead request;
    private final ClientAddress client;
    private final CompiledRoute route;
    private final Map<String, String> params;
    private final long startNanos;
    private @Nullable Map<AttributeKey<?>, Object> attributes;
    private @Nullable UpstreamEdits edits;
    private java.util.concurrent.Executor loop = Runnable::run;

    public Exchange(String requestId, String listener, RequestHead request, ClientAddress client,
                    CompiledRoute route, Map<String, String> params, long startNanos) {
        this.requestId = Objects.requireNonNull(requestId, "requestId");
        this.listener = Objects.requireNonNull(listener, "listener");
        this.request = Objects.requireNonNull(request, "request");
        this.client = Objects.requireNonNull(client, "client");
        this.route = Objects.requireNonNull(route, "route");
        this.params = Map.copyOf(params);
        this.startNanos = startNanos;
    }

    public String requestId() {
        return requestId;
    }

    public String listener() {
        return listener;
    }

    public RequestHead request() {
        return request;
    }

    public ClientAddress client() {
        return client;
    }

    public CompiledRoute route() {
        return route;
    }

    /** Path template parameters, percent-decoded. */
    public Map<String, String> params() {
        return params;
    }

    /** Monotonic time the request head was complete, from the gateway's clock. */
    public long startNanos() {
        return startNanos;
    }

    /** The fact attached under {@code key}, or null. */
    public <T> @Nullable T get(AttributeKey<T> key) {
        Map<AttributeKey<?>, Object> a = attributes;
        if (a == null) {
            return null;
        }
        Object v = a.get(key);
        return v == null ? null : key.cast(v);
    }

    /**
     * Attaches a fact. A fact is attached once: a second attach under the same key is a programming error,
     * because a later stage must never overwrite what an earlier one established.
     */
    public <T> void put(AttributeKey<T> key, T value) {
        Objects.requireNonNull(value, "value");
        Map<AttributeKey<?>, Object> a = attributes;
        if (a == null) {
            a = attributes = new IdentityHashMap<>(4);
        }
        if (a.putIfAbsent(key, key.cast(value)) != null) {
            throw new IllegalStateException(key + " is already attached");
        }
    }

    /**
     * The exchange's event loop, as an executor: a stage whose answer arrives on another thread (a key fetch,
     * a remote call) attaches its facts there, so that the exchange is only ever touched by its own thread.
     * Runs tasks directly until the chain has bound the loop (an exchange used without a connection).
     */
    public java.util.concurrent.Executor loop() {
        return loop;
    }

    /** Binds the exchange to its event loop; done by the chain before the first stage runs. */
    void bindLoop(java.util.concurrent.Executor loop) {
        this.loop = java.util.Objects.requireNonNull(loop, "loop");
    }

    /** The changes to make to the forwarded request; created on first use. */
    public UpstreamEdits upstreamEdits() {
        UpstreamEdits e = edits;
        if (e == null) {
            e = edits = new UpstreamEdits();
        }
        return e;
    }

    /** The recorded changes, or null when no stage recorded any. */
    public @Nullable UpstreamEdits recordedEdits() {
        return edits;
    }
}
