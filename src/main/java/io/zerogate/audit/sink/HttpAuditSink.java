package io.zerogate.audit.sink;

import io.zerogate.audit.AuditSink;
import io.zerogate.config.AuditConfig;
import java.io.IOException;
import java.net.http.HttpClient;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.SplittableRandom;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Delivers audit lines to a remote collector (a SIEM, Loki, Elasticsearch {@code _bulk}) in batches over HTTP.
 * {@link #write} only appends to a spool on local disk, so a slow or absent collector delays delivery, never
 * recording; the thread {@code zerogate-audit-http} sends the spool in order, sending a refused batch again with
 * backoff until it is accepted. The spool survives a restart and is resumed where delivery stood.
 *
 * <p>Delivery is in order and at least once: a line is sent again only when the gateway stopped between the
 * collector's acceptance and the spool's record of it. When the spool holds {@code spool_max_size} undelivered
 * bytes, {@link #write} refuses batches and {@link #problem} says so.
 */
public final class HttpAuditSink implements AuditSink {

    private static final Logger LOG = LoggerFactory.getLogger(HttpAuditSink.class);
    /** The collector may fail this long before the sink reports a problem: a restart of it is no problem. */
    static final Duration FAILING_BOUND = Duration.ofSeconds(30);
    private static final long MIN_SEGMENT = 64 * 1024;
    private static final long MAX_SEGMENT = 64L << 20;

    private final String shown;
    private final Spool spool;
    private final HttpClient http;
    private final HttpDelivery delivery;
    private final HttpSender sender;
    private final Duration lastAttempt;
    private final Duration failingBound;
    private volatile @Nullable String writeProblem;
    private boolean closed;

    /**
     * Opens (or resumes) the spool and starts the sending thread.
     *
     * @throws IOException              when the spool directory cannot be used (or another sink holds it)
     * @throws IllegalArgumentException when a configured header cannot be sent (named, its value never shown)
     */
    public HttpAuditSink(AuditConfig.HttpSink config, Clock clock) throws IOException {
        this(config, clock, HttpDestination.client(config.timeout()),
                new HttpBackoff(HttpBackoff.FIRST, HttpBackoff.LONGEST, new SplittableRandom()),
                Math.clamp(config.spoolMaxBytes() / 8, MIN_SEGMENT, MAX_SEGMENT), FAILING_BOUND);
    }

    /** The sink takes ownership of {@code http} and closes it. */
    HttpAuditSink(AuditConfig.HttpSink config, Clock clock, HttpClient http, HttpBackoff backoff, long segmentBytes,
                  Duration failingBound) throws IOException {
        Objects.requireNonNull(clock, "clock");
        this.http = http;
        this.lastAttempt = config.timeout();
        this.failingBound = failingBound;
        Spool opened = null;
        try {
            HttpBatchFormat format = new HttpBatchFormat(config.format(), config.index());
            HttpDestination collector = new HttpDestination(config.url(), config.headers(), http);
            this.shown = collector.shown() + ", " + format + ", spool " + config.spoolDirectory();
            opened = Spool.open(config.spoolDirectory(), config.spoolMaxBytes(), segmentBytes);
            this.delivery = new HttpDelivery(opened, collector, format, backoff, config.batchSize(),
                    config.flushInterval(), config.timeout(), clock);
        } catch (IOException | RuntimeException e) {
            http.shutdownNow();
            if (opened != null) {
                opened.close();
            }
            throw e;
        }
        this.spool = opened;
        if (spool.lag() > 0) {
            LOG.info("audit sink {}: {} spooled lines wait for delivery from an earlier run", shown, spool.lag());
        }
        this.sender = new HttpSender("zerogate-audit-http", delivery);
    }

    @Override
    public String name() {
        return "http";
    }

    /**
     * Appends the batch to the spool, entirely or not at all; the sending thread takes it from there.
     *
     * @throws IOException when the spool is full or the disk refuses the batch; the sink then reports a problem
     *                     until a batch is taken again
     */
    @Override
    public void write(List<byte[]> lines) throws IOException {
        if (lines.isEmpty()) {
            return;
        }
        try {
            spool.append(lines);
        } catch (Spool.SpoolFullException e) {
            refused(e.getMessage());
            throw e;
        } catch (IOException e) {
            String problem = "audit spool " + spool.directory() + " cannot be written: " + e.getMessage();
            refused(problem);
            throw new IOException(problem, e);
        }
        if (writeProblem != null) {
            LOG.info("audit sink {}: the spool takes lines again", shown);
            writeProblem = null;
        }
    }

    private void refused(String problem) {
        if (writeProblem == null) {
            LOG.warn("audit sink {}: {}", shown, problem);
        }
        writeProblem = problem;
    }

    @Override
    public void sync() throws IOException {
        spool.sync();
    }

    @Override
    public @Nullable String problem() {
        String problem = writeProblem;
        return problem != null ? problem : delivery.problem(failingBound);
    }

    @Override
    public long lag() {
        return spool.lag();
    }

    /** Bytes of a line torn by a crash that were cut off the spool when it was opened (each cut is logged). */
    public long discardedBytes() {
        return spool.discardedBytes();
    }

    /**
     * Batches that Elasticsearch accepted while refusing some of their documents ({@code "errors": true}); those
     * documents are not sent again, as sending the batch again would duplicate the others.
     */
    public long batchesWithDocumentErrors() {
        return delivery.batchesWithDocumentErrors();
    }

    /**
     * Stops the sending thread after one last attempt to deliver the spool, bounded by the configured timeout;
     * what it does not deliver stays spooled for the next start.
     */
    @Override
    public void close() throws IOException {
        if (closed) {
            return;
        }
        closed = true;
        delivery.stop(System.nanoTime() + lastAttempt.toNanos());
        try {
            sender.stop(lastAttempt.plusSeconds(1));
        } finally {
            http.shutdownNow();
            long left = spool.lag();
            spool.close();
            if (left > 0) {
                LOG.info("audit sink {} closed with {} lines spooled; they are delivered after the next start", shown, left);
            }
        }
    }

    @Override
    public String toString() {
        return "HttpAuditSink[" + shown + "]";
    }
}
