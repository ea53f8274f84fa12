package io.zerogate.identity.dpop;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.zerogate.testing.MutableClock;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import org.junit.jupiter.api.Test;

class DpopNoncesTest {

    private static final byte[] KEY = "k".getBytes(StandardCharsets.US_ASCII);

    // 12:00:00 is the start of a one-minute step.
    private final MutableClock clock = new MutableClock(Instant.parse("2025-01-01T12:00:00Z"));
    private final DpopNonces nonces = new DpopNonces(KEY, Duration.ofMinutes(4), clock);

    @Test
    void aNonceHandedOutAtTheStartOfAStepLivesTheWholeLifetime() {
        String nonce = nonces.current();
        clock.advance(Duration.ofMinutes(4).minusMillis(1));
        assertThat(nonces.accepts(nonce)).isTrue();
        clock.advance(Duration.ofMillis(1));
        assertThat(nonces.accepts(nonce)).isFalse();
    }

    @Test
    void aNonceHandedOutAtTheEndOfAStepLivesThreeQuartersOfIt() {
        clock.advance(Duration.ofMinutes(1).minusMillis(1));
        String nonce = nonces.current();
        clock.advance(Duration.ofMinutes(3));
        assertThat(nonces.accepts(nonce)).isTrue();
        clock.advance(Duration.ofMillis(1));
        assertThat(nonces.accepts(nonce)).isFalse();
    }

    @Test
    void aNonceFromTheFutureIsRefused() {
        clock.advance(Duration.ofMinutes(1));
        String ahead = nonces.current();
        MutableClock behind = new MutableClock(Instant.parse("2025-01-01T12:00:00Z"));
        assertThat(new DpopNonces(KEY, Duration.ofMinutes(4), behind).accepts(ahead)).isFalse();
        assertThat(nonces.accepts(ahead)).isTrue();
    }

    @Test
    void onlyNoncesMadeWithTheSameKeyAreAccepted() {
        String nonce = nonces.current();
        assertThat(new DpopNonces(KEY, Duration.ofMinutes(4), clock).accepts(nonce)).isTrue();
        assertThat(new DpopNonces("K".getBytes(StandardCharsets.US_ASCII), Duration.ofMinutes(4), clock).accepts(nonce))
                .isFalse();
        assertThat(nonces.accepts(null)).isFalse();
        assertThat(nonces.accepts("")).isFalse();
        assertThat(nonces.accepts(nonce + "=")).isFalse();
        assertThat(nonces.accepts(nonce.replace('A', '+'))).isFalse();
    }

    @Test
    void theLifetimeAndKeyAreChecked() {
        assertThatThrownBy(() -> new DpopNonces(new byte[0], Duration.ofMinutes(4), clock))
                .hasMessage("nonce key: empty (expected: at least one byte)");
        assertThatThrownBy(() -> new DpopNonces(KEY, Duration.ofMillis(3999), clock))
                .hasMessage("nonceLifetime: PT3.999S (expected: >= 4s)");
    }
}
