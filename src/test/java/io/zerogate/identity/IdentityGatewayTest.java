package io.zerogate.identity;

import io.zerogate.testing.Closing;
import static org.assertj.core.api.Assertions.assertThat;

import com.nimbusds.jwt.JWTClaimsSet;
import io.zerogate.identity.apikey.ApiKeyFile;
import io.zerogate.identity.apikey.ApiKeyMint;
import io.zerogate.config.Secret;
import io.zerogate.testing.RunningGateway;
import io.zerogate.testing.TestUpstream;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Date;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * What a caller sees, and what the service behind the gateway receives, for each way a request can present (or
 * fail to present) a credential: a real gateway on loopback, tokens from an issuer running in the test, and an
 * upstream that records the request heads it gets.
 */
@Timeout(60)
class IdentityGatewayTest {

    private static final String HASH_KEY = "identity-gateway-test-hash-key-0123456789";

    @TempDir
    static Path dir;

    private static TestIssuer issuer;
    private static TestUpstream upstream;
    private static RunningGateway gateway;
    private static String apiKey;

    @BeforeAll
    static void start() throws Exception {
        issuer = TestIssuer.start();
        upstream = TestUpstream.fixed("ok");
        Path keys = dir.resolve("keys.jsonl");
        ApiKeyMint.Issued issued = new ApiKeyMint(new Secret(HASH_KEY), new SecureRandom(), Clock.systemUTC())
                .create("batch", Set.of("orders:read"), null, Set.of());
        ApiKeyFile.write(keys, List.of(issued.entry()));
        apiKey = issued.key();
        gateway = RunningGateway.start("""
                identity:
                  token_cache_size: 0
                  issuers:
                    - name: corp
                      issuer: %1$s
                      audiences: [orders-api]
                      algorithms: [RS256]
                      jwks_uri: %2$s
                    - name: opaque
                      issuer: %1$s/opaque
                      audiences: [orders-api]
                      jwks_uri: %2$s
                      introspection:
                        endpoint: %3$s
                        client_id: %4$s
                        client_secret: %5$s
                        timeout: 2s
                        cache_size: 0
                  api_keys: { file: "%6$s", hash_key: "%7$s" }
                services:
                  orders:
                    targets: [%8$s]
                    tls: none
                routes:
                  - id: open
                    match: { path: /open }
                    service: orders
                    public: true
                  - id: read
                    match: { methods: [GET], path: "/orders/{id}" }
                    service: orders
                    authenticate: [corp]
                    require: { scopes: [orders:read] }
                  - id: write
                    match: { path: /write }
                    service: orders
                    authenticate: [corp]
                    require: { scopes: [orders:write, orders:read] }
                  - id: audit
                    match: { path: /audit }
                    service: orders
                    authenticate: [corp]
                    require: { roles: [admin, auditor] }
                  - id: plain
                    match: { path: /plain }
                    service: orders
                    authenticate: [corp]
                  - id: forward
                    match: { path: /forward }
                    service: orders
                    authenticate: { methods: [corp], forward_credentials: true }
                  - id: mfa
                    match: { path: /mfa }
                    service: orders
                    authenticate: [corp]
                    require: { mfa: true }
                  - id: acr
                    match: { path: /acr }
                    service: orders
                    authenticate: [corp]
                    require: { acr: [gold, platinum] }
                  - id: fresh
                    match: { path: /fresh }
                    service: orders
                    authenticate: [corp]
                    require: { max_auth_age: 10m }
                  - id: strong
                    match: { path: /strong }
                    service: orders
                    authenticate: [corp]
                    require: { acr: [gold], max_auth_age: 5m }
                  - id: opaque
                    match: { path: /opaque }
                    service: orders
                    authenticate: [opaque]
                """.formatted(TestIssuer.ISSUER, issuer.jwksUri(), issuer.introspectionUri(), TestIssuer.CLIENT_ID,
                TestIssuer.CLIENT_SECRET, keys, HASH_KEY, upstream.target()));
    }

    @AfterAll
    static void stop() throws Exception {
        Closing.all(gateway, upstream, issuer);
    }

    @BeforeEach
    void forgetEarlierRequests() {
        upstream.heads().clear();
    }

    @AfterEach
    void introspectionAnswersAgain() {
        issuer.introspectionStatus(200);
    }

    private static String token(JWTClaimsSet.Builder claims) throws Exception {
        return issuer.sign(claims.build());
    }

    private static String bearer(String token) {
        return "Authorization: Bearer " + token;
    }

    private static GatewayClient.Head forwarded() throws InterruptedException {
        String head = upstream.nextHead();
        assertThat(head).as("request head at the upstream").isNotNull();
        return GatewayClient.Head.parse(head);
    }

    /** A refused request never reaches the upstream: a forwarded head would have arrived before the reply. */
    private static void nothingForwarded() {
        assertThat(upstream.heads()).isEmpty();
    }

    @Test
    void noCredentialIsChallengedWithTheBearerScheme() throws Exception {
        GatewayClient.Reply r = GatewayClient.get(gateway, "/orders/1");

        assertThat(r.status()).isEqualTo(401);
        assertThat(r.code()).isEqualTo("credential_missing");
        assertThat(r.all("www-authenticate")).containsExactly("Bearer realm=\"zerogate\"");
        assertThat(r.header("content-type")).isEqualTo("application/problem+json");
        nothingForwarded();
    }

    @Test
    void anotherAuthorizationSchemeIsNotAccepted() throws Exception {
        GatewayClient.Reply r = GatewayClient.get(gateway, "/orders/1", "Authorization: Basic YWxpY2U6c2VjcmV0");

        assertThat(r.status()).isEqualTo(401);
        assertThat(r.code()).isEqualTo("credential_not_accepted");
        assertThat(r.wwwAuthenticate()).isEqualTo("Bearer realm=\"zerogate\", error=\"invalid_request\"");
        assertThat(r.body()).doesNotContain("YWxpY2U6c2VjcmV0");
        nothingForwarded();
    }

    @Test
    void twoAuthorizationFieldsAreAmbiguous() throws Exception {
        String good = token(TestIssuer.claims("alice", "orders-api").claim("scope", "orders:read"));

        GatewayClient.Reply r = GatewayClient.get(gateway, "/orders/1", bearer(good), bearer(good));

        assertThat(r.status()).isEqualTo(400);
        assertThat(r.code()).isEqualTo("credential_ambiguous");
        assertThat(r.wwwAuthenticate()).isEqualTo("Bearer realm=\"zerogate\", error=\"invalid_request\"");
        nothingForwarded();
    }

    @Test
    void aTokenAndAnApiKeyAreAmbiguous() throws Exception {
        String good = token(TestIssuer.claims("alice", "orders-api").claim("scope", "orders:read"));

        GatewayClient.Reply r = GatewayClient.get(gateway, "/orders/1", bearer(good), "X-Api-Key: " + apiKey);

        assertThat(r.status()).isEqualTo(400);
        assertThat(r.code()).isEqualTo("credential_ambiguous");
        assertThat(r.body()).doesNotContain(apiKey).doesNotContain(good);
        nothingForwarded();
    }

    @Test
    void anAccessTokenInTheQueryIsNeverAccepted() throws Exception {
        String good = token(TestIssuer.claims("alice", "orders-api").claim("scope", "orders:read"));

        GatewayClient.Reply alone = GatewayClient.get(gateway, "/orders/1?access_token=" + good);
        GatewayClient.Reply withHeader = GatewayClient.get(gateway, "/orders/1?access_token=" + good, bearer(good));

        for (GatewayClient.Reply r : List.of(alone, withHeader)) {
            assertThat(r.status()).isEqualTo(401);
            assertThat(r.code()).isEqualTo("credential_not_accepted");
            assertThat(r.wwwAuthenticate()).isEqualTo("Bearer realm=\"zerogate\", error=\"invalid_request\"");
        }
        nothingForwarded();
    }

    @Test
    void aValidTokenIsReplacedByTheGatewaysSignedAssertion() throws Exception {
        String good = token(TestIssuer.claims("alice", "orders-api").claim("scope", "orders:read profile"));

        GatewayClient.Reply r = GatewayClient.get(gateway, "/orders/42", bearer(good));

        assertThat(r.status()).as(r.toString()).isEqualTo(200);
        assertThat(r.body()).isEqualTo("ok");
        GatewayClient.Head head = forwarded();
        assertThat(head.target()).isEqualTo("/orders/42");
        assertThat(head.all("authorization")).isEmpty();
        JWTClaimsSet assertion = AssertionCheck.verified(gateway, head, "orders");
        assertThat(assertion.getSubject()).isEqualTo("alice");
        assertThat(assertion.getStringClaim("kind")).isEqualTo("user");
        assertThat(assertion.getStringClaim("scope")).isEqualTo("orders:read profile");
    }

    @Test
    void anAuthenticatedRouteWithoutScopeRequirementsForwardsAnyGoodToken() throws Exception {
        String good = token(TestIssuer.claims("bob", "orders-api"));

        GatewayClient.Reply r = GatewayClient.send(gateway, "POST", "/plain", bearer(good), "Content-Length: 0");

        assertThat(r.status()).as(r.toString()).isEqualTo(200);
        GatewayClient.Head head = forwarded();
        assertThat(head.method()).isEqualTo("POST");
        assertThat(head.all("authorization")).isEmpty();
        JWTClaimsSet assertion = AssertionCheck.verified(gateway, head, "orders");
        assertThat(assertion.getSubject()).isEqualTo("bob");
        assertThat(assertion.getClaim("scope")).isNull();
    }

    @Test
    void aForgedAssertionIsRemovedOnAPublicRoute() throws Exception {
        GatewayClient.Reply r = GatewayClient.get(gateway, "/open", "ZeroGate-Identity: forged.assertion.value",
                "zerogate-identity: another");

        assertThat(r.status()).isEqualTo(200);
        GatewayClient.Head head = forwarded();
        assertThat(head.all(AssertionCheck.HEADER)).isEmpty();
    }

    @Test
    void aForgedAssertionIsReplacedOnAnAuthenticatedRoute() throws Exception {
        String good = token(TestIssuer.claims("alice", "orders-api"));

        GatewayClient.Reply r = GatewayClient.get(gateway, "/plain", bearer(good), "ZeroGate-Identity: forged.assertion.value");

        assertThat(r.status()).isEqualTo(200);
        GatewayClient.Head head = forwarded();
        assertThat(head.all(AssertionCheck.HEADER)).doesNotContain("forged.assertion.value");
        assertThat(AssertionCheck.verified(gateway, head, "orders").getSubject()).isEqualTo("alice");
    }

    @Test
    void aRouteThatForwardsCredentialsKeepsAuthorization() throws Exception {
        String good = token(TestIssuer.claims("alice", "orders-api"));

        GatewayClient.Reply r = GatewayClient.get(gateway, "/forward", bearer(good));

        assertThat(r.status()).isEqualTo(200);
        GatewayClient.Head head = forwarded();
        assertThat(head.all("authorization")).containsExactly("Bearer " + good);
        assertThat(AssertionCheck.verified(gateway, head, "orders").getSubject()).isEqualTo("alice");
    }

    @Test
    void aMissingScopeIsForbiddenWithTheScopesTheRouteNeeds() throws Exception {
        String readOnly = token(TestIssuer.claims("alice", "orders-api").claim("scope", "orders:read"));

        GatewayClient.Reply r = GatewayClient.send(gateway, "POST", "/write", bearer(readOnly), "Content-Length: 0");

        assertThat(r.status()).isEqualTo(403);
        assertThat(r.code()).isEqualTo("insufficient_scope");
        assertThat(r.all("www-authenticate"))
                .containsExactly("Bearer realm=\"zerogate\", error=\"insufficient_scope\", scope=\"orders:read orders:write\"");
        nothingForwarded();

        String both = token(TestIssuer.claims("alice", "orders-api").claim("scope", List.of("orders:write", "orders:read")));
        assertThat(GatewayClient.send(gateway, "POST", "/write", bearer(both), "Content-Length: 0").status()).isEqualTo(200);
    }

    @Test
    void aMissingRoleIsForbiddenAndEveryRoleIsNeeded() throws Exception {
        String adminOnly = token(TestIssuer.claims("alice", "orders-api").claim("roles", List.of("admin")));
        String none = token(TestIssuer.claims("alice", "orders-api"));

        for (String weak : List.of(adminOnly, none)) {
            GatewayClient.Reply r = GatewayClient.get(gateway, "/audit", bearer(weak));
            assertThat(r.status()).isEqualTo(403);
            assertThat(r.code()).isEqualTo("insufficient_role");
            assertThat(r.all("www-authenticate")).isEmpty();
            assertThat(r.body()).doesNotContain("auditor");
        }
        nothingForwarded();

        String both = token(TestIssuer.claims("alice", "orders-api").claim("roles", List.of("auditor", "admin", "dev")));
        assertThat(GatewayClient.get(gateway, "/audit", bearer(both)).status()).isEqualTo(200);
        assertThat(forwarded().target()).isEqualTo("/audit");
    }

    @Test
    void withoutASecondFactorTheCallerMustStepUp() throws Exception {
        String noAmr = token(TestIssuer.claims("alice", "orders-api"));
        String passwordOnly = token(TestIssuer.claims("alice", "orders-api").claim("amr", List.of("pwd")));
        String withOtp = token(TestIssuer.claims("alice", "orders-api").claim("amr", List.of("pwd", "otp")));

        for (String weak : List.of(noAmr, passwordOnly)) {
            GatewayClient.Reply r = GatewayClient.get(gateway, "/mfa", bearer(weak));
            assertThat(r.status()).isEqualTo(401);
            assertThat(r.code()).isEqualTo("step_up_required");
            assertThat(r.all("www-authenticate"))
                    .containsExactly("Bearer realm=\"zerogate\", error=\"insufficient_user_authentication\"");
        }
        nothingForwarded();
        assertThat(GatewayClient.get(gateway, "/mfa", bearer(withOtp)).status()).isEqualTo(200);
    }

    @Test
    void anotherAcrIsChallengedWithTheAcceptedValues() throws Exception {
        String silver = token(TestIssuer.claims("alice", "orders-api").claim("acr", "silver"));
        String none = token(TestIssuer.claims("alice", "orders-api"));
        String platinum = token(TestIssuer.claims("alice", "orders-api").claim("acr", "platinum"));

        for (String weak : List.of(silver, none)) {
            GatewayClient.Reply r = GatewayClient.get(gateway, "/acr", bearer(weak));
            assertThat(r.status()).isEqualTo(401);
            assertThat(r.code()).isEqualTo("step_up_required");
            assertThat(r.wwwAuthenticate()).isEqualTo(
                    "Bearer realm=\"zerogate\", error=\"insufficient_user_authentication\", acr_values=\"gold platinum\"");
        }
        assertThat(GatewayClient.get(gateway, "/acr", bearer(platinum)).status()).isEqualTo(200);
    }

    @Test
    void anOldAuthenticationIsChallengedWithMaxAge() throws Exception {
        Instant now = Instant.now();
        String anHourAgo = token(TestIssuer.claims("alice", "orders-api").claim("auth_time", now.minus(Duration.ofHours(1)).getEpochSecond()));
        String unknown = token(TestIssuer.claims("alice", "orders-api"));
        String aMinuteAgo = token(TestIssuer.claims("alice", "orders-api").claim("auth_time", now.minus(Duration.ofMinutes(1)).getEpochSecond()));

        for (String stale : List.of(anHourAgo, unknown)) {
            GatewayClient.Reply r = GatewayClient.get(gateway, "/fresh", bearer(stale));
            assertThat(r.status()).isEqualTo(401);
            assertThat(r.code()).isEqualTo("step_up_required");
            assertThat(r.wwwAuthenticate()).isEqualTo(
                    "Bearer realm=\"zerogate\", error=\"insufficient_user_authentication\", max_age=600");
        }
        assertThat(GatewayClient.get(gateway, "/fresh", bearer(aMinuteAgo)).status()).isEqualTo(200);
    }

    @Test
    void aStepUpChallengeNamesEverythingTheRouteNeeds() throws Exception {
        String gold = token(TestIssuer.claims("alice", "orders-api").claim("acr", "silver")
                .claim("auth_time", Instant.now().getEpochSecond()));

        GatewayClient.Reply r = GatewayClient.get(gateway, "/strong", bearer(gold));

        assertThat(r.status()).isEqualTo(401);
        assertThat(r.wwwAuthenticate()).isEqualTo(
                "Bearer realm=\"zerogate\", error=\"insufficient_user_authentication\", acr_values=\"gold\", max_age=300");
    }

    @Test
    void anOpaqueTokenIsIntrospected() throws Exception {
        String opaque = "opaque-" + java.util.UUID.randomUUID();
        issuer.answer(opaque, """
                {"active":true,"sub":"carol","scope":"orders:read","iss":"%s/opaque","aud":"orders-api","exp":%d}
                """.formatted(TestIssuer.ISSUER, Instant.now().plusSeconds(300).getEpochSecond()));

        GatewayClient.Reply r = GatewayClient.get(gateway, "/opaque", bearer(opaque));

        assertThat(r.status()).as(r.toString()).isEqualTo(200);
        GatewayClient.Head head = forwarded();
        assertThat(head.all("authorization")).isEmpty();
        JWTClaimsSet assertion = AssertionCheck.verified(gateway, head, "orders");
        assertThat(assertion.getSubject()).isEqualTo("carol");
        assertThat(assertion.getStringClaim("scope")).isEqualTo("orders:read");
    }

    @Test
    void anInactiveOpaqueTokenIsRefused() throws Exception {
        GatewayClient.Reply r = GatewayClient.get(gateway, "/opaque", bearer("never-issued-" + java.util.UUID.randomUUID()));

        assertThat(r.status()).isEqualTo(401);
        assertThat(r.code()).isEqualTo("token_inactive");
        assertThat(r.wwwAuthenticate()).isEqualTo("Bearer realm=\"zerogate\", error=\"invalid_token\"");
        nothingForwarded();
    }

    @Test
    void anIntrospectionFailureNeverAllows() throws Exception {
        String opaque = "opaque-" + java.util.UUID.randomUUID();
        issuer.answer(opaque, "{\"active\":true,\"sub\":\"carol\",\"iss\":\"" + TestIssuer.ISSUER + "/opaque\"}");
        issuer.introspectionStatus(500);
        int before = issuer.introspections();

        GatewayClient.Reply r = GatewayClient.get(gateway, "/opaque", bearer(opaque));

        assertThat(r.status()).isEqualTo(503);
        assertThat(r.code()).isEqualTo("identity_provider_unavailable");
        assertThat(r.all("www-authenticate")).isEmpty();
        assertThat(issuer.introspections()).isEqualTo(before + 1);
        nothingForwarded();

        String malformed = "opaque-" + java.util.UUID.randomUUID();
        issuer.introspectionStatus(200);
        issuer.answer(malformed, "{\"active\":\"yes\",\"sub\":\"carol\"}");
        GatewayClient.Reply odd = GatewayClient.get(gateway, "/opaque", bearer(malformed));
        assertThat(odd.status()).isEqualTo(503);
        assertThat(odd.code()).isEqualTo("identity_provider_unavailable");
        nothingForwarded();
    }

    @Test
    void anUnreachableIntrospectionEndpointNeverAllows() throws Exception {
        try (TestIssuer down = TestIssuer.start();
             RunningGateway g = RunningGateway.start("""
                     identity:
                       issuers:
                         - name: opaque
                           issuer: %1$s
                           audiences: [orders-api]
                           jwks_uri: %2$s
                           introspection: { endpoint: %3$s, client_id: %4$s, client_secret: %5$s, timeout: 2s }
                     services:
                       orders: { targets: [%6$s], tls: none }
                     routes:
                       - id: opaque
                         match: { path: /opaque }
                         service: orders
                         authenticate: [opaque]
                     """.formatted(TestIssuer.ISSUER, down.jwksUri(), down.introspectionUri(), TestIssuer.CLIENT_ID,
                     TestIssuer.CLIENT_SECRET, upstream.target()))) {
            down.stop();

            GatewayClient.Reply r = GatewayClient.get(g, "/opaque", bearer("opaque-while-down"));

            assertThat(r.status()).isEqualTo(503);
            assertThat(r.code()).isEqualTo("identity_provider_unavailable");
            nothingForwarded();
        }
    }

    @Test
    void anExpiredTokenIsRefusedWithInvalidToken() throws Exception {
        Instant now = Instant.now();
        String expired = token(TestIssuer.claims("alice", "orders-api")
                .issueTime(Date.from(now.minus(Duration.ofMinutes(10))))
                .expirationTime(Date.from(now.minus(Duration.ofMinutes(5)))));

        GatewayClient.Reply r = GatewayClient.get(gateway, "/plain", bearer(expired));

        assertThat(r.status()).isEqualTo(401);
        assertThat(r.code()).isEqualTo("token_expired");
        assertThat(r.wwwAuthenticate()).isEqualTo("Bearer realm=\"zerogate\", error=\"invalid_token\"");
        assertThat(r.body()).doesNotContain(expired);
        nothingForwarded();
    }

    @Test
    void eachRequestOnAKeptAliveConnectionIsAuthenticatedOnItsOwn() throws Exception {
        String alice = token(TestIssuer.claims("alice", "orders-api"));
        String bob = token(TestIssuer.claims("bob", "orders-api"));
        String host = "127.0.0.1:" + gateway.port();

        try (java.net.Socket s = gateway.connect()) {
            GatewayClient.Reply first = GatewayClient.sendKeepingOpen(s, host, "GET", "/plain", bearer(alice));
            GatewayClient.Reply second = GatewayClient.sendKeepingOpen(s, host, "GET", "/plain");
            GatewayClient.Reply third = GatewayClient.sendKeepingOpen(s, host, "GET", "/plain", bearer(bob));

            assertThat(first.status()).isEqualTo(200);
            assertThat(second.status()).as("no credential, after an authenticated request").isEqualTo(401);
            assertThat(second.code()).isEqualTo("credential_missing");
            assertThat(third.status()).isEqualTo(200);
        }
        assertThat(AssertionCheck.verified(gateway, forwarded(), "orders").getSubject()).isEqualTo("alice");
        assertThat(AssertionCheck.verified(gateway, forwarded(), "orders").getSubject()).isEqualTo("bob");
        nothingForwarded();
    }

    @Test
    void aReloadAddsCredentialsAndKeepsTheAssertionKey() throws Exception {
        Path file = dir.resolve("reloaded.yaml");
        String head = """
                version: 1
                listeners:
                  - name: public
                    address: 127.0.0.1:0
                admin:
                  address: 127.0.0.1:0
                services:
                  orders: { targets: [%s], tls: none }
                """.formatted(upstream.target());
        String corp = """
                    - name: corp
                      issuer: %s
                      audiences: [orders-api]
                      jwks_uri: %s
                """.formatted(TestIssuer.ISSUER, issuer.jwksUri());
        java.nio.file.Files.writeString(file, head + "identity:\n  issuers:\n" + corp + """
                routes:
                  - id: plain
                    match: { path: /plain }
                    service: orders
                    authenticate: [corp]
                """);
        String alice = token(TestIssuer.claims("alice", "orders-api"));
        String partner = token(TestIssuer.claims("partner", "partner-api"));
        try (RunningGateway g = RunningGateway.startWatching(file, 1)) {
            assertThat(GatewayClient.get(g, "/plain", bearer(alice)).status()).isEqualTo(200);
            String kid = AssertionCheck.publishedKeys(g).getKeys().get(0).getKeyID();
            assertThat(GatewayClient.get(g, "/partner", bearer(partner)).status()).isEqualTo(404);

            // A second issuer for another audience, and a route that takes only its tokens.
            java.nio.file.Files.writeString(file, head + "identity:\n  issuers:\n" + corp + """
                        - name: partner
                          issuer: %s
                          audiences: [partner-api]
                          jwks_uri: %s
                    routes:
                      - id: plain
                        match: { path: /plain }
                        service: orders
                        authenticate: [corp]
                      - id: partner
                        match: { path: /partner }
                        service: orders
                        authenticate: [partner]
                    """.formatted(TestIssuer.ISSUER, issuer.jwksUri()));

            io.zerogate.testing.Await.until("the reloaded route takes the partner's token", Duration.ofSeconds(15), () -> {
                try {
                    return GatewayClient.get(g, "/partner", bearer(partner)).status() == 200;
                } catch (java.io.IOException e) {
                    throw new IllegalStateException(e);
                }
            });
            upstream.heads().clear();
            GatewayClient.Reply wrongAudience = GatewayClient.get(g, "/partner", bearer(alice));
            assertThat(wrongAudience.code()).isEqualTo("token_audience_rejected");
            assertThat(GatewayClient.get(g, "/plain", bearer(alice)).status()).isEqualTo(200);
            GatewayClient.Head forwardedHead = forwarded();
            assertThat(AssertionCheck.verified(g, forwardedHead, "orders").getSubject()).isEqualTo("alice");
            assertThat(AssertionCheck.publishedKeys(g).getKeys()).extracting(k -> k.getKeyID()).containsExactly(kid);
        }
    }

    @Test
    void aRememberedTokenIsNotAcceptedPastItsExpiry() throws Exception {
        try (RunningGateway cached = RunningGateway.start("""
                identity:
                  token_cache_size: 100
                  issuers:
                    - name: corp
                      issuer: %s
                      audiences: [orders-api]
                      jwks_uri: %s
                      clock_skew: 1s
                services:
                  orders: { targets: [%s], tls: none }
                routes:
                  - id: plain
                    match: { path: /plain }
                    service: orders
                    authenticate: [corp]
                """.formatted(TestIssuer.ISSUER, issuer.jwksUri(), upstream.target()))) {
            Instant now = Instant.now();
            String shortLived = token(TestIssuer.claims("alice", "orders-api")
                    .issueTime(Date.from(now))
                    .expirationTime(Date.from(now.plusSeconds(2))));
            assertThat(GatewayClient.get(cached, "/plain", bearer(shortLived)).status()).isEqualTo(200);

            // Remembered as verified, yet only until exp: past exp plus the skew, the next request is refused.
            io.zerogate.testing.Await.until("the token expires", Duration.ofSeconds(10), () -> {
                try {
                    return GatewayClient.get(cached, "/plain", bearer(shortLived)).status() == 401;
                } catch (java.io.IOException e) {
                    throw new IllegalStateException(e);
                }
            });
            GatewayClient.Reply r = GatewayClient.get(cached, "/plain", bearer(shortLived));
            assertThat(r.code()).isEqualTo("token_expired");
        }
    }

    private static String minimalGateway(String assertionSection) {
        return """
                identity:
                  issuers:
                    - name: corp
                      issuer: %s
                      audiences: [orders-api]
                      jwks_uri: %s
                  assertion: %s
                services:
                  orders: { targets: [%s], tls: none }
                routes:
                  - id: plain
                    match: { path: /plain }
                    service: orders
                    authenticate: [corp]
                """.formatted(TestIssuer.ISSUER, issuer.jwksUri(), assertionSection, upstream.target());
    }

    @Test
    void gatewaysThatShareAnAssertionKeyFileVouchAlike() throws Exception {
        java.security.KeyPairGenerator generator = java.security.KeyPairGenerator.getInstance("EC");
        generator.initialize(new java.security.spec.ECGenParameterSpec("secp256r1"));
        Path keyFile = dir.resolve("assertion-key.pem");
        java.nio.file.Files.writeString(keyFile, "-----BEGIN PRIVATE KEY-----\n"
                + java.util.Base64.getMimeEncoder(64, "\n".getBytes(java.nio.charset.StandardCharsets.US_ASCII))
                        .encodeToString(generator.generateKeyPair().getPrivate().getEncoded())
                + "\n-----END PRIVATE KEY-----\n");
        String shared = "{ key_file: \"" + keyFile + "\", issuer: zerogate }";
        String good = token(TestIssuer.claims("alice", "orders-api"));
        try (RunningGateway one = RunningGateway.start(minimalGateway(shared));
             RunningGateway two = RunningGateway.start(minimalGateway(shared))) {
            assertThat(AssertionCheck.publishedKeys(one).toString()).isEqualTo(AssertionCheck.publishedKeys(two).toString());

            assertThat(GatewayClient.get(one, "/plain", bearer(good)).status()).isEqualTo(200);
            GatewayClient.Head fromOne = forwarded();
            // A service that fetched the keys of the other node verifies this node's assertion.
            assertThat(AssertionCheck.verified(two, fromOne, "orders").getSubject()).isEqualTo("alice");
        }
    }

    @Test
    void withAssertionsDisabledNothingIsSignedAndAForgedOneIsStillRemoved() throws Exception {
        String good = token(TestIssuer.claims("alice", "orders-api"));
        try (RunningGateway g = RunningGateway.start(minimalGateway("{ enabled: false }"))) {
            GatewayClient.Reply r = GatewayClient.get(g, "/plain", bearer(good), "ZeroGate-Identity: forged.assertion.value");

            assertThat(r.status()).isEqualTo(200);
            GatewayClient.Head head = forwarded();
            assertThat(head.all(AssertionCheck.HEADER)).isEmpty();
            assertThat(head.all("authorization")).isEmpty();
            assertThat(AssertionCheck.publishedKeys(g).getKeys()).isEmpty();
        }
    }
}
