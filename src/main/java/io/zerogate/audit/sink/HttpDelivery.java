package io.zerogate.audit.sink;

import java.io.IOException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.atomic.AtomicLong;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The HTTP sink's sending thread: takes batches from the spool in order and POSTs each until the collector accepts
 * it, backing off between attempts; the spool moves past a batch only once it was accepted. A refused batch is sent
 * again, unchanged, before anything after it, so the collector sees lines in order and, short of a crash between
 * its answer and the spool's move, each once.
 */
final class HttpDelivery implements Runnable {

    private static final Logger LOG = LoggerFactory.getLogger(HttpDelivery.class);

    private final Spool spool;
    private final HttpDestination collector;
    private final HttpBatchFormat format;
    private final HttpBackoff backoff;
    private final int batchSize;
    private final long flushNanos;
    private final Duration timeout;
    private final Clock clock;
    private final AtomicLong batchesWithDocumentErrors = new AtomicLong();

    private volatile boolean stopping;
    private volatile long stopDeadline;
    private volatile @Nullable Instant failingSince;
    private volatile @Nullable String failure;
    private int failures;

    HttpDelivery(Spool spool, HttpDestination collector, HttpBatchFormat format, HttpBackoff backoff, int batchSize,
                 Duration flushInterval, Duration timeout, Clock clock) {
        if (batchSize < 1) {
            throw new IllegalArgumentException("batch size: " + batchSize + " (expected: >= 1)");
        }
        if (flushInterval.isNegative() || flushInterval.isZero()) {
            throw new IllegalArgumentException("flush interval: " + flushInterval + " (expected: > 0)");
        }
        if (timeout.isNegative() || timeout.isZero()) {
            throw new IllegalArgumentException("timeout: " + timeout + " (expected: > 0)");
        }
        this.spool = spool;
        this.collector = collector;
        this.format = format;
        this.backoff = backoff;
        this.batchSize = batchSize;
        this.flushNanos = flushInterval.toNanos();
        this.timeout = timeout;
        this.clock = clock;
    }

    @Override
    public void run() {
        try {
            while (!stopping) {
                // Returns at once while a full batch waits, so a backlog goes out back to back.
                spool.awaitLines(batchSize, flushNanos);
                sendOne();
            }
            // The last attempt: whatever the collector takes before the deadline, the rest stays spooled.
            while (sendOne()) {
                // Until the spool is empty, the collector refuses, or the deadline passes.
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (RuntimeException e) {
            // Lines keep being spooled; the problem is reported once the failing bound has passed.
            LOG.error("audit delivery to {} stopped; lines stay in the spool until the next start", collector.shown(), e);
            failed("the sending thread stopped: " + e);
        }
    }

    /** Sends the next batch until accepted; false when nothing waits or when stopping ended the attempts. */
    private boolean sendOne() throws InterruptedException {
        Spool.Batch batch;
        try {
            batch = spool.read(batchSize);
        } catch (IOException e) {
            failed("the spool cannot be read: " + e.getMessage());
            return !stopping && pause();
        }
        if (batch == null) {
            return false;
        }
        byte[] body = format.encode(batch.lines());
        while (true) {
            Duration attempt = stopping ? remaining() : timeout;
            if (attempt.isZero()) {
                return false;
            }
            HttpDestination.Reply reply = collector.post(format.contentType(), body, attempt);
            if (reply.accepted()) {
                if (format.reportsDocumentErrors(reply.bodyHead())) {
                    batchesWithDocumentErrors.incrementAndGet();
                    LOG.warn("audit collector {} took a batch of {} lines but refused some of its documents"
                            + " (errors: true); they are not sent again", collector.shown(), batch.lines().size());
                }
                return recorded(batch);
            }
            failed(reply.failure());
            if (stopping || !pause()) {
                return false;
            }
        }
    }

    /** Moves the spool past an accepted batch, trying again while the disk refuses; never sends it twice. */
    private boolean recorded(Spool.Batch batch) throws InterruptedException {
        while (true) {
            try {
                spool.advance(batch);
                succeeded();
                return true;
            } catch (IOException e) {
                failed("delivery progress cannot be recorded in the spool: " + e.getMessage());
                if (stopping || !pause()) {
                    return false;
                }
            }
        }
    }

    private void failed(@Nullable String why) {
        failures++;
        failure = why;
        if (failingSince == null) {
            failingSince = clock.instant();
            LOG.warn("audit collector {}: {}; sending again with backoff while {} lines wait in the spool",
                    collector.shown(), why, spool.lag());
        } else {
            LOG.debug("audit collector {}: {} (attempt {})", collector.shown(), why, failures);
        }
    }

    private void succeeded() {
        if (failingSince != null) {
            LOG.info("audit collector {} takes batches again after {} failed attempts; {} lines wait in the spool",
                    collector.shown(), failures, spool.lag());
            failingSince = null;
            failure = null;
        }
        failures = 0;
    }

    /** Waits out the backoff; false when stopping cut it short. */
    private boolean pause() throws InterruptedException {
        long until = System.nanoTime() + backoff.pause(failures);
        for (long left = until - System.nanoTime(); left > 0 && !stopping; left = until - System.nanoTime()) {
            spool.awaitLines(Integer.MAX_VALUE, left);
        }
        return !stopping;
    }

    private Duration remaining() {
        return Duration.ofNanos(Math.max(0, stopDeadline - System.nanoTime()));
    }

    /** Ends regular sending: one last series of attempts runs until {@code deadlineNanos} ({@link System#nanoTime}). */
    void stop(long deadlineNanos) {
        stopDeadline = deadlineNanos;
        stopping = true;
        spool.wake();
    }

    /** What is wrong when the collector has been failing for longer than {@code bound}, else null. */
    @Nullable String problem(Duration bound) {
        Instant since = failingSince;
        String why = failure;
        if (since == null || !clock.instant().isAfter(since.plus(bound))) {
            return null;
        }
        return "audit collector " + collector.shown() + " failing since " + since + " (" + why + "); "
                + spool.lag() + " lines wait in the spool";
    }

    long batchesWithDocumentErrors() {
        return batchesWithDocumentErrors.get();
    }
}
