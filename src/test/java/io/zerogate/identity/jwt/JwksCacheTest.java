package io.zerogate.identity.jwt;

import static io.zerogate.identity.jwt.JwksTestServer.kids;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.jwk.Curve;
import com.nimbusds.jose.jwk.ECKey;
import com.nimbusds.jose.jwk.JWK;
import com.nimbusds.jose.jwk.gen.ECKeyGenerator;
import io.zerogate.config.IssuerConfig;
import io.zerogate.testing.Await;
import java.net.URI;
import java.net.http.HttpClient;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

class JwksCacheTest {

    private static final Duration REFRESH = Duration.ofMinutes(10);
    private static final Duration COOLDOWN = Duration.ofSeconds(30);
    private static final Duration MAX_STALENESS = Duration.ofHours(1);
    private static final Duration TIMEOUT = Duration.ofSeconds(2);

    private static final ECKey A = key("a");
    private static final ECKey B = key("b");
    private static final ECKey C = key("c");

    private final TestClock clock = new TestClock();
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
    private final List<JwksCache> caches = new ArrayList<>();
    private ScheduledThreadPoolExecutor scheduler;
    private JwksTestServer issuer;

    @BeforeEach
    void startIssuer() throws Exception {
        scheduler = new ScheduledThreadPoolExecutor(1);
        scheduler.setRemoveOnCancelPolicy(true);
        issuer = new JwksTestServer();
        issuer.keys(A);
    }

    @AfterEach
    void stopAll() throws InterruptedException {
        caches.forEach(JwksCache::close);
        issuer.close();
        scheduler.shutdownNow();
        assertThat(scheduler.awaitTermination(5, TimeUnit.SECONDS)).isTrue();
    }

    @Test
    void theFirstFetchServesKeysByKidAndEveryKeyWithoutKid() throws Exception {
        issuer.keys(A, B);
        JwksCache cache = started(config(issuer.jwksUri(), REFRESH));

        assertThat(kids(found(cache, "a"))).containsExactly("a");
        assertThat(kids(found(cache, "b"))).containsExactly("b");
        assertThat(kids(found(cache, null))).containsExactly("a", "b");
        assertThat(found(cache, "a").get(0)).isEqualTo(A.toPublicJWK());
        assertThat(found(cache, "a").get(0).isPrivate()).isFalse();
        assertThat(cache.fetches()).isEqualTo(1);
        assertThat(issuer.hits(JwksTestServer.JWKS_PATH)).isEqualTo(1);
    }

    @Test
    void discoveryFindsTheKeySet() throws Exception {
        JwksCache cache = started(config(null, REFRESH));

        assertThat(kids(found(cache, "a"))).containsExactly("a");
        assertThat(issuer.hits(issuer.discoveryPath())).isEqualTo(1);
        assertThat(issuer.hits(JwksTestServer.JWKS_PATH)).isEqualTo(1);

        // The discovered location is kept: a refresh asks for the keys only.
        await(cache.refreshNow());
        assertThat(issuer.hits(issuer.discoveryPath())).isEqualTo(1);
        assertThat(issuer.hits(JwksTestServer.JWKS_PATH)).isEqualTo(2);
    }

    @Test
    void aDiscoveryDocumentNamingAnotherIssuerIsRefused() throws Exception {
        issuer.answer("/elsewhere", JwksTestServer.Answer.json("{\"keys\":[" + C.toPublicJWK().toJSONString() + "]}", Map.of()));
        issuer.discovery("https://attacker.example/realms/test", URI.create(issuer.base() + "/elsewhere"));
        JwksCache cache = cache(config(null, REFRESH));

        assertThatThrownBy(() -> await(cache.start()))
                .hasRootCauseInstanceOf(JwksFetchException.class)
                .rootCause().hasMessageContaining("names issuer \"https://attacker.example/realms/test\"");
        assertThat(cache.fetches()).isZero();
        assertThat(issuer.hits("/elsewhere")).isZero();

        KeyLookup lookup = lookup(cache, "c");
        assertThat(lookup).isInstanceOf(KeyLookup.Unavailable.class);
        assertThat(((KeyLookup.Unavailable) lookup).detail()).contains("no key set", "names issuer");
    }

    @Test
    void rotationPicksUpANewKidAndDropsARemovedOne() throws Exception {
        JwksCache cache = started(config(issuer.jwksUri(), REFRESH));
        issuer.keys(A, B);

        // Within the cool-down of the first fetch, a new kid is not fetched for.
        assertThat(lookup(cache, "b")).isInstanceOf(KeyLookup.Unknown.class);
        assertThat(cache.fetches()).isEqualTo(1);

        clock.advance(COOLDOWN);
        assertThat(kids(found(cache, "b"))).containsExactly("b");
        assertThat(kids(found(cache, "a"))).containsExactly("a");
        assertThat(cache.fetches()).isEqualTo(2);

        // The old key keeps working until a fetch shows it gone.
        issuer.keys(B);
        assertThat(kids(found(cache, "a"))).containsExactly("a");
        await(cache.refreshNow());
        assertThat(lookup(cache, "a")).isInstanceOf(KeyLookup.Unknown.class);
        assertThat(kids(found(cache, null))).containsExactly("b");
        assertThat(cache.fetches()).isEqualTo(3);
        assertThat(issuer.hits(JwksTestServer.JWKS_PATH)).isEqualTo(3);
    }

    @Test
    void aFloodOfRandomKidsFetchesAtMostOncePerCooldown() throws Exception {
        JwksCache cache = started(config(issuer.jwksUri(), REFRESH));
        ExecutorService callers = Executors.newFixedThreadPool(8);
        try {
            // Inside the cool-down of the first fetch: no fetch at all.
            assertThat(flood(cache, callers, 1000)).isEqualTo(1000);
            assertThat(cache.fetches()).isEqualTo(1);

            clock.advance(COOLDOWN.plusSeconds(1));
            assertThat(flood(cache, callers, 1000)).isEqualTo(1000);
            assertThat(cache.fetches()).isEqualTo(2);

            clock.advance(COOLDOWN.minusSeconds(2));
            assertThat(flood(cache, callers, 1000)).isEqualTo(1000);
            assertThat(cache.fetches()).isEqualTo(2);

            clock.advance(Duration.ofSeconds(2));
            assertThat(flood(cache, callers, 1000)).isEqualTo(1000);
            assertThat(cache.fetches()).isEqualTo(3);
            assertThat(issuer.hits(JwksTestServer.JWKS_PATH)).isEqualTo(3);
            assertThat(kids(found(cache, "a"))).containsExactly("a");
        } finally {
            callers.shutdownNow();
        }
    }

    @Test
    void aKidFoundAbsentIsRememberedForTheCooldown() throws Exception {
        JwksCache cache = started(config(issuer.jwksUri(), REFRESH));
        clock.advance(COOLDOWN);
        assertThat(lookup(cache, "b")).isInstanceOf(KeyLookup.Unknown.class);
        assertThat(cache.fetches()).isEqualTo(2);

        // While a refresh is under way, a kid known to be absent is answered at once instead of waiting for it;
        // a kid not yet seen waits for the refresh.
        issuer.hold();
        CompletableFuture<Void> refresh = cache.refreshNow();
        Await.until("the refresh reaches the issuer", Duration.ofSeconds(5), () -> issuer.waiting() == 1);
        CompletableFuture<KeyLookup> remembered = cache.keys("b").toCompletableFuture();
        CompletableFuture<KeyLookup> unseen = cache.keys("c").toCompletableFuture();
        assertThat(remembered.getNow(null)).isInstanceOf(KeyLookup.Unknown.class);
        assertThat(unseen).isNotDone();
        issuer.release();
        await(refresh);
        assertThat(unseen.get(5, TimeUnit.SECONDS)).isInstanceOf(KeyLookup.Unknown.class);
        assertThat(cache.fetches()).isEqualTo(3);

        // Once the cool-down has passed, the kid is looked for again.
        issuer.keys(A, B);
        clock.advance(COOLDOWN);
        assertThat(kids(found(cache, "b"))).containsExactly("b");
        assertThat(cache.fetches()).isEqualTo(4);
    }

    @Test
    void concurrentLookupsOfAnUnknownKidShareOneFetch() throws Exception {
        JwksCache cache = started(config(issuer.jwksUri(), REFRESH));
        issuer.keys(A, B);
        issuer.hold();
        clock.advance(COOLDOWN);

        ExecutorService callers = Executors.newFixedThreadPool(8);
        List<CompletableFuture<KeyLookup>> lookups = new ArrayList<>();
        try {
            List<CompletableFuture<CompletionStage<KeyLookup>>> calls = new ArrayList<>();
            for (int i = 0; i < 50; i++) {
                calls.add(CompletableFuture.supplyAsync(() -> cache.keys("b"), callers));
            }
            for (CompletableFuture<CompletionStage<KeyLookup>> call : calls) {
                // The caller gets its answer-to-be at once, although the issuer has not answered.
                lookups.add(call.get(5, TimeUnit.SECONDS).toCompletableFuture());
            }
            Await.until("the refetch reaches the issuer", Duration.ofSeconds(5), () -> issuer.waiting() == 1);
            assertThat(lookups).noneMatch(CompletableFuture::isDone);
            assertThat(issuer.hits(JwksTestServer.JWKS_PATH)).isEqualTo(2);

            issuer.release();
            for (CompletableFuture<KeyLookup> lookup : lookups) {
                KeyLookup answer = lookup.get(5, TimeUnit.SECONDS);
                assertThat(answer).isInstanceOf(KeyLookup.Found.class);
                assertThat(kids(((KeyLookup.Found) answer).keys())).containsExactly("b");
            }
            assertThat(cache.fetches()).isEqualTo(2);
            assertThat(issuer.hits(JwksTestServer.JWKS_PATH)).isEqualTo(2);
        } finally {
            callers.shutdownNow();
        }
    }

    @Test
    void whileTheIssuerIsDownTheLastKeysServeUntilTheyAreTooStale() throws Exception {
        JwksCache cache = started(config(issuer.jwksUri(), REFRESH));
        issuer.stop();

        clock.advance(MAX_STALENESS.minusMinutes(1));
        assertThatThrownBy(() -> await(cache.refreshNow())).hasRootCauseInstanceOf(JwksFetchException.class);
        assertThat(kids(found(cache, "a"))).containsExactly("a");
        assertThat(lookup(cache, "b")).isInstanceOf(KeyLookup.Unknown.class);
        assertThat(cache.fetches()).isEqualTo(2);

        clock.advance(Duration.ofMinutes(1));
        KeyLookup stale = lookup(cache, "a");
        assertThat(stale).isInstanceOf(KeyLookup.Unavailable.class);
        assertThat(((KeyLookup.Unavailable) stale).detail())
                .contains("longer ago than the allowed staleness of PT1H", "last attempt: http://127.0.0.1:",
                        "ConnectException");
        assertThat(cache.fetches()).isEqualTo(3);

        // Within the cool-down, still unavailable, without asking the issuer again.
        assertThat(lookup(cache, null)).isInstanceOf(KeyLookup.Unavailable.class);
        assertThat(cache.fetches()).isEqualTo(3);
    }

    @Test
    void keysTooStaleComeBackWhenTheIssuerDoes() throws Exception {
        JwksCache cache = started(config(issuer.jwksUri(), REFRESH));
        issuer.answer(JwksTestServer.JWKS_PATH, new JwksTestServer.Answer(503, new byte[0], Map.of()));
        clock.advance(MAX_STALENESS);
        KeyLookup stale = lookup(cache, "a");
        assertThat(stale).isInstanceOf(KeyLookup.Unavailable.class);
        assertThat(((KeyLookup.Unavailable) stale).detail()).contains("status 503 (expected: 200)");

        issuer.keys(A);
        clock.advance(COOLDOWN);
        assertThat(kids(found(cache, "a"))).containsExactly("a");
        assertThat(cache.fetches()).isEqualTo(3);
    }

    @Test
    void withoutAnyKeySetEveryLookupIsUnavailable() throws Exception {
        issuer.answer(JwksTestServer.JWKS_PATH, new JwksTestServer.Answer(500, new byte[0], Map.of()));
        JwksCache cache = cache(config(issuer.jwksUri(), REFRESH));
        assertThatThrownBy(() -> await(cache.start())).rootCause().hasMessageContaining("status 500");

        assertThat(lookup(cache, null)).isInstanceOf(KeyLookup.Unavailable.class);
        assertThat(lookup(cache, "a")).isInstanceOf(KeyLookup.Unavailable.class);
        assertThat(cache.fetches()).isEqualTo(1);
        assertThat(cache.nextRefreshDelay()).isEqualTo(JwksRefreshSchedule.FIRST_RETRY);
    }

    static Stream<Arguments> badAnswers() {
        byte[] big = ("{\"keys\":[],\"pad\":\"" + "x".repeat(JwksHttp.MAX_BODY_BYTES) + "\"}").getBytes(StandardCharsets.UTF_8);
        return Stream.of(
                Arguments.of("server error", new JwksTestServer.Answer(500, "{}".getBytes(StandardCharsets.UTF_8), Map.of()),
                        "status 500 (expected: 200)"),
                Arguments.of("not found", new JwksTestServer.Answer(404, new byte[0], Map.of()), "status 404 (expected: 200)"),
                Arguments.of("redirect", new JwksTestServer.Answer(302, new byte[0], Map.of("Location", "/moved")),
                        "status 302 (expected: 200)"),
                Arguments.of("declared oversize", new JwksTestServer.Answer(200, big, Map.of()), "bytes (expected: at most 1048576)"),
                Arguments.of("chunked oversize", new JwksTestServer.Answer(200, big, Map.of("X-Chunked", "yes")),
                        "body longer than 1048576 bytes"),
                Arguments.of("malformed JSON", JwksTestServer.Answer.json("{\"keys\":[", Map.of()), "not a JWK set"),
                Arguments.of("not a key set", JwksTestServer.Answer.json("{\"keys\":5}", Map.of()), "not a JWK set"),
                Arguments.of("an HTML page", JwksTestServer.Answer.json("<html>down for maintenance</html>", Map.of()),
                        "not a JWK set"),
                Arguments.of("not UTF-8", new JwksTestServer.Answer(200, new byte[] {'{', (byte) 0xff, '}'}, Map.of()),
                        "not UTF-8"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("badAnswers")
    void aBadAnswerKeepsTheLastGoodSet(String name, JwksTestServer.Answer answer, String expected) throws Exception {
        issuer.answer("/moved", JwksTestServer.Answer.json("{\"keys\":[" + C.toPublicJWK().toJSONString() + "]}", Map.of()));
        JwksCache cache = started(config(issuer.jwksUri(), REFRESH));
        issuer.answer(JwksTestServer.JWKS_PATH, answer);

        assertThatThrownBy(() -> await(cache.refreshNow())).rootCause().hasMessageContaining(expected);
        assertThat(kids(found(cache, "a"))).containsExactly("a");
        assertThat(kids(found(cache, null))).containsExactly("a");
        assertThat(lookup(cache, "c")).isInstanceOf(KeyLookup.Unknown.class);
        assertThat(cache.fetches()).isEqualTo(2);
        assertThat(issuer.hits("/moved")).isZero();
        assertThat(cache.nextRefreshDelay()).isEqualTo(JwksRefreshSchedule.FIRST_RETRY);
    }

    @Test
    void aSlowIssuerTimesOutAndTheLastGoodSetStays() throws Exception {
        JwksCache cache = started(config(issuer.jwksUri(), REFRESH, Duration.ofMillis(300)));
        issuer.hold();
        long started = System.nanoTime();
        assertThatThrownBy(() -> await(cache.refreshNow())).rootCause().hasMessageContaining("timed out");
        assertThat(Duration.ofNanos(System.nanoTime() - started)).isLessThan(Duration.ofSeconds(3));
        assertThat(kids(found(cache, "a"))).containsExactly("a");
        issuer.release();
    }

    @Test
    void cacheControlSetsTheNextRefresh() throws Exception {
        Duration longStaleness = Duration.ofDays(7);
        JwksCache cache = started(config(issuer.jwksUri(), REFRESH, TIMEOUT, longStaleness));
        assertThat(cache.nextRefreshDelay()).isEqualTo(REFRESH);

        issuer.keys(Map.of("Cache-Control", "public, max-age=120, must-revalidate"), A);
        await(cache.refreshNow());
        assertThat(cache.nextRefreshDelay()).isEqualTo(Duration.ofSeconds(120));

        issuer.keys(Map.of("Cache-Control", "max-age=5"), A);
        await(cache.refreshNow());
        assertThat(cache.nextRefreshDelay()).isEqualTo(JwksRefreshSchedule.MIN_MAX_AGE);

        issuer.keys(Map.of("Cache-Control", "max-age=999999999"), A);
        await(cache.refreshNow());
        assertThat(cache.nextRefreshDelay()).isEqualTo(JwksRefreshSchedule.MAX_MAX_AGE);

        issuer.keys(Map.of("Cache-Control", "no-store"), A);
        await(cache.refreshNow());
        assertThat(cache.nextRefreshDelay()).isEqualTo(JwksRefreshSchedule.MIN_MAX_AGE);

        issuer.keys(Map.of("Cache-Control", "max-age=banana"), A);
        await(cache.refreshNow());
        assertThat(cache.nextRefreshDelay()).isEqualTo(REFRESH);

        // Failures back off exponentially.
        issuer.answer(JwksTestServer.JWKS_PATH, new JwksTestServer.Answer(500, new byte[0], Map.of()));
        for (long seconds : new long[] {1, 2, 4, 8}) {
            assertThatThrownBy(() -> await(cache.refreshNow())).rootCause().hasMessageContaining("status 500");
            assertThat(cache.nextRefreshDelay()).isEqualTo(Duration.ofSeconds(seconds));
        }
    }

    @Test
    void refreshNeverWaitsLongerThanHalfTheAllowedStaleness() throws Exception {
        issuer.keys(Map.of("Cache-Control", "max-age=86400"), A);
        JwksCache cache = started(config(issuer.jwksUri(), REFRESH, TIMEOUT, Duration.ofMinutes(30)));
        assertThat(cache.nextRefreshDelay()).isEqualTo(Duration.ofMinutes(15));
    }

    @Test
    void theBackgroundRefreshPicksUpRotation() throws Exception {
        JwksCache cache = started(config(issuer.jwksUri(), Duration.ofSeconds(1)));
        issuer.keys(B);

        Await.until("a background refresh", Duration.ofSeconds(5), () -> cache.fetches() == 2);
        Await.until("the refreshed set", Duration.ofSeconds(5), () -> lookupNow(cache, "b") instanceof KeyLookup.Found);
        assertThat(lookup(cache, "a")).isInstanceOf(KeyLookup.Unknown.class);
    }

    @Test
    void closeStopsBackgroundWork() throws Exception {
        JwksCache cache = started(config(issuer.jwksUri(), REFRESH));
        assertThat(scheduler.getQueue()).hasSize(1);
        assertThat(cache.nextRefreshDelay()).isEqualTo(REFRESH);

        issuer.hold();
        CompletableFuture<Void> refresh = cache.refreshNow();
        assertThat(refresh).isNotNull();
        Await.until("the refresh reaches the issuer", Duration.ofSeconds(5), () -> issuer.waiting() == 1);

        cache.close();
        assertThatThrownBy(() -> await(refresh)).rootCause().hasMessageContaining("cancelled");
        Await.until("no task left", Duration.ofSeconds(5), () -> scheduler.getQueue().isEmpty());
        assertThat(cache.refreshNow()).isNull();

        // The set held is still used, but nothing is fetched any more.
        clock.advance(COOLDOWN);
        assertThat(kids(found(cache, "a"))).containsExactly("a");
        assertThat(lookup(cache, "b")).isInstanceOf(KeyLookup.Unknown.class);
        assertThat(cache.fetches()).isEqualTo(2);
        assertThatThrownBy(() -> await(cache.start())).hasRootCauseInstanceOf(IllegalStateException.class);
        issuer.release();
        assertThat(scheduler.getQueue()).isEmpty();
    }

    @Test
    void aClientThatFollowsRedirectsIsRefused() {
        HttpClient following = HttpClient.newBuilder().followRedirects(HttpClient.Redirect.NORMAL).build();
        assertThatThrownBy(() -> new JwksCache(config(issuer.jwksUri(), REFRESH), following, clock, scheduler))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("expected: NEVER");
    }

    private int flood(JwksCache cache, ExecutorService callers, int lookups) throws Exception {
        List<CompletableFuture<KeyLookup>> answers = new ArrayList<>();
        for (int i = 0; i < lookups; i++) {
            String kid = UUID.randomUUID().toString();
            answers.add(CompletableFuture.supplyAsync(() -> cache.keys(kid), callers)
                    .thenCompose(CompletionStage::toCompletableFuture));
        }
        int unknown = 0;
        for (CompletableFuture<KeyLookup> answer : answers) {
            if (answer.get(5, TimeUnit.SECONDS) instanceof KeyLookup.Unknown) {
                unknown++;
            }
        }
        return unknown;
    }

    private JwksCache cache(IssuerConfig config) {
        JwksCache cache = new JwksCache(config, http, clock, scheduler);
        caches.add(cache);
        return cache;
    }

    private JwksCache started(IssuerConfig config) throws Exception {
        JwksCache cache = cache(config);
        await(cache.start());
        return cache;
    }

    private IssuerConfig config(@Nullable URI jwksUri, Duration refresh) {
        return config(jwksUri, refresh, TIMEOUT);
    }

    private IssuerConfig config(@Nullable URI jwksUri, Duration refresh, Duration timeout) {
        return config(jwksUri, refresh, timeout, MAX_STALENESS);
    }

    private IssuerConfig config(@Nullable URI jwksUri, Duration refresh, Duration timeout, Duration maxStaleness) {
        return new IssuerConfig("test", issuer.issuer(), Set.of("api"), Set.of("ES256"), jwksUri, null,
                Duration.ofSeconds(30), Duration.ofHours(1), List.of(), null, "scope", "roles",
                refresh, COOLDOWN, maxStaleness, timeout, null, 1);
    }

    private static <T> T await(@Nullable CompletionStage<T> stage) throws Exception {
        assertThat(stage).isNotNull();
        return stage.toCompletableFuture().get(5, TimeUnit.SECONDS);
    }

    private static KeyLookup lookup(JwksCache cache, @Nullable String kid) throws Exception {
        return await(cache.keys(kid));
    }

    private static @Nullable KeyLookup lookupNow(JwksCache cache, String kid) {
        return cache.keys(kid).toCompletableFuture().getNow(null);
    }

    private static List<JWK> found(JwksCache cache, @Nullable String kid) throws Exception {
        KeyLookup lookup = lookup(cache, kid);
        assertThat(lookup).isInstanceOf(KeyLookup.Found.class);
        return ((KeyLookup.Found) lookup).keys();
    }

    private static ECKey key(String kid) {
        try {
            return new ECKeyGenerator(Curve.P_256).keyID(kid).generate();
        } catch (JOSEException e) {
            throw new IllegalStateException(e);
        }
    }

    /** A clock the test moves by hand. */
    static final class TestClock extends Clock {
        private volatile Instant now = Instant.parse("2025-03-01T08:00:00Z");

        void advance(Duration duration) {
            now = now.plus(duration);
        }

        @Override
        public ZoneId getZone() {
            return ZoneOffset.UTC;
        }

        @Override
        public Clock withZone(ZoneId zone) {
            return this;
        }

        @Override
        public Instant instant() {
            return now;
        }
    }
}
