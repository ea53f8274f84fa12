package io.zerogate.identity.jwt;

import static org.assertj.core.api.Assertions.assertThat;

import com.nimbusds.jose.crypto.RSASSAVerifier;
import com.nimbusds.jose.jwk.JWK;
import com.nimbusds.jwt.SignedJWT;
import io.zerogate.config.IssuerConfig;
import java.net.InetAddress;
import java.net.http.HttpClient;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import no.nav.security.mock.oauth2.MockOAuth2Server;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The cache against a real OpenID provider running in the test. */
class JwksCacheMockIssuerTest {

    private final MockOAuth2Server provider = new MockOAuth2Server();
    private final ScheduledThreadPoolExecutor scheduler = new ScheduledThreadPoolExecutor(1);

    @BeforeEach
    void startProvider() {
        provider.start(InetAddress.getLoopbackAddress(), 0);
    }

    @AfterEach
    void stopProvider() throws InterruptedException {
        provider.shutdown();
        scheduler.shutdownNow();
        assertThat(scheduler.awaitTermination(5, TimeUnit.SECONDS)).isTrue();
    }

    @Test
    void discoveryFindsTheKeysThatSignTheProvidersTokens() throws Exception {
        String issuer = provider.issuerUrl("default").toString();
        IssuerConfig config = new IssuerConfig("mock", issuer, Set.of("api"), Set.of("RS256"), null, null,
                Duration.ofSeconds(30), Duration.ofHours(1), List.of(), null, "scope", "roles",
                Duration.ofMinutes(5), Duration.ofSeconds(30), Duration.ofHours(1), Duration.ofSeconds(5), null, 1);

        try (JwksCache cache = new JwksCache(config, HttpClient.newHttpClient(), Clock.systemUTC(), scheduler)) {
            cache.start().toCompletableFuture().get(10, TimeUnit.SECONDS);
            assertThat(cache.fetches()).isEqualTo(1);

            SignedJWT token = provider.issueToken("default", "client", "api");
            String kid = token.getHeader().getKeyID();
            assertThat(kid).isNotBlank();
            KeyLookup lookup = cache.keys(kid).toCompletableFuture().get(5, TimeUnit.SECONDS);
            assertThat(lookup).isInstanceOf(KeyLookup.Found.class);
            List<JWK> keys = ((KeyLookup.Found) lookup).keys();
            assertThat(keys).hasSize(1);
            assertThat(keys.get(0).isPrivate()).isFalse();
            assertThat(token.verify(new RSASSAVerifier(keys.get(0).toRSAKey()))).isTrue();

            KeyLookup unknown = cache.keys("not-" + kid).toCompletableFuture().get(5, TimeUnit.SECONDS);
            assertThat(unknown).isInstanceOf(KeyLookup.Unknown.class);
            assertThat(cache.fetches()).isEqualTo(1);
        }
    }
}
