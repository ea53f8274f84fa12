package io.zerogate.state;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.lettuce.core.RedisCommandTimeoutException;
import io.netty.channel.DefaultEventLoop;
import io.zerogate.state.RedisLimitScript.Reply;
import io.zerogate.state.RedisLimitScript.Request;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * When a loop's charges travel and how long a request may wait, with calls whose answers the test gives (Redis
 * cannot be made to answer one call late and leave the next unanswered on cue) and a fake clock for waits.
 */
@Timeout(30)
class LoopChargesTest {

    private static final Duration TIMEOUT = Duration.ofMillis(200);

    private final DefaultEventLoop loop = new DefaultEventLoop();
    private final AtomicLong nanos = new AtomicLong();
    /** The calls sent, in order, each with the future the test completes. */
    private final List<CompletableFuture<List<Reply>>> calls = new ArrayList<>();
    private final List<List<Request>> sent = new ArrayList<>();
    private final LoopCharges charges = new LoopCharges(loop, requests -> {
        CompletableFuture<List<Reply>> call = new CompletableFuture<>();
        calls.add(call);
        sent.add(requests);
        return call;
    }, TIMEOUT, nanos::get);

    @AfterEach
    void stop() throws Exception {
        loop.shutdownGracefully(0, 1, TimeUnit.SECONDS).await(5, TimeUnit.SECONDS);
    }

    private RedisStateStore.PendingReply add(String key) throws Exception {
        RedisStateStore.PendingReply answer = new RedisStateStore.PendingReply();
        Charge charge = new Charge(key, new Meter.Gcra(10, 1_000_000, 10), 1, true);
        loop.submit(() -> charges.add(0, List.of(charge), "lease", answer)).get(5, TimeUnit.SECONDS);
        return answer;
    }

    /** Runs {@code task} on the loop after everything queued there so far. */
    private void onLoop(Runnable task) throws Exception {
        loop.submit(task).get(5, TimeUnit.SECONDS);
    }

    private static Reply allowed() {
        return new Reply(true, List.of(new ChargeResult(true, 10, 9, 100_000, 0)), List.of(0L));
    }

    @Test
    void chargesMadeWhileACallIsInFlightWaitForItAndThenTravelTogether() throws Exception {
        RedisStateStore.PendingReply first = add("a");
        onLoop(() -> { });
        assertThat(sent).hasSize(1);
        RedisStateStore.PendingReply second = add("b");
        RedisStateStore.PendingReply third = add("c");
        onLoop(() -> { });
        assertThat(sent).as("nothing more is sent while a call is in flight").hasSize(1);

        onLoop(() -> calls.get(0).complete(List.of(allowed())));
        assertThat(first.get(5, TimeUnit.SECONDS).allowed()).isTrue();
        assertThat(sent).hasSize(2);
        assertThat(sent.get(1)).hasSize(2);
        onLoop(() -> calls.get(1).complete(List.of(allowed(), allowed())));
        assertThat(second.get(5, TimeUnit.SECONDS).allowed()).isTrue();
        assertThat(third.get(5, TimeUnit.SECONDS).allowed()).isTrue();
    }

    @Test
    void chargesWaitingBehindAFailedCallFailWithIt() throws Exception {
        RedisStateStore.PendingReply first = add("a");
        onLoop(() -> { });
        RedisStateStore.PendingReply waiting = add("b");
        RuntimeException down = new IllegalStateException("connection lost");
        onLoop(() -> calls.get(0).completeExceptionally(down));
        assertThatThrownBy(() -> first.get(5, TimeUnit.SECONDS)).isInstanceOf(ExecutionException.class).hasCause(down);
        assertThatThrownBy(() -> waiting.get(5, TimeUnit.SECONDS)).isInstanceOf(ExecutionException.class).hasCause(down);
        assertThat(sent).as("the waiting charge was never sent").hasSize(1);
    }

    @Test
    void aChargeThatWaitedGetsOnlyTheRestOfItsTimeLimit() throws Exception {
        add("a");
        onLoop(() -> { });
        RedisStateStore.PendingReply waiting = add("b");
        // Most of b's time limit passes while the first call is in Redis; then it answers.
        nanos.addAndGet(TIMEOUT.toNanos() * 3 / 4);
        long before = System.nanoTime();
        onLoop(() -> calls.get(0).complete(List.of(allowed())));
        assertThat(sent).hasSize(2);
        // b's own call never answers: b fails when its time limit is up, not a whole time limit after it was sent.
        assertThatThrownBy(() -> waiting.get(5, TimeUnit.SECONDS)).isInstanceOf(ExecutionException.class)
                .cause().isInstanceOf(RedisCommandTimeoutException.class);
        assertThat(Duration.ofNanos(System.nanoTime() - before)).isLessThan(TIMEOUT);

        // A late answer to b's call changes nothing for b, and the loop sends again.
        onLoop(() -> calls.get(1).complete(List.of(allowed())));
        assertThat(waiting.isCompletedExceptionally()).isTrue();
        RedisStateStore.PendingReply next = add("c");
        onLoop(() -> { });
        assertThat(sent).hasSize(3);
        assertThat(next).isNotDone();
    }
}
