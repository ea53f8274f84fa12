package io.zerogate.audit;

import io.zerogate.audit.sink.FileAuditSink;
import java.io.IOException;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The audit writer's thread: takes records from the queue in batches, links them into the chain, seals the chain
 * with checkpoints, hands the lines to every sink (offering a refused batch again until the sink takes it),
 * makes them durable on schedule and rotates the file. Nothing here runs on an event loop.
 */
final class AuditWriter implements Runnable {

    private static final Logger log = LoggerFactory.getLogger(AuditWriter.class);
    private static final int BATCH = 1024;
    private static final long MIN_BACKOFF_MILLIS = 50;
    private static final long MAX_BACKOFF_MILLIS = 5_000;
    /**
     * How long the writer naps when it finds no record while records keep coming, and how many naps make a quiet
     * spell.
     */
    private static final long NAP_NANOS = 1_000_000;
    private static final int BUSY_NAPS = 50;
    /**
     * How long records gather after a partial batch before the writer takes the next (fewer, larger batches, and
     * fewer wake-ups of this thread), and the smallest queue that gathers: a queue of at least that many records
     * would only fill during the nap at millions of records a second. A smaller queue is drained as fast as it fills.
     */
    private static final long GATHER_NANOS = 10_000_000;
    private static final int GATHER_MIN_CAPACITY = 16 * BATCH;

    private final BlockingQueue<QueuedRecord> queue;
    private final AtomicInteger waiting;
    private final AuditChain chain;
    private final AuditKeys keys;
    private final @Nullable FileAuditSink file;
    private final List<AuditSink> sinks;
    private final List<AuditListener> listeners;
    private final AuditObserver observer;
    private final Clock clock;
    /** Whether records gather after a partial batch: only in a queue of at least {@link #GATHER_MIN_CAPACITY}. */
    private final boolean gathers;
    private final int checkpointEvery;
    private final long checkpointMillis;
    private final long syncMillis;
    private final RecordEncoder encoder = new RecordEncoder();
    private final boolean[] failing;
    /** Sinks that take lines but report trouble (a remote sink whose collector keeps failing while it spools). */
    private final boolean[] degraded;
    /** Sinks given up on at shutdown, after refusing lines past the deadline: the others are still written. */
    private final boolean[] abandoned;
    private volatile @Nullable Thread thread;
    /** The opening lines the sinks other than the file have yet to take. */
    private @Nullable List<byte[]> opening;

    private int unsealed;
    private long lastCheckpoint;
    private long lastSync;
    private volatile boolean stopping;
    private volatile long giveUpAt = Long.MAX_VALUE;
    private volatile @Nullable String problem;

    AuditWriter(BlockingQueue<QueuedRecord> queue, AtomicInteger waiting, AuditChain chain, AuditKeys keys,
                @Nullable FileAuditSink file, List<AuditSink> sinks, List<AuditListener> listeners,
                AuditObserver observer, Clock clock, int checkpointEvery, long checkpointMillis, long syncMillis) {
        this.queue = queue;
        this.waiting = waiting;
        this.chain = chain;
        this.keys = keys;
        this.file = file;
        this.sinks = List.copyOf(sinks);
        this.listeners = listeners;
        this.observer = observer;
        this.clock = clock;
        this.gathers = queue.size() + queue.remainingCapacity() >= GATHER_MIN_CAPACITY;
        this.checkpointEvery = checkpointEvery;
        this.checkpointMillis = checkpointMillis;
        this.syncMillis = syncMillis;
        this.failing = new boolean[sinks.size()];
        this.degraded = new boolean[sinks.size()];
        this.abandoned = new boolean[sinks.size()];
        this.lastCheckpoint = clock.millis();
        this.lastSync = lastCheckpoint;
    }

    /**
     * Writes the lines that open this run of the trail, a resume line and its checkpoint, to the file, which must
     * take them for the gateway to start. The other sinks take them first thing on the writer's thread, with the
     * usual retries: a collector that is down, or a spool that is full, does not keep the gateway from starting.
     */
    void open(@Nullable String previousFile, long discardedBytes) throws IOException {
        List<byte[]> lines = new ArrayList<>(2);
        lines.add(chain.link("resume", encoder.resume(clock.instant(), previousFile, discardedBytes)));
        lines.add(checkpointLine());
        FileAuditSink f = file;
        if (f != null) {
            f.write(lines);
            f.sync();
        }
        opening = lines;
        observer.checkpoint();
    }

    /** Asks the writer to finish: what is queued is still written, then the chain is sealed. */
    void stop(long deadlineMillis) {
        giveUpAt = deadlineMillis;
        stopping = true;
        // A writer backing off from a refusing sink looks at the deadline now, not when its pause ends.
        Thread writer = thread;
        if (writer != null) {
            LockSupport.unpark(writer);
        }
    }

    @Nullable String problem() {
        return problem;
    }

    @Override
    public void run() {
        thread = Thread.currentThread();
        List<QueuedRecord> batch = new ArrayList<>(BATCH);
        try {
            List<byte[]> opened = opening;
            if (opened != null) {
                opening = null;
                deliver(opened, file);
            }
            int quiet = 0;
            while (true) {
                QueuedRecord first = queue.poll();
                if (first == null && !stopping) {
                    // Under traffic the writer naps instead of waiting to be woken: a record handed over then costs
                    // an event loop no wake-up of this thread. After a quiet spell it waits to be woken again.
                    if (quiet < BUSY_NAPS) {
                        quiet++;
                        LockSupport.parkNanos(NAP_NANOS);
                        first = queue.poll();
                    } else {
                        first = queue.poll(waitMillis(), TimeUnit.MILLISECONDS);
                    }
                }
                if (first != null) {
                    quiet = 0;
                } else if (stopping && queue.isEmpty()) {
                    break;
                }
                batch.clear();
                if (first != null) {
                    batch.add(first);
                    queue.drainTo(batch, BATCH - 1);
                    waiting.addAndGet(-batch.size());
                }
                step(batch);
                if (gathers && !batch.isEmpty() && batch.size() < BATCH && !stopping) {
                    LockSupport.parkNanos(GATHER_NANOS);
                }
            }
            seal();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            log.error("audit writer interrupted; {} queued records are not written", queue.size());
        } catch (RuntimeException | Error e) {
            problem = "the audit writer stopped: " + e;
            log.error("audit writer stopped; records are no longer written", e);
        }
    }

    /** Writes one batch (or none: checkpoints, syncs and rotation are due on time as well). */
    private void step(List<QueuedRecord> batch) throws InterruptedException {
        FileAuditSink f = file;
        if (f != null && f.rotationDue()) {
            rotate(f);
        }
        List<byte[]> lines = new ArrayList<>(batch.size() + 2);
        List<byte[]> recordLines = new ArrayList<>(batch.size());
        for (QueuedRecord r : batch) {
            byte[] line = chain.link("record", r.members());
            lines.add(line);
            recordLines.add(line);
            if (++unsealed >= checkpointEvery) {
                lines.add(checkpointLine());
            }
        }
        long now = clock.millis();
        if (unsealed > 0 && now - lastCheckpoint >= checkpointMillis) {
            lines.add(checkpointLine());
        }
        if (!lines.isEmpty()) {
            deliver(lines);
        }
        if (!batch.isEmpty()) {
            observer.recorded(batch.size());
            notifyListeners(batch, recordLines);
        }
        if (now - lastSync >= syncMillis) {
            syncAll();
            lastSync = now;
        }
        watchProblems();
    }

    /** Reports a sink that still takes lines but says something is wrong, once when it starts and once when it ends. */
    private void watchProblems() {
        for (int i = 0; i < sinks.size(); i++) {
            if (failing[i]) {
                continue;
            }
            AuditSink sink = sinks.get(i);
            String trouble = sink.problem();
            if (trouble != null && !degraded[i]) {
                degraded[i] = true;
                observer.sinkFailed(sink.name(), trouble);
                log.warn("audit sink {} reports a problem: {}", sink.name(), trouble);
            } else if (trouble == null && degraded[i]) {
                degraded[i] = false;
                observer.sinkRecovered(sink.name());
                log.info("audit sink {} is healthy again", sink.name());
            }
        }
    }

    private void rotate(FileAuditSink f) throws InterruptedException {
        if (unsealed > 0) {
            deliver(List.of(checkpointLine()));
        }
        syncAll();
        try {
            f.startFile(chain.seq() + 1);
        } catch (IOException e) {
            problem = "cannot start a new audit file: " + e.getMessage();
            log.error("audit trail: cannot start a new file; records wait in the queue until one can be started", e);
        }
    }

    /** The checkpoint after the last linked line; counts as written once delivered. */
    private byte[] checkpointLine() {
        long seq = chain.seq() + 1;
        String prev = chain.head();
        String sig = keys.signCheckpoint(seq, prev);
        byte[] line = chain.link("checkpoint", encoder.checkpoint(clock.instant(), keys.keyId(), sig));
        unsealed = 0;
        lastCheckpoint = clock.millis();
        observer.checkpoint();
        return line;
    }

    /**
     * Hands lines to every sink, offering them again to a sink that refuses until it takes them. While stopping, a
     * sink that still refuses at the deadline is given up on: it gets nothing more, and the others get everything.
     */
    private void deliver(List<byte[]> lines) throws InterruptedException {
        deliver(lines, null);
    }

    /** As {@link #deliver(List)}, but not to {@code except}, which has the lines already. */
    private void deliver(List<byte[]> lines, @Nullable AuditSink except) throws InterruptedException {
        for (int i = 0; i < sinks.size(); i++) {
            if (abandoned[i] || sinks.get(i) == except) {
                continue;
            }
            AuditSink sink = sinks.get(i);
            long backoff = MIN_BACKOFF_MILLIS;
            while (true) {
                try {
                    sink.write(lines);
                    if (failing[i]) {
                        failing[i] = false;
                        observer.sinkRecovered(sink.name());
                        log.info("audit sink {} takes records again", sink.name());
                    }
                    break;
                } catch (IOException | RuntimeException e) {
                    if (!failing[i]) {
                        failing[i] = true;
                        String why = sink.name() + ": " + e.getMessage();
                        problem = "audit sink " + why;
                        observer.sinkFailed(sink.name(), String.valueOf(e.getMessage()));
                        log.error("audit sink {} refuses records ({}); they wait in the queue", sink.name(), e.toString());
                    }
                    long now = clock.millis();
                    if (stopping && now >= giveUpAt) {
                        abandoned[i] = true;
                        log.error("audit sink {} still refuses records at shutdown; it is given up on, and {} lines and "
                                + "{} queued records are not written to it", sink.name(), lines.size(), queue.size());
                        break;
                    }
                    long pause = stopping ? Math.max(1, Math.min(backoff, giveUpAt - now)) : backoff;
                    LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(pause));
                    if (Thread.interrupted()) {
                        throw new InterruptedException();
                    }
                    backoff = Math.min(MAX_BACKOFF_MILLIS, backoff * 2);
                }
            }
        }
        boolean anyFailing = false;
        for (boolean b : failing) {
            anyFailing |= b;
        }
        if (!anyFailing) {
            problem = null;
        }
    }

    private void syncAll() {
        for (AuditSink sink : sinks) {
            try {
                sink.sync();
            } catch (IOException | RuntimeException e) {
                log.error("audit sink {} cannot make records durable: {}", sink.name(), e.toString());
            }
        }
    }

    private void notifyListeners(List<QueuedRecord> batch, List<byte[]> lines) {
        for (AuditListener listener : listeners) {
            for (int i = 0; i < batch.size(); i++) {
                try {
                    listener.recorded(batch.get(i).record(), lines.get(i));
                } catch (RuntimeException e) {
                    log.warn("audit listener {} failed", listener, e);
                }
            }
        }
    }

    /** The final checkpoint, so that a cleanly stopped trail ends sealed. */
    private void seal() throws InterruptedException {
        if (unsealed > 0) {
            deliver(List.of(checkpointLine()));
        }
        syncAll();
    }

    private long waitMillis() {
        long now = clock.millis();
        long untilCheckpoint = unsealed > 0 ? lastCheckpoint + checkpointMillis - now : Long.MAX_VALUE;
        long untilSync = lastSync + syncMillis - now;
        return Math.max(1, Math.min(Math.min(untilCheckpoint, untilSync), stopping ? 10 : 1000));
    }
}
