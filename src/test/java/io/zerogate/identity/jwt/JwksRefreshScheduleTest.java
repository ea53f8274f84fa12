package io.zerogate.identity.jwt;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import org.junit.jupiter.api.Test;

class JwksRefreshScheduleTest {

    private final JwksRefreshSchedule schedule = new JwksRefreshSchedule(Duration.ofMinutes(10), Duration.ofDays(2));

    @Test
    void afterASuccessTheIssuersMaxAgeRulesWithinBounds() {
        assertThat(schedule.afterSuccess(null)).isEqualTo(Duration.ofMinutes(10));
        assertThat(schedule.afterSuccess(Duration.ofMinutes(3))).isEqualTo(Duration.ofMinutes(3));
        assertThat(schedule.afterSuccess(Duration.ZERO)).isEqualTo(Duration.ofSeconds(30));
        assertThat(schedule.afterSuccess(Duration.ofSeconds(29))).isEqualTo(Duration.ofSeconds(30));
        assertThat(schedule.afterSuccess(Duration.ofDays(30))).isEqualTo(Duration.ofHours(24));
    }

    @Test
    void keysAreRefreshedTwicePerStalenessWindow() {
        JwksRefreshSchedule tight = new JwksRefreshSchedule(Duration.ofHours(1), Duration.ofMinutes(20));
        assertThat(tight.afterSuccess(null)).isEqualTo(Duration.ofMinutes(10));
        assertThat(tight.afterSuccess(Duration.ofHours(6))).isEqualTo(Duration.ofMinutes(10));
        assertThat(tight.afterSuccess(Duration.ofMinutes(2))).isEqualTo(Duration.ofMinutes(2));
    }

    @Test
    void failuresBackOffExponentiallyUpToABound() {
        assertThat(schedule.afterFailures(1)).isEqualTo(Duration.ofSeconds(1));
        assertThat(schedule.afterFailures(2)).isEqualTo(Duration.ofSeconds(2));
        assertThat(schedule.afterFailures(9)).isEqualTo(Duration.ofSeconds(256));
        assertThat(schedule.afterFailures(10)).isEqualTo(Duration.ofMinutes(5));
        assertThat(schedule.afterFailures(Integer.MAX_VALUE)).isEqualTo(Duration.ofMinutes(5));
        JwksRefreshSchedule frequent = new JwksRefreshSchedule(Duration.ofSeconds(5), Duration.ofHours(1));
        assertThat(frequent.afterFailures(4)).isEqualTo(Duration.ofSeconds(5));
        assertThatThrownBy(() -> schedule.afterFailures(0)).hasMessage("failures: 0 (expected: >= 1)");
    }

    @Test
    void durationsMustBePositive() {
        assertThatThrownBy(() -> new JwksRefreshSchedule(Duration.ZERO, Duration.ofHours(1)))
                .isInstanceOf(IllegalArgumentException.class).hasMessage("jwks refresh: PT0S (expected: > 0)");
        assertThatThrownBy(() -> new JwksRefreshSchedule(Duration.ofMinutes(5), Duration.ofSeconds(-1)))
                .isInstanceOf(IllegalArgumentException.class).hasMessage("jwks max staleness: PT-1S (expected: > 0)");
    }
}
