package io.zerogate.server;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.channel.embedded.EmbeddedChannel;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class DeadlineTest {

    private final EmbeddedChannel channel = new EmbeddedChannel();
    private final AtomicLong now = new AtomicLong(1_000_000_000L);
    private final AtomicInteger expired = new AtomicInteger();
    private Deadline deadline;

    @BeforeEach
    void setUp() {
        channel.freezeTime();
        deadline = new Deadline(channel.eventLoop(), now::get, expired::incrementAndGet);
    }

    private void advanceMillis(long ms) {
        now.addAndGet(TimeUnit.MILLISECONDS.toNanos(ms));
        channel.advanceTimeBy(ms, TimeUnit.MILLISECONDS);
        channel.runScheduledPendingTasks();
    }

    @Test
    void expiresOnceAtTheDeadline() {
        deadline.startNanos(TimeUnit.MILLISECONDS.toNanos(100));
        advanceMillis(99);
        assertThat(expired).hasValue(0);
        advanceMillis(1);
        assertThat(expired).hasValue(1);
        assertThat(deadline.isSet()).isFalse();
        advanceMillis(500);
        assertThat(expired).hasValue(1);
        assertThat(channel.finishAndReleaseAll()).isFalse();
    }

    @Test
    void movingTheDeadlineLaterWaitsForTheNewOne() {
        deadline.startNanos(TimeUnit.MILLISECONDS.toNanos(100));
        advanceMillis(80);
        deadline.startNanos(TimeUnit.MILLISECONDS.toNanos(100));
        advanceMillis(30);
        assertThat(expired).hasValue(0);
        advanceMillis(70);
        assertThat(expired).hasValue(1);
    }

    @Test
    void movingTheDeadlineEarlierExpiresAtTheEarlierTime() {
        deadline.startNanos(TimeUnit.MILLISECONDS.toNanos(1000));
        deadline.startNanos(TimeUnit.MILLISECONDS.toNanos(10));
        advanceMillis(10);
        assertThat(expired).hasValue(1);
    }

    @Test
    void aClearedDeadlineNeverExpires() {
        deadline.startNanos(TimeUnit.MILLISECONDS.toNanos(50));
        deadline.clear();
        advanceMillis(100);
        assertThat(expired).hasValue(0);
        deadline.startNanos(TimeUnit.MILLISECONDS.toNanos(50));
        deadline.cancel();
        advanceMillis(100);
        assertThat(expired).hasValue(0);
    }
}
