package io.zerogate.audit;

import java.io.IOException;
import org.jspecify.annotations.Nullable;

/**
 * Says what a broken link means. Called once, at the first line that does not continue the chain; it may read a
 * few lines further (and, for a gap in the sequence, the rest of the trail) to tell a deleted line from one moved
 * later, an inserted line from an edited one, and the edited line from its successor. Nothing after the break is
 * trusted: the lines read here only explain the break.
 */
final class TrailDiagnosis {

    private final TrailReader reader;
    private final TrailSeals seals;
    private boolean ended;

    TrailDiagnosis(TrailReader reader, TrailSeals seals) {
        this.reader = reader;
        this.seals = seals;
    }

    /**
     * The break at {@code line}, which does not continue {@code last}.
     *
     * @param beforeLast         the line before {@code last}, or null
     * @param firstOfFile        whether {@code line} is the first line of its file
     * @param previousFileSealed whether the file before {@code line}'s ends with a checkpoint and nothing after it
     */
    TrailBreak explain(@Nullable TrailLine beforeLast, TrailLine last, TrailLine line, boolean firstOfFile,
                       boolean previousFileSealed) {
        long expected = last.seq() + 1;
        if (line.seq() == expected) {
            return brokenLink(last, line);
        }
        if (line.seq() == last.seq()) {
            return repeated(beforeLast, last, line);
        }
        if (line.seq() < last.seq()) {
            return at(TrailBreak.Kind.REORDERED, line, "seq " + expected, "seq " + line.seq(),
                    "the sequence goes back from " + last.seq() + " to " + line.seq()
                            + ": lines or files are out of order, or an earlier line was copied here");
        }
        return gap(last, line, firstOfFile, previousFileSealed);
    }

    /** The sequence continues but {@code prev} is not the hash of the line before. */
    private TrailBreak brokenLink(TrailLine last, TrailLine line) {
        TrailLine next = nextLine();
        if (next != null && next.seq() == line.seq() && next.prev().equals(last.hash())) {
            return at(TrailBreak.Kind.INSERTED, line, "no line between " + last.where() + " and " + next.where(),
                    "a line at seq " + line.seq() + " that links to neither",
                    "this line does not belong to the chain: the line after it links straight to the line before it");
        }
        if (line.prev().equals(AuditChain.GENESIS)) {
            return at(TrailBreak.Kind.EDITED, line, "prev " + last.hash(), "prev " + AuditChain.GENESIS,
                    "this line starts another trail (its prev is GENESIS): files of two trails are mixed, or the"
                            + " line was altered");
        }
        boolean lineIntact = next != null && next.seq() == line.seq() + 1 && next.prev().equals(line.hash())
                || line.type() == TrailLine.Type.CHECKPOINT && seals.authentic(line);
        if (lineIntact) {
            return at(TrailBreak.Kind.EDITED, last, "hash " + line.prev() + " (the prev of the line after it)",
                    "hash " + last.hash(), "this line was altered after it was written: its bytes no longer hash to"
                            + " what the next line, itself intact, records");
        }
        return at(TrailBreak.Kind.EDITED, line, "prev " + last.hash() + " (the hash of " + last.where() + ")",
                "prev " + line.prev(), "the link between " + last.where()
                        + " and this line is broken: one of the two was altered after it was written");
    }

    /** The same sequence number twice in a row. */
    private TrailBreak repeated(@Nullable TrailLine beforeLast, TrailLine last, TrailLine line) {
        if (line.hash().equals(last.hash())) {
            return at(TrailBreak.Kind.DUPLICATED, line, "seq " + (last.seq() + 1),
                    "seq " + line.seq() + " again, the same bytes as " + last.where(),
                    "this line is a copy of the line before it");
        }
        if (beforeLast != null && line.prev().equals(beforeLast.hash())) {
            return at(TrailBreak.Kind.INSERTED, last, "no line between " + beforeLast.where() + " and " + line.where(),
                    "a line at seq " + last.seq(), "this line is not part of the chain: the line after it carries the"
                            + " same seq and links straight to the line before it");
        }
        return at(TrailBreak.Kind.INSERTED, line, "seq " + (last.seq() + 1),
                "seq " + line.seq() + " again (also at " + last.where() + ")",
                "seq " + line.seq() + " appears twice: a line was inserted, or copied from elsewhere");
    }

    /** Sequence numbers are skipped: deleted, moved later, or an extra line stands here. */
    private TrailBreak gap(TrailLine last, TrailLine line, boolean firstOfFile, boolean previousFileSealed)
            {
        long expected = last.seq() + 1;
        TrailLine next = nextLine();
        TrailLine after = null;
        if (next != null && next.seq() == expected && next.prev().equals(last.hash())) {
            after = nextLine();
            boolean rest = after == null ? ended : after.seq() == next.seq() + 1 && after.prev().equals(next.hash());
            if (rest) {
                return at(TrailBreak.Kind.INSERTED, line, "seq " + expected, "seq " + line.seq(),
                        "this line does not belong to the chain: the line after it continues straight from the line"
                                + " before it");
            }
        }
        TrailLine moved = find(expected, next, after);
        if (moved != null) {
            boolean otherFile = !moved.file().equals(line.file());
            return at(TrailBreak.Kind.REORDERED, line, "seq " + expected, "seq " + line.seq(),
                    "lines are out of order: seq " + expected + " comes later, at " + moved.where()
                            + (otherFile ? "; the files may be given in the wrong order" : ""));
        }
        long missing = line.seq() - expected;
        String range = (missing == 1 ? "seq " + expected : "seq " + expected + ".." + (line.seq() - 1))
                + " (" + missing + (missing == 1 ? " line)" : " lines)");
        if (firstOfFile && !previousFileSealed) {
            return at(TrailBreak.Kind.TRUNCATED, line, "seq " + expected + ", continuing " + last.file().getFileName()
                    + ", which ends without a checkpoint", "seq " + line.seq(), "the file before this one is not sealed"
                    + " and this file does not continue it: its end was cut off, or the file that continued it is"
                    + " missing; " + range + " missing");
        }
        return at(TrailBreak.Kind.DELETED, line, "seq " + expected, "seq " + line.seq(), range + " missing: "
                + (firstOfFile ? "a file between " + last.file().getFileName() + " and this one was deleted, or lines"
                + " were cut from the end of one" : "lines were deleted here"));
    }

    /** The line carrying {@code seq} among the lines already read ahead and the rest of the trail, or null. */
    private @Nullable TrailLine find(long seq, @Nullable TrailLine next, @Nullable TrailLine after) {
        if (next != null && next.seq() == seq) {
            return next;
        }
        if (after != null && after.seq() == seq) {
            return after;
        }
        TrailReader.Entry e;
        while ((e = read()) != null) {
            if (e instanceof TrailLine l && l.seq() == seq) {
                return l;
            }
        }
        return null;
    }

    /**
     * The next entry, or null at the end. A file that cannot be read after the break ends the look ahead: the
     * break is what the report is about, and it is known already.
     */
    private TrailReader.@Nullable Entry read() {
        try {
            TrailReader.Entry e = reader.next();
            ended = e == null;
            return e;
        } catch (IOException e) {
            return null;
        }
    }

    /** The next complete audit line, across file ends; null at the end of the trail or at an unreadable line. */
    private @Nullable TrailLine nextLine() {
        while (true) {
            TrailReader.Entry e = read();
            if (e == null || e instanceof TrailReader.Unreadable) {
                return null;
            }
            if (e instanceof TrailLine l) {
                return l;
            }
        }
    }

    private static TrailBreak at(TrailBreak.Kind kind, TrailLine line, String expected, String found, String meaning) {
        return new TrailBreak(kind, line.file(), line.number(), line.seq(), expected, found, meaning);
    }
}
