package io.zerogate.audit;

import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.Map;
import org.jspecify.annotations.Nullable;

/**
 * Turns records and checkpoints into the JSON members of their audit lines (everything after
 * {@code seq}, {@code prev} and {@code type}). Not thread-safe: the writer owns one.
 */
final class RecordEncoder {

    private static final DateTimeFormatter SECONDS = DateTimeFormatter.ofPattern("yyyy-MM-dd'T'HH:mm:ss")
            .withZone(ZoneOffset.UTC);

    private final JsonMembers json = new JsonMembers();
    private final StringBuilder time = new StringBuilder(32);
    private long cachedSecond = Long.MIN_VALUE;
    private String cachedPrefix = "";

    byte[] record(AuditRecord r) {
        JsonMembers g = json.reset();
        g.plain("time", time(r.time()));
        g.string("request_id", r.requestId());
        g.string("trace_id", r.traceId());
        g.optional("span_id", r.spanId());
        g.optional("parent_span_id", r.parentSpanId());
        g.string("listener", r.listener());
        g.optional("route_id", r.routeId());
        g.string("method", r.method());
        g.string("host", r.host());
        g.optional("path_template", r.pathTemplate());
        g.string("path", r.path());
        g.string("client_address", r.clientAddress());
        g.optional("forwarded_for", r.forwardedFor());
        AuditRecord.SubjectFacts s = r.subject();
        if (s != null) {
            g.startObject("subject").string("id", s.id()).string("kind", s.kind()).optional("issuer", s.issuer())
                    .optional("client_id", s.clientId()).string("credential", s.credential()).string("binding", s.binding())
                    .endObject();
        }
        AuditRecord.DeviceFacts d = r.device();
        if (d != null) {
            g.startObject("device").string("id", d.id()).string("verdict", d.verdict()).endObject();
        }
        g.string("outcome", r.outcome().code());
        g.optional("reason", r.reason());
        g.optional("rule", r.rule());
        g.optional("detail", r.detail());
        if (!r.shadow().isEmpty()) {
            g.startArray("shadow");
            for (String hit : r.shadow()) {
                g.element(hit);
            }
            g.endArray();
        }
        AuditRecord.LimitState l = r.limit();
        if (l != null) {
            g.startObject("limit").string("key", l.key()).number("remaining", l.remaining()).bool("local", l.local())
                    .endObject();
        }
        g.optional("upstream", r.upstream());
        g.number("status", r.status());
        g.number("bytes_in", r.bytesIn());
        g.number("bytes_out", r.bytesOut());
        g.number("total_micros", r.totalMicros());
        g.number("chain_micros", r.chainMicros());
        g.number("upstream_micros", r.upstreamMicros());
        if (!r.headers().isEmpty()) {
            g.startObject("headers");
            for (Map.Entry<String, String> h : new java.util.TreeMap<>(r.headers()).entrySet()) {
                g.string(h.getKey(), h.getValue());
            }
            g.endObject();
        }
        return g.toBytes();
    }

    byte[] checkpoint(Instant at, String keyId, String signature) {
        return json.reset().plain("time", time(at)).string("key", keyId).string("sig", signature).toBytes();
    }

    byte[] resume(Instant at, @Nullable String previousFile, long discardedBytes) {
        JsonMembers g = json.reset().plain("time", time(at));
        if (previousFile == null) {
            g.nullValue("previous_file");
        } else {
            g.string("previous_file", previousFile);
        }
        return g.number("discarded_bytes", discardedBytes).toBytes();
    }

    /** ISO-8601 in UTC with microseconds ({@code 2026-11-24T10:00:00.123456Z}); the second's text is reused. */
    private CharSequence time(Instant t) {
        long second = t.getEpochSecond();
        if (second != cachedSecond) {
            cachedSecond = second;
            cachedPrefix = SECONDS.format(t);
        }
        int micros = t.getNano() / 1000;
        time.setLength(0);
        time.append(cachedPrefix).append('.');
        for (int div = 100_000; div > 0; div /= 10) {
            time.append((char) ('0' + (micros / div) % 10));
        }
        return time.append('Z');
    }
}
