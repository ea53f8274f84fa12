package io.zerogate.policy;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.crypto.RSASSASigner;
import com.nimbusds.jose.jwk.JWKSet;
import com.nimbusds.jose.jwk.RSAKey;
import com.nimbusds.jose.jwk.gen.RSAKeyGenerator;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.SignedJWT;
import io.zerogate.testing.Closing;
import io.zerogate.testing.RunningGateway;
import io.zerogate.testing.TestUpstream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.time.Instant;
import java.util.Date;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Object-level authorization through a real gateway: callers with tokens from an issuer in the test, an owner
 * service and a decision point on loopback, and an upstream that records what reaches it. A BOLA attempt (alice asks
 * for bob's order) must be refused before the upstream sees it, and a policy service that is down or slow must
 * refuse, never let through.
 */
@Timeout(60)
class OwnershipGatewayTest {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String ISSUER = "https://issuer.test";

    private static RSAKey key;
    private static FakePolicyService issuer;
    private static FakePolicyService owners;
    private static FakePolicyService opa;
    private static TestUpstream upstream;
    private static RunningGateway gateway;
    private static HttpClient client;

    @BeforeAll
    static void start() throws Exception {
        key = new RSAKeyGenerator(2048).keyID("policy-test-1").generate();
        String jwks = new JWKSet(key.toPublicJWK()).toString(true);
        issuer = FakePolicyService.start(r -> FakePolicyService.Answer.json(200, jwks));
        owners = FakePolicyService.start(r -> FakePolicyService.Answer.json(404, ""));
        opa = FakePolicyService.start(r -> FakePolicyService.Answer.json(500, ""));
        upstream = TestUpstream.fixed("ok");
        gateway = RunningGateway.start("""
                identity:
                  issuers:
                    - name: corp
                      issuer: %s
                      audiences: [orders-api]
                      algorithms: [RS256]
                      jwks_uri: %s/jwks
                services:
                  orders:
                    targets: [%s]
                    tls: none
                routes:
                  - id: read-order
                    match: { methods: [GET], path: "/orders/{orderId}" }
                    service: orders
                    authenticate: [corp]
                    owner: { url: "%s/owners?type=order&id={orderId}", timeout: 300ms, cache_ttl: 0 }
                  - id: ship-order
                    match: { methods: [POST], path: "/orders/{orderId}/ship" }
                    service: orders
                    authenticate: [corp]
                    opa: { url: "%s/v1/data/zerogate/allow", timeout: 300ms, cache_ttl: 0 }
                """.formatted(ISSUER, issuer.base(), upstream.target(), owners.base(), opa.base()));
        client = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    }

    @AfterAll
    static void stop() throws Exception {
        client.close();
        Closing.all(gateway, upstream, owners, opa, issuer);
    }

    @BeforeEach
    void ordersOfAliceAndBob() {
        upstream.heads().clear();
        owners.received().clear();
        opa.received().clear();
        owners.open();
        opa.open();
        owners.script(r -> switch (r.rawTarget()) {
            case "/owners?type=order&id=o-1", "/owners?type=order&id=o-3", "/owners?type=order&id=o-4" ->
                    FakePolicyService.Answer.json(200, "{\"owner\":\"alice\"}");
            case "/owners?type=order&id=o-2" -> FakePolicyService.Answer.json(200, "{\"owner\":\"bob\"}");
            default -> FakePolicyService.Answer.json(404, "");
        });
        opa.script(r -> {
            try {
                JsonNode input = JSON.readTree(r.body()).get("input");
                return FakePolicyService.Answer.json(200, input.get("subject").get("id").textValue().equals("alice")
                        ? "{\"result\":{\"allow\":true}}"
                        : "{\"result\":{\"allow\":false,\"reason\":\"only alice ships orders\"}}");
            } catch (Exception e) {
                return FakePolicyService.Answer.json(400, "{}");
            }
        });
    }

    private static String token(String subject) throws Exception {
        Instant now = Instant.now();
        JWTClaimsSet claims = new JWTClaimsSet.Builder().issuer(ISSUER).subject(subject).audience("orders-api")
                .issueTime(Date.from(now)).expirationTime(Date.from(now.plus(Duration.ofMinutes(5))))
                .jwtID(UUID.randomUUID().toString()).build();
        SignedJWT jwt = new SignedJWT(new JWSHeader.Builder(JWSAlgorithm.RS256).keyID(key.getKeyID()).build(), claims);
        jwt.sign(new RSASSASigner(key));
        return jwt.serialize();
    }

    private static HttpResponse<String> send(String method, String path, String caller) throws Exception {
        HttpRequest request = HttpRequest.newBuilder(URI.create(gateway.url(path)))
                .timeout(Duration.ofSeconds(10))
                .header("Authorization", "Bearer " + token(caller))
                .header("X-Tenant", "acme")
                .method(method, HttpRequest.BodyPublishers.noBody())
                .build();
        return client.send(request, HttpResponse.BodyHandlers.ofString());
    }

    private static String code(HttpResponse<String> response) throws Exception {
        return JSON.readTree(response.body()).get("code").textValue();
    }

    private static double lookups(LookupObserver.Kind kind, String route, LookupObserver.Result result) {
        return gateway.gateway().metrics().policyLookupCount(kind, route, result);
    }

    @Test
    void aliceReadsHerOwnOrder() throws Exception {
        HttpResponse<String> r = send("GET", "/orders/o-1", "alice");

        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        assertThat(r.body()).isEqualTo("ok");
        assertThat(upstream.nextHead()).startsWith("GET /orders/o-1 HTTP/1.1");
        FakePolicyService.Received asked = owners.next();
        assertThat(asked.rawTarget()).isEqualTo("/owners?type=order&id=o-1");
        assertThat(asked.headers()).doesNotContainKey("authorization");
    }

    @Test
    void aliceCannotReadBobsOrder() throws Exception {
        double before = lookups(LookupObserver.Kind.OWNER, "read-order", LookupObserver.Result.DENY);

        HttpResponse<String> r = send("GET", "/orders/o-2", "alice");

        assertThat(r.statusCode()).isEqualTo(403);
        assertThat(code(r)).isEqualTo("object_not_owned");
        assertThat(r.body()).doesNotContain("bob").doesNotContain("alice");
        assertThat(upstream.heads()).isEmpty();
        assertThat(lookups(LookupObserver.Kind.OWNER, "read-order", LookupObserver.Result.DENY)).isEqualTo(before + 1);
        assertThat(gateway.gateway().metrics().scrape())
                .contains("zerogate_policy_lookups_total{kind=\"owner\",result=\"deny\",route=\"read-order\"}");
    }

    @Test
    void anEncodedQueryInTheIdStaysInsideTheParameter() throws Exception {
        HttpResponse<String> r = send("GET", "/orders/o-2%26id%3Do-1", "alice");

        assertThat(r.statusCode()).isEqualTo(403);
        assertThat(code(r)).isEqualTo("object_not_owned");
        assertThat(owners.next().rawTarget()).isEqualTo("/owners?type=order&id=o-2%26id%3Do-1");
        assertThat(upstream.heads()).isEmpty();
    }

    @Test
    void anOwnerServiceThatFailsRefusesWith503() throws Exception {
        owners.script(r -> FakePolicyService.Answer.json(500, "{}"));

        HttpResponse<String> r = send("GET", "/orders/o-3", "alice");

        assertThat(r.statusCode()).isEqualTo(503);
        assertThat(code(r)).isEqualTo("ownership_unavailable");
        assertThat(upstream.heads()).isEmpty();
    }

    @Test
    void aSlowOwnerServiceRefusesWith503() throws Exception {
        owners.hold();
        try {
            HttpResponse<String> r = send("GET", "/orders/o-4", "alice");

            assertThat(r.statusCode()).isEqualTo(503);
            assertThat(code(r)).isEqualTo("ownership_unavailable");
            assertThat(upstream.heads()).isEmpty();
        } finally {
            owners.open();
        }
    }

    @Test
    void theDecisionPointAllowsAlice() throws Exception {
        HttpResponse<String> r = send("POST", "/orders/o-1/ship", "alice");

        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        assertThat(upstream.nextHead()).startsWith("POST /orders/o-1/ship HTTP/1.1");
        FakePolicyService.Received posted = opa.next();
        assertThat(posted.headers()).doesNotContainKey("authorization");
        assertThat(posted.body()).doesNotContainIgnoringCase("bearer").doesNotContain("authorization");
        JsonNode input = JSON.readTree(posted.body()).get("input");
        assertThat(input.get("subject").get("id").textValue()).isEqualTo("alice");
        assertThat(input.get("subject").get("issuer").textValue()).isEqualTo("corp");
        assertThat(input.get("subject").get("authenticated").booleanValue()).isTrue();
        assertThat(input.get("request").get("method").textValue()).isEqualTo("POST");
        assertThat(input.get("request").get("path").textValue()).isEqualTo("/orders/o-1/ship");
        assertThat(input.get("request").get("headers").get("x-tenant").textValue()).isEqualTo("acme");
        assertThat(input.get("request").get("headers").has("authorization")).isFalse();
        assertThat(input.get("params").get("orderId").textValue()).isEqualTo("o-1");
        assertThat(input.get("route").get("id").textValue()).isEqualTo("ship-order");
        assertThat(input.get("service").get("name").textValue()).isEqualTo("orders");
        assertThat(input.get("network").get("ip").textValue()).isEqualTo("127.0.0.1");
        assertThat(input.get("device").isNull()).isTrue();
        assertThat(Instant.parse(input.get("now").textValue())).isBetween(Instant.now().minusSeconds(60), Instant.now());
    }

    @Test
    void theDecisionPointRefusesBob() throws Exception {
        HttpResponse<String> r = send("POST", "/orders/o-2/ship", "bob");

        assertThat(r.statusCode()).isEqualTo(403);
        assertThat(code(r)).isEqualTo("policy_denied");
        assertThat(r.body()).doesNotContain("only alice");
        assertThat(upstream.heads()).isEmpty();
    }

    @Test
    void aDecisionPointThatIsDownOrSlowRefusesWith503() throws Exception {
        opa.script(r -> FakePolicyService.Answer.json(500, ""));
        HttpResponse<String> down = send("POST", "/orders/o-1/ship", "alice");
        opa.hold();
        HttpResponse<String> slow;
        try {
            slow = send("POST", "/orders/o-1/ship", "alice");
        } finally {
            opa.open();
        }

        for (HttpResponse<String> r : java.util.List.of(down, slow)) {
            assertThat(r.statusCode()).isEqualTo(503);
            assertThat(code(r)).isEqualTo("decision_point_unavailable");
        }
        assertThat(upstream.heads()).isEmpty();
    }
}
