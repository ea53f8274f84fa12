package io.zerogate.policy;

import static org.assertj.core.api.Assertions.assertThat;

import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.crypto.RSASSASigner;
import com.nimbusds.jose.jwk.JWKSet;
import com.nimbusds.jose.jwk.RSAKey;
import com.nimbusds.jose.jwk.gen.RSAKeyGenerator;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.SignedJWT;
import com.sun.net.httpserver.HttpServer;
import io.zerogate.admin.GatewayMetrics;
import io.zerogate.testing.Closing;
import io.zerogate.testing.RunningGateway;
import io.zerogate.testing.TestUpstream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.Date;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Object-level and function-level authorization through a real gateway: tokens signed by an issuer running in the
 * test (its key set served over HTTP on loopback), and an upstream that records which requests reached it.
 */
@Timeout(60)
class PolicyGatewayTest {

    private static final String ISSUER = "https://issuer.policy.test";

    private static RSAKey key;
    private static HttpServer jwks;
    private static TestUpstream upstream;
    private static RunningGateway gateway;
    private static final HttpClient client = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    @BeforeAll
    static void start() throws Exception {
        key = new RSAKeyGenerator(2048).keyID("policy-test-1").generate();
        jwks = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        jwks.createContext("/jwks", exchange -> {
            byte[] body = new JWKSet(key.toPublicJWK()).toString(true).getBytes(StandardCharsets.UTF_8);
            exchange.getResponseHeaders().set("Content-Type", "application/json");
            exchange.sendResponseHeaders(200, body.length);
            try (OutputStream out = exchange.getResponseBody()) {
                out.write(body);
            }
        });
        jwks.start();
        upstream = TestUpstream.fixed("ok");
        gateway = RunningGateway.start("""
                identity:
                  token_cache_size: 0
                  issuers:
                    - name: corp
                      issuer: %s
                      audiences: [orders-api]
                      algorithms: [RS256]
                      jwks_uri: http://127.0.0.1:%d/jwks
                services:
                  orders:
                    targets: [%s]
                    tls: none
                routes:
                  - id: user-orders
                    match: { methods: [GET], path: "/users/{userId}/orders" }
                    service: orders
                    authenticate: [corp]
                    require: { scopes: [orders:read] }
                    allow: 'params.userId == subject.id'
                  - id: reports
                    match: { methods: [GET], path: /reports }
                    service: orders
                    authenticate: [corp]
                    require: { roles: [auditor] }
                  - id: profile
                    match: { methods: [GET], path: "/users/{userId}/profile" }
                    service: orders
                    authenticate: [corp]
                    allow:
                      - { id: owner, when: 'params.userId == subject.id' }
                      - { id: mfa, when: 'subject.mfa', mode: shadow }
                """.formatted(ISSUER, jwks.getAddress().getPort(), upstream.target()));
    }

    @AfterAll
    static void stop() throws Exception {
        Closing.all(gateway, upstream, () -> jwks.stop(0));
    }

    @BeforeEach
    void forgetEarlierRequests() {
        upstream.heads().clear();
    }

    @Test
    void aCallerReadsHerOwnOrders() throws Exception {
        HttpResponse<String> r = get("/users/alice/orders", token("alice", "orders:read", List.of()));

        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        assertThat(r.body()).isEqualTo("ok");
        assertThat(upstream.nextHead()).startsWith("GET /users/alice/orders HTTP/1.1");
    }

    @Test
    void aCallerAskingForAnotherUsersOrdersIsRefusedBeforeTheUpstream() throws Exception {
        double before = metrics().policyDecisionCount("user-orders", "allow", PolicyObserver.Result.DENY);

        HttpResponse<String> r = get("/users/bob/orders", token("alice", "orders:read", List.of()));

        assertThat(r.statusCode()).isEqualTo(403);
        assertThat(r.headers().firstValue("content-type")).contains("application/problem+json");
        assertThat(r.body()).contains("\"code\":\"policy_denied\"")
                .contains("\"title\":\"A policy does not allow this request.\"")
                .doesNotContain("user-orders").doesNotContain(":allow").doesNotContain("params.userId")
                .doesNotContain("bob").doesNotContain("alice");
        assertThat(upstream.heads()).isEmpty();
        assertThat(metrics().policyDecisionCount("user-orders", "allow", PolicyObserver.Result.DENY))
                .isEqualTo(before + 1);
        gateway.awaitRequestCount("user-orders", 403, "policy_denied", 1);
    }

    @Test
    void scopeRequirementsComeBeforeTheObjectCheck() throws Exception {
        HttpResponse<String> r = get("/users/alice/orders", token("alice", "profile", List.of()));

        assertThat(r.statusCode()).isEqualTo(403);
        assertThat(r.body()).contains("\"code\":\"insufficient_scope\"");
        assertThat(upstream.heads()).isEmpty();
    }

    @Test
    void aRouteThatNeedsARoleRefusesCallersWithoutIt() throws Exception {
        HttpResponse<String> without = get("/reports", token("alice", "", List.of("dev")));
        assertThat(without.statusCode()).isEqualTo(403);
        assertThat(without.body()).contains("\"code\":\"insufficient_role\"").doesNotContain("auditor");
        assertThat(upstream.heads()).isEmpty();

        HttpResponse<String> with = get("/reports", token("carol", "", List.of("dev", "auditor")));
        assertThat(with.statusCode()).isEqualTo(200);
        assertThat(upstream.nextHead()).startsWith("GET /reports HTTP/1.1");
    }

    @Test
    void aShadowRuleThatWouldRefuseLetsTheRequestThroughAndIsCounted() throws Exception {
        double wouldDeny = metrics().policyDecisionCount("profile", "mfa", PolicyObserver.Result.WOULD_DENY);
        double ownerAllowed = metrics().policyDecisionCount("profile", "owner", PolicyObserver.Result.ALLOW);

        HttpResponse<String> r = get("/users/alice/profile", token("alice", "", List.of()));

        assertThat(r.statusCode()).isEqualTo(200);
        assertThat(upstream.nextHead()).startsWith("GET /users/alice/profile HTTP/1.1");
        assertThat(metrics().policyDecisionCount("profile", "mfa", PolicyObserver.Result.WOULD_DENY))
                .isEqualTo(wouldDeny + 1);
        assertThat(metrics().policyDecisionCount("profile", "owner", PolicyObserver.Result.ALLOW))
                .isEqualTo(ownerAllowed + 1);
        assertThat(metrics().scrape()).contains(
                "zerogate_policy_decisions_total{result=\"would_deny\",route=\"profile\",rule=\"mfa\"}");

        // The enforced rule of the same route still refuses another user's profile.
        assertThat(get("/users/bob/profile", token("alice", "", List.of())).statusCode()).isEqualTo(403);
        assertThat(upstream.heads()).isEmpty();
    }

    // --- fixtures ---

    private static GatewayMetrics metrics() {
        return gateway.gateway().metrics();
    }

    private static HttpResponse<String> get(String path, String token) throws Exception {
        HttpRequest request = HttpRequest.newBuilder(URI.create(gateway.url(path)))
                .header("Authorization", "Bearer " + token)
                .timeout(Duration.ofSeconds(10))
                .GET().build();
        return client.send(request, HttpResponse.BodyHandlers.ofString());
    }

    private static String token(String subject, String scope, List<String> roles) throws Exception {
        Instant now = Instant.now();
        JWTClaimsSet.Builder claims = new JWTClaimsSet.Builder()
                .issuer(ISSUER)
                .subject(subject)
                .audience("orders-api")
                .issueTime(Date.from(now))
                .expirationTime(Date.from(now.plus(Duration.ofMinutes(5))))
                .jwtID(UUID.randomUUID().toString());
        if (!scope.isEmpty()) {
            claims.claim("scope", scope);
        }
        if (!roles.isEmpty()) {
            claims.claim("roles", roles);
        }
        SignedJWT jwt = new SignedJWT(new JWSHeader.Builder(JWSAlgorithm.RS256).keyID(key.getKeyID()).build(),
                claims.build());
        jwt.sign(new RSASSASigner(key));
        return jwt.serialize();
    }
}
