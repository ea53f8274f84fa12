package io.zerogate.config;

import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import org.jspecify.annotations.Nullable;

/**
 * The {@code audit} section: where audit records go, how the chain is sealed, and what happens when recording
 * cannot keep up. Absent section: auditing is off (and the gateway says so at start).
 *
 * @param file               the rotating JSON-lines file sink, or null when not configured
 * @param stdout             also write every line to standard output
 * @param http               the HTTP batch sink, or null
 * @param signingKey         the Ed25519 private key (PKCS#8 PEM) that signs checkpoints; created with mode 0600
 *                           when it does not exist yet
 * @param checkpointEvery    a checkpoint after this many records …
 * @param checkpointInterval … or after this long with unsealed records, whichever comes first
 * @param queueCapacity      records waiting for the writer, at most
 * @param onOverflow         what happens when the queue is full
 * @param headers            request headers copied into records (lower-case names); never credentials
 */
public record AuditConfig(
        @Nullable FileSink file,
        boolean stdout,
        @Nullable HttpSink http,
        Path signingKey,
        int checkpointEvery,
        Duration checkpointInterval,
        int queueCapacity,
        Overflow onOverflow,
        List<String> headers,
        Incidents incidents) {

    /** What the gateway does when records arrive faster than they can be written. */
    public enum Overflow {
        /** New requests are answered 503 until the queue has room: nothing is served unaudited. */
        BLOCK_NEW_REQUESTS,
        /** Records that do not fit are dropped, counted and raised as an incident. */
        DROP_AND_COUNT
    }

    public AuditConfig {
        Objects.requireNonNull(signingKey, "signingKey");
        Objects.requireNonNull(checkpointInterval, "checkpointInterval");
        Objects.requireNonNull(onOverflow, "onOverflow");
        Objects.requireNonNull(incidents, "incidents");
        headers = List.copyOf(headers);
    }

    /**
     * The rotating file sink.
     *
     * @param directory     where {@code audit-<first seq>-<time>.jsonl} files are written
     * @param rotateBytes   a new file once the current one is this large
     * @param rotateInterval a new file once the current one is this old
     * @param fsyncInterval written lines are made durable at least this often
     */
    public record FileSink(Path directory, long rotateBytes, Duration rotateInterval, Duration fsyncInterval) {}

    /**
     * The HTTP batch sink: POSTs batches of lines to a collector, spooling to local disk while it is slow or down.
     *
     * @param format         how a batch is encoded
     * @param index          the Elasticsearch index for {@code elasticsearch_bulk}, else null
     * @param headers        extra request headers (an {@code Authorization} value, say); values are secrets
     * @param spoolDirectory where undelivered lines wait, in order
     * @param spoolMaxBytes  the spool's bound; beyond it the sink reports a problem and the writer's overflow
     *                       policy applies
     */
    public record HttpSink(URI url, Format format, @Nullable String index, int batchSize, Duration flushInterval,
                           Duration timeout, Map<String, Secret> headers, Path spoolDirectory, long spoolMaxBytes) {

        /** How a batch of lines is sent. */
        public enum Format {
            /** {@code application/json}: a JSON array of records. */
            JSON_ARRAY,
            /** {@code application/x-ndjson}: one record per line (Loki, Vector, Fluent Bit …). */
            NDJSON,
            /** {@code application/x-ndjson}: Elasticsearch {@code _bulk} action and document pairs. */
            ELASTICSEARCH_BULK
        }

        public HttpSink {
            headers = Map.copyOf(headers);
        }
    }

    /**
     * Incident aggregation over refusals.
     *
     * @param window  refusals with the same (reason, caller, route) within this window form one incident
     * @param maxOpen open incidents kept at most; beyond it the oldest are closed early
     * @param webhook where alerts are posted, or null for none
     */
    public record Incidents(Duration window, int maxOpen, @Nullable Webhook webhook) {}

    /**
     * An alert sent as a JSON POST when an incident's count reaches {@code threshold} within its window.
     *
     * @param headers extra request headers; values are secrets
     */
    public record Webhook(URI url, int threshold, Map<String, Secret> headers, Duration timeout) {

        public Webhook {
            headers = Map.copyOf(headers);
        }
    }
}
