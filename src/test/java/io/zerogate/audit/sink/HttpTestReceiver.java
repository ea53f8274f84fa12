package io.zerogate.audit.sink;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.IntFunction;

/**
 * A collector or webhook receiver on loopback for tests: the JDK's HTTP server, recording every request it
 * receives (in arrival order) and answering as the test says; it can hold its answers back to play a slow peer.
 */
public final class HttpTestReceiver implements AutoCloseable {

    /** One request as it arrived; header names lower-cased. */
    public record Received(String method, String path, Map<String, List<String>> headers, byte[] body) {

        public String text() {
            return new String(body, StandardCharsets.UTF_8);
        }

        public String header(String name) {
            List<String> values = headers.get(name);
            return values == null ? null : String.join(",", values);
        }
    }

    /** What the receiver answers to one request. */
    public record Answer(int status, String body) {}

    private final HttpServer server;
    private final ExecutorService executor = Executors.newCachedThreadPool();
    private final LinkedBlockingQueue<Received> arrivals = new LinkedBlockingQueue<>();
    private final List<Received> all = new ArrayList<>();
    private final AtomicInteger count = new AtomicInteger();
    private volatile IntFunction<Answer> answers = n -> new Answer(200, "{}");
    private volatile CountDownLatch gate = new CountDownLatch(0);
    private boolean closed;

    public HttpTestReceiver() throws IOException {
        this(0);
    }

    /** A receiver on a given loopback port: the one a stopped receiver had, to play a collector coming back. */
    public HttpTestReceiver(int port) throws IOException {
        server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), 0);
        server.createContext("/", this::handle);
        server.setExecutor(executor);
        server.start();
    }

    public int port() {
        return server.getAddress().getPort();
    }

    public URI url(String path) {
        return URI.create("http://127.0.0.1:" + port() + path);
    }

    /** Answers request number n (from 1) with {@code answers.apply(n)}. */
    public void answer(IntFunction<Answer> answers) {
        this.answers = answers;
    }

    /** Holds every answer from now on until {@link #release()}: requests arrive and are recorded, then wait. */
    public void hold() {
        gate = new CountDownLatch(1);
    }

    public void release() {
        gate.countDown();
    }

    /** The next request to arrive (in order), waiting at most {@code bound}. */
    public Received next(Duration bound) throws InterruptedException {
        Received r = arrivals.poll(bound.toNanos(), TimeUnit.NANOSECONDS);
        if (r == null) {
            throw new AssertionError("no request arrived within " + bound);
        }
        return r;
    }

    /** Every request so far, in arrival order. */
    public List<Received> received() {
        synchronized (all) {
            return List.copyOf(all);
        }
    }

    private void handle(HttpExchange exchange) throws IOException {
        try (exchange) {
            byte[] body;
            try (InputStream in = exchange.getRequestBody()) {
                body = in.readAllBytes();
            }
            Map<String, List<String>> headers = new TreeMap<>();
            exchange.getRequestHeaders().forEach((k, v) -> headers.put(k.toLowerCase(java.util.Locale.ROOT), List.copyOf(v)));
            Received r = new Received(exchange.getRequestMethod(), exchange.getRequestURI().getPath(), headers, body);
            int n;
            synchronized (all) {
                all.add(r);
                n = count.incrementAndGet();
            }
            arrivals.add(r);
            try {
                if (!gate.await(30, TimeUnit.SECONDS)) {
                    return;
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
            Answer a = answers.apply(n);
            byte[] out = a.body().getBytes(StandardCharsets.UTF_8);
            exchange.getResponseHeaders().set("Content-Type", "application/json");
            exchange.sendResponseHeaders(a.status(), out.length == 0 ? -1 : out.length);
            try (OutputStream o = exchange.getResponseBody()) {
                o.write(out);
            }
        }
    }

    /** Stops listening at once; requests being held are dropped. */
    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        closed = true;
        release();
        server.stop(0);
        executor.shutdownNow();
    }
}
