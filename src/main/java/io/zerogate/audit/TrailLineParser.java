package io.zerogate.audit;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.core.exc.StreamReadException;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import org.jspecify.annotations.Nullable;

/**
 * Reads the members of one audit line with Jackson's streaming parser: one JSON object whose first three members
 * are {@code seq}, {@code prev} and {@code type} in that order, no member twice, nothing after it; checkpoints and
 * resume lines carry exactly the members the format gives them. Record members are checked only for being JSON:
 * the chain covers their bytes, whatever they say.
 */
final class TrailLineParser {

    private static final JsonFactory JSON = JsonFactory.builder()
            .enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION)
            .build();

    /** Why a line is not an audit line. */
    static final class Malformed extends Exception {
        private static final long serialVersionUID = 1L;

        Malformed(String reason) {
            super(reason, null, false, false);
        }
    }

    private TrailLineParser() {}

    static TrailLine parse(Path file, long number, byte[] bytes, int length, String hash) throws Malformed {
        if (length == 0) {
            throw new Malformed("an empty line");
        }
        try (JsonParser p = JSON.createParser(bytes, 0, length)) {
            if (p.nextToken() != JsonToken.START_OBJECT) {
                throw new Malformed("not a JSON object");
            }
            member(p, "seq", 1);
            if (p.nextToken() != JsonToken.VALUE_NUMBER_INT || p.getNumberType() == JsonParser.NumberType.BIG_INTEGER
                    || p.getLongValue() < 1) {
                throw new Malformed("seq is " + shown(p) + " (expected: a whole number >= 1)");
            }
            long seq = p.getLongValue();
            member(p, "prev", 2);
            String prev = p.nextToken() == JsonToken.VALUE_STRING ? p.getText() : "";
            if (!AuditChain.isHash(prev)) {
                throw new Malformed("prev is " + shown(p) + " (expected: 64 lower-case hex digits)");
            }
            member(p, "type", 3);
            TrailLine.Type type = p.nextToken() == JsonToken.VALUE_STRING ? TrailLine.Type.of(p.getText()) : null;
            if (type == null) {
                throw new Malformed("type is " + shown(p) + " (expected: record, checkpoint or resume)");
            }
            Members m = new Members(type);
            JsonToken t;
            while ((t = p.nextToken()) == JsonToken.FIELD_NAME) {
                String name = p.currentName();
                p.nextToken();
                m.read(name, p);
            }
            if (t != JsonToken.END_OBJECT || p.nextToken() != null) {
                throw new Malformed("something follows the JSON object");
            }
            m.checkComplete();
            return new TrailLine(file, number, seq, prev, type, hash, m.time, m.key, m.sig, m.previousFile,
                    m.discardedBytes);
        } catch (StreamReadException e) {
            throw new Malformed("not valid JSON: " + e.getOriginalMessage());
        } catch (IOException e) {
            // Parsing bytes already in memory reads nothing from a device; Jackson still declares IOException.
            throw new Malformed("not valid JSON: " + e.getMessage());
        }
    }

    private static void member(JsonParser p, String name, int position) throws IOException, Malformed {
        if (p.nextToken() != JsonToken.FIELD_NAME || !name.equals(p.currentName())) {
            throw new Malformed("member " + position + " is " + (p.currentToken() == JsonToken.FIELD_NAME
                    ? "\"" + p.currentName() + "\"" : "missing") + " (expected: \"" + name + "\")");
        }
    }

    private static String shown(JsonParser p) throws IOException {
        JsonToken t = p.currentToken();
        if (t == null || t.isStructStart() || t.isStructEnd() || t == JsonToken.FIELD_NAME) {
            return "not a value";
        }
        String text = p.getText();
        return t == JsonToken.VALUE_STRING ? "\"" + (text.length() > 70 ? text.substring(0, 70) + "…" : text) + "\""
                : text.length() > 40 ? text.substring(0, 40) + "…" : text;
    }

    /** The members after {@code type}: free for records, fixed for checkpoints and resume lines. */
    private static final class Members {
        private final TrailLine.Type type;
        @Nullable Instant time;
        @Nullable String key;
        @Nullable String sig;
        @Nullable String previousFile;
        boolean previousFileSeen;
        long discardedBytes = -1;

        Members(TrailLine.Type type) {
            this.type = type;
        }

        void read(String name, JsonParser p) throws IOException, Malformed {
            if (type == TrailLine.Type.RECORD) {
                p.skipChildren();
                return;
            }
            boolean belongs = type == TrailLine.Type.CHECKPOINT
                    ? name.equals("time") || name.equals("key") || name.equals("sig")
                    : name.equals("time") || name.equals("previous_file") || name.equals("discarded_bytes");
            if (!belongs) {
                throw new Malformed("a " + type.member + " line has a member \"" + name + "\" (expected: "
                        + (type == TrailLine.Type.CHECKPOINT ? "time, key and sig" : "time, previous_file and discarded_bytes")
                        + ")");
            }
            switch (name) {
                case "time" -> time = instant(p);
                case "key" -> key = text(p, name);
                case "sig" -> sig = text(p, name);
                case "previous_file" -> {
                    previousFile = p.currentToken() == JsonToken.VALUE_NULL ? null : text(p, name);
                    previousFileSeen = true;
                }
                default -> {
                    if (p.currentToken() != JsonToken.VALUE_NUMBER_INT
                            || p.getNumberType() == JsonParser.NumberType.BIG_INTEGER || p.getLongValue() < 0) {
                        throw new Malformed("discarded_bytes is " + shown(p) + " (expected: a whole number >= 0)");
                    }
                    discardedBytes = p.getLongValue();
                }
            }
        }

        void checkComplete() throws Malformed {
            if (type == TrailLine.Type.CHECKPOINT && (time == null || key == null || sig == null)) {
                throw new Malformed("a checkpoint lacks " + (time == null ? "time" : key == null ? "key" : "sig")
                        + " (expected: time, key and sig)");
            }
            if (type == TrailLine.Type.RESUME && (time == null || !previousFileSeen || discardedBytes < 0)) {
                throw new Malformed("a resume line lacks " + (time == null ? "time" : !previousFileSeen ? "previous_file"
                        : "discarded_bytes") + " (expected: time, previous_file and discarded_bytes)");
            }
            if (type != TrailLine.Type.RESUME) {
                discardedBytes = 0;
            }
        }

        private static String text(JsonParser p, String name) throws IOException, Malformed {
            if (p.currentToken() != JsonToken.VALUE_STRING) {
                throw new Malformed(name + " is " + shown(p) + " (expected: a string)");
            }
            return p.getText();
        }

        private static Instant instant(JsonParser p) throws IOException, Malformed {
            String text = text(p, "time");
            try {
                return Instant.parse(text);
            } catch (DateTimeParseException e) {
                throw new Malformed("time is " + shown(p) + " (expected: an ISO-8601 UTC instant)");
            }
        }
    }
}
