package io.zerogate.posture;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.nimbusds.jose.jwk.JWKSet;
import io.zerogate.config.PostureConfig;
import io.zerogate.identity.jwt.JwksCache;
import io.zerogate.identity.jwt.KeyLookup;
import io.zerogate.testing.Await;
import java.net.URI;
import java.net.http.HttpClient;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class PostureKeysTest {

    private final Attestations issuer = new Attestations();
    private final FakePostureService service;
    private final HttpClient http = HttpClient.newBuilder().followRedirects(HttpClient.Redirect.NEVER).build();
    private final ScheduledExecutorService scheduler = Executors.newSingleThreadScheduledExecutor();
    private final PostureKeys keys = new PostureKeys(http, scheduler, Clock.systemUTC());

    PostureKeysTest() throws Exception {
        service = new FakePostureService();
        service.answer("/keys", 200, new JWKSet(issuer.key.toPublicJWK()).toString());
    }

    @AfterEach
    void close() {
        keys.close();
        scheduler.shutdownNow();
        http.shutdownNow();
        service.close();
    }

    private PostureConfig.Attestation attestation(String path, Duration maxAge) {
        return new PostureConfig.Attestation("Device-Attestation", Attestations.ISSUER, URI.create(service.base() + path),
                null, List.of("ES256"), maxAge, 1);
    }

    @Test
    void theKeysAreFetchedAtOnceAndKeptForTheSameLocation() throws Exception {
        JwksCache first = keys.cache(attestation("/keys", Duration.ofMinutes(10)));
        Await.until("the first fetch", Duration.ofSeconds(5), () -> service.requests().contains("/keys"));

        // Another max_age is another configuration, but the same keys.
        assertThat(keys.cache(attestation("/keys", Duration.ofMinutes(2)))).isSameAs(first);
        assertThat(Attestations.now(first.keys("mdm-1"))).isInstanceOf(KeyLookup.Found.class);
        assertThat(keys.fetches()).isEqualTo(1);
    }

    @Test
    void retainClosesTheCachesTheConfigurationInForceDoesNotUse() throws Exception {
        PostureConfig.Attestation kept = attestation("/keys", Duration.ofMinutes(10));
        JwksCache current = keys.cache(kept);
        JwksCache refused = keys.cache(attestation("/other-keys", Duration.ofMinutes(10)));

        keys.retain(new PostureConfig(kept, null));

        assertThat(keys.cache(kept)).isSameAs(current);
        assertThat(keys.cache(attestation("/other-keys", Duration.ofMinutes(10)))).isNotSameAs(refused);
        keys.retain(null);
        assertThat(keys.cache(kept)).isNotSameAs(current);
    }

    @Test
    void closedKeysHandOutNothing() {
        keys.close();

        assertThatThrownBy(() -> keys.cache(attestation("/keys", Duration.ofMinutes(10))))
                .isInstanceOf(IllegalStateException.class);
    }
}
