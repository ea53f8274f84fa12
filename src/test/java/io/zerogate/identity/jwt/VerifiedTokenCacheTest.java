package io.zerogate.identity.jwt;

import static io.zerogate.identity.jwt.JwtFixtures.NOW;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.zerogate.identity.Authentication;
import io.zerogate.identity.Subject;
import io.zerogate.identity.TokenBinding;
import io.zerogate.identity.Verification;
import io.zerogate.identity.jwt.JwtFixtures.TestClock;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.Set;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.Test;

class VerifiedTokenCacheTest {

    private final TestClock clock = new TestClock(NOW);

    private static Verification.Accepted accepted(String sub, @Nullable Instant expiresAt) {
        return new Verification.Accepted(new Subject(sub, Subject.Kind.USER, "corp", Set.of(), Set.of(), Map.of(),
                Authentication.NONE, TokenBinding.NONE), expiresAt);
    }

    private static VerifiedTokenCache.Key key(String issuer, String token) {
        return VerifiedTokenCache.Key.of(issuer, VerifiedTokenCache.digest(token));
    }

    @Test
    void remembersAnAcceptanceUntilTheTokensExpiryAndNotAfter() {
        VerifiedTokenCache cache = new VerifiedTokenCache(10, clock);
        Verification.Accepted accepted = accepted("alice", NOW.plusSeconds(60));
        cache.put(key("corp", "t1"), accepted);
        assertThat(cache.get(key("corp", "t1"))).isSameAs(accepted);

        clock.advance(Duration.ofSeconds(60).minusNanos(1));
        assertThat(cache.get(key("corp", "t1"))).isSameAs(accepted);
        clock.advance(Duration.ofNanos(1));
        assertThat(cache.get(key("corp", "t1"))).isNull();
        assertThat(cache.size()).isZero();
    }

    @Test
    void keysAreTheIssuerAndTheTokensDigest() {
        VerifiedTokenCache cache = new VerifiedTokenCache(10, clock);
        cache.put(key("corp", "t1"), accepted("alice", NOW.plusSeconds(60)));
        assertThat(cache.get(key("partner", "t1"))).isNull();
        assertThat(cache.get(key("corp", "t2"))).isNull();
        assertThat(key("corp", "t1")).isEqualTo(key("corp", "t1")).isNotEqualTo(key("corp", "t1 "));
        assertThat(VerifiedTokenCache.digest("t1")).hasSize(32);
    }

    @Test
    void keepsNothingWithoutAFutureExpiry() {
        VerifiedTokenCache cache = new VerifiedTokenCache(10, clock);
        cache.put(key("corp", "never"), accepted("a", null));
        cache.put(key("corp", "past"), accepted("b", NOW.minusSeconds(1)));
        cache.put(key("corp", "now"), accepted("c", NOW));
        assertThat(cache.get(key("corp", "never"))).isNull();
        assertThat(cache.get(key("corp", "past"))).isNull();
        assertThat(cache.get(key("corp", "now"))).isNull();
        assertThat(cache.size()).isZero();
    }

    @Test
    void farFutureExpiriesDoNotOverflow() {
        VerifiedTokenCache cache = new VerifiedTokenCache(10, clock);
        Verification.Accepted accepted = accepted("alice", Instant.parse("9999-12-31T23:59:59Z"));
        cache.put(key("corp", "t"), accepted);
        clock.advance(Duration.ofDays(3650));
        assertThat(cache.get(key("corp", "t"))).isSameAs(accepted);
    }

    @Test
    void holdsAtMostItsSize() {
        VerifiedTokenCache cache = new VerifiedTokenCache(16, clock);
        for (int i = 0; i < 500; i++) {
            cache.put(key("corp", "token-" + i), accepted("user-" + i, NOW.plusSeconds(600)));
        }
        assertThat(cache.size()).isEqualTo(16);
    }

    @Test
    void sizeZeroRemembersNothing() {
        VerifiedTokenCache cache = new VerifiedTokenCache(0, clock);
        cache.put(key("corp", "t1"), accepted("alice", NOW.plusSeconds(60)));
        assertThat(cache.get(key("corp", "t1"))).isNull();
        assertThat(cache.size()).isZero();
    }

    @Test
    void aNegativeSizeIsRefused() {
        assertThatThrownBy(() -> new VerifiedTokenCache(-1, clock))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("token_cache_size: -1 (expected: >= 0)");
    }
}
