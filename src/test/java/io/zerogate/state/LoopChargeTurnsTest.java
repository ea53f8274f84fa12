package io.zerogate.state;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.lettuce.core.RedisCommandTimeoutException;
import io.netty.channel.DefaultEventLoop;
import io.zerogate.state.RedisLimitScript.Reply;
import io.zerogate.state.RedisLimitScript.Request;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongSupplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * How the batches of two event loops of one store take turns per slot: one call of a slot in flight across the
 * loops, handed on when it ends, with calls whose answers the test gives.
 */
@Timeout(30)
class LoopChargeTurnsTest {

    private static final Duration TIMEOUT = Duration.ofSeconds(10);

    /** A call as the test sees it: which loop sent it, what it carried, and the future the test completes. */
    private record Call(String loop, List<Request> requests, CompletableFuture<List<Reply>> answer) {}

    private final List<Call> calls = Collections.synchronizedList(new ArrayList<>());
    private final LoopCharges.Turns turns = new LoopCharges.Turns();
    private final DefaultEventLoop loopA = new DefaultEventLoop();
    private final DefaultEventLoop loopB = new DefaultEventLoop();
    private final DefaultEventLoop loopC = new DefaultEventLoop();
    private final LoopCharges a = charges("a", loopA, TIMEOUT, System::nanoTime);
    private final LoopCharges b = charges("b", loopB, TIMEOUT, System::nanoTime);

    private LoopCharges charges(String name, DefaultEventLoop loop, Duration timeout, LongSupplier clock) {
        return new LoopCharges(loop, requests -> {
            CompletableFuture<List<Reply>> answer = new CompletableFuture<>();
            calls.add(new Call(name, requests, answer));
            return answer;
        }, timeout, clock, turns);
    }

    @AfterEach
    void stop() throws Exception {
        for (DefaultEventLoop loop : List.of(loopA, loopB, loopC)) {
            loop.shutdownGracefully(0, 1, TimeUnit.SECONDS).await(5, TimeUnit.SECONDS);
        }
    }

    private static RedisStateStore.PendingReply add(DefaultEventLoop loop, LoopCharges charges, int slot, String key)
            throws Exception {
        RedisStateStore.PendingReply answer = new RedisStateStore.PendingReply();
        Charge charge = new Charge(key, new Meter.Gcra(10, 1_000_000, 10), 1, true);
        loop.submit(() -> charges.add(slot, List.of(charge), "lease", answer)).get(5, TimeUnit.SECONDS);
        return answer;
    }

    /** Waits until every loop has run everything queued on it so far, twice (a hand-over is a hop). */
    private void settle() throws Exception {
        for (int i = 0; i < 2; i++) {
            for (DefaultEventLoop loop : List.of(loopA, loopB, loopC)) {
                loop.submit(() -> { }).get(5, TimeUnit.SECONDS);
            }
        }
    }

    private static List<Reply> allowed(int n) {
        return Collections.nCopies(n, new Reply(true, List.of(new ChargeResult(true, 10, 9, 100_000, 0)), List.of(0L)));
    }

    private void answer(int call) throws Exception {
        Call c = calls.get(call);
        DefaultEventLoop loop = switch (c.loop()) {
            case "a" -> loopA;
            case "b" -> loopB;
            default -> loopC;
        };
        loop.submit(() -> c.answer().complete(allowed(c.requests().size()))).get(5, TimeUnit.SECONDS);
        settle();
    }

    /** A new charge on {@code loop} goes out at once, as call number {@code call}, and is answered. */
    private void chargeTravels(DefaultEventLoop loop, LoopCharges charges, int call) throws Exception {
        RedisStateStore.PendingReply next = add(loop, charges, 7, "k");
        settle();
        assertThat(calls).hasSize(call + 1);
        answer(call);
        assertThat(next.get(5, TimeUnit.SECONDS).allowed()).isTrue();
    }

    @Test
    void aLoopsChargesForASlotWaitWhileAnotherLoopsCallForItIsInFlight() throws Exception {
        RedisStateStore.PendingReply first = add(loopA, a, 7, "k");
        settle();
        assertThat(calls).hasSize(1);

        RedisStateStore.PendingReply b1 = add(loopB, b, 7, "k");
        RedisStateStore.PendingReply b2 = add(loopB, b, 7, "k");
        settle();
        assertThat(calls).as("b waits for a's call").hasSize(1);
        assertThat(b1).isNotDone();

        answer(0);
        assertThat(first.get(5, TimeUnit.SECONDS).allowed()).isTrue();
        assertThat(calls).as("the turn went to b, which sends what waited in one call").hasSize(2);
        assertThat(calls.get(1).loop()).isEqualTo("b");
        assertThat(calls.get(1).requests()).hasSize(2);

        answer(1);
        assertThat(b1.get(5, TimeUnit.SECONDS).allowed()).isTrue();
        assertThat(b2.get(5, TimeUnit.SECONDS).allowed()).isTrue();
    }

    /**
     * Has a's call hold the turn while one charge on each of two loops waits for it, then answers a's call; returns
     * the two waiting charges, in the order given.
     */
    private List<RedisStateStore.PendingReply> waitForTheTurnOfA(DefaultEventLoop first, LoopCharges firstCharges,
                                                                 DefaultEventLoop second, LoopCharges secondCharges)
            throws Exception {
        add(loopA, a, 7, "k");
        settle();
        RedisStateStore.PendingReply one = add(first, firstCharges, 7, "k");
        RedisStateStore.PendingReply two = add(second, secondCharges, 7, "k");
        settle();
        assertThat(calls).hasSize(1);
        answer(0);
        return List.of(one, two);
    }

    @Test
    void whenACallEndsOneOfTheLoopsWithChargesWaitingTakesTheTurnAndTheOtherFollows() throws Exception {
        List<RedisStateStore.PendingReply> waiting = waitForTheTurnOfA(loopB, b, loopA, a);
        RedisStateStore.PendingReply fromB = waiting.get(0);
        RedisStateStore.PendingReply againA = waiting.get(1);
        assertThat(calls).as("one call in flight; the other loop's charge waits for it").hasSize(2);
        RedisStateStore.PendingReply second = calls.get(1).loop().equals("a") ? againA : fromB;
        RedisStateStore.PendingReply third = second == againA ? fromB : againA;
        assertThat(third).isNotDone();

        answer(1);
        assertThat(second.get(5, TimeUnit.SECONDS).allowed()).isTrue();
        assertThat(calls).hasSize(3);
        assertThat(calls.get(2).loop()).isNotEqualTo(calls.get(1).loop());
        answer(2);
        assertThat(third.get(5, TimeUnit.SECONDS).allowed()).isTrue();
    }

    @Test
    void slotsTakeTurnsEachOnTheirOwn() throws Exception {
        add(loopA, a, 1, "k1");
        add(loopB, b, 2, "k2");
        settle();
        assertThat(calls).as("calls for different slots do not wait for each other").hasSize(2);
    }

    @Test
    void aFullBatchGoesAtOnceWhoeverHasTheTurn() throws Exception {
        add(loopA, a, 7, "k");
        settle();
        List<RedisStateStore.PendingReply> full = new ArrayList<>();
        for (int i = 0; i < LoopCharges.MAX_REQUESTS_PER_CALL; i++) {
            full.add(add(loopB, b, 7, "k"));
        }
        settle();
        assertThat(calls).hasSize(2);
        assertThat(calls.get(1).requests()).hasSize(LoopCharges.MAX_REQUESTS_PER_CALL);

        // The full batch's answer leaves b nothing waiting; a's end of turn then leaves the turn free for both.
        answer(1);
        assertThat(full.get(0).get(5, TimeUnit.SECONDS).allowed()).isTrue();
        answer(0);
        chargeTravels(loopB, b, 2);
    }

    @Test
    void aFailedCallHandsTheTurnOn() throws Exception {
        RedisStateStore.PendingReply first = add(loopA, a, 7, "k");
        settle();
        RedisStateStore.PendingReply waiting = add(loopB, b, 7, "k");
        settle();
        RuntimeException down = new IllegalStateException("connection lost");
        loopA.submit(() -> calls.get(0).answer().completeExceptionally(down)).get(5, TimeUnit.SECONDS);
        settle();
        assertThatThrownBy(() -> first.get(5, TimeUnit.SECONDS)).isInstanceOf(ExecutionException.class).hasCause(down);
        assertThat(calls).as("b's charge is sent on its own call").hasSize(2);
        answer(1);
        assertThat(waiting.get(5, TimeUnit.SECONDS).allowed()).isTrue();
    }

    @Test
    void underLoadFromBothLoopsASlotNeverHasTwoCallsInFlightAndEveryChargeIsAnswered() throws Exception {
        AtomicInteger inFlight = new AtomicInteger();
        AtomicInteger most = new AtomicInteger();
        List<Call> answered = Collections.synchronizedList(new ArrayList<>());
        // Calls answer themselves a little later, from another thread, counting how many overlap.
        LoopCharges.Turns shared = new LoopCharges.Turns();
        ScheduledExecutorService redis = Executors.newSingleThreadScheduledExecutor();
        try {
            List<LoopCharges> batches = new ArrayList<>();
            for (DefaultEventLoop loop : List.of(loopA, loopB)) {
                batches.add(new LoopCharges(loop, requests -> {
                    // A full batch goes whoever has the turn: only the others are counted.
                    boolean turn = requests.size() < LoopCharges.MAX_REQUESTS_PER_CALL;
                    if (turn) {
                        most.accumulateAndGet(inFlight.incrementAndGet(), Math::max);
                    }
                    CompletableFuture<List<Reply>> answer = new CompletableFuture<>();
                    redis.schedule(() -> {
                        if (turn) {
                            inFlight.decrementAndGet();
                        }
                        answered.add(new Call("", requests, answer));
                        answer.complete(allowed(requests.size()));
                    }, 200, TimeUnit.MICROSECONDS);
                    return answer;
                }, TIMEOUT, System::nanoTime, shared));
            }
            List<RedisStateStore.PendingReply> replies = Collections.synchronizedList(new ArrayList<>());
            List<Thread> feeders = new ArrayList<>();
            for (int l = 0; l < 2; l++) {
                DefaultEventLoop loop = l == 0 ? loopA : loopB;
                LoopCharges batch = batches.get(l);
                Thread feeder = new Thread(() -> {
                    for (int i = 0; i < 1_000; i++) {
                        RedisStateStore.PendingReply reply = new RedisStateStore.PendingReply();
                        replies.add(reply);
                        Charge charge = new Charge("k", new Meter.Gcra(10, 1_000_000, 10), 1, true);
                        loop.execute(() -> batch.add(7, List.of(charge), "lease", reply));
                        if (i % 50 == 0) {
                            try {
                                Thread.sleep(1);
                            } catch (InterruptedException e) {
                                return;
                            }
                        }
                    }
                });
                feeders.add(feeder);
                feeder.start();
            }
            for (Thread feeder : feeders) {
                feeder.join(10_000);
            }
            for (RedisStateStore.PendingReply reply : List.copyOf(replies)) {
                assertThat(reply.get(5, TimeUnit.SECONDS).allowed()).isTrue();
            }
            assertThat(replies).hasSize(2_000);
            assertThat(most.get()).as("calls of one slot in flight at once, full batches aside").isEqualTo(1);
            assertThat(answered.size()).as("calls carried several charges each").isLessThan(2_000);
        } finally {
            redis.shutdownNow();
        }
    }

    @Test
    void threeLoopsTakeTheTurnOneAfterAnother() throws Exception {
        LoopCharges c = charges("c", loopC, TIMEOUT, System::nanoTime);
        List<RedisStateStore.PendingReply> waiting = waitForTheTurnOfA(loopB, b, loopC, c);
        RedisStateStore.PendingReply fromB = waiting.get(0);
        RedisStateStore.PendingReply fromC = waiting.get(1);
        assertThat(calls).as("one of b and c has the turn, the other waits").hasSize(2);
        answer(1);
        assertThat(calls).hasSize(3);
        assertThat(List.of(calls.get(1).loop(), calls.get(2).loop())).containsExactlyInAnyOrder("b", "c");
        answer(2);
        assertThat(fromB.get(5, TimeUnit.SECONDS).allowed()).isTrue();
        assertThat(fromC.get(5, TimeUnit.SECONDS).allowed()).isTrue();
    }

    @Test
    void aChargeWaitingForTheTurnFailsWhenItsTimeIsUpThoughTheTurnNeverCame() throws Exception {
        Duration shortTimeout = Duration.ofMillis(200);
        LoopCharges slowA = charges("a", loopA, shortTimeout, System::nanoTime);
        LoopCharges slowB = charges("b", loopB, shortTimeout, System::nanoTime);
        add(loopA, slowA, 7, "k");
        settle();
        long before = System.nanoTime();
        RedisStateStore.PendingReply waiting = add(loopB, slowB, 7, "k");
        // a's call never answers (its own time limit is the connection's business, not the batch's).
        assertThatThrownBy(() -> waiting.get(5, TimeUnit.SECONDS)).isInstanceOf(ExecutionException.class)
                .cause().isInstanceOf(RedisCommandTimeoutException.class);
        assertThat(Duration.ofNanos(System.nanoTime() - before)).isLessThan(shortTimeout.multipliedBy(5));
        assertThat(calls).as("the charge that timed out was never sent").hasSize(1);

        // When a's call ends at last, b takes the turn for its next charge as usual.
        answer(0);
        chargeTravels(loopB, slowB, 1);
    }

    @Test
    void chargesWhoseTimeIsUpWhenTheTurnComesAreFailedWithoutBeingSent() throws Exception {
        AtomicLong clock = new AtomicLong();
        LoopCharges fakeA = charges("a", loopA, TIMEOUT, clock::get);
        LoopCharges fakeB = charges("b", loopB, TIMEOUT, clock::get);
        add(loopA, fakeA, 7, "k");
        settle();
        RedisStateStore.PendingReply late = add(loopB, fakeB, 7, "k");
        settle();
        clock.addAndGet(TIMEOUT.toNanos() + 1);
        answer(0);
        assertThatThrownBy(() -> late.get(5, TimeUnit.SECONDS)).isInstanceOf(ExecutionException.class)
                .cause().isInstanceOf(RedisCommandTimeoutException.class);
        assertThat(calls).as("Redis is not asked to count a charge already given up on").hasSize(1);

        // The turn is free again.
        chargeTravels(loopB, fakeB, 1);
    }

    @Test
    void aCallThatCouldNotBeMadeStillHandsTheTurnOn() throws Exception {
        LoopCharges broken = new LoopCharges(loopA, requests -> {
            throw new StackOverflowError("the client broke");
        }, TIMEOUT, System::nanoTime, turns);
        RedisStateStore.PendingReply first = add(loopA, broken, 7, "k");
        assertThatThrownBy(() -> first.get(5, TimeUnit.SECONDS)).isInstanceOf(ExecutionException.class)
                .cause().isInstanceOf(StackOverflowError.class);
        RedisStateStore.PendingReply fromB = add(loopB, b, 7, "k");
        settle();
        assertThat(calls).hasSize(1);
        answer(0);
        assertThat(fromB.get(5, TimeUnit.SECONDS).allowed()).isTrue();
    }
}
