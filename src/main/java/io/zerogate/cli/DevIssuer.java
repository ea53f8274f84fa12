package io.zerogate.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.JOSEObjectType;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.crypto.RSASSASigner;
import com.nimbusds.jose.jwk.JWKSet;
import com.nimbusds.jose.jwk.KeyUse;
import com.nimbusds.jose.jwk.RSAKey;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.SignedJWT;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import io.zerogate.identity.SignatureProviders;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.Provider;
import java.security.SecureRandom;
import java.security.interfaces.RSAPublicKey;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Date;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import org.jspecify.annotations.Nullable;

/**
 * A development OpenID token issuer on loopback, for {@code zerogate demo}, {@code zerogate dev-issuer} and the
 * benchmark: an RSA-2048 key made at start (kept in memory only), the discovery document at
 * {@code /.well-known/openid-configuration}, the JWK set at {@code /jwks}, and {@code POST /token}, which signs
 * an RS256 access token ({@code typ at+jwt}) for whatever subject and audience it is asked for. It checks no
 * credentials at all: it must never be reachable from another machine, and it binds to loopback only.
 *
 * <p>{@code POST /token} takes form fields {@code sub} and {@code aud} (required), {@code scope} (space
 * separated), {@code amr} (comma separated), {@code acr}, {@code claims} (a JSON object of further claims, such as
 * a device attestation's facts) and {@code ttl} (seconds, 1 to 3600, default 300); it
 * answers {@code {"access_token": ..., "token_type": "Bearer", "expires_in": ttl}}. When {@code amr} or
 * {@code acr} is given, {@code auth_time} is the time of issue.
 */
public final class DevIssuer implements AutoCloseable {

    /** The longest lifetime {@code POST /token} issues. */
    public static final Duration MAX_TOKEN_LIFETIME = Duration.ofHours(1);
    static final Duration DEFAULT_TOKEN_LIFETIME = Duration.ofMinutes(5);
    static final String DISCOVERY_PATH = "/.well-known/openid-configuration";
    static final String JWKS_PATH = "/jwks";
    static final String TOKEN_PATH = "/token";

    private static final int MAX_FORM_BYTES = 8 * 1024;
    private static final Set<String> FORM_FIELDS = Set.of("sub", "aud", "scope", "amr", "acr", "ttl", "claims");
    private static final Set<String> REGISTERED = Set.of("iss", "sub", "aud", "iat", "exp", "nbf", "jti");
    private static final ObjectMapper JSON = new ObjectMapper();

    private final HttpServer server;
    private final ExecutorService executor;
    private final Clock clock;
    private final RSASSASigner signer;
    private final JWSHeader header;
    private final String issuer;
    private final byte[] discovery;
    private final byte[] jwks;
    private final SecureRandom random = new SecureRandom();

    private DevIssuer(HttpServer server, ExecutorService executor, Clock clock, KeyPair keys, @Nullable Provider provider)
            throws IOException {
        this.server = server;
        this.executor = executor;
        this.clock = clock;
        InetSocketAddress bound = server.getAddress();
        String host = bound.getAddress().getHostAddress();
        this.issuer = "http://" + (host.contains(":") ? "[" + host + "]" : host) + ":" + bound.getPort();
        RSAKey publicJwk;
        try {
            publicJwk = new RSAKey.Builder((RSAPublicKey) keys.getPublic()).keyUse(KeyUse.SIGNATURE)
                    .algorithm(JWSAlgorithm.RS256).keyIDFromThumbprint().build();
        } catch (JOSEException e) {
            throw new IllegalStateException("cannot compute the key's thumbprint", e);
        }
        this.signer = new RSASSASigner(keys.getPrivate());
        if (provider != null) {
            signer.getJCAContext().setProvider(provider);
        }
        this.header = new JWSHeader.Builder(JWSAlgorithm.RS256).type(new JOSEObjectType("at+jwt"))
                .keyID(publicJwk.getKeyID()).build();
        Map<String, Object> metadata = new LinkedHashMap<>();
        metadata.put("issuer", issuer);
        metadata.put("jwks_uri", issuer + JWKS_PATH);
        this.discovery = JSON.writeValueAsBytes(metadata);
        this.jwks = new JWKSet(publicJwk).toString(true).getBytes(StandardCharsets.UTF_8);
    }

    /**
     * Starts an issuer on {@code bind}, which must be a loopback address (port 0: a free port).
     *
     * @throws IllegalArgumentException when {@code bind} is not a resolved loopback address
     * @throws IOException              when it cannot listen there
     */
    public static DevIssuer start(InetSocketAddress bind) throws IOException {
        return start(bind, Clock.systemUTC());
    }

    static DevIssuer start(InetSocketAddress bind, Clock clock) throws IOException {
        Objects.requireNonNull(bind, "bind");
        Objects.requireNonNull(clock, "clock");
        InetAddress address = bind.getAddress();
        if (address == null || !address.isLoopbackAddress()) {
            throw new IllegalArgumentException("development issuer address: " + bind
                    + " (expected: a loopback address such as 127.0.0.1; it hands out tokens to anyone who asks)");
        }
        HttpServer server = HttpServer.create(bind, 16);
        ExecutorService executor = Executors.newThreadPerTaskExecutor(Thread.ofVirtual().name("dev-issuer-", 0).factory());
        DevIssuer issuer;
        try {
            issuer = new DevIssuer(server, executor, clock, rsaKeys(), SignatureProviders.preferred());
        } catch (IOException | RuntimeException e) {
            server.stop(0);
            executor.shutdownNow();
            throw e;
        }
        server.setExecutor(executor);
        server.createContext("/", issuer::handle);
        server.start();
        return issuer;
    }

    private static KeyPair rsaKeys() {
        try {
            KeyPairGenerator gen = KeyPairGenerator.getInstance("RSA");
            gen.initialize(2048);
            return gen.generateKeyPair();
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("this JDK cannot generate RSA keys", e);
        }
    }

    /** The issuer identifier ({@code iss} of every token): {@code http://HOST:PORT}, no trailing slash. */
    public String issuer() {
        return issuer;
    }

    /** Where the JWK set is served. */
    public URI jwksUri() {
        return URI.create(issuer + JWKS_PATH);
    }

    /** Where the discovery document is served. */
    public URI discoveryUri() {
        return URI.create(issuer + DISCOVERY_PATH);
    }

    /** Where {@code POST /token} is. */
    public URI tokenUri() {
        return URI.create(issuer + TOKEN_PATH);
    }

    /** The address it listens on. */
    public InetSocketAddress address() {
        return server.getAddress();
    }

    /**
     * An RS256 access token with {@code iss}, {@code sub}, {@code aud}, {@code iat}, {@code exp} = {@code iat} +
     * {@code lifetime}, a unique {@code jti}, and {@code extraClaims}; header {@code typ at+jwt} and {@code kid}.
     * Unlike {@code POST /token}, any positive lifetime is allowed, so tests can make tokens that a gateway must
     * refuse as too long-lived.
     *
     * @param extraClaims further claims (JSON types: String, Number, Boolean, List, Map); they may not replace a
     *                    registered claim the issuer sets
     */
    public String mint(String subject, String audience, Map<String, Object> extraClaims, Duration lifetime) {
        Objects.requireNonNull(subject, "subject");
        Objects.requireNonNull(audience, "audience");
        if (lifetime.toSeconds() < 1) {
            throw new IllegalArgumentException("lifetime: " + lifetime + " (expected: at least 1s)");
        }
        long now = clock.instant().getEpochSecond();
        JWTClaimsSet.Builder claims = new JWTClaimsSet.Builder();
        for (Map.Entry<String, Object> e : extraClaims.entrySet()) {
            if (REGISTERED.contains(e.getKey())) {
                throw new IllegalArgumentException("extra claim '" + e.getKey() + "' (expected: none of " + REGISTERED
                        + ", which the issuer sets)");
            }
            claims.claim(e.getKey(), e.getValue());
        }
        claims.issuer(issuer).subject(subject).audience(audience)
                .issueTime(Date.from(Instant.ofEpochSecond(now)))
                .expirationTime(Date.from(Instant.ofEpochSecond(now + lifetime.toSeconds())))
                .jwtID(newJwtId());
        SignedJWT jwt = new SignedJWT(header, claims.build());
        try {
            jwt.sign(signer);
        } catch (JOSEException e) {
            throw new IllegalStateException("signing failed", e);
        }
        return jwt.serialize();
    }

    @Override
    public void close() {
        server.stop(0);
        executor.shutdownNow();
    }

    @Override
    public String toString() {
        return "DevIssuer[" + issuer + "]";
    }

    private void handle(HttpExchange exchange) throws IOException {
        try (exchange) {
            InetAddress peer = exchange.getRemoteAddress().getAddress();
            if (peer == null || !peer.isLoopbackAddress()) {
                send(exchange, 403, "application/json", error("access_denied", "loopback clients only"), "no-store");
                return;
            }
            String path = exchange.getRequestURI().getRawPath();
            String method = exchange.getRequestMethod();
            switch (path) {
                case DISCOVERY_PATH -> serve(exchange, method, discovery);
                case JWKS_PATH -> serve(exchange, method, jwks);
                case TOKEN_PATH -> {
                    if (!method.equals("POST")) {
                        exchange.getResponseHeaders().set("Allow", "POST");
                        send(exchange, 405, "application/json", error("invalid_request", "use POST"), "no-store");
                    } else {
                        token(exchange);
                    }
                }
                default -> send(exchange, 404, "application/json", error("not_found", "no such endpoint"), "no-store");
            }
        }
    }

    private static void serve(HttpExchange exchange, String method, byte[] body) throws IOException {
        if (method.equals("GET") || method.equals("HEAD")) {
            send(exchange, 200, "application/json", body, "max-age=300");
        } else {
            exchange.getResponseHeaders().set("Allow", "GET, HEAD");
            send(exchange, 405, "application/json", error("invalid_request", "use GET"), "no-store");
        }
    }

    private void token(HttpExchange exchange) throws IOException {
        String type = exchange.getRequestHeaders().getFirst("Content-Type");
        if (type == null || !type.toLowerCase(Locale.ROOT).startsWith("application/x-www-form-urlencoded")) {
            send(exchange, 415, "application/json",
                    error("invalid_request", "expected a form (application/x-www-form-urlencoded)"), "no-store");
            return;
        }
        byte[] raw;
        try (InputStream in = exchange.getRequestBody()) {
            raw = in.readNBytes(MAX_FORM_BYTES + 1);
        }
        if (raw.length > MAX_FORM_BYTES) {
            send(exchange, 413, "application/json", error("invalid_request", "form over " + MAX_FORM_BYTES + " bytes"),
                    "no-store");
            return;
        }
        String answer;
        long ttl;
        try {
            Map<String, String> form = parseForm(new String(raw, StandardCharsets.UTF_8));
            ttl = ttl(form.get("ttl"));
            Map<String, Object> extra = new LinkedHashMap<>();
            String scope = form.get("scope");
            if (scope != null && !scope.isBlank()) {
                extra.put("scope", String.join(" ", scope.trim().split(" +")));
            }
            String amr = form.get("amr");
            if (amr != null) {
                extra.put("amr", list("amr", amr));
            }
            String acr = form.get("acr");
            if (acr != null) {
                extra.put("acr", required("acr", acr));
            }
            if (amr != null || acr != null) {
                extra.put("auth_time", clock.instant().getEpochSecond());
            }
            String claims = form.get("claims");
            if (claims != null) {
                for (Map.Entry<String, Object> claim : claimsObject(claims).entrySet()) {
                    if (extra.putIfAbsent(claim.getKey(), claim.getValue()) != null) {
                        throw new IllegalArgumentException("claim '" + printable(claim.getKey())
                                + "' is set by another field");
                    }
                }
            }
            answer = mint(required("sub", form.get("sub")), required("aud", form.get("aud")), extra,
                    Duration.ofSeconds(ttl));
        } catch (IllegalArgumentException e) {
            send(exchange, 400, "application/json", error("invalid_request", e.getMessage()), "no-store");
            return;
        }
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("access_token", answer);
        body.put("token_type", "Bearer");
        body.put("expires_in", ttl);
        send(exchange, 200, "application/json", JSON.writeValueAsBytes(body), "no-store");
    }

    /** The {@code claims} field: a JSON object whose members become claims. */
    private static Map<String, Object> claimsObject(String json) {
        Object parsed;
        try {
            parsed = JSON.readValue(json, Object.class);
        } catch (IOException e) {
            throw new IllegalArgumentException("claims is not valid JSON");
        }
        if (!(parsed instanceof Map<?, ?> map)) {
            throw new IllegalArgumentException("claims must be a JSON object");
        }
        Map<String, Object> claims = new LinkedHashMap<>();
        map.forEach((k, v) -> claims.put(String.valueOf(k), v));
        return claims;
    }

    /** Fields of a URL-encoded form; each field at most once, and only the known ones. */
    private static Map<String, String> parseForm(String body) {
        Map<String, String> form = new LinkedHashMap<>();
        for (String pair : body.split("&")) {
            if (pair.isEmpty()) {
                continue;
            }
            int eq = pair.indexOf('=');
            String name = URLDecoder.decode(eq < 0 ? pair : pair.substring(0, eq), StandardCharsets.UTF_8);
            String value = eq < 0 ? "" : URLDecoder.decode(pair.substring(eq + 1), StandardCharsets.UTF_8);
            if (!FORM_FIELDS.contains(name)) {
                throw new IllegalArgumentException("unknown field '" + printable(name) + "' (expected: sub, aud, scope, "
                        + "amr, acr, claims, ttl)");
            }
            if (form.putIfAbsent(name, value) != null) {
                throw new IllegalArgumentException("field '" + name + "' given more than once");
            }
        }
        return form;
    }

    private static long ttl(@Nullable String value) {
        if (value == null) {
            return DEFAULT_TOKEN_LIFETIME.toSeconds();
        }
        long max = MAX_TOKEN_LIFETIME.toSeconds();
        long ttl;
        try {
            ttl = Long.parseLong(value.trim());
        } catch (NumberFormatException e) {
            ttl = -1;
        }
        if (ttl < 1 || ttl > max) {
            throw new IllegalArgumentException("ttl: " + printable(value) + " (expected: seconds from 1 to " + max + ")");
        }
        return ttl;
    }

    private static String required(String name, @Nullable String value) {
        if (value == null || value.isBlank()) {
            throw new IllegalArgumentException("field '" + name + "' is required and may not be empty");
        }
        return value;
    }

    private static List<String> list(String name, String value) {
        List<String> out = new ArrayList<>();
        for (String item : value.split(",", -1)) {
            String v = item.trim();
            if (v.isEmpty()) {
                throw new IllegalArgumentException("field '" + name + "': an empty entry in '" + printable(value)
                        + "' (expected: a comma-separated list such as pwd,otp)");
            }
            out.add(v);
        }
        return out;
    }

    /** A bounded, control-free rendering of client input for an error message. */
    private static String printable(String s) {
        String cut = s.length() > 64 ? s.substring(0, 64) + "..." : s;
        return cut.replaceAll("\\p{Cntrl}", "?");
    }

    private static byte[] error(String code, String description) {
        Map<String, String> body = new LinkedHashMap<>();
        body.put("error", code);
        body.put("error_description", description);
        try {
            return JSON.writeValueAsBytes(body);
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    private static void send(HttpExchange exchange, int status, String type, byte[] body, String cacheControl)
            throws IOException {
        exchange.getResponseHeaders().set("Content-Type", type);
        exchange.getResponseHeaders().set("Cache-Control", cacheControl);
        boolean head = exchange.getRequestMethod().equals("HEAD");
        exchange.sendResponseHeaders(status, head ? -1 : body.length);
        if (!head) {
            try (OutputStream out = exchange.getResponseBody()) {
                out.write(body);
            }
        }
    }

    private String newJwtId() {
        byte[] id = new byte[16];
        random.nextBytes(id);
        return Base64.getUrlEncoder().withoutPadding().encodeToString(id);
    }
}
