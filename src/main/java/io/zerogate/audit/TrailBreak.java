package io.zerogate.audit;

import java.nio.file.Path;
import java.util.Objects;

/**
 * The first place where an audit trail stops proving itself: which line, what the chain expected there, what it
 * found, and what that means. Produced by {@link AuditVerifier}; once the chain is broken nothing after the break
 * can be trusted, so a trail has at most one.
 *
 * @param kind     what went wrong
 * @param file     the file holding the line at fault
 * @param line     the 1-based line number in {@code file}; 0 when the break concerns no line (an empty trail)
 * @param seq      the sequence number the line carries, or, where it cannot be read or is missing, the one the
 *                 chain expected there
 * @param expected what an intact trail has at this place
 * @param found    what the file has
 * @param meaning  what the difference means for the trail, in a sentence
 */
public record TrailBreak(Kind kind, Path file, long line, long seq, String expected, String found, String meaning) {

    /** How a trail is broken. */
    public enum Kind {
        /** A line's bytes changed after it was written: its hash no longer matches the next line's {@code prev}. */
        EDITED("edited"),
        /** Sequence numbers are missing: lines or whole files were deleted. */
        DELETED("deleted"),
        /** A line that the chain does not hold was added. */
        INSERTED("inserted"),
        /** A line appears twice in a row. */
        DUPLICATED("duplicated"),
        /** Lines or files are out of order: the sequence goes back, or a missing number turns up later. */
        REORDERED("reordered"),
        /** The trail or one of its files ends too early: lines after the last checkpoint, a cut line, an empty file. */
        TRUNCATED("truncated"),
        /** A checkpoint's signature does not verify with the trusted key. */
        BAD_SIGNATURE("bad signature"),
        /** A checkpoint names a key other than the trusted one. */
        WRONG_KEY("wrong key"),
        /** A restart's resume line does not account for how the previous file ended, or is not sealed at once. */
        BAD_RESUME("bad resume"),
        /** A line is not an audit line: not JSON, members missing or out of order, an unknown type. */
        MALFORMED("malformed"),
        /** A line is longer than the verifier reads; no gateway writes such a line. */
        LINE_TOO_LONG("line too long"),
        /** There is no audit line at all in what was given. */
        EMPTY("empty");

        private final String label;

        Kind(String label) {
            this.label = label;
        }

        /** A short lower-case name for reports. */
        public String label() {
            return label;
        }
    }

    public TrailBreak {
        Objects.requireNonNull(kind, "kind");
        Objects.requireNonNull(file, "file");
        Objects.requireNonNull(expected, "expected");
        Objects.requireNonNull(found, "found");
        Objects.requireNonNull(meaning, "meaning");
        if (line < 0) {
            throw new IllegalArgumentException("line: " + line + " (expected: >= 0)");
        }
    }
}
