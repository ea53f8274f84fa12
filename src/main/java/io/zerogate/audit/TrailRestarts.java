package io.zerogate.audit;

import java.util.List;
import org.jspecify.annotations.Nullable;

/**
 * Accounts for crashes and restarts along a trail. A crash may leave a torn line at the end of a file; the
 * gateway's next start writes a resume line first, in a new file, whose {@code discarded_bytes} says how many
 * bytes it found after the last complete line, and seals it with a checkpoint at once. Torn bytes that no resume
 * accounts for, a resume whose count differs from what the previous file really ends with, and a resume left
 * unsealed are breaks.
 */
final class TrailRestarts {

    private final List<String> notes;
    /** The end of the file before the current one; null while reading the first file. */
    private TrailReader.@Nullable FileEnd previousFileEnd;
    /** A file that ended with a torn line no resume has accounted for yet. */
    private TrailReader.@Nullable FileEnd torn;
    /** The resume line just linked, until its checkpoint follows. */
    private @Nullable TrailLine unsealedResume;

    TrailRestarts(List<String> notes) {
        this.notes = notes;
    }

    /** Checked before the first line of a file links: torn bytes before it call for a resume. */
    @Nullable TrailBreak fileStarts(TrailLine first, long expectedSeq) {
        TrailReader.FileEnd tornEnd = torn;
        if (tornEnd != null && first.type() != TrailLine.Type.RESUME) {
            return tornUnaccounted(tornEnd, expectedSeq, "the next file starts with a " + first.type().member
                    + " line at seq " + first.seq() + ", not with a resume accounting for them");
        }
        return null;
    }

    /** Checked once a line links to the one before it. */
    @Nullable TrailBreak check(TrailLine line, boolean firstOfFile) {
        TrailLine resume = unsealedResume;
        if (resume != null && line.type() != TrailLine.Type.CHECKPOINT) {
            return new TrailBreak(TrailBreak.Kind.BAD_RESUME, line.file(), line.number(), line.seq(),
                    "a checkpoint sealing the resume at " + resume.where(), "a " + line.type().member + " line",
                    "a starting gateway seals its resume line with a checkpoint at once: a line was inserted after"
                            + " the restart, or the checkpoint removed");
        }
        return line.type() == TrailLine.Type.RESUME ? resume(line, firstOfFile) : null;
    }

    /** The line is part of the chain now. */
    void linked(TrailLine line) {
        torn = null;
        unsealedResume = line.type() == TrailLine.Type.RESUME ? line : null;
    }

    /** Notes the end of a file; returns the break it makes, or null. */
    @Nullable TrailBreak fileEnded(TrailReader.FileEnd end, long expectedSeq) {
        TrailReader.FileEnd tornEnd = torn;
        if (end.lines() == 0 && tornEnd != null) {
            return tornUnaccounted(tornEnd, expectedSeq, "the next file, " + end.file().getFileName()
                    + ", holds no line");
        }
        if (end.tornBytes() > 0) {
            torn = end;
        }
        previousFileEnd = end;
        return null;
    }

    /** The last file read, once its end is reached. */
    TrailReader.@Nullable FileEnd lastFileEnd() {
        return previousFileEnd;
    }

    /** The file whose torn last line nothing has accounted for, at the end of the trail. */
    TrailReader.@Nullable FileEnd tornTail() {
        return torn;
    }

    /** A resume line accounts for the bytes the previous file ends with after its last complete line. */
    private @Nullable TrailBreak resume(TrailLine line, boolean firstOfFile) {
        TrailReader.FileEnd before = firstOfFile ? previousFileEnd : null;
        String named = line.previousFile();
        if (firstOfFile && before == null) {
            if (named != null) {
                notes.add("the resume at " + line.where() + " follows " + named + ", which was not given: its"
                        + " discarded_bytes (" + line.discardedBytes() + ") could not be checked");
            }
            return null;
        }
        long expected = before == null ? 0 : before.tornBytes();
        if (line.discardedBytes() != expected) {
            String meaning = before == null ? "a resume inside a file follows a complete line, so nothing can have"
                    + " been discarded: the line was altered"
                    : line.discardedBytes() > expected ? "the previous file is shorter at its end than when the gateway"
                    + " restarted: bytes were cut from it" : "the previous file holds more at its end than the gateway"
                    + " discarded when it restarted: bytes were added to it";
            return new TrailBreak(TrailBreak.Kind.BAD_RESUME, line.file(), line.number(), line.seq(),
                    "discarded_bytes " + expected + (before == null ? "" : " (what " + before.file().getFileName()
                            + " holds after its last complete line)"), "discarded_bytes " + line.discardedBytes(),
                    meaning);
        }
        if (before != null && named != null) {
            String actual = before.file().getFileName().toString();
            // Compared as text: the name comes from the file and need not be a valid path here.
            if (!named.substring(named.lastIndexOf('/') + 1).equals(actual)) {
                notes.add("the resume at " + line.where() + " names the previous file " + named + " but follows "
                        + actual + "; the chain links, so no line is missing between them");
            }
        }
        if (line.discardedBytes() > 0) {
            notes.add("the gateway restarted after a crash at " + line.where() + ", discarding the "
                    + line.discardedBytes() + " bytes of a torn line");
        }
        return null;
    }

    private static TrailBreak tornUnaccounted(TrailReader.FileEnd end, long expectedSeq, String why) {
        return new TrailBreak(TrailBreak.Kind.TRUNCATED, end.file(), end.lines() + 1, expectedSeq,
                "a complete line, or a resume in the next file accounting for " + end.tornBytes() + " torn bytes",
                end.tornBytes() + " bytes without a newline; " + why, "the file ends in the middle of a line and"
                + " nothing after it says so: the file was cut, or lines after the cut were removed");
    }
}
