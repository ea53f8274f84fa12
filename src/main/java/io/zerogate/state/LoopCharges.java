package io.zerogate.state;

import io.lettuce.core.RedisCommandTimeoutException;
import io.netty.util.collection.IntObjectHashMap;
import io.netty.util.concurrent.EventExecutor;
import io.zerogate.state.RedisLimitScript.Reply;
import io.zerogate.state.RedisLimitScript.Request;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import java.util.function.LongSupplier;
import org.jspecify.annotations.Nullable;

/**
 * The charges that requests on one event loop make, sent to Redis together: one script call per slot for many
 * requests instead of one per request. Redis still decides each request on its own and atomically (the script
 * takes them one after the other), so batching changes how many commands travel, never what a request is told.
 *
 * <p>Each slot has at most one call of this loop in flight. The first charge for a slot with none queues a send
 * on the loop, which runs after the I/O the loop is handling, so the call carries what every connection read
 * meanwhile: on a quiet loop a charge goes out at once (after the task hop). Charges made while a call is in
 * flight wait for its answer and then go out together, so batches grow with the load and with Redis' round
 * trip, and a loop never has a queue of calls in Redis. No request waits longer than the timeout in all: when
 * the call it waits behind fails (Redis down, or no answer within the timeout) it fails with it, and a request
 * sent after waiting is failed when the rest of its timeout has passed, whatever its own call's time limit. A
 * batch that reaches {@link #MAX_REQUESTS_PER_CALL} is sent at once, so that no single script call holds Redis
 * for long.
 *
 * <p>Touched only on its loop. Answers are handed to the waiting requests on the loop as well, with one hop per
 * call rather than per request.
 */
final class LoopCharges implements Runnable {

    /** The most requests one script call decides. */
    static final int MAX_REQUESTS_PER_CALL = 128;

    private final EventExecutor loop;
    private final Function<List<Request>, CompletableFuture<List<Reply>>> send;
    private final long timeoutNanos;
    private final LongSupplier nanos;
    private final IntObjectHashMap<Slot> slots = new IntObjectHashMap<>(4);
    private boolean sendQueued;

    /** Where the reply to one request goes; told on the loop, and told nothing more once told. */
    interface Answer {
        void replied(Reply reply);

        void failed(Throwable failure);
    }

    /** One slot's requests waiting to be sent, with their answers, and its calls in flight. */
    private static final class Slot {
        List<Request> requests = new ArrayList<>();
        List<Answer> answers = new ArrayList<>();
        /** When the oldest waiting request was added. */
        long oldestNanos;
        int inFlight;
    }

    /**
     * @param send    runs the script over the requests of one slot in one call ({@link RedisLimitScript.Mode#CHARGE})
     *                and fails when it gets no answer within {@code timeout}
     * @param timeout the longest a request may wait for its answer, from when it is added
     * @param nanos   the monotonic clock the waits are measured with
     */
    LoopCharges(EventExecutor loop, Function<List<Request>, CompletableFuture<List<Reply>>> send, Duration timeout,
                LongSupplier nanos) {
        this.loop = loop;
        this.send = send;
        this.timeoutNanos = timeout.toNanos();
        this.nanos = nanos;
    }

    /** Adds one request's charges of one slot; {@code answer} is told on the loop once its call has been answered. */
    void add(int slot, List<Charge> charges, String leaseId, Answer answer) {
        Slot waiting = slots.get(slot);
        if (waiting == null) {
            waiting = new Slot();
            slots.put(slot, waiting);
        }
        if (waiting.requests.isEmpty()) {
            waiting.oldestNanos = nanos.getAsLong();
        }
        waiting.requests.add(new Request(charges, leaseId, List.of()));
        waiting.answers.add(answer);
        if (waiting.requests.size() >= MAX_REQUESTS_PER_CALL) {
            send(waiting, waiting.inFlight > 0);
        } else if (waiting.inFlight == 0 && !sendQueued) {
            sendQueued = true;
            try {
                loop.execute(this);
            } catch (RejectedExecutionException shuttingDown) {
                sendQueued = false;
                send(waiting, false);
            }
        }
    }

    /** Sends what waits for every slot that has no call in flight. */
    @Override
    public void run() {
        sendQueued = false;
        for (Slot waiting : slots.values()) {
            if (waiting.inFlight == 0 && !waiting.requests.isEmpty()) {
                send(waiting, false);
            }
        }
    }

    /** Sends what waits for a slot; {@code held}: it waited behind another call, not just for the loop's turn. */
    private void send(Slot slot, boolean held) {
        List<Request> requests = slot.requests;
        List<Answer> answers = slot.answers;
        long left = timeoutNanos - (nanos.getAsLong() - slot.oldestNanos);
        slot.requests = new ArrayList<>();
        slot.answers = new ArrayList<>();
        slot.inFlight++;
        CompletableFuture<List<Reply>> call;
        try {
            call = send.apply(requests);
        } catch (RuntimeException e) {
            call = CompletableFuture.failedFuture(e);
        }
        // Requests that waited behind another call have less than a whole time limit left.
        ScheduledFuture<?> expiry = held && !call.isDone() ? schedule(() -> expire(answers), left) : null;
        call.whenComplete((replies, failure) -> runOn(loop, () -> {
            if (expiry != null) {
                expiry.cancel(false);
            }
            answered(slot, answers, replies, failure);
        }));
    }

    private @Nullable ScheduledFuture<?> schedule(Runnable task, long delayNanos) {
        try {
            return loop.schedule(task, Math.max(0, delayNanos), TimeUnit.NANOSECONDS);
        } catch (RejectedExecutionException shuttingDown) {
            return null;
        }
    }

    /** Fails the requests of a call that are still unanswered when their time is up; the call goes on. */
    private void expire(List<Answer> answers) {
        RedisCommandTimeoutException timedOut = new RedisCommandTimeoutException(
                "no answer within " + Duration.ofNanos(timeoutNanos) + " of the charge");
        for (Answer answer : answers) {
            answer.failed(timedOut);
        }
    }

    private void answered(Slot slot, List<Answer> answers, List<Reply> replies, Throwable failure) {
        slot.inFlight--;
        for (int n = 0; n < answers.size(); n++) {
            if (failure != null) {
                answers.get(n).failed(failure);
            } else {
                answers.get(n).replied(replies.get(n));
            }
        }
        if (slot.inFlight > 0 || slot.requests.isEmpty()) {
            return;
        }
        if (failure == null) {
            send(slot, true);
            return;
        }
        List<Answer> waiting = slot.answers;
        slot.requests = new ArrayList<>();
        slot.answers = new ArrayList<>();
        for (Answer answer : waiting) {
            answer.failed(failure);
        }
    }

    /** Runs {@code task} on {@code loop}: at once when called there, or when the loop is shutting down. */
    static void runOn(EventExecutor loop, Runnable task) {
        if (loop.inEventLoop()) {
            task.run();
            return;
        }
        try {
            loop.execute(task);
        } catch (RejectedExecutionException shuttingDown) {
            task.run();
        }
    }
}
