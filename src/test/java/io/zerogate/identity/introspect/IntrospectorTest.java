package io.zerogate.identity.introspect;

import io.zerogate.testing.MutableClock;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.zerogate.chain.ReasonCode;
import io.zerogate.config.IntrospectionConfig;
import io.zerogate.config.IssuerConfig;
import io.zerogate.config.Secret;
import io.zerogate.identity.Authentication;
import io.zerogate.identity.Subject;
import io.zerogate.identity.TokenBinding;
import io.zerogate.identity.Verification;
import io.zerogate.identity.introspect.IntrospectionEndpoint.Answer;
import io.zerogate.identity.introspect.IntrospectionEndpoint.Auth;
import io.zerogate.testing.Await;
import io.zerogate.testing.DeadTargets;
import java.math.BigDecimal;
import java.net.URI;
import java.net.http.HttpClient;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class IntrospectorTest {

    private static final Instant NOW = Instant.parse("2025-06-01T10:00:00Z");
    private static final long T = NOW.getEpochSecond();
    private static final String ISSUER = "https://sso.example.com/realms/corp";
    // Characters that RFC 6749 2.3.1 form-encodes before base64: a client that skips that step fails the check.
    private static final String CLIENT_ID = "gateway client:1";
    private static final String CLIENT_SECRET = "s3cr:t+/ é%&=";
    private static final String TOKEN = "opaque-token-4f9c2a";

    private static final HttpClient HTTP = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(2)).build();

    private final MutableClock clock = new MutableClock(NOW);
    private final List<IntrospectionEndpoint> endpoints = new ArrayList<>();

    @AfterEach
    void stopEndpoints() {
        for (IntrospectionEndpoint e : endpoints) {
            e.close();
        }
    }

    @AfterAll
    static void closeClient() {
        HTTP.close();
    }

    private IntrospectionEndpoint endpoint(Auth auth) throws Exception {
        IntrospectionEndpoint e = new IntrospectionEndpoint(auth, CLIENT_ID, CLIENT_SECRET);
        endpoints.add(e);
        return e;
    }

    private static IssuerConfig issuer(URI endpoint, IntrospectionConfig.ClientAuth auth, String clientSecret,
            Duration timeout, Duration cacheMaxTtl, int cacheSize) {
        IntrospectionConfig introspection = new IntrospectionConfig(endpoint, CLIENT_ID, new Secret(clientSecret), auth,
                timeout, cacheMaxTtl, cacheSize);
        return new IssuerConfig("corp", ISSUER, Set.of("orders-api", "billing-api"), Set.of("RS256"), null, null,
                Duration.ofSeconds(30), Duration.ofHours(1), List.of(), null, "scope", "realm_access.roles",
                Duration.ofMinutes(5), Duration.ofSeconds(30), Duration.ofHours(1), Duration.ofSeconds(5), introspection, 1);
    }

    private Introspector introspector(IntrospectionEndpoint endpoint) {
        return introspector(endpoint.uri(), Duration.ofSeconds(5), Duration.ofMinutes(5), 100);
    }

    private Introspector introspector(URI endpoint, Duration timeout, Duration maxTtl, int cacheSize) {
        return new Introspector(issuer(endpoint, IntrospectionConfig.ClientAuth.CLIENT_SECRET_BASIC, CLIENT_SECRET,
                timeout, maxTtl, cacheSize), HTTP, clock);
    }

    private static Verification await(CompletionStage<Verification> stage) throws Exception {
        return stage.toCompletableFuture().get(10, TimeUnit.SECONDS);
    }

    private static Verification.Refused refused(Verification v, ReasonCode reason) {
        assertThat(v).isInstanceOf(Verification.Refused.class);
        Verification.Refused r = (Verification.Refused) v;
        assertThat(r.reason()).as(r.detail()).isEqualTo(reason);
        assertThat(r.detail()).doesNotContain(TOKEN).doesNotContain("s3cr");
        return r;
    }

    private static String active(String extra) {
        return "{\"active\":true,\"sub\":\"alice\",\"iss\":\"" + ISSUER + "\",\"aud\":\"orders-api\",\"exp\":" + (T + 3600)
                + (extra.isEmpty() ? "" : "," + extra) + "}";
    }

    @Test
    void anActiveTokenBecomesAUserSubject() throws Exception {
        IntrospectionEndpoint endpoint = endpoint(Auth.BASIC);
        endpoint.answer(token -> token.equals(TOKEN) ? Answer.json("""
                {"active": true, "sub": "alice", "client_id": "web", "iss": "%s", "aud": ["other", "orders-api"],
                 "exp": %d, "iat": %d, "scope": "orders:read  orders:write", "realm_access": {"roles": ["clerk"]},
                 "amr": ["pwd", "otp"], "acr": "gold", "auth_time": %d, "cnf": {"x5t#S256": "bwcK0esc3ACC3DB2Y5_lESsXE8o9ltc05O89jdN-dg2"},
                 "nested": {"n": 1.5, "none": null}}
                """.formatted(ISSUER, T + 3600, T - 60, T - 120)) : Answer.json("{\"active\":false}"));

        Verification v = await(introspector(endpoint).introspect(TOKEN));

        assertThat(v).isInstanceOfSatisfying(Verification.Accepted.class, a -> {
            Subject s = a.subject();
            assertThat(a.expiresAt()).isEqualTo(Instant.ofEpochSecond(T + 3600));
            assertThat(s.id()).isEqualTo("alice");
            assertThat(s.kind()).isEqualTo(Subject.Kind.USER);
            assertThat(s.issuer()).isEqualTo("corp");
            assertThat(s.scopes()).containsExactlyInAnyOrder("orders:read", "orders:write");
            assertThat(s.roles()).containsExactly("clerk");
            assertThat(s.authentication()).isEqualTo(new Authentication(List.of("pwd", "otp"), "gold",
                    Instant.ofEpochSecond(T - 120)));
            assertThat(s.authentication().multiFactor()).isTrue();
            assertThat(s.binding()).isEqualTo(TokenBinding.certificate("bwcK0esc3ACC3DB2Y5_lESsXE8o9ltc05O89jdN-dg2"));
            assertThat(s.claims()).containsEntry("client_id", "web").containsEntry("active", true)
                    .containsEntry("nested", Map.of("n", new BigDecimal("1.5")))
                    .containsEntry("exp", (int) (T + 3600));
        });
        assertThat(endpoint.calls()).isEqualTo(1);
        assertThat(endpoint.refusedAuthentications()).isZero();
    }

    @Test
    void clientSecretPostSendsTheCredentialsInTheForm() throws Exception {
        IntrospectionEndpoint endpoint = endpoint(Auth.POST);
        endpoint.answer(active("\"cnf\":{\"jkt\":\"0ZcOCORZNYy-DWpqq30jZyJGHTN0d2HglBV3uiguA4I\"}"));
        Introspector introspector = new Introspector(issuer(endpoint.uri(), IntrospectionConfig.ClientAuth.CLIENT_SECRET_POST,
                CLIENT_SECRET, Duration.ofSeconds(5), Duration.ofMinutes(5), 0), HTTP, clock);

        Verification v = await(introspector.introspect(TOKEN));

        assertThat(v).isInstanceOfSatisfying(Verification.Accepted.class, a -> assertThat(a.subject().binding())
                .isEqualTo(TokenBinding.dpop("0ZcOCORZNYy-DWpqq30jZyJGHTN0d2HglBV3uiguA4I")));
        assertThat(endpoint.refusedAuthentications()).isZero();
    }

    @Test
    void theBasicCredentialsAreFormEncodedBeforeBase64() {
        // RFC 6749 2.3.1 with the id "gateway client:1" and the secret "s3cr:t+/ é%&=".
        assertThat(Introspector.basic(CLIENT_ID, CLIENT_SECRET)).isEqualTo("Basic " + Base64.getEncoder()
                .encodeToString("gateway+client%3A1:s3cr%3At%2B%2F+%C3%A9%25%26%3D".getBytes(StandardCharsets.UTF_8)));
    }

    @Test
    void aWrongClientSecretIsAnUnavailableProvider() throws Exception {
        IntrospectionEndpoint endpoint = endpoint(Auth.BASIC);
        endpoint.answer(active(""));
        Introspector introspector = new Introspector(issuer(endpoint.uri(), IntrospectionConfig.ClientAuth.CLIENT_SECRET_BASIC,
                "wrong", Duration.ofSeconds(5), Duration.ofMinutes(5), 100), HTTP, clock);

        Verification.Refused r = refused(await(introspector.introspect(TOKEN)), ReasonCode.IDENTITY_PROVIDER_UNAVAILABLE);

        assertThat(r.detail()).isEqualTo("the introspection endpoint answered 401");
        assertThat(endpoint.refusedAuthentications()).isEqualTo(1);
    }

    @Test
    void anInactiveTokenIsRefusedAndAskedAboutAgain() throws Exception {
        IntrospectionEndpoint endpoint = endpoint(Auth.BASIC);
        endpoint.answer("{\"active\":false}");
        Introspector introspector = introspector(endpoint);

        refused(await(introspector.introspect(TOKEN)), ReasonCode.TOKEN_INACTIVE);
        refused(await(introspector.introspect(TOKEN)), ReasonCode.TOKEN_INACTIVE);

        assertThat(endpoint.calls()).as("negative answers are not cached").isEqualTo(2);
    }

    @Test
    void anActiveTokenPastItsExpiryIsExpired() throws Exception {
        IntrospectionEndpoint endpoint = endpoint(Auth.BASIC);
        endpoint.answer("{\"active\":true,\"sub\":\"alice\",\"exp\":" + T + "}");

        Verification.Refused r = refused(await(introspector(endpoint).introspect(TOKEN)), ReasonCode.TOKEN_EXPIRED);

        assertThat(r.detail()).isEqualTo("the token expired at 2025-06-01T10:00:00Z");
    }

    @Test
    void aTokenNotYetValidIsRefused() throws Exception {
        IntrospectionEndpoint endpoint = endpoint(Auth.BASIC);
        endpoint.answer(active("\"nbf\":" + (T + 31)));

        refused(await(introspector(endpoint).introspect(TOKEN)), ReasonCode.TOKEN_NOT_YET_VALID);
    }

    @Test
    void anotherIssuerIsRefused() throws Exception {
        IntrospectionEndpoint endpoint = endpoint(Auth.BASIC);
        endpoint.answer("{\"active\":true,\"sub\":\"alice\",\"iss\":\"https://evil.example.com\"}");

        Verification.Refused r = refused(await(introspector(endpoint).introspect(TOKEN)), ReasonCode.TOKEN_ISSUER_REJECTED);

        assertThat(r.detail()).isEqualTo("iss 'https://evil.example.com' is not " + ISSUER);
    }

    @ParameterizedTest
    @ValueSource(strings = {"\"payments-api\"", "[\"payments-api\", \"other\"]", "[]", "7", "[7]"})
    void anotherAudienceIsRefused(String aud) throws Exception {
        IntrospectionEndpoint endpoint = endpoint(Auth.BASIC);
        endpoint.answer("{\"active\":true,\"sub\":\"alice\",\"aud\":" + aud + "}");

        refused(await(introspector(endpoint).introspect(TOKEN)), ReasonCode.TOKEN_AUDIENCE_REJECTED);
    }

    @Test
    void absentIssAudAndExpAreAcceptedWithoutExpiry() throws Exception {
        IntrospectionEndpoint endpoint = endpoint(Auth.BASIC);
        endpoint.answer("{\"active\":true,\"sub\":\"alice\"}");

        assertThat(await(introspector(endpoint).introspect(TOKEN))).isInstanceOfSatisfying(Verification.Accepted.class, a -> {
            assertThat(a.expiresAt()).isNull();
            assertThat(a.subject().scopes()).isEmpty();
            assertThat(a.subject().authentication()).isEqualTo(Authentication.NONE);
            assertThat(a.subject().binding()).isEqualTo(TokenBinding.NONE);
        });
    }

    @Test
    void withoutSubTheClientIsTheSubjectAndWithoutEitherTheTokenIsRefused() throws Exception {
        IntrospectionEndpoint endpoint = endpoint(Auth.BASIC);
        endpoint.answer(token -> Answer.json(token.equals("client-token")
                ? "{\"active\":true,\"client_id\":\"batch-job\",\"scope\":\"orders:read\"}"
                : "{\"active\":true,\"scope\":\"orders:read\"}"));
        Introspector introspector = introspector(endpoint);

        assertThat(await(introspector.introspect("client-token"))).isInstanceOfSatisfying(Verification.Accepted.class,
                a -> assertThat(a.subject().id()).isEqualTo("batch-job"));
        refused(await(introspector.introspect(TOKEN)), ReasonCode.TOKEN_CLAIMS_REJECTED);
    }

    @Test
    void aTokenBoundTwoWaysIsRefused() throws Exception {
        IntrospectionEndpoint endpoint = endpoint(Auth.BASIC);
        endpoint.answer(active("\"cnf\":{\"jkt\":\"a\",\"x5t#S256\":\"b\"}"));

        refused(await(introspector(endpoint).introspect(TOKEN)), ReasonCode.TOKEN_CLAIMS_REJECTED);
    }

    @ParameterizedTest
    @ValueSource(ints = {500, 503, 404, 302, 204})
    void anythingButA200IsAnUnavailableProvider(int status) throws Exception {
        IntrospectionEndpoint endpoint = endpoint(Auth.BASIC);
        endpoint.answer(token -> status == 302
                ? new Answer(302, "text/plain", new byte[0])
                : Answer.status(status));

        Verification.Refused r = refused(await(introspector(endpoint).introspect(TOKEN)), ReasonCode.IDENTITY_PROVIDER_UNAVAILABLE);

        assertThat(r.detail()).isEqualTo("the introspection endpoint answered " + status);
    }

    @ParameterizedTest
    @ValueSource(strings = {
            "<html>login</html>",
            "",
            "[{\"active\":true}]",
            "{\"sub\":\"alice\"}",
            "{\"active\":\"true\",\"sub\":\"alice\"}",
            "{\"active\":1,\"sub\":\"alice\"}",
            "{\"active\":null}",
            "{\"active\":false,\"active\":true,\"sub\":\"alice\"}",
            "{\"active\":true,\"sub\":\"alice\"} {}",
            "{\"active\":true,\"sub\":\"alice\",\"exp\":\"2030-01-01\"}",
            "{\"active\":true,\"sub\":\"alice\",\"exp\":-1}",
            "{\"active\":true,\"sub\":\"alice\"",
    })
    void anAnswerThatIsNotAnIntrospectionResponseFailsClosed(String body) throws Exception {
        IntrospectionEndpoint endpoint = endpoint(Auth.BASIC);
        endpoint.answer(token -> new Answer(200, "application/json", body.getBytes(StandardCharsets.UTF_8)));

        refused(await(introspector(endpoint).introspect(TOKEN)), ReasonCode.IDENTITY_PROVIDER_UNAVAILABLE);
    }

    @Test
    void anOversizedAnswerFailsClosed() throws Exception {
        IntrospectionEndpoint endpoint = endpoint(Auth.BASIC);
        endpoint.answer(active("\"padding\":\"" + "x".repeat(Introspector.MAX_RESPONSE_BYTES) + "\""));

        Verification.Refused r = refused(await(introspector(endpoint).introspect(TOKEN)), ReasonCode.IDENTITY_PROVIDER_UNAVAILABLE);

        assertThat(r.detail()).contains("larger than " + Introspector.MAX_RESPONSE_BYTES + " bytes");
    }

    @Test
    void anEndpointThatNeverAnswersTimesOut() throws Exception {
        IntrospectionEndpoint endpoint = endpoint(Auth.BASIC);
        endpoint.answer(active(""));
        endpoint.hold();
        Introspector introspector = introspector(endpoint.uri(), Duration.ofMillis(300), Duration.ofMinutes(5), 100);

        long start = System.nanoTime();
        Verification.Refused r = refused(await(introspector.introspect(TOKEN)), ReasonCode.IDENTITY_PROVIDER_UNAVAILABLE);
        long elapsedMillis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);

        assertThat(r.detail()).containsAnyOf("timed out", "no introspection answer within");
        assertThat(elapsedMillis).isBetween(250L, 5_000L);
        assertThat(endpoint.calls()).isZero();
    }

    @Test
    void anUnreachableEndpointFailsClosed() throws Exception {
        URI nowhere = URI.create("http://127.0.0.1:" + DeadTargets.refusingPort() + "/introspect");

        Verification.Refused r = refused(await(introspector(nowhere, Duration.ofSeconds(2), Duration.ofMinutes(5), 100)
                .introspect(TOKEN)), ReasonCode.IDENTITY_PROVIDER_UNAVAILABLE);

        assertThat(r.detail()).startsWith("introspection failed (");
    }

    @Test
    void anActiveAnswerIsReusedFromTheCache() throws Exception {
        IntrospectionEndpoint endpoint = endpoint(Auth.BASIC);
        endpoint.answer(active(""));
        Introspector introspector = introspector(endpoint);

        Verification first = await(introspector.introspect(TOKEN));
        Verification second = await(introspector.introspect(TOKEN));
        await(introspector.introspect("another-token"));

        assertThat(first).isInstanceOf(Verification.Accepted.class);
        assertThat(second).isSameAs(first);
        assertThat(endpoint.calls()).isEqualTo(2);
    }

    @Test
    void aCachedAnswerLastsNoLongerThanTheMaximumTtl() throws Exception {
        IntrospectionEndpoint endpoint = endpoint(Auth.BASIC);
        endpoint.answer(active(""));
        Introspector introspector = introspector(endpoint.uri(), Duration.ofSeconds(5), Duration.ofMinutes(5), 100);

        await(introspector.introspect(TOKEN));
        clock.advance(Duration.ofMinutes(5).minusNanos(1));
        await(introspector.introspect(TOKEN));
        assertThat(endpoint.calls()).isEqualTo(1);

        clock.advance(Duration.ofNanos(1));
        assertThat(await(introspector.introspect(TOKEN))).isInstanceOf(Verification.Accepted.class);
        assertThat(endpoint.calls()).isEqualTo(2);
    }

    @Test
    void aCachedAnswerLastsNoLongerThanTheTokensExpiry() throws Exception {
        IntrospectionEndpoint endpoint = endpoint(Auth.BASIC);
        endpoint.answer("{\"active\":true,\"sub\":\"alice\",\"exp\":" + (T + 60) + "}");
        Introspector introspector = introspector(endpoint.uri(), Duration.ofSeconds(5), Duration.ofMinutes(5), 100);

        await(introspector.introspect(TOKEN));
        clock.advance(Duration.ofSeconds(59));
        assertThat(await(introspector.introspect(TOKEN))).isInstanceOf(Verification.Accepted.class);
        assertThat(endpoint.calls()).isEqualTo(1);

        clock.advance(Duration.ofSeconds(1));
        refused(await(introspector.introspect(TOKEN)), ReasonCode.TOKEN_EXPIRED);
        assertThat(endpoint.calls()).isEqualTo(2);
    }

    @Test
    void aCacheSizeOfZeroAsksEveryTime() throws Exception {
        IntrospectionEndpoint endpoint = endpoint(Auth.BASIC);
        endpoint.answer(active(""));
        Introspector introspector = introspector(endpoint.uri(), Duration.ofSeconds(5), Duration.ofMinutes(5), 0);

        for (int i = 0; i < 3; i++) {
            assertThat(await(introspector.introspect(TOKEN))).isInstanceOf(Verification.Accepted.class);
        }
        assertThat(endpoint.calls()).isEqualTo(3);
    }

    @Test
    void theCacheIsBoundedBySize() throws Exception {
        IntrospectionEndpoint endpoint = endpoint(Auth.BASIC);
        endpoint.answer(active(""));
        Introspector introspector = introspector(endpoint.uri(), Duration.ofSeconds(5), Duration.ofMinutes(5), 2);

        for (int i = 0; i < 10; i++) {
            await(introspector.introspect("token-" + i));
        }
        int before = endpoint.calls();
        for (int i = 0; i < 10; i++) {
            await(introspector.introspect("token-" + i));
        }

        assertThat(before).isEqualTo(10);
        assertThat(endpoint.calls() - before).as("at most 2 of 10 answers were kept").isGreaterThanOrEqualTo(8);
    }

    @Test
    void aFailureIsNotCached() throws Exception {
        IntrospectionEndpoint endpoint = endpoint(Auth.BASIC);
        endpoint.answer(token -> Answer.status(500));
        Introspector introspector = introspector(endpoint);

        refused(await(introspector.introspect(TOKEN)), ReasonCode.IDENTITY_PROVIDER_UNAVAILABLE);
        endpoint.answer(active(""));

        assertThat(await(introspector.introspect(TOKEN))).isInstanceOf(Verification.Accepted.class);
        assertThat(endpoint.calls()).isEqualTo(2);
    }

    @Test
    void concurrentRequestsForOneTokenShareOneCall() throws Exception {
        IntrospectionEndpoint endpoint = endpoint(Auth.BASIC);
        endpoint.answer(active(""));
        endpoint.hold();
        Introspector introspector = introspector(endpoint);

        List<CompletableFuture<Verification>> waiting = new ArrayList<>();
        for (int i = 0; i < 20; i++) {
            waiting.add(introspector.introspect(TOKEN).toCompletableFuture());
        }
        CompletableFuture<Verification> other = introspector.introspect("another-token").toCompletableFuture();
        // A caller that gives up does not take the others' answer with it.
        waiting.get(0).cancel(true);
        Await.until("both calls reach the endpoint", Duration.ofSeconds(10), () -> endpoint.waiting() == 2);
        assertThat(waiting.subList(1, 20)).noneMatch(CompletableFuture::isDone);
        endpoint.open();

        for (CompletableFuture<Verification> f : waiting.subList(1, 20)) {
            assertThat(await(f)).isInstanceOf(Verification.Accepted.class);
        }
        assertThat(await(other)).isInstanceOf(Verification.Accepted.class);
        assertThat(endpoint.calls()).isEqualTo(2);
        assertThat(await(introspector.introspect(TOKEN))).isInstanceOf(Verification.Accepted.class);
        assertThat(endpoint.calls()).as("the shared answer was cached").isEqualTo(2);
    }

    @Test
    void concurrentRequestsShareOneCallWithoutACacheToo() throws Exception {
        IntrospectionEndpoint endpoint = endpoint(Auth.BASIC);
        endpoint.answer("{\"active\":false}");
        endpoint.hold();
        Introspector introspector = introspector(endpoint.uri(), Duration.ofSeconds(5), Duration.ofMinutes(5), 0);

        List<CompletableFuture<Verification>> waiting = new ArrayList<>();
        for (int i = 0; i < 10; i++) {
            waiting.add(introspector.introspect(TOKEN).toCompletableFuture());
        }
        Await.until("the call reaches the endpoint", Duration.ofSeconds(10), () -> endpoint.waiting() == 1);
        endpoint.open();

        for (CompletableFuture<Verification> f : waiting) {
            refused(await(f), ReasonCode.TOKEN_INACTIVE);
        }
        assertThat(endpoint.calls()).isEqualTo(1);
        refused(await(introspector.introspect(TOKEN)), ReasonCode.TOKEN_INACTIVE);
        assertThat(endpoint.calls()).as("a finished call is not reused").isEqualTo(2);
    }

    @Test
    void anOverlongTokenIsRefusedWithoutACall() throws Exception {
        IntrospectionEndpoint endpoint = endpoint(Auth.BASIC);
        Introspector introspector = introspector(endpoint);

        refused(await(introspector.introspect("x".repeat(Introspector.MAX_TOKEN_LENGTH + 1))), ReasonCode.TOKEN_MALFORMED);
        refused(await(introspector.introspect("")), ReasonCode.TOKEN_MALFORMED);
        assertThat(endpoint.calls()).isZero();
    }

    @Test
    void anIssuerWithoutIntrospectionIsRefusedAtConstruction() {
        IssuerConfig withIntrospection = issuer(URI.create("http://127.0.0.1:1/"), IntrospectionConfig.ClientAuth.CLIENT_SECRET_BASIC,
                CLIENT_SECRET, Duration.ofSeconds(1), Duration.ofMinutes(1), 1);
        IssuerConfig without = new IssuerConfig("corp", ISSUER, Set.of("a"), Set.of("RS256"), null, null, Duration.ZERO,
                Duration.ofHours(1), List.of(), null, "scope", "roles", Duration.ofMinutes(5), Duration.ofSeconds(30),
                Duration.ofHours(1), Duration.ofSeconds(5), null, 1);

        assertThat(new Introspector(withIntrospection, HTTP, clock)).isNotNull();
        assertThatThrownBy(() -> new Introspector(without, HTTP, clock))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("issuer corp has no introspection endpoint");
    }
}
