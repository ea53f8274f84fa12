package io.zerogate.audit;

import java.io.IOException;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.jspecify.annotations.Nullable;

/**
 * Follows the chain line by line and file by file: each line must carry the next sequence number and the hash of
 * the line before it; a resume line must account for how the previous file ended and be sealed at once; a file
 * may end unsealed or torn only when the next file continues it; and the trail must end sealed unless a live
 * tail is allowed. Keeps the counts the report gives.
 */
final class TrailLinks {

    private final boolean allowUnsealedTail;
    private final TrailDiagnosis diagnosis;
    private final List<String> notes = new ArrayList<>();

    private @Nullable TrailLine beforeLast;
    private @Nullable TrailLine last;
    private @Nullable TrailLine lastCheckpoint;
    /** Lines after the last checkpoint, and whether all of them are records. */
    private long unsealed;
    private boolean unsealedAllRecords = true;
    /** The end of the file before the current one; null while reading the first file. */
    private TrailReader.@Nullable FileEnd previousFileEnd;
    private boolean previousFileSealed;
    /** A file that ended with a torn line no resume has accounted for yet. */
    private TrailReader.@Nullable FileEnd torn;
    private boolean atFileStart = true;
    private boolean awaitingSeal;

    private long lines;
    private long records;
    private long checkpoints;
    private long firstSeq;
    private boolean startsMidChain;

    TrailLinks(boolean allowUnsealedTail, TrailDiagnosis diagnosis) {
        this.allowUnsealedTail = allowUnsealedTail;
        this.diagnosis = diagnosis;
    }

    /** Links one line; returns the break it makes, or null. */
    @Nullable TrailBreak accept(TrailLine line) throws IOException {
        boolean firstOfFile = atFileStart;
        atFileStart = false;
        TrailReader.FileEnd tornEnd = torn;
        if (firstOfFile && tornEnd != null && line.type() != TrailLine.Type.RESUME) {
            return tornUnaccounted(tornEnd, "the next file starts with a " + line.type().member + " line at seq "
                    + line.seq() + ", not with a resume accounting for them");
        }
        TrailLine previous = last;
        TrailBreak broken;
        if (previous == null) {
            broken = start(line);
        } else if (line.seq() != previous.seq() + 1 || !line.prev().equals(previous.hash())) {
            broken = diagnosis.explain(beforeLast, previous, line, firstOfFile, previousFileSealed);
        } else {
            broken = null;
        }
        if (broken == null && awaitingSeal && line.type() != TrailLine.Type.CHECKPOINT && previous != null) {
            broken = new TrailBreak(TrailBreak.Kind.BAD_RESUME, line.file(), line.number(), line.seq(),
                    "a checkpoint sealing the resume at " + previous.where(), "a " + line.type().member + " line",
                    "a starting gateway seals its resume line with a checkpoint at once: a line was inserted after"
                            + " the restart, or the checkpoint removed");
        }
        if (broken == null && line.type() == TrailLine.Type.RESUME) {
            broken = resume(line, firstOfFile);
        }
        if (broken != null) {
            return broken;
        }
        torn = null;
        awaitingSeal = line.type() == TrailLine.Type.RESUME;
        beforeLast = previous;
        last = line;
        lines++;
        switch (line.type()) {
            case RECORD -> records++;
            case CHECKPOINT -> checkpoints++;
            case RESUME -> unsealedAllRecords = false;
        }
        if (line.type() == TrailLine.Type.CHECKPOINT) {
            lastCheckpoint = line;
            unsealed = 0;
            unsealedAllRecords = true;
        } else {
            unsealed++;
        }
        return null;
    }

    /** Notes the end of a file; returns the break it makes, or null. */
    @Nullable TrailBreak fileEnded(TrailReader.FileEnd end) {
        TrailReader.FileEnd tornEnd = torn;
        if (end.lines() == 0 && tornEnd != null) {
            return tornUnaccounted(tornEnd, "the next file, " + end.file().getFileName() + ", holds no line");
        }
        if (end.tornBytes() > 0) {
            torn = end;
        }
        TrailLine lastLine = last;
        previousFileEnd = end;
        previousFileSealed = end.tornBytes() == 0 && end.lines() > 0 && lastLine != null
                && lastLine.type() == TrailLine.Type.CHECKPOINT && lastLine.file().equals(end.file());
        atFileStart = true;
        return null;
    }

    /** Checks how the trail ends, after the last file's end; returns the break, or null. */
    @Nullable TrailBreak trailEnded() {
        TrailLine lastLine = last;
        TrailReader.FileEnd end = previousFileEnd;
        if (end == null) {
            throw new IllegalStateException("the trail ended before any file did");
        }
        TrailReader.FileEnd tornEnd = torn;
        if (lastLine == null) {
            return new TrailBreak(TrailBreak.Kind.EMPTY, end.file(), 0, 1, "at least one complete audit line",
                    tornEnd == null ? "no line" : "only " + tornEnd.tornBytes() + " bytes without a newline",
                    "there is nothing to verify: the files are empty, or hold only a line cut short");
        }
        long nextSeq = lastLine.seq() + 1;
        if (tornEnd != null) {
            String what = tornEnd.tornBytes() + " bytes of line " + (tornEnd.lines() + 1) + " without a newline";
            if (!allowUnsealedTail) {
                return new TrailBreak(TrailBreak.Kind.TRUNCATED, tornEnd.file(), tornEnd.lines() + 1, nextSeq,
                        "a line ending with a newline", what, "the file ends in the middle of a line: the gateway"
                        + " crashed or is still writing it, or the file was cut");
            }
            notes.add(tornEnd.file().getFileName() + " ends with " + what + ", a line being written"
                    + " (allowed by --allow-unsealed-tail)");
        }
        if (end.lines() == 0 && end.tornBytes() == 0) {
            if (!allowUnsealedTail) {
                return new TrailBreak(TrailBreak.Kind.TRUNCATED, end.file(), 1, nextSeq,
                        "a line continuing the chain at seq " + nextSeq, "an empty file", "the last file is empty: the"
                        + " gateway stopped before writing to it, or it was emptied");
            }
            notes.add(end.file().getFileName() + " is empty (allowed by --allow-unsealed-tail)");
        }
        if (unsealed > 0) {
            TrailLine checkpoint = lastCheckpoint;
            String count = unsealed + (unsealedAllRecords ? (unsealed == 1 ? " record" : " records")
                    : (unsealed == 1 ? " line" : " lines"));
            String what = checkpoint == null ? count + " and no checkpoint at all"
                    : count + " after the last checkpoint at seq " + checkpoint.seq();
            if (!allowUnsealedTail) {
                return new TrailBreak(TrailBreak.Kind.TRUNCATED, lastLine.file(), lastLine.number(), lastLine.seq(),
                        "a checkpoint sealing the trail after seq " + lastLine.seq(), "the trail ends with " + what,
                        what + (unsealed == 1 ? " is" : " are") + " not sealed: truncated, or the gateway is still"
                                + " writing (a live trail is verified with --allow-unsealed-tail)");
            }
            notes.add(what + (unsealed == 1 ? " is" : " are") + " not sealed yet (allowed by --allow-unsealed-tail):"
                    + " only the chain, not a signature, vouches for them");
        }
        return null;
    }

    private @Nullable TrailBreak start(TrailLine line) {
        firstSeq = line.seq();
        boolean genesis = line.prev().equals(AuditChain.GENESIS);
        if (line.seq() == 1 && !genesis) {
            return new TrailBreak(TrailBreak.Kind.EDITED, line.file(), line.number(), line.seq(),
                    "prev " + AuditChain.GENESIS + " (GENESIS)", "prev " + line.prev(),
                    "the first line of a trail links to GENESIS: this one was altered");
        }
        if (line.seq() != 1 && genesis) {
            return new TrailBreak(TrailBreak.Kind.EDITED, line.file(), line.number(), line.seq(),
                    "seq 1 (the line after GENESIS)", "seq " + line.seq(),
                    "a line linking to GENESIS is the first of a trail: this one was altered");
        }
        if (line.seq() != 1) {
            startsMidChain = true;
            notes.add("the trail starts mid-chain, at " + line.where() + ": the files holding seq 1.." + (line.seq() - 1)
                    + " were not given (or were deleted), so nothing before this line is checked and its prev is"
                    + " taken on trust");
        }
        return null;
    }

    /** A resume line accounts for the bytes the previous file ends with after its last complete line. */
    private @Nullable TrailBreak resume(TrailLine line, boolean firstOfFile) {
        TrailReader.FileEnd before = previousFileEnd;
        String named = line.previousFile();
        if (firstOfFile && before == null) {
            if (named != null) {
                notes.add("the resume at " + line.where() + " follows " + named + ", which was not given: its"
                        + " discarded_bytes (" + line.discardedBytes() + ") could not be checked");
            }
            return null;
        }
        long expected = firstOfFile && before != null ? before.tornBytes() : 0;
        if (line.discardedBytes() != expected) {
            String meaning = !firstOfFile ? "a resume inside a file follows a complete line, so nothing can have been"
                    + " discarded: the line was altered"
                    : line.discardedBytes() > expected ? "the previous file is shorter at its end than when the gateway"
                    + " restarted: bytes were cut from it" : "the previous file holds more at its end than the gateway"
                    + " discarded when it restarted: bytes were added to it";
            return new TrailBreak(TrailBreak.Kind.BAD_RESUME, line.file(), line.number(), line.seq(),
                    "discarded_bytes " + expected + (firstOfFile && before != null ? " (what " + before.file().getFileName()
                            + " holds after its last complete line)" : ""), "discarded_bytes " + line.discardedBytes(),
                    meaning);
        }
        if (firstOfFile && before != null && named != null) {
            String actual = before.file().getFileName().toString();
            if (!Path.of(named).getFileName().toString().equals(actual)) {
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

    private TrailBreak tornUnaccounted(TrailReader.FileEnd end, String why) {
        long seq = last == null ? 1 : last.seq() + 1;
        return new TrailBreak(TrailBreak.Kind.TRUNCATED, end.file(), end.lines() + 1, seq,
                "a complete line, or a resume in the next file accounting for " + end.tornBytes() + " torn bytes",
                end.tornBytes() + " bytes without a newline; " + why, "the file ends in the middle of a line and"
                + " nothing after it says so: the file was cut, or lines after the cut were removed");
    }

    List<String> notes() {
        return notes;
    }

    long lines() {
        return lines;
    }

    long records() {
        return records;
    }

    long checkpoints() {
        return checkpoints;
    }

    long firstSeq() {
        return firstSeq;
    }

    long lastSeq() {
        return last == null ? 0 : last.seq();
    }

    /** The sequence number the next line must carry. */
    long expectedSeq() {
        return last == null ? 1 : last.seq() + 1;
    }

    boolean startsMidChain() {
        return startsMidChain;
    }

    @Nullable TrailLine lastCheckpoint() {
        return lastCheckpoint;
    }

    @Nullable Instant lastSealedAt() {
        TrailLine c = lastCheckpoint;
        return c == null ? null : c.time();
    }
}
