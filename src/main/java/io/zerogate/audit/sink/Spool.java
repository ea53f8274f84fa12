package io.zerogate.audit.sink;

import java.io.Closeable;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayDeque;
import java.util.List;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import org.jspecify.annotations.Nullable;

/**
 * The HTTP sink's spool on local disk: every line taken, in order, until the collector has it. One thread
 * appends (the audit writer), one reads and advances (the sender); they share the list of segments and two
 * counters under a lock that is never held across I/O. Segments are rolled at a size and deleted once delivered;
 * the cursor file says where delivery stands, so a restart resumes at the first line not yet delivered.
 */
final class Spool implements Closeable {

    /** Lines read for delivery: their segment and the offset just past the last of them. */
    record Batch(List<byte[]> lines, SpoolSegment segment, long end) {}

    private final Path directory;
    private final long maxBytes;
    private final long discardedBytes;
    private final FileChannel lockFile;
    private final FileLock lock;
    private final ReentrantLock state = new ReentrantLock();
    private final Condition appended = state.newCondition();

    // Guarded by state.
    private final ArrayDeque<SpoolSegment> segments;
    private long spooledBytes;
    private long cursorOffset;
    private long deliveredLines;
    private long nextLine;
    private boolean woken;

    // The appending thread's own.
    private final SpoolTail tail;
    // The sending thread's own.
    private @Nullable FileChannel reading;
    private @Nullable SpoolSegment readingSegment;

    private Spool(SpoolOpening opened, long maxBytes, long segmentBytes) throws IOException {
        this.directory = opened.directory();
        this.maxBytes = maxBytes;
        this.discardedBytes = opened.discardedBytes();
        this.lockFile = opened.lockFile();
        this.lock = opened.lock();
        this.segments = new ArrayDeque<>(opened.segments());
        this.cursorOffset = opened.cursor().offset();
        this.deliveredLines = opened.cursor().nextLine();
        this.nextLine = opened.nextLine();
        for (SpoolSegment s : segments) {
            spooledBytes += s.size();
        }
        this.tail = new SpoolTail(directory, segments.getLast(), segmentBytes);
    }

    /**
     * Opens the spool in {@code directory}, creating it when absent, cutting off a line torn by a crash, and
     * taking an exclusive lock so that no second process shares it.
     *
     * @param maxBytes     undelivered bytes at most
     * @param segmentBytes a segment is rolled once it holds this many bytes
     */
    static Spool open(Path directory, long maxBytes, long segmentBytes) throws IOException {
        if (maxBytes < 1) {
            throw new IllegalArgumentException("spool bound: " + maxBytes + " bytes (expected: >= 1)");
        }
        if (segmentBytes < 1) {
            throw new IllegalArgumentException("spool segment: " + segmentBytes + " bytes (expected: >= 1)");
        }
        SpoolOpening opened = SpoolOpening.recover(directory);
        try {
            return new Spool(opened, maxBytes, segmentBytes);
        } catch (IOException | RuntimeException e) {
            opened.lockFile().close();
            throw e;
        }
    }

    /**
     * Appends a batch entirely or not at all.
     *
     * @throws SpoolFullException when the batch would take the undelivered bytes past the bound (an empty spool takes
     *                            any batch, so that a batch larger than the bound is not refused for ever)
     * @throws IOException        when the disk refuses it; nothing of the batch stays in the spool
     */
    void append(List<byte[]> lines) throws IOException {
        long bytes = SpoolTail.bytes(lines);
        long waiting = pendingBytes();
        // An empty spool takes any batch: one larger than the whole bound would otherwise never be taken.
        if (waiting > 0 && waiting + bytes > maxBytes) {
            throw new SpoolFullException(directory, waiting, bytes, maxBytes);
        }
        SpoolSegment rolled = tail.rollIfFull(nextLine);
        if (rolled != null) {
            state.lock();
            try {
                segments.addLast(rolled);
            } finally {
                state.unlock();
            }
        }
        tail.write(lines);
        state.lock();
        try {
            tail.segment().grow(bytes);
            spooledBytes += bytes;
            nextLine += lines.size();
            appended.signalAll();
        } finally {
            state.unlock();
        }
    }

    /** Makes every appended line durable. */
    void sync() throws IOException {
        tail.sync();
    }

    /**
     * Waits until at least {@code lines} undelivered lines are waiting, {@code nanos} pass, or {@link #wake()} is
     * called.
     */
    void awaitLines(int lines, long nanos) throws InterruptedException {
        state.lock();
        try {
            long left = nanos;
            while (!woken && nextLine - deliveredLines < lines && left > 0) {
                left = appended.awaitNanos(left);
            }
            woken = false;
        } finally {
            state.unlock();
        }
    }

    /** Ends the current or next {@link #awaitLines} early. */
    void wake() {
        state.lock();
        try {
            woken = true;
            appended.signalAll();
        } finally {
            state.unlock();
        }
    }

    /** Up to {@code maxLines} undelivered lines from one segment, in order, or null when none are waiting. */
    @Nullable Batch read(int maxLines) throws IOException {
        while (true) {
            SpoolSegment head;
            long from;
            boolean last;
            state.lock();
            try {
                head = segments.getFirst();
                from = cursorOffset;
                last = segments.size() == 1;
            } finally {
                state.unlock();
            }
            long to = head.size();
            if (from < to) {
                SpoolSegment.Lines read = SpoolSegment.read(channelFor(head), from, to, maxLines);
                return new Batch(read.lines(), head, read.end());
            }
            if (last) {
                return null;
            }
            // A segment that was rolled after its last line went out: step over it.
            advance(new Batch(List.of(), head, from));
        }
    }

    private FileChannel channelFor(SpoolSegment segment) throws IOException {
        FileChannel channel = reading;
        if (channel == null || readingSegment != segment) {
            closeReading();
            channel = FileChannel.open(segment.path, StandardOpenOption.READ);
            reading = channel;
            readingSegment = segment;
        }
        return channel;
    }

    /**
     * Records durably that {@code batch} was delivered; a segment delivered to its end, and no longer appended to,
     * is deleted once the cursor has moved past it.
     */
    void advance(Batch batch) throws IOException {
        SpoolSegment segment = batch.segment();
        SpoolSegment following;
        state.lock();
        try {
            boolean finished = segments.size() > 1 && batch.end() == segment.size();
            following = finished ? segments.stream().skip(1).findFirst().orElseThrow() : null;
        } finally {
            state.unlock();
        }
        long delivered = deliveredLines + batch.lines().size();
        SpoolCursor cursor = following == null ? new SpoolCursor(delivered, segment.firstLine, batch.end())
                : new SpoolCursor(delivered, following.firstLine, 0);
        cursor.write(directory);
        state.lock();
        try {
            deliveredLines = delivered;
            cursorOffset = cursor.offset();
            if (following != null) {
                segments.removeFirst();
                spooledBytes -= segment.size();
            }
        } finally {
            state.unlock();
        }
        if (following != null) {
            closeReading();
            Files.deleteIfExists(segment.path);
        }
    }

    /** Lines taken but not yet delivered. */
    long lag() {
        state.lock();
        try {
            return nextLine - deliveredLines;
        } finally {
            state.unlock();
        }
    }

    /** Bytes taken but not yet delivered. */
    long pendingBytes() {
        state.lock();
        try {
            return spooledBytes - cursorOffset;
        } finally {
            state.unlock();
        }
    }

    Path directory() {
        return directory;
    }

    long maxBytes() {
        return maxBytes;
    }

    /** Bytes of torn lines cut off when the spool was opened. */
    long discardedBytes() {
        return discardedBytes;
    }

    private void closeReading() throws IOException {
        FileChannel channel = reading;
        reading = null;
        readingSegment = null;
        if (channel != null) {
            channel.close();
        }
    }

    /** Makes the spool durable and releases its files; what was not delivered stays for the next start. */
    @Override
    public void close() throws IOException {
        try (lockFile; tail) {
            closeReading();
            lock.release();
        }
    }

    /** The spool holds as many undelivered bytes as it may: the batch was not taken. */
    static final class SpoolFullException extends IOException {
        SpoolFullException(Path directory, long waiting, long batch, long bound) {
            super("audit spool " + directory + " is full: " + waiting + " bytes wait for delivery and a batch of "
                    + batch + " bytes would pass the bound of " + bound + " bytes (spool_max_size)");
        }
    }
}
