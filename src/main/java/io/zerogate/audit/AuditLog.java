package io.zerogate.audit;

import io.zerogate.audit.sink.FileAuditSink;
import io.zerogate.audit.sink.StdoutAuditSink;
import io.zerogate.config.AuditConfig;
import java.io.FileOutputStream;
import java.io.FileDescriptor;
import java.io.IOException;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The audit trail of a running gateway. Event loops hand it one {@link AuditRecord} per exchange through
 * {@link #record}, which never blocks: the record is encoded there, on the thread that built it (whose caches
 * still hold its strings), and waits in a bounded queue for the writer thread, which only links, seals and writes.
 * When the queue is nearly full, {@link #accepting()} turns false under {@code on_overflow: block_new_requests} so
 * that the gateway refuses new requests instead of serving them unaudited; the remaining room is kept for the
 * requests already in flight. Under {@code drop_and_count}, records that do not fit are counted and lost.
 */
public final class AuditLog implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(AuditLog.class);
    /** One encoder per thread that records: encoders reuse their buffers and are not thread-safe. */
    private static final ThreadLocal<RecordEncoder> ENCODERS = ThreadLocal.withInitial(RecordEncoder::new);

    private final ArrayBlockingQueue<QueuedRecord> queue;
    /** Records queued and not yet taken by the writer, readable without the queue's lock (admission reads it per request). */
    private final AtomicInteger waiting;
    private final int capacity;
    private final int reserve;
    private final boolean blockWhenFull;
    private final AuditObserver observer;
    private final AuditKeys keys;
    private final List<AuditSink> sinks;
    private final List<AuditListener> listeners;
    private final AuditWriter writer;
    private final Thread thread;
    private final Clock clock;
    private final @Nullable FileAuditSink file;
    private volatile boolean closed;
    private volatile @Nullable String lastEncodingFailure;

    private AuditLog(AuditConfig config, AuditKeys keys, @Nullable FileAuditSink file, List<AuditSink> sinks,
                     ArrayBlockingQueue<QueuedRecord> queue, AtomicInteger waiting, List<AuditListener> listeners,
                     AuditWriter writer,
                     AuditObserver observer, Clock clock) {
        this.queue = queue;
        this.waiting = waiting;
        this.capacity = config.queueCapacity();
        this.reserve = Math.max(8, config.queueCapacity() / 8);
        this.blockWhenFull = config.onOverflow() == AuditConfig.Overflow.BLOCK_NEW_REQUESTS;
        this.observer = observer;
        this.keys = keys;
        this.file = file;
        this.sinks = sinks;
        this.listeners = listeners;
        this.clock = clock;
        this.writer = writer;
        this.thread = new Thread(writer, "zerogate-audit-writer");
    }

    /**
     * Opens the trail: loads or creates the signing key, finds where the file trail stopped, writes the resume
     * line and its checkpoint, and starts the writer thread.
     *
     * @param remote sinks built elsewhere (an HTTP collector), in addition to those the configuration names here
     */
    public static AuditLog start(AuditConfig config, List<AuditSink> remote, AuditObserver observer, Clock clock)
            throws IOException {
        AuditKeys keys = AuditKeys.loadOrCreate(config.signingKey());
        List<AuditSink> sinks = new ArrayList<>();
        FileAuditSink file = null;
        FileAuditSink.Continuation from = new FileAuditSink.Continuation(null, 0, AuditChain.GENESIS, 0);
        if (config.file() != null) {
            file = FileAuditSink.open(config.file(), clock);
            from = file.continuation();
            try {
                file.startFile(from.lastSeq() + 1);
            } catch (IOException | RuntimeException e) {
                try {
                    file.close();
                } catch (IOException | RuntimeException suppressed) {
                    e.addSuppressed(suppressed);
                }
                throw e;
            }
            sinks.add(file);
        }
        if (config.stdout()) {
            sinks.add(new StdoutAuditSink(new FileOutputStream(FileDescriptor.out)));
        }
        sinks.addAll(remote);
        ArrayBlockingQueue<QueuedRecord> queue = new ArrayBlockingQueue<>(config.queueCapacity());
        AtomicInteger waiting = new AtomicInteger();
        List<AuditListener> listeners = new CopyOnWriteArrayList<>();
        long syncMillis = config.file() == null ? 1000 : config.file().fsyncInterval().toMillis();
        AuditWriter writer = new AuditWriter(queue, waiting, new AuditChain(from.lastSeq(), from.lastHash()), keys, file, sinks,
                listeners, observer, clock, config.checkpointEvery(), config.checkpointInterval().toMillis(), syncMillis);
        try {
            writer.open(from.previousFile(), from.discardedBytes());
        } catch (IOException | RuntimeException e) {
            for (AuditSink sink : sinks) {
                try {
                    sink.close();
                } catch (IOException | RuntimeException suppressed) {
                    e.addSuppressed(suppressed);
                }
            }
            throw e;
        }
        if (from.discardedBytes() > 0) {
            log.warn("audit trail: {} ended with {} bytes of a line torn by a crash; the chain continues after its last complete line",
                    from.previousFile(), from.discardedBytes());
        }
        AuditLog audit = new AuditLog(config, keys, file, List.copyOf(sinks), queue, waiting, listeners, writer,
                observer, clock);
        // A daemon: a gateway that failed to start must not linger for its writer; shutdown closes the log.
        audit.thread.setDaemon(true);
        audit.thread.start();
        return audit;
    }

    /**
     * Queues the record of one exchange; never blocks. A record that does not fit is counted as dropped, and so is
     * one that cannot be encoded (logged once per distinct failure): the exchange it describes has already happened.
     */
    public void record(AuditRecord record) {
        if (closed || waiting.get() >= capacity) {
            observer.dropped(false);
            return;
        }
        byte[] members;
        try {
            members = ENCODERS.get().record(record);
        } catch (RuntimeException e) {
            observer.dropped(false);
            String failure = e.toString();
            if (!failure.equals(lastEncodingFailure)) {
                lastEncodingFailure = failure;
                log.error("audit: a record of request {} could not be encoded and is lost", record.requestId(), e);
            }
            return;
        }
        if (!queue.offer(new QueuedRecord(record, members))) {
            observer.dropped(false);
        } else {
            waiting.incrementAndGet();
        }
    }

    /**
     * Whether a new request may be admitted: false under {@code block_new_requests} once the queue has only the
     * room kept for requests in flight. The refusal this causes is counted, since it cannot be recorded itself.
     */
    public boolean accepting() {
        return !blockWhenFull || (!closed && capacity - waiting.get() > reserve);
    }

    /** Counts a request refused because the trail could not take its record. */
    public void refusedUnrecorded() {
        observer.dropped(true);
    }

    /** Adds a listener told about every record from now on (incidents, the live tail). */
    public void addListener(AuditListener listener) {
        listeners.add(listener);
    }

    public AuditKeys keys() {
        return keys;
    }

    /** Records waiting for the writer. */
    public int queueDepth() {
        return queue.size();
    }

    /** The sinks in the order they are written. */
    public List<AuditSink> sinks() {
        return List.copyOf(sinks);
    }

    /** The file being written, or null without a file sink. */
    public java.nio.file.@Nullable Path currentFile() {
        FileAuditSink f = file;
        return f == null ? null : f.currentFile();
    }

    /** What keeps the trail from being written now (for readiness), or null when it is healthy. */
    public @Nullable String problem() {
        if (!thread.isAlive() && !closed) {
            return "the audit writer is not running";
        }
        return writer.problem();
    }

    /**
     * Writes everything queued, seals the chain with a final checkpoint and closes the sinks, waiting at most
     * {@code timeoutMillis} for a sink that refuses records.
     */
    public void close(long timeoutMillis) {
        if (closed) {
            return;
        }
        closed = true;
        writer.stop(clock.millis() + timeoutMillis);
        try {
            thread.join(timeoutMillis + 1000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        if (thread.isAlive()) {
            log.error("audit writer did not finish within {} ms; {} records are not written", timeoutMillis, queue.size());
        } else if (!queue.isEmpty()) {
            // The writer had stopped (its problem was reported); what it left, and what came in meanwhile, is lost.
            int lost = queue.size();
            for (int i = 0; i < lost; i++) {
                observer.dropped(false);
            }
            log.error("audit writer had stopped; {} queued records are not written", lost);
        }
        for (AuditSink sink : sinks) {
            try {
                sink.close();
            } catch (IOException | RuntimeException e) {
                log.error("closing audit sink {} failed: {}", sink.name(), e.toString());
            }
        }
    }

    @Override
    public void close() {
        close(TimeUnit.SECONDS.toMillis(10));
    }
}
