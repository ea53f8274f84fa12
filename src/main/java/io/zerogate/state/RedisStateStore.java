package io.zerogate.state;

import io.lettuce.core.SetArgs;
import io.netty.channel.EventLoop;
import io.netty.channel.IoEventLoop;
import io.netty.util.concurrent.EventExecutor;
import io.zerogate.config.StateConfig.RedisConfig;
import io.zerogate.state.RedisLimitScript.Mode;
import io.zerogate.state.RedisLimitScript.Reply;
import java.net.URI;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Supplier;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The state store of a cluster: every gateway process shares one Redis deployment (one server, a master
 * behind Sentinel, or a Redis Cluster), so a claim made or a limit charged on one node is seen by all. A claim
 * is one {@code SET key 1 NX PX ttl}; limits are metered by a Lua script ({@code redis-limits.lua}) that reads
 * Redis' {@code TIME} once and evaluates and applies all charges of a call in one atomic step.
 *
 * <p>In a Redis Cluster one script call can only touch keys of one hash slot. Charges are therefore grouped by
 * slot and each group is sent as its own call, all at once ({@link SlotGroups}); when one group refuses while
 * others allowed, the allowing groups are given back, and the verdict refuses. Between the charge and the refund, other callers see the refunded amount as used: a
 * refusal can err on the strict side, never on the lenient one. Callers avoid the extra round trips by putting
 * the limited entity in a hash tag ({@code {tenant-7}:rate}), so that one request's limits share a slot.
 *
 * <p>Every command has a time limit. While the connection is down (it reconnects in the background) commands
 * are refused at once instead of queued, and a Redis that stops answering fails each command when its time
 * limit passes: an operation never waits much longer than the timeout, and callers deny on failure.
 *
 * <p>Charges made on an event loop are batched per loop ({@link LoopCharges}) and answered on that loop. Outside a
 * Redis Cluster each loop that charges opens a connection of its own, whose channel lives on that loop
 * ({@link LoopConnection}), so its batches are written and answered without a thread hop; other commands take the
 * shared connection, and their futures complete on the Redis client's own I/O threads.
 */
public final class RedisStateStore implements StateStore {

    /** Prefix of every key this store writes, so the gateway can share a Redis with other users. */
    static final String KEY_PREFIX = "zerogate:";

    /** The longest lease id: it is stored in Redis for as long as the lease. */
    static final int MAX_LEASE_ID_LENGTH = 200;

    /** How long a loop whose own connection could not be opened keeps to the shared one before it tries again. */
    static final Duration RECONNECT_LOOP_AFTER = Duration.ofSeconds(30);
    private static final Duration CLOSE_WAIT = Duration.ofSeconds(2);
    private static final Logger logger = LoggerFactory.getLogger(RedisStateStore.class);

    private final RedisDeployment deployment;
    private final RedisLimitScript script;
    private final AtomicBoolean closed = new AtomicBoolean();
    private final Map<EventExecutor, LoopLink> links = new ConcurrentHashMap<>();
    /** Whose turn it is, per slot, to have a call in flight: the loops' batches take turns. */
    private final LoopCharges.Turns turns = new LoopCharges.Turns();
    private final SlotGroups slots;
    /** The time limit of every command, and of every charge from when it is made. */
    private final Duration timeout;

    private RedisStateStore(RedisDeployment deployment, Duration timeout) {
        this.deployment = deployment;
        this.timeout = timeout;
        this.script = new RedisLimitScript(deployment.commands());
        this.slots = new SlotGroups(deployment.clustered());
    }

    /**
     * Connects to one Redis server, blocking the calling thread until connected or until {@code timeout} has
     * passed.
     *
     * @param uri     {@code redis://[:password@]host[:port][/db]}, or {@code rediss://…} for TLS
     * @param timeout the limit on connecting and on every later command
     * @throws IllegalStateException when Redis cannot be reached
     */
    public static RedisStateStore connect(URI uri, Duration timeout) {
        Objects.requireNonNull(uri, "uri");
        Objects.requireNonNull(timeout, "timeout");
        if (timeout.isNegative() || timeout.isZero()) {
            throw new IllegalArgumentException("timeout: " + timeout + " (expected: > 0)");
        }
        return connect(new RedisConfig(RedisConfig.Mode.STANDALONE, List.of(uri), null, timeout));
    }

    /**
     * Connects to the configured deployment, blocking the calling thread until connected or until the timeout
     * has passed (for each server tried).
     *
     * @throws IllegalStateException when Redis cannot be reached
     */
    public static RedisStateStore connect(RedisConfig config) {
        return new RedisStateStore(RedisDeployment.connect(config), config.timeout());
    }

    @Override
    public CompletionStage<Boolean> claimOnce(String key, Duration ttl) {
        Objects.requireNonNull(key, "key");
        long ttlMillis = StateStores.ttlMillis(ttl);
        // The reply is OK when this call set the key, and null when NX found it already set.
        return send(() -> deployment.commands().set(KEY_PREFIX + key, "1", SetArgs.Builder.nx().px(ttlMillis)))
                .thenApply("OK"::equals);
    }

    @Override
    public CompletionStage<ChargeVerdict> charge(List<Charge> charges, String leaseId) {
        checkLeaseId(leaseId);
        return charge(charges, leaseId, (slot, selected) -> call(Mode.CHARGE, selected, leaseId, List.of()));
    }

    /**
     * As {@link #charge(List, String)}. Called on an event loop, the charges wait in that loop's batch
     * ({@link LoopCharges}) until the loop has finished its current work, and travel in one script call per slot
     * with those of every other request the loop handled meanwhile; the answer arrives on the loop.
     */
    @Override
    public CompletionStage<ChargeVerdict> charge(List<Charge> charges, String leaseId, Executor loop) {
        checkLeaseId(leaseId);
        Objects.requireNonNull(loop, "loop");
        if (!(loop instanceof EventExecutor executor)) {
            return charge(charges, leaseId).thenApplyAsync(verdict -> verdict, loop);
        }
        if (!executor.inEventLoop() || closed.get()) {
            return onLoop(charge(charges, leaseId).toCompletableFuture(), executor);
        }
        LoopLink link = links.get(executor);
        if (link == null) {
            link = links.computeIfAbsent(executor, LoopLink::new);
        }
        link.connectIfDue();
        LoopCharges batch = link.batch;
        int slot = slots.oneSlot(charges);
        if (slot >= 0) {
            // The batch answers on the loop, and the verdict is made there from the one reply.
            PendingVerdict verdict = new PendingVerdict();
            batch.add(slot, charges, leaseId, verdict);
            return verdict;
        }
        // A verdict made from several slots' replies (with refunds) may complete on the client's threads.
        LoopCharges waiting = batch;
        return onLoop(charge(charges, leaseId, (s, selected) -> {
            PendingReply reply = new PendingReply();
            waiting.add(s, selected, leaseId, reply);
            return reply;
        }), executor);
    }

    /**
     * What the store keeps for one event loop: the loop's batch of charges and, once it is open, the loop's own
     * connection ({@link LoopConnection}), which the batch's calls then travel on instead of the shared one. The
     * connection is opened when the loop first charges, off the loop; until it is open, and again for a while after
     * an attempt failed, calls take the shared connection. Touched on its loop, except {@link #connection}, which
     * {@link #close()} takes from any thread.
     */
    private final class LoopLink {
        final EventExecutor loop;
        final LoopCharges batch;
        final AtomicReference<@Nullable LoopConnection> connection = new AtomicReference<>();
        /** Only a loop that runs channels can carry a connection; and a Redis Cluster keeps its one connection. */
        final boolean connectable;
        boolean connecting;
        boolean failedBefore;
        long nextAttemptNanos;

        LoopLink(EventExecutor loop) {
            this.loop = loop;
            this.batch = new LoopCharges(loop, requests -> send(() -> script().run(Mode.CHARGE, requests)), timeout,
                    System::nanoTime, turns);
            this.connectable = loop instanceof IoEventLoop && deployment.server() != null;
            // The monotonic clock's origin is arbitrary: the first attempt is due now, whatever its value.
            this.nextAttemptNanos = System.nanoTime();
        }

        RedisLimitScript script() {
            LoopConnection own = connection.get();
            return own == null ? RedisStateStore.this.script : own.script();
        }

        void connectIfDue() {
            if (!connectable || connecting || connection.get() != null || System.nanoTime() - nextAttemptNanos < 0) {
                return;
            }
            connecting = true;
            EventLoop eventLoop = (EventLoop) loop;
            try {
                deployment.resources().eventExecutorGroup().execute(() -> deployment.connectOn(eventLoop)
                        .whenComplete((opened, failure) -> LoopCharges.runOn(loop, () -> opened(opened, failure))));
            } catch (RejectedExecutionException shuttingDown) {
                // The client is shutting down with the store: the loop stays on the shared connection.
            }
        }

        private void opened(@Nullable LoopConnection opened, @Nullable Throwable failure) {
            if (opened == null) {
                connecting = false;
                nextAttemptNanos = System.nanoTime() + RECONNECT_LOOP_AFTER.toNanos();
                String message = "Redis at {}: this event loop could not open a connection of its own ({}); its charges "
                        + "take the shared connection, and it tries again in {} s";
                Object cause = failure == null ? "no connection" : innermost(failure);
                if (failedBefore) {
                    logger.debug(message, deployment.endpoint(), cause, RECONNECT_LOOP_AFTER.toSeconds());
                } else {
                    logger.warn(message, deployment.endpoint(), cause, RECONNECT_LOOP_AFTER.toSeconds());
                }
                failedBefore = true;
                return;
            }
            connection.set(opened);
            if (closed.get()) {
                closeConnection();
            }
        }

        /** Closes the loop's own connection, if it has one; whoever takes it first closes it. */
        CompletableFuture<Void> closeConnection() {
            LoopConnection own = connection.getAndSet(null);
            return own == null ? CompletableFuture.completedFuture(null) : own.close(CLOSE_WAIT);
        }
    }

    /** What a failure was caused by in the end: the client wraps what the socket or the loop said. */
    private static Throwable innermost(Throwable failure) {
        Throwable cause = failure;
        for (int depth = 0; cause.getCause() != null && cause.getCause() != cause && depth < 8; depth++) {
            cause = cause.getCause();
        }
        return cause;
    }

    /** One request's verdict, made from its reply in a batch; itself the request's answer, so one object does. */
    private final class PendingVerdict extends CompletableFuture<ChargeVerdict> implements LoopCharges.Answer {
        @Override
        public void replied(Reply reply) {
            complete(new ChargeVerdict(reply.allowed(), reply.results()));
        }

        @Override
        public void failed(Throwable failure) {
            completeExceptionally(notMetered(RedisLimitScript.unwrap(failure)));
        }
    }

    /** One slot's reply to a request whose charges span several slots. */
    static final class PendingReply extends CompletableFuture<Reply> implements LoopCharges.Answer {
        @Override
        public void replied(Reply reply) {
            complete(reply);
        }

        @Override
        public void failed(Throwable failure) {
            completeExceptionally(failure);
        }
    }

    /** Sends the charges of one slot (one request's, or those of its slot) and answers what the script replied. */
    @FunctionalInterface
    private interface SlotCall {
        CompletableFuture<Reply> send(int slot, List<Charge> charges);
    }

    private CompletableFuture<ChargeVerdict> charge(List<Charge> charges, String leaseId, SlotCall slotCall) {
        Objects.requireNonNull(charges, "charges");
        int slot = slots.oneSlot(charges);
        if (slot >= 0) {
            return slotCall.send(slot, charges).handle((reply, failure) -> {
                if (failure != null) {
                    throw notMetered(RedisLimitScript.unwrap(failure));
                }
                return new ChargeVerdict(reply.allowed(), reply.results());
            });
        }
        List<SlotGroups.Group> groups = slots.groups(charges);
        List<CompletableFuture<Reply>> calls = groups.stream()
                .map(group -> slotCall.send(group.slot(), group.of(charges)))
                .toList();
        return CompletableFuture.allOf(calls.toArray(CompletableFuture[]::new))
                .handle((done, failure) -> SlotGroups.settle(charges, groups, calls,
                        (applied, marks) -> call(Mode.REFUND, applied, leaseId, marks), this::notMetered))
                .thenCompose(verdict -> verdict);
    }

    private RuntimeException notMetered(Throwable failure) {
        return new IllegalStateException("Redis at " + deployment.endpoint() + " did not meter the charges", failure);
    }

    /** An answer that completes on {@code loop}, for callers that may only touch their state there. */
    private static <T> CompletionStage<T> onLoop(CompletableFuture<T> answer, EventExecutor loop) {
        if (answer.isDone()) {
            return answer;
        }
        CompletableFuture<T> onLoop = new CompletableFuture<>();
        answer.whenComplete((value, failure) -> LoopCharges.runOn(loop, () -> {
            if (failure != null) {
                onLoop.completeExceptionally(failure);
            } else {
                onLoop.complete(value);
            }
        }));
        return onLoop;
    }

    @Override
    public CompletionStage<Void> release(List<Charge> charges, String leaseId) {
        checkLeaseId(leaseId);
        List<Charge> leases = Objects.requireNonNull(charges, "charges").stream()
                .filter(charge -> charge.meter() instanceof Meter.Concurrency)
                .toList();
        return CompletableFuture.allOf(slots.groups(leases).stream()
                .map(group -> call(Mode.RELEASE, group.of(leases), leaseId, List.of()))
                .toArray(CompletableFuture[]::new));
    }

    @Override
    public CompletionStage<List<ChargeResult>> peek(List<Charge> charges) {
        List<SlotGroups.Group> groups = slots.groups(charges);
        List<CompletableFuture<Reply>> calls = groups.stream()
                .map(group -> call(Mode.PEEK, group.of(charges), "", List.of()))
                .toList();
        return CompletableFuture.allOf(calls.toArray(CompletableFuture[]::new)).thenApply(done -> {
            ChargeResult[] results = new ChargeResult[charges.size()];
            for (int g = 0; g < groups.size(); g++) {
                List<Integer> group = groups.get(g).indexes();
                for (int n = 0; n < group.size(); n++) {
                    results[group.get(n)] = calls.get(g).join().results().get(n);
                }
            }
            return Arrays.asList(results);
        });
    }

    private CompletableFuture<Reply> call(Mode mode, List<Charge> selected, String leaseId, List<Long> marks) {
        return send(() -> script.run(mode, selected, leaseId, marks));
    }

    /** Sends a command unless the store is closed; a client that is shutting down throws instead of failing. */
    private <T> CompletableFuture<T> send(Supplier<? extends CompletionStage<T>> command) {
        if (closed.get()) {
            return CompletableFuture.failedFuture(new IllegalStateException("state store is closed"));
        }
        try {
            return command.get().toCompletableFuture();
        } catch (RuntimeException e) {
            return CompletableFuture.failedFuture(
                    new IllegalStateException("Redis at " + deployment.endpoint() + " did not accept the command", e));
        }
    }

    private static void checkLeaseId(String leaseId) {
        Objects.requireNonNull(leaseId, "leaseId");
        if (leaseId.isEmpty() || leaseId.length() > MAX_LEASE_ID_LENGTH) {
            throw new IllegalArgumentException("leaseId length: " + leaseId.length()
                    + " (expected: 1.." + MAX_LEASE_ID_LENGTH + ")");
        }
    }

    /**
     * Closes the loops' own connections, then the shared one. Call it while the event loops still run: a
     * connection whose loop has stopped is closed with it, and its client tries to reconnect until this is called.
     */
    @Override
    public void close() {
        if (closed.compareAndSet(false, true)) {
            CompletableFuture<?>[] closing = links.values().stream()
                    .map(LoopLink::closeConnection)
                    .toArray(CompletableFuture[]::new);
            try {
                CompletableFuture.allOf(closing).get(CLOSE_WAIT.toMillis(), TimeUnit.MILLISECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            } catch (ExecutionException | TimeoutException e) {
                logger.warn("Redis at {}: the event loops' connections did not close within {} ({})",
                        deployment.endpoint(), CLOSE_WAIT, e.toString());
            }
            deployment.close();
        }
    }

    @Override
    public String toString() {
        return "RedisStateStore[" + deployment.endpoint() + "]";
    }
}
