package io.zerogate.state;

import io.netty.util.collection.IntObjectHashMap;
import io.netty.util.concurrent.EventExecutor;
import io.zerogate.state.RedisLimitScript.Reply;
import io.zerogate.state.RedisLimitScript.Request;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.RejectedExecutionException;
import java.util.function.Function;

/**
 * The charges that requests on one event loop make, sent to Redis together: one script call per slot for many
 * requests instead of one per request. Redis still decides each request on its own and atomically (the script
 * takes them one after the other), so batching changes how many commands travel, never what a request is told.
 *
 * <p>Each slot has at most one call of this loop in flight. The first charge for a slot with none queues a send
 * on the loop, which runs after the I/O the loop is handling, so the call carries what every connection read
 * meanwhile: on a quiet loop a charge goes out at once (after the task hop). Charges made while a call is in
 * flight wait for its answer and then go out together, so batches grow with the load and with Redis' round
 * trip, and a loop never has a queue of calls in Redis. When that call fails (Redis down, or no answer within
 * the timeout) the charges waiting behind it fail with it, so no request waits longer than the timeout. A batch
 * that reaches {@link #MAX_REQUESTS_PER_CALL} is sent at once, so that no single script call holds Redis for long.
 *
 * <p>Touched only on its loop. Answers are handed to the waiting requests on the loop as well, with one hop per
 * call rather than per request.
 */
final class LoopCharges implements Runnable {

    /** The most requests one script call decides. */
    static final int MAX_REQUESTS_PER_CALL = 128;

    private final EventExecutor loop;
    private final Function<List<Request>, CompletableFuture<List<Reply>>> send;
    private final IntObjectHashMap<Slot> slots = new IntObjectHashMap<>(4);
    private boolean sendQueued;

    /** Where the reply to one request goes; told on the loop. */
    interface Answer {
        void replied(Reply reply);

        void failed(Throwable failure);
    }

    /** One slot's requests waiting to be sent, with their answers, and its calls in flight. */
    private static final class Slot {
        List<Request> requests = new ArrayList<>();
        List<Answer> answers = new ArrayList<>();
        int inFlight;
    }

    /**
     * @param send runs the script over the requests of one slot in one call ({@link RedisLimitScript.Mode#CHARGE})
     */
    LoopCharges(EventExecutor loop, Function<List<Request>, CompletableFuture<List<Reply>>> send) {
        this.loop = loop;
        this.send = send;
    }

    /** Adds one request's charges of one slot; {@code answer} is told on the loop once its call has been answered. */
    void add(int slot, List<Charge> charges, String leaseId, Answer answer) {
        Slot waiting = slots.get(slot);
        if (waiting == null) {
            waiting = new Slot();
            slots.put(slot, waiting);
        }
        waiting.requests.add(new Request(charges, leaseId, List.of()));
        waiting.answers.add(answer);
        if (waiting.requests.size() >= MAX_REQUESTS_PER_CALL) {
            send(waiting);
        } else if (waiting.inFlight == 0 && !sendQueued) {
            sendQueued = true;
            try {
                loop.execute(this);
            } catch (RejectedExecutionException shuttingDown) {
                sendQueued = false;
                send(waiting);
            }
        }
    }

    /** Sends what waits for every slot that has no call in flight. */
    @Override
    public void run() {
        sendQueued = false;
        for (Slot waiting : slots.values()) {
            if (waiting.inFlight == 0 && !waiting.requests.isEmpty()) {
                send(waiting);
            }
        }
    }

    private void send(Slot slot) {
        List<Request> requests = slot.requests;
        List<Answer> answers = slot.answers;
        slot.requests = new ArrayList<>();
        slot.answers = new ArrayList<>();
        slot.inFlight++;
        CompletableFuture<List<Reply>> call;
        try {
            call = send.apply(requests);
        } catch (RuntimeException e) {
            call = CompletableFuture.failedFuture(e);
        }
        call.whenComplete((replies, failure) -> runOn(loop, () -> answered(slot, answers, replies, failure)));
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
            send(slot);
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
