package io.zerogate.audit.sink;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.io.JsonStringEncoder;
import io.zerogate.config.AuditConfig.HttpSink.Format;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Objects;
import org.jspecify.annotations.Nullable;

/** How a batch of audit lines travels to a collector; each line is already one JSON object. */
final class HttpBatchFormat {

    private static final JsonFactory JSON = new JsonFactory();

    private final Format format;
    private final byte[] action;

    HttpBatchFormat(Format format, @Nullable String index) {
        this.format = Objects.requireNonNull(format, "format");
        if (format == Format.ELASTICSEARCH_BULK) {
            if (index == null || index.isEmpty()) {
                throw new IllegalArgumentException("index: " + index + " (expected: the index elasticsearch_bulk writes to)");
            }
            String quoted = new String(JsonStringEncoder.getInstance().quoteAsString(index));
            this.action = ("{\"index\":{\"_index\":\"" + quoted + "\"}}\n").getBytes(StandardCharsets.UTF_8);
        } else {
            this.action = new byte[0];
        }
    }

    String contentType() {
        return format == Format.JSON_ARRAY ? "application/json" : "application/x-ndjson";
    }

    byte[] encode(List<byte[]> lines) {
        int size = 2;
        for (byte[] line : lines) {
            size += line.length + 1 + action.length;
        }
        ByteArrayOutputStream body = new ByteArrayOutputStream(size);
        if (format == Format.JSON_ARRAY) {
            body.write('[');
            for (int i = 0; i < lines.size(); i++) {
                if (i > 0) {
                    body.write(',');
                }
                body.writeBytes(lines.get(i));
            }
            body.write(']');
        } else {
            for (byte[] line : lines) {
                body.writeBytes(action);
                body.writeBytes(line);
                body.write('\n');
            }
        }
        return body.toByteArray();
    }

    /**
     * Whether a collector that accepted a batch says some documents of it failed: Elasticsearch answers a bulk
     * request 200 with {@code "errors": true} when it refused some of the documents. Only the start of the answer
     * is read; {@code errors} comes before the per-document items.
     */
    boolean reportsDocumentErrors(byte[] answerHead) {
        if (format != Format.ELASTICSEARCH_BULK) {
            return false;
        }
        try (JsonParser p = JSON.createParser(answerHead)) {
            if (p.nextToken() != JsonToken.START_OBJECT) {
                return false;
            }
            while (p.nextToken() == JsonToken.FIELD_NAME) {
                String field = p.currentName();
                JsonToken value = p.nextToken();
                if (field.equals("errors")) {
                    return value == JsonToken.VALUE_TRUE;
                }
                p.skipChildren();
            }
        } catch (IOException e) {
            // An answer that is not JSON, or is cut short before "errors", says nothing about documents.
        }
        return false;
    }

    @Override
    public String toString() {
        return format.name().toLowerCase(java.util.Locale.ROOT);
    }
}
