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
 * The charges that requests on one event loop make while the loop works through what is ready, held until the
 * loop has done that work and then sent together: one script call per slot for all of them, instead of one per
 * request. Redis still decides each request on its own and atomically (the script takes them one after the
 * other), so batching changes how many commands travel, never what a request is told.
 *
 * <p>The first charge of a batch queues a flush on the loop; the loop runs queued tasks after the I/O it is
 * handling, so the flush sends what every connection read meanwhile. A charge therefore waits at most for the
 * rest of the loop's current turn, and on an idle loop not at all beyond the task hop. A slot's batch that
 * reaches {@link #MAX_REQUESTS_PER_CALL} is sent at once, so that no single script call holds Redis for long.
 *
 * <p>Touched only on its loop. Answers are handed to the waiting requests on the loop as well, with one hop per
 * call rather than per request.
 */
final class LoopCharges implements Runnable {

    /** The most requests one script call decides. */
    static final int MAX_REQUESTS_PER_CALL = 128;

    private final EventExecutor loop;
    private final Function<List<Request>, CompletableFuture<List<Reply>>> send;
    private final IntObjectHashMap<Batch> bySlot = new IntObjectHashMap<>(4);
    private boolean flushQueued;

    /** The requests of one slot waiting to be sent, and their answers. */
    private static final class Batch {
        final List<Request> requests = new ArrayList<>();
        final List<CompletableFuture<Reply>> answers = new ArrayList<>();
    }

    /**
     * @param send runs the script over the requests of one slot in one call ({@link RedisLimitScript.Mode#CHARGE})
     */
    LoopCharges(EventExecutor loop, Function<List<Request>, CompletableFuture<List<Reply>>> send) {
        this.loop = loop;
        this.send = send;
    }

    /** Adds one request's charges of one slot; the answer arrives on the loop once its call has been answered. */
    CompletableFuture<Reply> add(int slot, List<Charge> charges, String leaseId) {
        Batch batch = bySlot.get(slot);
        if (batch == null) {
            batch = new Batch();
            bySlot.put(slot, batch);
        }
        CompletableFuture<Reply> answer = new CompletableFuture<>();
        batch.requests.add(new Request(charges, leaseId, List.of()));
        batch.answers.add(answer);
        if (batch.requests.size() >= MAX_REQUESTS_PER_CALL) {
            bySlot.remove(slot);
            send(batch);
        } else if (!flushQueued) {
            flushQueued = true;
            try {
                loop.execute(this);
            } catch (RejectedExecutionException shuttingDown) {
                flushQueued = false;
                bySlot.remove(slot);
                send(batch);
            }
        }
        return answer;
    }

    /** Sends every waiting batch. */
    @Override
    public void run() {
        flushQueued = false;
        if (bySlot.isEmpty()) {
            return;
        }
        List<Batch> batches = new ArrayList<>(bySlot.values());
        bySlot.clear();
        for (Batch batch : batches) {
            send(batch);
        }
    }

    private void send(Batch batch) {
        CompletableFuture<List<Reply>> call;
        try {
            call = send.apply(batch.requests);
        } catch (RuntimeException e) {
            call = CompletableFuture.failedFuture(e);
        }
        call.whenComplete((replies, failure) -> runOn(loop, () -> answer(batch, replies, failure)));
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

    private static void answer(Batch batch, List<Reply> replies, Throwable failure) {
        for (int n = 0; n < batch.answers.size(); n++) {
            if (failure != null) {
                batch.answers.get(n).completeExceptionally(failure);
            } else {
                batch.answers.get(n).complete(replies.get(n));
            }
        }
    }
}
