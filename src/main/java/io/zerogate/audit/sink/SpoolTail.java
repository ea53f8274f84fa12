package io.zerogate.audit.sink;

import java.io.Closeable;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.List;
import org.jspecify.annotations.Nullable;

/**
 * The segment the audit writer appends to, and the rolling to a new one once it is full. Used by the appending
 * thread alone: the bytes it writes become visible to the reader only when the spool grows the segment's size
 * after a whole batch is written.
 */
final class SpoolTail implements Closeable {

    private static final ByteBuffer NEWLINE = ByteBuffer.wrap(new byte[] {'\n'}).asReadOnlyBuffer();

    private final Path directory;
    private final long segmentBytes;
    private SpoolSegment segment;
    private FileChannel channel;

    SpoolTail(Path directory, SpoolSegment last, long segmentBytes) throws IOException {
        this.directory = directory;
        this.segmentBytes = segmentBytes;
        this.segment = last;
        this.channel = FileChannel.open(last.path, StandardOpenOption.WRITE);
        channel.position(last.size());
    }

    /** The bytes that {@code lines} take in a segment, each with its newline. */
    static long bytes(List<byte[]> lines) {
        long bytes = 0;
        for (int i = 0; i < lines.size(); i++) {
            byte[] line = lines.get(i);
            if (line.length == 0 || indexOfNewline(line) >= 0) {
                throw new IllegalArgumentException("line " + i + " of the batch is empty or holds a newline"
                        + " (expected: one JSON object without its newline)");
            }
            bytes += line.length + 1L;
        }
        return bytes;
    }

    SpoolSegment segment() {
        return segment;
    }

    /**
     * Starts a new segment, whose first line will be {@code nextLine}, when the current one is full.
     *
     * @return the new segment, or null when the current one still has room
     */
    @Nullable SpoolSegment rollIfFull(long nextLine) throws IOException {
        if (segment.size() < segmentBytes) {
            return null;
        }
        SpoolSegment next = new SpoolSegment(nextLine, directory.resolve(SpoolSegment.name(nextLine)), 0);
        FileChannel created = FileChannel.open(next.path, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE);
        try {
            SpoolCursor.syncDirectory(directory);
            // The full segment is made durable before any later line exists, so only the newest can be torn.
            channel.force(false);
        } catch (IOException e) {
            created.close();
            Files.deleteIfExists(next.path);
            throw e;
        }
        channel.close();
        channel = created;
        segment = next;
        return next;
    }

    /** Writes the lines after the segment's last batch, entirely or, when the disk refuses, not at all. */
    void write(List<byte[]> lines) throws IOException {
        long before = segment.size();
        ByteBuffer[] buffers = new ByteBuffer[lines.size() * 2];
        for (int i = 0; i < lines.size(); i++) {
            buffers[2 * i] = ByteBuffer.wrap(lines.get(i));
            buffers[2 * i + 1] = NEWLINE.duplicate();
        }
        try {
            int first = 0;
            while (first < buffers.length) {
                channel.write(buffers, first, buffers.length - first);
                while (first < buffers.length && !buffers[first].hasRemaining()) {
                    first++;
                }
            }
        } catch (IOException e) {
            try {
                channel.truncate(before);
                channel.position(before);
            } catch (IOException truncation) {
                e.addSuppressed(truncation);
            }
            throw e;
        }
    }

    void sync() throws IOException {
        channel.force(false);
    }

    @Override
    public void close() throws IOException {
        try (FileChannel closing = channel) {
            closing.force(false);
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
}
