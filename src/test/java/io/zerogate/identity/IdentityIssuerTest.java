package io.zerogate.identity;

import io.zerogate.testing.Closing;
import static org.assertj.core.api.Assertions.assertThat;

import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.crypto.ECDSASigner;
import com.nimbusds.jose.crypto.RSASSASigner;
import com.nimbusds.jose.jwk.Curve;
import com.nimbusds.jose.jwk.ECKey;
import com.nimbusds.jose.jwk.JWK;
import com.nimbusds.jose.jwk.JWKSet;
import com.nimbusds.jose.jwk.RSAKey;
import com.nimbusds.jose.jwk.gen.ECKeyGenerator;
import com.nimbusds.jose.jwk.gen.RSAKeyGenerator;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.SignedJWT;
import io.zerogate.testing.Await;
import io.zerogate.testing.RunningGateway;
import io.zerogate.testing.TestUpstream;
import java.net.InetAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Date;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import no.nav.security.mock.oauth2.MockOAuth2Server;
import no.nav.security.mock.oauth2.OAuth2Config;
import no.nav.security.mock.oauth2.http.OAuth2HttpRequest;
import no.nav.security.mock.oauth2.http.OAuth2HttpResponse;
import no.nav.security.mock.oauth2.http.Route;
import okhttp3.Headers;
import okhttp3.mockwebserver.RecordedRequest;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Access tokens of a real OpenID provider (mock-oauth2-server) through a real gateway: the keys found by
 * discovery, every claim check with its reason code, key rotation at the issuer, a flood of unknown key ids, and
 * the issuer going away.
 */
@Timeout(120)
class IdentityIssuerTest {

    @TempDir
    static java.nio.file.Path dir;

    private static MockOAuth2Server provider;
    private static TestUpstream upstream;
    private static RunningGateway gateway;
    private static String issuer;
    private static List<String> startupRequests;

    /** Providers and gateways a single test started, closed after it. */
    private final List<MockOAuth2Server> ownProviders = new ArrayList<>();
    private final List<RunningGateway> ownGateways = new ArrayList<>();

    @BeforeAll
    static void start() throws Exception {
        provider = new MockOAuth2Server();
        provider.start(InetAddress.getLoopbackAddress(), 0);
        issuer = provider.issuerUrl("default").toString();
        upstream = TestUpstream.fixed("ok");
        gateway = RunningGateway.start(config(issuer, null, "max_token_lifetime: 1h", "{ cooldown: 30s }"));
        startupRequests = drain(provider);
    }

    @AfterAll
    static void stop() throws Exception {
        Closing.all(gateway, upstream, provider == null ? null : provider::shutdown);
    }

    @BeforeEach
    void forgetEarlierRequests() {
        upstream.heads().clear();
    }

    @AfterEach
    void closeOwn() throws Exception {
        for (RunningGateway g : ownGateways) {
            g.close();
        }
        for (MockOAuth2Server p : ownProviders) {
            p.shutdown();
        }
    }

    private static String config(String issuerUrl, @Nullable String jwksUri, String lifetime, String jwks) {
        return """
                identity:
                  token_cache_size: 0
                  issuers:
                    - name: corp
                      issuer: %s
                      audiences: [orders-api]
                      algorithms: [RS256, ES256]
                      %s
                      %s
                      jwks: %s
                services:
                  orders:
                    targets: [%s]
                    tls: none
                routes:
                  - id: orders
                    match: { path: "/orders/{id}" }
                    service: orders
                    authenticate: [corp]
                """.formatted(issuerUrl, jwksUri == null ? "" : "jwks_uri: " + jwksUri, lifetime, jwks, upstream.target());
    }

    private MockOAuth2Server ownProvider(Route... routes) {
        MockOAuth2Server p = new MockOAuth2Server(new OAuth2Config(), routes);
        p.start(InetAddress.getLoopbackAddress(), 0);
        ownProviders.add(p);
        return p;
    }

    /** The issuer goes away: its port refuses connections from now on. */
    private void down(MockOAuth2Server p) {
        ownProviders.remove(p);
        p.shutdown();
    }

    private RunningGateway ownGateway(String yaml) throws Exception {
        RunningGateway g = RunningGateway.start(yaml);
        ownGateways.add(g);
        return g;
    }

    /** The paths of every request the provider received and has not been asked about yet. */
    private static List<String> drain(MockOAuth2Server p) {
        List<String> paths = new ArrayList<>();
        while (true) {
            RecordedRequest r;
            try {
                r = p.takeRequest(50, TimeUnit.MILLISECONDS);
            } catch (RuntimeException noneWithinTheWait) {
                return paths;
            }
            paths.add(r.getPath());
        }
    }

    private static GatewayClient.Reply call(RunningGateway g, String token) throws Exception {
        return GatewayClient.get(g, "/orders/7", "Authorization: Bearer " + token);
    }

    private static void refused(GatewayClient.Reply r, String code) {
        assertThat(r.status()).as(r.toString()).isEqualTo(401);
        assertThat(r.code()).isEqualTo(code);
        assertThat(r.all("www-authenticate")).containsExactly("Bearer realm=\"zerogate\", error=\"invalid_token\"");
    }

    /** A token the provider's own key did not sign: claims of the provider's issuer, signed with {@code key}. */
    private static String signedBy(JWK key, String issuerUrl) throws Exception {
        Instant now = Instant.now();
        JWTClaimsSet claims = new JWTClaimsSet.Builder()
                .issuer(issuerUrl).subject("mallory").audience("orders-api")
                .issueTime(Date.from(now)).expirationTime(Date.from(now.plus(Duration.ofMinutes(5))))
                .build();
        SignedJWT jwt;
        if (key instanceof RSAKey rsa) {
            jwt = new SignedJWT(new JWSHeader.Builder(JWSAlgorithm.RS256).keyID(rsa.getKeyID()).build(), claims);
            jwt.sign(new RSASSASigner(rsa));
        } else {
            ECKey ec = (ECKey) key;
            jwt = new SignedJWT(new JWSHeader.Builder(JWSAlgorithm.ES256).keyID(ec.getKeyID()).build(), claims);
            jwt.sign(new ECDSASigner(ec));
        }
        return jwt.serialize();
    }

    @Test
    void keysAreDiscoveredAndFetchedWhileTheGatewayStarts() {
        assertThat(startupRequests).containsExactly("/default/.well-known/openid-configuration", "/default/jwks");
    }

    @Test
    void aValidTokenReachesTheServiceAsTheGatewaysAssertion() throws Exception {
        String token = provider.issueToken("default", "alice", "orders-api", Map.of("scope", "orders:read")).serialize();

        GatewayClient.Reply r = call(gateway, token);

        assertThat(r.status()).as(r.toString()).isEqualTo(200);
        String raw = upstream.nextHead();
        assertThat(raw).doesNotContain(token);
        GatewayClient.Head head = GatewayClient.Head.parse(raw);
        assertThat(head.all("authorization")).isEmpty();
        JWTClaimsSet assertion = AssertionCheck.verified(gateway, head, "orders");
        assertThat(assertion.getSubject()).isEqualTo("alice");
        assertThat(assertion.getStringClaim("kind")).isEqualTo("user");
        assertThat(assertion.getStringClaim("scope")).isEqualTo("orders:read");
        assertThat(assertion.getStringClaim("rid")).isEqualTo(head.header("x-request-id"));
    }

    @Test
    void anExpiredTokenIsRefused() throws Exception {
        String token = provider.issueToken("default", "alice", "orders-api", Map.of(), -120L).serialize();

        refused(call(gateway, token), "token_expired");
        assertThat(upstream.heads()).isEmpty();
    }

    @Test
    void aTokenNotValidYetIsRefused() throws Exception {
        long inTenMinutes = Instant.now().plus(Duration.ofMinutes(10)).getEpochSecond();
        String token = provider.issueToken("default", "alice", "orders-api", Map.of("nbf", inTenMinutes), 1800L).serialize();

        refused(call(gateway, token), "token_not_yet_valid");
    }

    @Test
    void aTokenOfAnotherIssuerIsRefused() throws Exception {
        String token = provider.issueToken("other", "alice", "orders-api", Map.of()).serialize();

        refused(call(gateway, token), "token_issuer_rejected");
    }

    @Test
    void aTokenForAnotherAudienceIsRefused() throws Exception {
        String token = provider.issueToken("default", "alice", "payments-api", Map.of()).serialize();

        refused(call(gateway, token), "token_audience_rejected");
    }

    @Test
    void aTokenLivingLongerThanAllowedIsRefused() throws Exception {
        String twoHours = provider.issueToken("default", "alice", "orders-api", Map.of(), 7200L).serialize();
        String oneHour = provider.issueToken("default", "alice", "orders-api", Map.of(), 3600L).serialize();

        refused(call(gateway, twoHours), "token_lifetime_exceeded");
        assertThat(call(gateway, oneHour).status()).isEqualTo(200);
    }

    @Test
    void keysRotateAtTheIssuer() throws Exception {
        // The issuer publishes whatever set the test says, at a path of its own, so that keys can come and go.
        AtomicReference<JWKSet> published = new AtomicReference<>();
        AtomicInteger fetches = new AtomicInteger();
        Route rotating = new Route() {
            @Override
            public boolean match(OAuth2HttpRequest request) {
                return request.getUrl().encodedPath().equals("/rotating/jwks");
            }

            @Override
            public OAuth2HttpResponse invoke(OAuth2HttpRequest request) {
                fetches.incrementAndGet();
                return new OAuth2HttpResponse(Headers.of("Content-Type", "application/json"), 200,
                        published.get().toString(true), null);
            }
        };
        MockOAuth2Server p = ownProvider(rotating);
        String url = p.issuerUrl("default").toString();
        JWK original = fetchKeys(p.jwksUrl("default").toString()).getKeyByKeyId("default");
        assertThat(original).isNotNull();
        published.set(new JWKSet(original));
        RunningGateway g = ownGateway(config(url, p.url("/rotating/jwks").toString(), "max_token_lifetime: 1h",
                "{ cooldown: 1s, refresh: 1h, max_staleness: 1h }"));
        assertThat(fetches.get()).isEqualTo(1);

        String old = p.issueToken("default", "alice", "orders-api", Map.of()).serialize();
        assertThat(call(g, old).status()).isEqualTo(200);

        RSAKey next = new RSAKeyGenerator(2048).keyID("rotated-" + UUID.randomUUID()).generate();
        String fresh = signedBy(next, url);
        refused(call(g, fresh), "token_invalid");

        // The issuer starts publishing its next key beside the current one: the new kid is picked up on a refetch.
        published.set(new JWKSet(List.of(original, next.toPublicJWK())));
        Await.until("the new key is picked up", Duration.ofSeconds(15), () -> status(g, fresh) == 200);
        assertThat(call(g, old).status()).as("old token while its key is still listed").isEqualTo(200);

        // The old key is retired: once a refetch brings the set without it, its tokens are refused.
        published.set(new JWKSet(next.toPublicJWK()));
        ECKey prober = new ECKeyGenerator(Curve.P_256).generate();
        Await.until("the old key is dropped", Duration.ofSeconds(15), () -> {
            // A token with a kid nobody published makes the gateway look at the issuer's set again.
            status(g, unchecked(() -> signedBy(new ECKey.Builder(prober).keyID(UUID.randomUUID().toString()).build(), url)));
            return status(g, old) == 401;
        });
        refused(call(g, old), "token_invalid");
        assertThat(call(g, fresh).status()).isEqualTo(200);
    }

    private static JWKSet fetchKeys(String url) throws Exception {
        try (HttpClient http = HttpClient.newHttpClient()) {
            return JWKSet.parse(http.send(HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(5)).build(),
                    HttpResponse.BodyHandlers.ofString()).body());
        }
    }

    private static String unchecked(java.util.concurrent.Callable<String> token) {
        try {
            return token.call();
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    private static int status(RunningGateway g, String token) {
        try {
            return call(g, token).status();
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    @Test
    void aFloodOfUnknownKeyIdsCostsAtMostOneFetchPerCooldown() throws Exception {
        Duration cooldown = Duration.ofSeconds(2);
        MockOAuth2Server p = ownProvider();
        String url = p.issuerUrl("default").toString();
        long started = System.nanoTime();
        RunningGateway g = ownGateway(config(url, null, "max_token_lifetime: 1h",
                "{ cooldown: " + cooldown.toSeconds() + "s, refresh: 1h, max_staleness: 1h }"));
        assertThat(drain(p)).containsExactly("/default/.well-known/openid-configuration", "/default/jwks");

        ECKey attacker = new ECKeyGenerator(Curve.P_256).generate();
        Duration floodFor = Duration.ofSeconds(5);
        long floodEnds = System.nanoTime() + floodFor.toNanos();
        Map<String, Integer> outcomes = new ConcurrentHashMap<>();
        AtomicInteger sent = new AtomicInteger();
        ExecutorService threads = Executors.newFixedThreadPool(3);
        try {
            List<Future<?>> running = new ArrayList<>();
            for (int t = 0; t < 3; t++) {
                running.add(threads.submit(() -> {
                    while (System.nanoTime() - floodEnds < 0) {
                        ECKey withRandomKid = new ECKey.Builder(attacker).keyID(UUID.randomUUID().toString()).build();
                        GatewayClient.Reply r = call(g, signedBy(withRandomKid, url));
                        outcomes.merge(r.status() + " " + r.code(), 1, Integer::sum);
                        sent.incrementAndGet();
                    }
                    return null;
                }));
            }
            for (Future<?> f : running) {
                f.get(30, TimeUnit.SECONDS);
            }
        } finally {
            threads.shutdownNow();
        }
        long elapsed = System.nanoTime() - started;
        List<String> during = drain(p);

        assertThat(outcomes).containsOnlyKeys("401 token_invalid");
        assertThat(sent.get()).isGreaterThan(20);
        long jwksFetches = during.stream().filter("/default/jwks"::equals).count();
        // Fetches are at least a cooldown apart, and the first was at start: n fetches need n cooldowns of time.
        long allowed = elapsed / cooldown.toNanos();
        assertThat(jwksFetches).as("JWK set fetches for %d requests in %d ms", sent.get(), elapsed / 1_000_000)
                .isBetween(1L, allowed);
        assertThat(during).allMatch(path -> path.equals("/default/jwks"));

        String legitimate = p.issueToken("default", "alice", "orders-api", Map.of()).serialize();
        assertThat(call(g, legitimate).status()).as("a good token after the flood").isEqualTo(200);
    }

    @Test
    void whileTheIssuerIsDownItsLastKeysKeepWorking() throws Exception {
        MockOAuth2Server p = ownProvider();
        String url = p.issuerUrl("default").toString();
        RunningGateway g = ownGateway(config(url, null, "max_token_lifetime: 1h", "{ cooldown: 1s, max_staleness: 1h }"));
        String token = p.issueToken("default", "alice", "orders-api", Map.of()).serialize();
        assertThat(call(g, token).status()).isEqualTo(200);

        String another = p.issueToken("default", "bob", "orders-api", Map.of()).serialize();
        down(p);

        assertThat(call(g, token).status()).as("same token, verified again with the held keys").isEqualTo(200);
        assertThat(call(g, another).status()).isEqualTo(200);
        // A key the gateway never saw cannot be fetched now: refused, never allowed.
        refused(call(g, signedBy(new ECKeyGenerator(Curve.P_256).keyID("unseen").generate(), url)), "token_invalid");
    }

    @Test
    void whenTheIssuerStaysDownBeyondTheStalenessTokensAreRefusedAsUnavailable() throws Exception {
        MockOAuth2Server p = ownProvider();
        String url = p.issuerUrl("default").toString();
        RunningGateway g = ownGateway(config(url, null, "max_token_lifetime: 1h", "{ cooldown: 1s, max_staleness: 2s }"));
        String token = p.issueToken("default", "alice", "orders-api", Map.of()).serialize();
        assertThat(call(g, token).status()).isEqualTo(200);

        down(p);

        Set<Integer> seen = ConcurrentHashMap.newKeySet();
        Await.until("keys older than max_staleness", Duration.ofSeconds(20), () -> {
            int status = status(g, token);
            seen.add(status);
            return status == 503;
        });
        assertThat(seen).isSubsetOf(200, 503);
        GatewayClient.Reply r = call(g, token);
        assertThat(r.status()).isEqualTo(503);
        assertThat(r.code()).isEqualTo("identity_provider_unavailable");
        assertThat(r.all("www-authenticate")).isEmpty();
        upstream.heads().clear();
        assertThat(call(g, token).status()).isEqualTo(503);
        assertThat(upstream.heads()).isEmpty();
    }

    @Test
    void anIssuerThatCouldNotBeReachedAtStartRefusesItsTokensAsUnavailable() throws Exception {
        MockOAuth2Server p = ownProvider();
        String url = p.issuerUrl("default").toString();
        String token = p.issueToken("default", "alice", "orders-api", Map.of()).serialize();
        down(p);

        RunningGateway g = ownGateway(config(url, null, "max_token_lifetime: 1h", "{ cooldown: 1s, timeout: 2s }"));
        GatewayClient.Reply r = call(g, token);

        assertThat(r.status()).isEqualTo(503);
        assertThat(r.code()).isEqualTo("identity_provider_unavailable");
        assertThat(r.all("www-authenticate")).isEmpty();
        assertThat(upstream.heads()).isEmpty();
    }

    @Test
    void aReloadKeepsTheKeysItAlreadyHoldsWhileTheIssuerIsDown() throws Exception {
        MockOAuth2Server p = ownProvider();
        String url = p.issuerUrl("default").toString();
        java.nio.file.Path file = dir.resolve("reload-while-down.yaml");
        String before = RunningGateway.document(config(url, null, "max_token_lifetime: 1h", "{ max_staleness: 1h }"));
        java.nio.file.Files.writeString(file, before);
        RunningGateway g = RunningGateway.startWatching(file, 1);
        ownGateways.add(g);
        String token = p.issueToken("default", "alice", "orders-api", Map.of()).serialize();
        assertThat(call(g, token).status()).isEqualTo(200);

        down(p);
        // An everyday edit: a comment on top, one more audience, one more route. The issuer's keys are where they were.
        java.nio.file.Files.writeString(file, "# reports can call too\n"
                + before.replace("audiences: [orders-api]", "audiences: [orders-api, reports-api]") + """
                  - id: health
                    match: { path: /health }
                    service: orders
                    public: true
                """);
        Await.until("the edited configuration is in force", Duration.ofSeconds(15),
                () -> statusOf(g, "/health") == 200);

        GatewayClient.Reply r = call(g, token);
        assertThat(r.status()).as("a token of the issuer whose keys the gateway held before the reload: %s", r)
                .isEqualTo(200);
    }

    private static int statusOf(RunningGateway g, String path) {
        try {
            return GatewayClient.get(g, path).status();
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }
}
