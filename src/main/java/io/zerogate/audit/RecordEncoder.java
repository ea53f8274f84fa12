package io.zerogate.audit;

import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.Map;
import org.jspecify.annotations.Nullable;

/**
 * Turns records and checkpoints into the JSON members of their audit lines (everything after
 * {@code seq}, {@code prev} and {@code type}). Not thread-safe: every thread that records has its own, and the
 * writer one for its checkpoints.
 */
final class RecordEncoder {

    private static final DateTimeFormatter SECONDS = DateTimeFormatter.ofPattern("yyyy-MM-dd'T'HH:mm:ss")
            .withZone(ZoneOffset.UTC);

    private static final byte[] K_TIME = JsonMembers.key("time");
    private static final byte[] K_REQUEST_ID = JsonMembers.key("request_id");
    private static final byte[] K_TRACE_ID = JsonMembers.key("trace_id");
    private static final byte[] K_SPAN_ID = JsonMembers.key("span_id");
    private static final byte[] K_PARENT_SPAN_ID = JsonMembers.key("parent_span_id");
    private static final byte[] K_LISTENER = JsonMembers.key("listener");
    private static final byte[] K_ROUTE_ID = JsonMembers.key("route_id");
    private static final byte[] K_METHOD = JsonMembers.key("method");
    private static final byte[] K_HOST = JsonMembers.key("host");
    private static final byte[] K_PATH_TEMPLATE = JsonMembers.key("path_template");
    private static final byte[] K_PATH = JsonMembers.key("path");
    private static final byte[] K_CLIENT_ADDRESS = JsonMembers.key("client_address");
    private static final byte[] K_FORWARDED_FOR = JsonMembers.key("forwarded_for");
    private static final byte[] K_ID = JsonMembers.key("id");
    private static final byte[] K_KIND = JsonMembers.key("kind");
    private static final byte[] K_ISSUER = JsonMembers.key("issuer");
    private static final byte[] K_CLIENT_ID = JsonMembers.key("client_id");
    private static final byte[] K_CREDENTIAL = JsonMembers.key("credential");
    private static final byte[] K_BINDING = JsonMembers.key("binding");
    private static final byte[] K_VERDICT = JsonMembers.key("verdict");
    private static final byte[] K_OUTCOME = JsonMembers.key("outcome");
    private static final byte[] K_REASON = JsonMembers.key("reason");
    private static final byte[] K_RULE = JsonMembers.key("rule");
    private static final byte[] K_DETAIL = JsonMembers.key("detail");
    private static final byte[] K_KEY = JsonMembers.key("key");
    private static final byte[] K_REMAINING = JsonMembers.key("remaining");
    private static final byte[] K_LOCAL = JsonMembers.key("local");
    private static final byte[] K_UPSTREAM = JsonMembers.key("upstream");
    private static final byte[] K_STATUS = JsonMembers.key("status");
    private static final byte[] K_BYTES_IN = JsonMembers.key("bytes_in");
    private static final byte[] K_BYTES_OUT = JsonMembers.key("bytes_out");
    private static final byte[] K_TOTAL_MICROS = JsonMembers.key("total_micros");
    private static final byte[] K_CHAIN_MICROS = JsonMembers.key("chain_micros");
    private static final byte[] K_UPSTREAM_MICROS = JsonMembers.key("upstream_micros");
    private static final byte[] K_SIG = JsonMembers.key("sig");
    private static final byte[] K_PREVIOUS_FILE = JsonMembers.key("previous_file");
    private static final byte[] K_DISCARDED_BYTES = JsonMembers.key("discarded_bytes");
    private static final byte[] K_SUBJECT = JsonMembers.key("subject");
    private static final byte[] K_DEVICE = JsonMembers.key("device");
    private static final byte[] K_SHADOW = JsonMembers.key("shadow");
    private static final byte[] K_LIMIT = JsonMembers.key("limit");
    private static final byte[] K_HEADERS = JsonMembers.key("headers");

    private final JsonMembers json = new JsonMembers();
    // The fields whose values are the configuration's own strings (or the method's constant), record after record.
    private final JsonMembers.Remembered listener = new JsonMembers.Remembered();
    private final JsonMembers.Remembered routeId = new JsonMembers.Remembered();
    private final JsonMembers.Remembered method = new JsonMembers.Remembered();
    private final JsonMembers.Remembered pathTemplate = new JsonMembers.Remembered();
    private final JsonMembers.Remembered upstream = new JsonMembers.Remembered();
    private final StringBuilder time = new StringBuilder(32);
    private long cachedSecond = Long.MIN_VALUE;
    private String cachedPrefix = "";

    byte[] record(AuditRecord r) {
        JsonMembers g = json.reset();
        g.plain(K_TIME, time(r.time()));
        g.string(K_REQUEST_ID, r.requestId());
        g.string(K_TRACE_ID, r.traceId());
        g.optional(K_SPAN_ID, r.spanId());
        g.optional(K_PARENT_SPAN_ID, r.parentSpanId());
        g.string(K_LISTENER, r.listener(), listener);
        g.optional(K_ROUTE_ID, r.routeId(), routeId);
        g.string(K_METHOD, r.method(), method);
        g.string(K_HOST, r.host());
        g.optional(K_PATH_TEMPLATE, r.pathTemplate(), pathTemplate);
        g.string(K_PATH, r.path());
        g.string(K_CLIENT_ADDRESS, r.clientAddress());
        g.optional(K_FORWARDED_FOR, r.forwardedFor());
        AuditRecord.SubjectFacts s = r.subject();
        if (s != null) {
            g.startObject(K_SUBJECT).string(K_ID, s.id()).string(K_KIND, s.kind()).optional(K_ISSUER, s.issuer())
                    .optional(K_CLIENT_ID, s.clientId()).string(K_CREDENTIAL, s.credential()).string(K_BINDING, s.binding())
                    .endObject();
        }
        AuditRecord.DeviceFacts d = r.device();
        if (d != null) {
            g.startObject(K_DEVICE).string(K_ID, d.id()).string(K_VERDICT, d.verdict()).endObject();
        }
        g.string(K_OUTCOME, r.outcome().code());
        g.optional(K_REASON, r.reason());
        g.optional(K_RULE, r.rule());
        g.optional(K_DETAIL, r.detail());
        if (!r.shadow().isEmpty()) {
            g.startArray(K_SHADOW);
            for (String hit : r.shadow()) {
                g.element(hit);
            }
            g.endArray();
        }
        AuditRecord.LimitState l = r.limit();
        if (l != null) {
            g.startObject(K_LIMIT).string(K_KEY, l.key()).number(K_REMAINING, l.remaining()).bool(K_LOCAL, l.local())
                    .endObject();
        }
        g.optional(K_UPSTREAM, r.upstream(), upstream);
        g.number(K_STATUS, r.status());
        g.number(K_BYTES_IN, r.bytesIn());
        g.number(K_BYTES_OUT, r.bytesOut());
        g.number(K_TOTAL_MICROS, r.totalMicros());
        g.number(K_CHAIN_MICROS, r.chainMicros());
        g.number(K_UPSTREAM_MICROS, r.upstreamMicros());
        if (!r.headers().isEmpty()) {
            g.startObject(K_HEADERS);
            for (Map.Entry<String, String> h : new java.util.TreeMap<>(r.headers()).entrySet()) {
                g.string(JsonMembers.key(h.getKey()), h.getValue());
            }
            g.endObject();
        }
        return g.toBytes();
    }

    byte[] checkpoint(Instant at, String keyId, String signature) {
        return json.reset().plain(K_TIME, time(at)).string(K_KEY, keyId).string(K_SIG, signature).toBytes();
    }

    byte[] resume(Instant at, @Nullable String previousFile, long discardedBytes) {
        JsonMembers g = json.reset().plain(K_TIME, time(at));
        if (previousFile == null) {
            g.nullValue(K_PREVIOUS_FILE);
        } else {
            g.string(K_PREVIOUS_FILE, previousFile);
        }
        return g.number(K_DISCARDED_BYTES, discardedBytes).toBytes();
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
