package io.zerogate.identity;

import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.crypto.RSASSASigner;
import com.nimbusds.jose.jwk.JWKSet;
import com.nimbusds.jose.jwk.RSAKey;
import com.nimbusds.jose.jwk.gen.RSAKeyGenerator;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.SignedJWT;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.Date;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A token issuer on loopback for the tests that need exact control of claims: it signs access tokens with its
 * own RSA key, serves the public key as a JWK set, and answers RFC 7662 introspection for opaque tokens (checking
 * the gateway's client authentication) as the test says.
 */
final class TestIssuer implements AutoCloseable {

    static final String ISSUER = "https://issuer.test";
    static final String CLIENT_ID = "gateway";
    static final String CLIENT_SECRET = "gateway-introspection-secret";

    private final HttpServer server;
    private final ExecutorService executor = Executors.newCachedThreadPool(r -> {
        Thread t = new Thread(r, "test-issuer");
        t.setDaemon(true);
        return t;
    });
    private final RSAKey key;
    private final AtomicInteger jwksFetches = new AtomicInteger();
    private final AtomicInteger introspections = new AtomicInteger();
    private final Map<String, String> answers = new ConcurrentHashMap<>();
    private volatile int introspectionStatus = 200;

    private TestIssuer() throws IOException, JOSEException {
        key = new RSAKeyGenerator(2048).keyID("test-issuer-1").generate();
        server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        server.createContext("/jwks", this::jwks);
        server.createContext("/introspect", this::introspect);
        server.setExecutor(executor);
        server.start();
    }

    static TestIssuer start() throws IOException, JOSEException {
        return new TestIssuer();
    }

    String base() {
        return "http://127.0.0.1:" + server.getAddress().getPort();
    }

    String jwksUri() {
        return base() + "/jwks";
    }

    String introspectionUri() {
        return base() + "/introspect";
    }

    int jwksFetches() {
        return jwksFetches.get();
    }

    int introspections() {
        return introspections.get();
    }

    /** Claims of a valid access token for {@code subject} and {@code audience}, good for five minutes. */
    static JWTClaimsSet.Builder claims(String subject, String audience) {
        Instant now = Instant.now();
        return new JWTClaimsSet.Builder()
                .issuer(ISSUER)
                .subject(subject)
                .audience(audience)
                .issueTime(Date.from(now))
                .expirationTime(Date.from(now.plus(Duration.ofMinutes(5))))
                .jwtID(java.util.UUID.randomUUID().toString());
    }

    /** A token signed with the issuer's key. */
    String sign(JWTClaimsSet claims) throws JOSEException {
        SignedJWT jwt = new SignedJWT(new JWSHeader.Builder(JWSAlgorithm.RS256).keyID(key.getKeyID()).build(), claims);
        jwt.sign(new RSASSASigner(key));
        return jwt.serialize();
    }

    /** The introspection endpoint answers {@code json} for {@code token}; unknown tokens are inactive. */
    void answer(String token, String json) {
        answers.put(token, json);
    }

    /** Every introspection call gets this status (200 answers normally). */
    void introspectionStatus(int status) {
        introspectionStatus = status;
    }

    private void jwks(HttpExchange exchange) throws IOException {
        jwksFetches.incrementAndGet();
        respond(exchange, 200, new JWKSet(key.toPublicJWK()).toString(true));
    }

    private void introspect(HttpExchange exchange) throws IOException {
        introspections.incrementAndGet();
        String body = new String(exchange.getRequestBody().readAllBytes(), StandardCharsets.UTF_8);
        String expected = "Basic " + Base64.getEncoder().encodeToString(
                (CLIENT_ID + ":" + CLIENT_SECRET).getBytes(StandardCharsets.UTF_8));
        if (!expected.equals(exchange.getRequestHeaders().getFirst("Authorization"))) {
            respond(exchange, 401, "{\"error\":\"invalid_client\"}");
            return;
        }
        if (introspectionStatus != 200) {
            respond(exchange, introspectionStatus, "{\"error\":\"server_error\"}");
            return;
        }
        String token = null;
        for (String pair : body.split("&")) {
            int eq = pair.indexOf('=');
            if (eq > 0 && pair.substring(0, eq).equals("token")) {
                token = URLDecoder.decode(pair.substring(eq + 1), StandardCharsets.UTF_8);
            }
        }
        respond(exchange, 200, token == null ? "{\"active\":false}" : answers.getOrDefault(token, "{\"active\":false}"));
    }

    private static void respond(HttpExchange exchange, int status, String json) throws IOException {
        byte[] bytes = json.getBytes(StandardCharsets.UTF_8);
        exchange.getResponseHeaders().set("Content-Type", "application/json");
        exchange.sendResponseHeaders(status, bytes.length);
        try (OutputStream out = exchange.getResponseBody()) {
            out.write(bytes);
        }
    }

    /** Stops answering: connections are refused from now on. */
    void stop() {
        server.stop(0);
    }

    @Override
    public void close() {
        server.stop(0);
        executor.shutdownNow();
    }
}
