package io.zerogate.audit;

import com.fasterxml.jackson.core.JsonEncoding;
import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Instant;
import java.time.format.DateTimeFormatter;
import java.util.Arrays;
import java.util.Map;
import org.jspecify.annotations.Nullable;

/**
 * Turns records and checkpoints into the JSON members of their audit lines (everything after
 * {@code seq}, {@code prev} and {@code type}). Not thread-safe: the writer owns one.
 */
final class RecordEncoder {

    private static final JsonFactory JSON = JsonFactory.builder().build();

    private final ByteArrayOutputStream buffer = new ByteArrayOutputStream(1024);

    byte[] record(AuditRecord r) {
        return members(g -> {
            g.writeStringField("time", time(r.time()));
            g.writeStringField("request_id", r.requestId());
            g.writeStringField("trace_id", r.traceId());
            optional(g, "span_id", r.spanId());
            optional(g, "parent_span_id", r.parentSpanId());
            g.writeStringField("listener", r.listener());
            optional(g, "route_id", r.routeId());
            g.writeStringField("method", r.method());
            g.writeStringField("host", r.host());
            optional(g, "path_template", r.pathTemplate());
            g.writeStringField("path", r.path());
            g.writeStringField("client_address", r.clientAddress());
            optional(g, "forwarded_for", r.forwardedFor());
            AuditRecord.SubjectFacts s = r.subject();
            if (s != null) {
                g.writeObjectFieldStart("subject");
                g.writeStringField("id", s.id());
                g.writeStringField("kind", s.kind());
                optional(g, "issuer", s.issuer());
                optional(g, "client_id", s.clientId());
                g.writeStringField("credential", s.credential());
                g.writeStringField("binding", s.binding());
                g.writeEndObject();
            }
            AuditRecord.DeviceFacts d = r.device();
            if (d != null) {
                g.writeObjectFieldStart("device");
                g.writeStringField("id", d.id());
                g.writeStringField("verdict", d.verdict());
                g.writeEndObject();
            }
            g.writeStringField("outcome", r.outcome().code());
            optional(g, "reason", r.reason());
            optional(g, "rule", r.rule());
            optional(g, "detail", r.detail());
            if (!r.shadow().isEmpty()) {
                g.writeArrayFieldStart("shadow");
                for (String hit : r.shadow()) {
                    g.writeString(hit);
                }
                g.writeEndArray();
            }
            AuditRecord.LimitState l = r.limit();
            if (l != null) {
                g.writeObjectFieldStart("limit");
                g.writeStringField("key", l.key());
                g.writeNumberField("remaining", l.remaining());
                g.writeBooleanField("local", l.local());
                g.writeEndObject();
            }
            optional(g, "upstream", r.upstream());
            g.writeNumberField("status", r.status());
            g.writeNumberField("bytes_in", r.bytesIn());
            g.writeNumberField("bytes_out", r.bytesOut());
            g.writeNumberField("total_micros", r.totalMicros());
            g.writeNumberField("chain_micros", r.chainMicros());
            g.writeNumberField("upstream_micros", r.upstreamMicros());
            if (!r.headers().isEmpty()) {
                g.writeObjectFieldStart("headers");
                for (Map.Entry<String, String> h : new java.util.TreeMap<>(r.headers()).entrySet()) {
                    g.writeStringField(h.getKey(), h.getValue());
                }
                g.writeEndObject();
            }
        });
    }

    byte[] checkpoint(Instant time, String keyId, String signature) {
        return members(g -> {
            g.writeStringField("time", time(time));
            g.writeStringField("key", keyId);
            g.writeStringField("sig", signature);
        });
    }

    byte[] resume(Instant time, @Nullable String previousFile, long discardedBytes) {
        return members(g -> {
            g.writeStringField("time", time(time));
            if (previousFile == null) {
                g.writeNullField("previous_file");
            } else {
                g.writeStringField("previous_file", previousFile);
            }
            g.writeNumberField("discarded_bytes", discardedBytes);
        });
    }

    static String time(Instant t) {
        return DateTimeFormatter.ISO_INSTANT.format(t);
    }

    private interface Body {
        void write(JsonGenerator g) throws IOException;
    }

    private byte[] members(Body body) {
        buffer.reset();
        try (JsonGenerator g = JSON.createGenerator(buffer, JsonEncoding.UTF8)) {
            g.writeStartObject();
            body.write(g);
            g.writeEndObject();
        } catch (IOException e) {
            throw new UncheckedIOException("encoding an audit line failed", e);
        }
        byte[] object = buffer.toByteArray();
        // The chain writes seq, prev and type itself: keep what lies between the braces.
        return Arrays.copyOfRange(object, 1, object.length - 1);
    }

    private static void optional(JsonGenerator g, String name, @Nullable String value) throws IOException {
        if (value != null) {
            g.writeStringField(name, value);
        }
    }
}
