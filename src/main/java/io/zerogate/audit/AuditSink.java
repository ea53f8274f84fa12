package io.zerogate.audit;

import java.io.IOException;
import java.util.List;
import org.jspecify.annotations.Nullable;

/**
 * Where linked audit lines go: a rotating file, standard output, a remote collector. Called only by the audit
 * writer's thread, lines in chain order, each without its newline. A sink must never hold the writer up for
 * long: one that talks to a remote peer keeps its own spool on local disk and sends from its own thread, so
 * that a slow or absent collector delays delivery, never recording.
 */
public interface AuditSink extends AutoCloseable {

    /** A short name for logs, metrics and the admin API ({@code file}, {@code stdout}, {@code http}). */
    String name();

    /**
     * Takes a batch of lines. A sink that throws has not taken the batch: the writer offers the same lines again
     * later, so a sink must take a batch entirely or not at all.
     */
    void write(List<byte[]> lines) throws IOException;

    /** Makes everything written so far durable (fsync for a file, the spool for a remote sink). */
    void sync() throws IOException;

    /** What is wrong with the sink now (for readiness and the admin API), or null when it is healthy. */
    @Nullable String problem();

    /**
     * Lines taken but not yet delivered to their final destination (a remote sink's spool); 0 for sinks that
     * deliver as they write.
     */
    default long lag() {
        return 0;
    }

    /** Flushes and releases the sink; a remote sink makes a bounded last attempt to deliver its spool. */
    @Override
    void close() throws IOException;
}
