package io.zerogate.identity.introspect;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;

/**
 * An RFC 7662 endpoint on loopback for tests: it checks the caller's client authentication exactly (401 when it is
 * wrong or missing), counts the calls it answers, and answers each token as the test says.
 */
final class IntrospectionEndpoint implements AutoCloseable {

    /** What to send back for one token. */
    record Answer(int status, String contentType, byte[] body) {

        static Answer json(String json) {
            return new Answer(200, "application/json", json.getBytes(StandardCharsets.UTF_8));
        }

        static Answer status(int status) {
            return new Answer(status, "application/json", "{\"error\":\"server_error\"}".getBytes(StandardCharsets.UTF_8));
        }
    }

    enum Auth { BASIC, POST }

    private final HttpServer server;
    private final ExecutorService executor = Executors.newCachedThreadPool();
    private final Auth auth;
    private final String clientId;
    private final String clientSecret;
    private final AtomicInteger calls = new AtomicInteger();
    private final AtomicInteger refusedAuthentications = new AtomicInteger();
    private volatile Function<String, Answer> answers = token -> Answer.json("{\"active\":false}");
    private volatile CountDownLatch gate = new CountDownLatch(0);
    private final AtomicInteger waiting = new AtomicInteger();

    IntrospectionEndpoint(Auth auth, String clientId, String clientSecret) throws IOException {
        this.auth = auth;
        this.clientId = clientId;
        this.clientSecret = clientSecret;
        server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        server.createContext("/introspect", this::handle);
        server.setExecutor(executor);
        server.start();
    }

    URI uri() {
        return URI.create("http://127.0.0.1:" + server.getAddress().getPort() + "/introspect");
    }

    void answer(Function<String, Answer> answers) {
        this.answers = answers;
    }

    void answer(String json) {
        answer(token -> Answer.json(json));
    }

    /** Holds every call until {@link #open()} (or for good, if never opened). */
    void hold() {
        gate = new CountDownLatch(1);
    }

    void open() {
        gate.countDown();
    }

    /** Calls that reached the handler and are being held. */
    int waiting() {
        return waiting.get();
    }

    /** Calls answered with the configured answer (client authentication passed). */
    int calls() {
        return calls.get();
    }

    int refusedAuthentications() {
        return refusedAuthentications.get();
    }

    private void handle(HttpExchange exchange) throws IOException {
        try (exchange) {
            byte[] request = exchange.getRequestBody().readAllBytes();
            Map<String, String> form = form(new String(request, StandardCharsets.UTF_8));
            String contentType = exchange.getRequestHeaders().getFirst("Content-Type");
            if (!exchange.getRequestMethod().equals("POST") || !"application/x-www-form-urlencoded".equals(contentType)
                    || !"access_token".equals(form.get("token_type_hint")) || form.get("token") == null) {
                send(exchange, Answer.status(400));
                return;
            }
            if (!authenticated(exchange, form)) {
                refusedAuthentications.incrementAndGet();
                send(exchange, new Answer(401, "application/json", "{\"error\":\"invalid_client\"}".getBytes(StandardCharsets.UTF_8)));
                return;
            }
            waiting.incrementAndGet();
            try {
                gate.await();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            } finally {
                waiting.decrementAndGet();
            }
            calls.incrementAndGet();
            send(exchange, answers.apply(form.get("token")));
        }
    }

    private boolean authenticated(HttpExchange exchange, Map<String, String> form) {
        List<String> authorization = exchange.getRequestHeaders().get("Authorization");
        if (auth == Auth.POST) {
            return authorization == null && clientId.equals(form.get("client_id")) && clientSecret.equals(form.get("client_secret"));
        }
        if (authorization == null || authorization.size() != 1 || !authorization.get(0).startsWith("Basic ")
                || form.containsKey("client_secret")) {
            return false;
        }
        String pair = new String(Base64.getDecoder().decode(authorization.get(0).substring(6)), StandardCharsets.UTF_8);
        int colon = pair.indexOf(':');
        // RFC 6749 2.3.1: both halves are form-encoded, so a ':' inside either is %3A and the first ':' splits.
        return colon > 0 && URLDecoder.decode(pair.substring(0, colon), StandardCharsets.UTF_8).equals(clientId)
                && URLDecoder.decode(pair.substring(colon + 1), StandardCharsets.UTF_8).equals(clientSecret);
    }

    private static Map<String, String> form(String body) {
        Map<String, String> form = new HashMap<>();
        for (String pair : body.split("&")) {
            int eq = pair.indexOf('=');
            if (eq > 0) {
                form.put(URLDecoder.decode(pair.substring(0, eq), StandardCharsets.UTF_8),
                        URLDecoder.decode(pair.substring(eq + 1), StandardCharsets.UTF_8));
            }
        }
        return form;
    }

    private static void send(HttpExchange exchange, Answer answer) throws IOException {
        exchange.getResponseHeaders().set("Content-Type", answer.contentType());
        exchange.sendResponseHeaders(answer.status(), answer.body().length == 0 ? -1 : answer.body().length);
        try (OutputStream out = exchange.getResponseBody()) {
            out.write(answer.body());
        }
    }

    @Override
    public void close() {
        gate.countDown();
        server.stop(0);
        executor.shutdownNow();
        try {
            executor.awaitTermination(5, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
