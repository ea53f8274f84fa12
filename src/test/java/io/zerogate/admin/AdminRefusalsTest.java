package io.zerogate.admin;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.InetAddress;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/** Refused admin calls: every one counted, at most one logged per address and interval. */
class AdminRefusalsTest {

    @Test
    void oneLogPerAddressPerIntervalEveryRefusalCounted() throws Exception {
        AtomicLong now = new AtomicLong();
        GatewayMetrics metrics = new GatewayMetrics();
        AdminRefusals refusals = new AdminRefusals(metrics, Duration.ofMinutes(1), 2, now::get);
        InetAddress a = InetAddress.getByName("192.0.2.1");
        InetAddress b = InetAddress.getByName("192.0.2.2");
        assertThat(refusals.shouldLog(a)).isTrue();
        assertThat(refusals.shouldLog(a)).isFalse();
        assertThat(refusals.shouldLog(b)).isTrue();
        now.addAndGet(Duration.ofSeconds(59).toNanos());
        assertThat(refusals.shouldLog(a)).isFalse();
        now.addAndGet(Duration.ofSeconds(2).toNanos());
        assertThat(refusals.shouldLog(a)).isTrue();
        refusals.refused(a, "missing", "/admin/config");
        refusals.refused(a, "missing", "/admin/config");
        assertThat(metrics.adminAuthFailures("missing")).isEqualTo(2.0);
    }
}
