package io.zerogate.identity.jwt;

import com.nimbusds.jose.jwk.JWK;
import com.nimbusds.jose.jwk.JWKSet;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;

/**
 * An issuer on loopback whose JWK set and discovery document the test changes at will: it counts requests per
 * path, answers any status, body and headers, and can hold its answers until the test lets them go.
 */
final class JwksTestServer implements AutoCloseable {

    static final String JWKS_PATH = "/keys";
    static final String ISSUER_PATH = "/realms/test";

    /** One canned answer. */
    record Answer(int status, byte[] body, Map<String, String> headers) {
        static Answer json(String json, Map<String, String> headers) {
            return new Answer(200, json.getBytes(StandardCharsets.UTF_8), headers);
        }
    }

    private final HttpServer server;
    private final ExecutorService executor = Executors.newCachedThreadPool();
    private final Map<String, AtomicReference<Answer>> answers = new ConcurrentHashMap<>();
    private final Map<String, AtomicInteger> hits = new ConcurrentHashMap<>();
    private final AtomicReference<CountDownLatch> gate = new AtomicReference<>(new CountDownLatch(0));
    private final AtomicInteger waiting = new AtomicInteger();
    private final AtomicBoolean stopped = new AtomicBoolean();

    JwksTestServer() throws IOException {
        server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        server.setExecutor(executor);
        server.createContext("/", this::handle);
        server.start();
        discovery(issuer(), jwksUri());
    }

    URI base() {
        return URI.create("http://127.0.0.1:" + server.getAddress().getPort());
    }

    String issuer() {
        return base() + ISSUER_PATH;
    }

    URI jwksUri() {
        return URI.create(base() + JWKS_PATH);
    }

    String discoveryPath() {
        return ISSUER_PATH + "/.well-known/openid-configuration";
    }

    void keys(JWK... keys) {
        keys(Map.of(), keys);
    }

    void keys(Map<String, String> headers, JWK... keys) {
        // toString() of a set holds public parts only.
        answer(JWKS_PATH, Answer.json(new JWKSet(List.of(keys)).toString(), headers));
    }

    void discovery(String issuer, URI jwksUri) {
        answer(discoveryPath(), Answer.json("{\"issuer\":\"" + issuer + "\",\"jwks_uri\":\"" + jwksUri + "\"}", Map.of()));
    }

    void answer(String path, Answer answer) {
        answers.computeIfAbsent(path, p -> new AtomicReference<>()).set(answer);
    }

    int hits(String path) {
        AtomicInteger count = hits.get(path);
        return count == null ? 0 : count.get();
    }

    /** Requests from now on wait until {@link #release()}; {@link #waiting()} says how many do. */
    void hold() {
        gate.set(new CountDownLatch(1));
    }

    void release() {
        gate.get().countDown();
    }

    int waiting() {
        return waiting.get();
    }

    private void handle(HttpExchange exchange) throws IOException {
        try (exchange) {
            String path = exchange.getRequestURI().getPath();
            hits.computeIfAbsent(path, p -> new AtomicInteger()).incrementAndGet();
            waiting.incrementAndGet();
            try {
                if (!gate.get().await(10, TimeUnit.SECONDS)) {
                    throw new IOException("held longer than 10 s");
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            } finally {
                waiting.decrementAndGet();
            }
            AtomicReference<Answer> configured = answers.get(path);
            Answer answer = configured == null ? new Answer(404, new byte[0], Map.of()) : configured.get();
            answer.headers().forEach((name, value) -> exchange.getResponseHeaders().add(name, value));
            boolean chunked = answer.headers().containsKey("X-Chunked");
            exchange.sendResponseHeaders(answer.status(), chunked ? 0 : answer.body().length == 0 ? -1 : answer.body().length);
            try (OutputStream out = exchange.getResponseBody()) {
                out.write(answer.body());
            }
        }
    }

    /** Stops answering: connections are refused from now on, as from an issuer that is down. */
    void stop() {
        if (!stopped.getAndSet(true)) {
            server.stop(0);
        }
    }

    @Override
    public void close() {
        release();
        stop();
        executor.shutdownNow();
    }

    static List<String> kids(List<JWK> keys) {
        List<String> kids = new ArrayList<>();
        keys.forEach(k -> kids.add(k.getKeyID()));
        return kids;
    }
}
