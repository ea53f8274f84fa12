package io.zerogate.audit;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.jspecify.annotations.Nullable;

/**
 * Follows the chain line by line and file by file: each line must carry the next sequence number and the hash of
 * the line before it; a file may end unsealed only when the next file continues it (restarts after a crash are
 * {@link TrailRestarts}'s to check); and the trail must end sealed unless a live tail is allowed. Keeps the counts
 * the report gives.
 */
final class TrailLinks {

    private final boolean allowUnsealedTail;
    private final TrailDiagnosis diagnosis;
    private final List<String> notes = new ArrayList<>();
    private final TrailRestarts restarts = new TrailRestarts(notes);

    private @Nullable TrailLine beforeLast;
    private @Nullable TrailLine last;
    private @Nullable TrailLine lastCheckpoint;
    /** Lines after the last checkpoint, and whether all of them are records. */
    private long unsealed;
    private boolean unsealedAllRecords = true;
    private boolean previousFileSealed;
    private boolean atFileStart = true;

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
    @Nullable TrailBreak accept(TrailLine line) {
        boolean firstOfFile = atFileStart;
        atFileStart = false;
        TrailLine previous = last;
        TrailBreak broken = firstOfFile ? restarts.fileStarts(line, expectedSeq()) : null;
        if (broken == null) {
            broken = previous == null ? start(line)
                    : line.seq() == previous.seq() + 1 && line.prev().equals(previous.hash()) ? null
                    : diagnosis.explain(beforeLast, previous, line, firstOfFile, previousFileSealed);
        }
        if (broken == null) {
            broken = restarts.check(line, firstOfFile);
        }
        if (broken != null) {
            return broken;
        }
        restarts.linked(line);
        beforeLast = previous;
        last = line;
        lines++;
        switch (line.type()) {
            case RECORD -> {
                records++;
                unsealed++;
            }
            case RESUME -> {
                unsealed++;
                unsealedAllRecords = false;
            }
            case CHECKPOINT -> {
                checkpoints++;
                lastCheckpoint = line;
                unsealed = 0;
                unsealedAllRecords = true;
            }
        }
        return null;
    }

    /** Notes the end of a file; returns the break it makes, or null. */
    @Nullable TrailBreak fileEnded(TrailReader.FileEnd end) {
        TrailBreak broken = restarts.fileEnded(end, expectedSeq());
        if (broken != null) {
            return broken;
        }
        TrailLine lastLine = last;
        if (end.lines() > 0 || end.tornBytes() > 0) {
            // An empty file leaves the state of the file before it: it neither seals nor unseals anything.
            previousFileSealed = end.tornBytes() == 0 && lastLine != null
                    && lastLine.type() == TrailLine.Type.CHECKPOINT && lastLine.file().equals(end.file());
        }
        atFileStart = true;
        return null;
    }

    /** Checks how the trail ends, after the last file's end; returns the break, or null. */
    @Nullable TrailBreak trailEnded() {
        TrailLine lastLine = last;
        TrailReader.FileEnd end = restarts.lastFileEnd();
        if (end == null) {
            throw new IllegalStateException("the trail ended before any file did");
        }
        TrailReader.FileEnd tornEnd = restarts.tornTail();
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
