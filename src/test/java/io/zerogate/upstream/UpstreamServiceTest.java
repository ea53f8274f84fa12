package io.zerogate.upstream;

import static org.assertj.core.api.Assertions.assertThat;

import io.zerogate.config.ServiceConfig;
import io.zerogate.config.TargetAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Target selection: rotation, load, exclusion of a target that just failed, and unavailable targets. */
class UpstreamServiceTest {

    private static final ServiceConfig.PassiveHealth ONE_FAILURE = new ServiceConfig.PassiveHealth(1, Duration.ofSeconds(10));
    private static final long NOW = 42L;

    private final UpstreamTarget a = target(1);
    private final UpstreamTarget b = target(2);
    private final UpstreamTarget c = target(3);

    private static UpstreamTarget target(int port) {
        return new UpstreamTarget(new TargetAddress("http", "127.0.0.1", port));
    }

    private static UpstreamService service(ServiceConfig.Balance balance, UpstreamTarget... targets) {
        List<TargetAddress> addresses = new ArrayList<>();
        for (UpstreamTarget t : targets) {
            addresses.add(t.address());
        }
        ServiceConfig config = new ServiceConfig("s", addresses, balance, Duration.ofSeconds(1), Duration.ofSeconds(1),
                ONE_FAILURE, null, 8, new io.zerogate.config.UpstreamTls.Plain(), List.of());
        return new UpstreamService(config, List.of(targets), null);
    }

    private static List<UpstreamTarget> picks(UpstreamService s, int n) {
        List<UpstreamTarget> out = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            out.add(s.pick(NOW, null));
        }
        return out;
    }

    @Test
    void roundRobinVisitsEveryTargetInTurn() {
        UpstreamService s = service(ServiceConfig.Balance.ROUND_ROBIN, a, b, c);
        assertThat(picks(s, 7)).containsExactly(a, b, c, a, b, c, a);
    }

    @Test
    void roundRobinSkipsAnEjectedTarget() {
        UpstreamService s = service(ServiceConfig.Balance.ROUND_ROBIN, a, b, c);
        b.onConnectFailure(NOW, ONE_FAILURE);
        assertThat(picks(s, 6)).containsOnly(a, c).doesNotContainNull();
    }

    @Test
    void excludedTargetIsNotPickedAgainForTheSameRequest() {
        UpstreamService s = service(ServiceConfig.Balance.ROUND_ROBIN, a, b);
        assertThat(s.pick(NOW, null)).isSameAs(a);
        assertThat(s.pick(NOW, b)).isSameAs(a);
        assertThat(s.pick(NOW, a)).isSameAs(b);
    }

    @Test
    void nothingAvailableIsNull() {
        UpstreamService s = service(ServiceConfig.Balance.ROUND_ROBIN, a, b);
        a.onConnectFailure(NOW, ONE_FAILURE);
        assertThat(s.pick(NOW, b)).isNull();
        b.setProbeHealthy(false);
        assertThat(s.pick(NOW, null)).isNull();
        assertThat(service(ServiceConfig.Balance.LEAST_IN_FLIGHT, a, b).pick(NOW, null)).isNull();
    }

    @Test
    void singleTargetIsPickedUnlessExcludedOrUnavailable() {
        UpstreamService s = service(ServiceConfig.Balance.ROUND_ROBIN, a);
        assertThat(s.pick(NOW, null)).isSameAs(a);
        assertThat(s.pick(NOW, a)).isNull();
        a.onConnectFailure(NOW, ONE_FAILURE);
        assertThat(s.pick(NOW, null)).isNull();
        assertThat(s.pick(NOW + Duration.ofSeconds(10).toNanos(), null)).as("after the cool-down").isSameAs(a);
    }

    @Test
    void leastInFlightPicksTheLeastLoadedTarget() {
        UpstreamService s = service(ServiceConfig.Balance.LEAST_IN_FLIGHT, a, b, c);
        a.begin();
        a.begin();
        c.begin();
        assertThat(picks(s, 5)).containsOnly(b);
        b.begin();
        b.begin();
        assertThat(picks(s, 5)).containsOnly(c);
    }

    @Test
    void leastInFlightSpreadsTiesInsteadOfPilingOnTheFirstTarget() {
        UpstreamService s = service(ServiceConfig.Balance.LEAST_IN_FLIGHT, a, b, c);
        assertThat(picks(s, 6)).containsExactly(a, b, c, a, b, c);
    }

    @Test
    void leastInFlightNeverPicksAnUnavailableOrExcludedTargetEvenIfIdle() {
        UpstreamService s = service(ServiceConfig.Balance.LEAST_IN_FLIGHT, a, b, c);
        b.begin();
        c.begin();
        c.begin();
        a.onConnectFailure(NOW, ONE_FAILURE);
        assertThat(s.pick(NOW, null)).isSameAs(b);
        assertThat(s.pick(NOW, b)).isSameAs(c);
    }
}
