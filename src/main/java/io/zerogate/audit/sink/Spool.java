package io.zerogate.audit.sink;

import java.io.Closeable;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayDeque;
import java.util.List;
import java.util.concurrent.TimeUnit;
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

    private static final ByteBuffer NEWLINE = ByteBuffer.wrap(new byte[] {'\n'}).asReadOnlyBuffer();

    /** Lines read for delivery: their segment and the offset just past the last of them. */
    record Batch(List<byte[]> lines, SpoolSegment segment, long end) {}

    private final Path directory;
    private final long maxBytes;
    private final long segmentBytes;
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
    private SpoolSegment tailSegment;
    private FileChannel tail;
    // The sending thread's own.
    private @Nullable FileChannel reading;
    private @Nullable SpoolSegment readingSegment;

    private Spool(SpoolOpening opened, long maxBytes, long segmentBytes) throws IOException {
        this.directory = opened.directory();
        this.maxBytes = maxBytes;
        this.segmentBytes = segmentBytes;
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
        this.tailSegment = segments.getLast();
        this.tail = FileChannel.open(tailSegment.path, StandardOpenOption.WRITE);
        tail.position(tailSegment.size());
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
     * @throws SpoolFullException when the batch would take the undelivered bytes past the bound
     * @throws IOException        when the disk refuses it; nothing of the batch stays in the spool
     */
    void append(List<byte[]> lines) throws IOException {
        long bytes = 0;
        for (int i = 0; i < lines.size(); i++) {
            byte[] line = lines.get(i);
            if (line.length == 0 || indexOfNewline(line) >= 0) {
                throw new IllegalArgumentException("line " + i + " of the batch is empty or holds a newline"
                        + " (expected: one JSON object without its newline)");
            }
            bytes += line.length + 1L;
        }
        long waiting = pendingBytes();
        if (waiting + bytes > maxBytes) {
            throw new SpoolFullException(directory, waiting, bytes, maxBytes);
        }
        if (tailSegment.size() >= segmentBytes) {
            roll();
        }
        SpoolSegment segment = tailSegment;
        long before = segment.size();
        try {
            writeLines(lines);
        } catch (IOException e) {
            try {
                tail.truncate(before);
                tail.position(before);
            } catch (IOException truncation) {
                e.addSuppressed(truncation);
            }
            throw e;
        }
        state.lock();
        try {
            segment.grow(bytes);
            spooledBytes += bytes;
            nextLine += lines.size();
            appended.signalAll();
        } finally {
            state.unlock();
        }
    }

    private void writeLines(List<byte[]> lines) throws IOException {
        ByteBuffer[] buffers = new ByteBuffer[lines.size() * 2];
        for (int i = 0; i < lines.size(); i++) {
            buffers[2 * i] = ByteBuffer.wrap(lines.get(i));
            buffers[2 * i + 1] = NEWLINE.duplicate();
        }
        int first = 0;
        while (first < buffers.length) {
            tail.write(buffers, first, buffers.length - first);
            while (first < buffers.length && !buffers[first].hasRemaining()) {
                first++;
            }
        }
    }

    private void roll() throws IOException {
        long first = nextLine;
        SpoolSegment next = new SpoolSegment(first, directory.resolve(SpoolSegment.name(first)), 0);
        FileChannel channel = FileChannel.open(next.path, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE);
        try {
            SpoolCursor.syncDirectory(directory);
            // The full segment is made durable before any later line exists, so only the newest can be torn.
            tail.force(false);
        } catch (IOException e) {
            channel.close();
            Files.deleteIfExists(next.path);
            throw e;
        }
        tail.close();
        tail = channel;
        tailSegment = next;
        state.lock();
        try {
            segments.addLast(next);
        } finally {
            state.unlock();
        }
    }

    /** Makes every appended line durable. */
    void sync() throws IOException {
        tail.force(false);
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
        try (lockFile; FileChannel appending = tail) {
            appending.force(false);
            closeReading();
            lock.release();
        }
    }

    private static int indexOfNewline(byte[] line) {
        for (int i = 0; i < line.length; i++) {
            if (line[i] == '\n') {
                return i;
            }
        }
        return -1;
    }

    /** The spool holds as many undelivered bytes as it may: the batch was not taken. */
    static final class SpoolFullException extends IOException {
        SpoolFullException(Path directory, long waiting, long batch, long bound) {
            super("audit spool " + directory + " is full: " + waiting + " bytes wait for delivery and a batch of "
                    + batch + " bytes would pass the bound of " + bound + " bytes (spool_max_size)");
        }
    }
}
