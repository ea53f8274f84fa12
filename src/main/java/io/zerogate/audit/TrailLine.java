package io.zerogate.audit;

import java.nio.file.Path;
import java.time.Instant;
import org.jspecify.annotations.Nullable;

/**
 * One audit line as the verifier read it: where it is, its chain members, its hash, and the members a checkpoint
 * or a resume line carries.
 *
 * @param file           the file it is in
 * @param number         its 1-based line number in that file
 * @param hash           the SHA-256 of its exact bytes, as {@link AuditChain} computes it
 * @param time           a checkpoint's or resume's time; null for records
 * @param key            a checkpoint's key id; null otherwise
 * @param sig            a checkpoint's signature (base64url); null otherwise
 * @param previousFile   a resume's {@code previous_file}; null otherwise, or when the resume names none
 * @param discardedBytes a resume's {@code discarded_bytes}; 0 otherwise
 */
record TrailLine(Path file, long number, long seq, String prev, Type type, String hash, @Nullable Instant time,
                 @Nullable String key, @Nullable String sig, @Nullable String previousFile, long discardedBytes)
        implements TrailReader.Entry {

    /** The kinds of audit line. */
    enum Type {
        RECORD("record"),
        CHECKPOINT("checkpoint"),
        RESUME("resume");

        final String member;

        Type(String member) {
            this.member = member;
        }

        static @Nullable Type of(String member) {
            for (Type t : values()) {
                if (t.member.equals(member)) {
                    return t;
                }
            }
            return null;
        }
    }

    /** Where the line is, for reports: {@code audit-….jsonl line 7 (seq 27)}. */
    String where() {
        return file.getFileName() + " line " + number + " (seq " + seq + ")";
    }
}
