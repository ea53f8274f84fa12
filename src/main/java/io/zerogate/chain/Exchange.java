package io.zerogate.chain;

import io.zerogate.config.CompiledRoute;
import java.util.ArrayList;
import java.util.IdentityHashMap;
import java.util.List;
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
    private @Nullable List<Decision.ResponseHeader> responseHeaders;
    private @Nullable List<Runnable> endActions;
    private boolean ended;
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

    /**
     * Adds a header to the response the client receives when the request is forwarded (such as the
     * {@code RateLimit} fields); a denial carries its own headers instead.
     */
    public void addResponseHeader(String name, String value) {
        Decision.ResponseHeader header = new Decision.ResponseHeader(name, value);
        List<Decision.ResponseHeader> h = responseHeaders;
        if (h == null) {
            h = responseHeaders = new ArrayList<>(2);
        }
        h.add(header);
    }

    /** Headers for the forwarded response, in the order they were added. */
    public List<Decision.ResponseHeader> responseHeaders() {
        List<Decision.ResponseHeader> h = responseHeaders;
        return h == null ? List.of() : h;
    }

    /**
     * Runs {@code action} on the exchange's event loop once the exchange has ended — answered, refused,
     * failed or abandoned by the client — or at once when it already has. Used to give back what a stage
     * holds for the duration of a request, such as a concurrency lease.
     */
    public void whenEnded(Runnable action) {
        Objects.requireNonNull(action, "action");
        if (ended) {
            action.run();
            return;
        }
        List<Runnable> a = endActions;
        if (a == null) {
            a = endActions = new ArrayList<>(1);
        }
        a.add(action);
    }

    /** Marks the exchange as ended and runs what was waiting for it; done by the data plane, exactly once. */
    public void end() {
        if (ended) {
            return;
        }
        ended = true;
        List<Runnable> a = endActions;
        if (a == null) {
            return;
        }
        endActions = null;
        RuntimeException first = null;
        for (Runnable action : a) {
            try {
                action.run();
            } catch (RuntimeException e) {
                if (first == null) {
                    first = e;
                } else {
                    first.addSuppressed(e);
                }
            }
        }
        if (first != null) {
            throw first;
        }
    }
}
