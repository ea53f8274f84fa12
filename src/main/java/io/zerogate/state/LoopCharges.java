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
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
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
 * <p>The loops of one store also take turns per slot ({@link Turns}): while one loop's call for a slot is in
 * flight, the other loops' charges for it wait, and when the answer comes the loops that waited are woken to take
 * the turn (the loop whose call ended asks again after its current I/O, so whichever comes first has it). Redis
 * runs one call at a time anyway, so a call sent while another is in flight would only wait in Redis; waiting in
 * the gateway instead lets it carry every charge that arrived meanwhile. Fewer, larger calls save Redis and the
 * gateway the cost of a call each, which is most of what a charge costs. A batch that is full goes at once,
 * whoever's turn it is.
 *
 * <p>Touched only on its loop, except the turn a loop waits for, which the loop whose call ends hands on. Answers
 * are handed to the waiting requests on the loop as well, with one hop per call rather than per request.
 */
final class LoopCharges implements Runnable {

    /** The most requests one script call decides. */
    static final int MAX_REQUESTS_PER_CALL = 128;

    private final EventExecutor loop;
    private final Function<List<Request>, CompletableFuture<List<Reply>>> send;
    private final long timeoutNanos;
    private final LongSupplier nanos;
    private final Turns turns;
    private final IntObjectHashMap<Slot> slots = new IntObjectHashMap<>(4);
    private boolean sendQueued;

    /** Where the reply to one request goes; told on the loop, and told nothing more once told. */
    interface Answer {
        void replied(Reply reply);

        void failed(Throwable failure);
    }

    /**
     * Whose turn it is to have a call in flight for each slot, shared by the batches of every loop of one store.
     * Thread-safe.
     */
    static final class Turns {
        private final ConcurrentHashMap<Integer, Turn> bySlot = new ConcurrentHashMap<>();

        Turn of(int slot) {
            return bySlot.computeIfAbsent(slot, s -> new Turn());
        }
    }

    /** One slot's turn: taken by at most one loop's call at a time; the loops' slots that may wait for it. */
    static final class Turn {
        final AtomicBoolean taken = new AtomicBoolean();
        final List<Slot> members = new CopyOnWriteArrayList<>();
    }

    /** One slot's requests waiting to be sent, with their answers, and its calls in flight. */
    private final class Slot {
        final Turn turn;
        List<Request> requests = new ArrayList<>();
        List<Answer> answers = new ArrayList<>();
        /** When the oldest waiting request was added. */
        long oldestNanos;
        int inFlight;
        /** Set while requests wait for the turn, so that the loop whose call ends hands it here. */
        volatile boolean wantsTurn;
        /** Whether the waiting requests waited behind a call, theirs or another loop's, and not just for the loop. */
        boolean waited;
        /** Fails the waiting requests when the oldest one's time is up before the turn comes; null when none is set. */
        @Nullable ScheduledFuture<?> turnExpiry;

        Slot(Turn turn) {
            this.turn = turn;
            turn.members.add(this);
        }

        LoopCharges owner() {
            return LoopCharges.this;
        }
    }

    /**
     * @param send    runs the script over the requests of one slot in one call ({@link RedisLimitScript.Mode#CHARGE})
     *                and fails when it gets no answer within {@code timeout}
     * @param timeout the longest a request may wait for its answer, from when it is added
     * @param nanos   the monotonic clock the waits are measured with
     */
    LoopCharges(EventExecutor loop, Function<List<Request>, CompletableFuture<List<Reply>>> send, Duration timeout,
                LongSupplier nanos) {
        this(loop, send, timeout, nanos, new Turns());
    }

    /** As above, taking turns with the other batches that share {@code turns}. */
    LoopCharges(EventExecutor loop, Function<List<Request>, CompletableFuture<List<Reply>>> send, Duration timeout,
                LongSupplier nanos, Turns turns) {
        this.turns = turns;
        this.loop = loop;
        this.send = send;
        this.timeoutNanos = timeout.toNanos();
        this.nanos = nanos;
    }

    /** Adds one request's charges of one slot; {@code answer} is told on the loop once its call has been answered. */
    void add(int slot, List<Charge> charges, String leaseId, Answer answer) {
        Slot waiting = slots.get(slot);
        if (waiting == null) {
            waiting = new Slot(turns.of(slot));
            slots.put(slot, waiting);
        }
        if (waiting.requests.isEmpty()) {
            waiting.oldestNanos = nanos.getAsLong();
        }
        waiting.requests.add(new Request(charges, leaseId, List.of()));
        waiting.answers.add(answer);
        if (waiting.inFlight > 0 || waiting.wantsTurn) {
            waiting.waited = true;
        }
        if (waiting.requests.size() >= MAX_REQUESTS_PER_CALL) {
            send(waiting, false);
        } else if (waiting.inFlight == 0 && !waiting.wantsTurn) {
            queueSend();
        }
    }

    /** Has {@link #run()} try to send once the loop has handled its current I/O. */
    private void queueSend() {
        if (sendQueued) {
            return;
        }
        sendQueued = true;
        try {
            loop.execute(this);
        } catch (RejectedExecutionException shuttingDown) {
            // The loop runs no more tasks: what waits goes now, without waiting for a turn.
            sendQueued = false;
            for (Slot waiting : slots.values()) {
                if (!waiting.requests.isEmpty()) {
                    send(waiting, false);
                }
            }
        }
    }

    /** Sends what waits for every slot that has no call in flight, each when it gets the slot's turn. */
    @Override
    public void run() {
        sendQueued = false;
        for (Slot waiting : slots.values()) {
            if (waiting.inFlight == 0 && !waiting.requests.isEmpty()) {
                takeTurn(waiting);
            }
        }
    }

    /**
     * Sends what waits for a slot if the turn is free; otherwise it waits until the loop whose call holds the turn
     * hands it on ({@link #handOn}). Asking before taking means that a turn freed meanwhile is never missed.
     */
    private void takeTurn(Slot slot) {
        slot.wantsTurn = true;
        if (slot.turn.taken.compareAndSet(false, true)) {
            send(slot, true);
            return;
        }
        slot.waited = true;
        if (slot.turnExpiry == null) {
            // The loops holding the turn may keep it (a call that hangs until its own time limit, then another):
            // what waits here is failed when its oldest request's time is up, as if its own call had timed out.
            slot.turnExpiry = schedule(() -> turnTimedOut(slot), timeoutNanos - (nanos.getAsLong() - slot.oldestNanos));
        }
    }

    private static void stopTurnExpiry(Slot slot) {
        ScheduledFuture<?> expiry = slot.turnExpiry;
        if (expiry != null) {
            expiry.cancel(false);
            slot.turnExpiry = null;
        }
    }

    /** Fails the requests still waiting for the turn when the oldest one's time is up. */
    private void turnTimedOut(Slot slot) {
        slot.turnExpiry = null;
        if (!slot.requests.isEmpty()) {
            expire(dropWaiting(slot));
        }
    }

    /** Takes every waiting request out of a slot, which then waits for nothing; returns their answers. */
    private static List<Answer> dropWaiting(Slot slot) {
        List<Answer> answers = slot.answers;
        slot.requests = new ArrayList<>();
        slot.answers = new ArrayList<>();
        slot.wantsTurn = false;
        slot.waited = false;
        stopTurnExpiry(slot);
        return answers;
    }

    /**
     * Frees a slot's turn and wakes the loops whose charges for it wait. Returns whether any waits: then this
     * loop asks again only after its current I/O, giving them the time of a hop to take the turn.
     */
    private boolean handOn(Slot slot) {
        slot.turn.taken.set(false);
        boolean others = false;
        for (Slot member : slot.turn.members) {
            if (member != slot && member.wantsTurn) {
                others = true;
                member.owner().wake();
            }
        }
        return others;
    }

    /** Has this loop look at its waiting charges again; called from another loop. */
    private void wake() {
        try {
            loop.execute(this);
        } catch (RejectedExecutionException shuttingDown) {
            // This loop runs nothing more: the connections whose requests wait here close with it.
        }
    }

    /** Sends what waits for a slot; {@code turn}: the call holds the slot's turn. */
    private void send(Slot slot, boolean turn) {
        boolean held = slot.waited;
        slot.waited = false;
        // Nothing waits for a turn any more, whether this call has it or goes without (a full batch).
        slot.wantsTurn = false;
        stopTurnExpiry(slot);
        List<Request> requests = slot.requests;
        List<Answer> answers = slot.answers;
        long left = timeoutNanos - (nanos.getAsLong() - slot.oldestNanos);
        slot.requests = new ArrayList<>();
        slot.answers = new ArrayList<>();
        if (held && left <= 0) {
            // Their time is up already: Redis is not asked to count what would be thrown away.
            if (turn) {
                handOn(slot);
            }
            expire(answers);
            return;
        }
        slot.inFlight++;
        CompletableFuture<List<Reply>> call;
        try {
            call = send.apply(requests);
        } catch (RuntimeException | Error e) {
            // Whatever went wrong, the call must end: the turn it holds is every loop's.
            call = CompletableFuture.failedFuture(e);
        }
        // Requests that waited behind another call have less than a whole time limit left.
        ScheduledFuture<?> expiry = held && !call.isDone() ? schedule(() -> expire(answers), left) : null;
        call.whenComplete((replies, failure) -> runOn(loop, () -> {
            if (expiry != null) {
                expiry.cancel(false);
            }
            answered(slot, answers, replies, failure, turn);
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

    private void answered(Slot slot, List<Answer> answers, List<Reply> replies, Throwable failure, boolean turn) {
        slot.inFlight--;
        boolean othersWait = turn && handOn(slot);
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
            if (othersWait) {
                // The loops that waited have been woken; this one asks again after its current I/O.
                queueSend();
            } else {
                takeTurn(slot);
            }
            return;
        }
        for (Answer answer : dropWaiting(slot)) {
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
