package io.zerogate.upstream;

import static org.assertj.core.api.Assertions.assertThat;

import io.zerogate.config.ServiceConfig;
import io.zerogate.config.TargetAddress;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/** Passive ejection and probe health of one target, on explicit nanoTime values. */
class UpstreamTargetTest {

    private static final ServiceConfig.PassiveHealth TWO_FAILURES_TEN_SECONDS =
            new ServiceConfig.PassiveHealth(2, Duration.ofSeconds(10));
    private static final long SECOND = 1_000_000_000L;

    private final UpstreamTarget target = new UpstreamTarget(new TargetAddress("http", "127.0.0.1", 8080));

    @Test
    void availableUntilConsecutiveFailuresReachTheThreshold() {
        long t0 = 5 * SECOND;
        assertThat(target.isAvailable(t0)).isTrue();
        target.onConnectFailure(t0, TWO_FAILURES_TEN_SECONDS);
        assertThat(target.isAvailable(t0)).isTrue();
        target.onConnectFailure(t0 + 1, TWO_FAILURES_TEN_SECONDS);
        assertThat(target.isAvailable(t0 + 1)).isFalse();
    }

    @Test
    void ejectionLastsExactlyTheCoolDown() {
        long t0 = 5 * SECOND;
        target.onConnectFailure(t0, TWO_FAILURES_TEN_SECONDS);
        target.onConnectFailure(t0, TWO_FAILURES_TEN_SECONDS);
        assertThat(target.isAvailable(t0 + 10 * SECOND - 1)).isFalse();
        assertThat(target.isAvailable(t0 + 10 * SECOND)).isTrue();
        assertThat(target.isAvailable(t0 + 60 * SECOND)).isTrue();
    }

    @Test
    void aSuccessfulConnectResetsTheCount() {
        long t0 = SECOND;
        target.onConnectFailure(t0, TWO_FAILURES_TEN_SECONDS);
        target.onConnected();
        target.onConnectFailure(t0 + 1, TWO_FAILURES_TEN_SECONDS);
        assertThat(target.isAvailable(t0 + 1)).as("failures were not consecutive").isTrue();
    }

    @Test
    void aSuccessfulConnectEndsAnEjection() {
        long t0 = SECOND;
        target.onConnectFailure(t0, TWO_FAILURES_TEN_SECONDS);
        target.onConnectFailure(t0, TWO_FAILURES_TEN_SECONDS);
        target.onConnected();
        assertThat(target.isAvailable(t0 + 1)).isTrue();
    }

    @Test
    void afterTheCoolDownTheTargetGetsAFreshCount() {
        long t0 = SECOND;
        target.onConnectFailure(t0, TWO_FAILURES_TEN_SECONDS);
        target.onConnectFailure(t0, TWO_FAILURES_TEN_SECONDS);
        long after = t0 + 10 * SECOND;
        target.onConnectFailure(after, TWO_FAILURES_TEN_SECONDS);
        assertThat(target.isAvailable(after)).isTrue();
        target.onConnectFailure(after, TWO_FAILURES_TEN_SECONDS);
        assertThat(target.isAvailable(after)).isFalse();
        assertThat(target.isAvailable(after + 10 * SECOND)).isTrue();
    }

    @Test
    void ejectionSurvivesTheNanoClockWrappingAround() {
        // System.nanoTime() may be near Long.MAX_VALUE: the cool-down end then wraps to a negative number.
        long t0 = Long.MAX_VALUE - SECOND;
        target.onConnectFailure(t0, TWO_FAILURES_TEN_SECONDS);
        target.onConnectFailure(t0, TWO_FAILURES_TEN_SECONDS);
        assertThat(target.isAvailable(t0)).isFalse();
        assertThat(target.isAvailable(t0 + 5 * SECOND)).isFalse();
        assertThat(target.isAvailable(t0 + 10 * SECOND)).isTrue();
    }

    @Test
    void aFailedProbeKeepsTheTargetOutWhateverPassiveHealthSays() {
        target.setProbeHealthy(false);
        assertThat(target.isAvailable(0)).isFalse();
        target.onConnected();
        assertThat(target.isAvailable(0)).isFalse();
        target.setProbeHealthy(true);
        assertThat(target.isAvailable(0)).isTrue();
    }

    @Test
    void countsRequestsInFlight() {
        target.begin();
        target.begin();
        target.end();
        assertThat(target.inFlight()).isEqualTo(1);
    }
}
