package io.zerogate.audit.sink;

import java.io.ByteArrayOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * One append-only file of the spool, {@code spool-<number of its first line, 16 digits>.ndjson}: lines, each
 * ended by a newline. Name order is line order. {@link #size()} counts only whole batches that were written
 * completely, so a reader never sees half a batch.
 */
final class SpoolSegment {

    private static final Pattern NAME = Pattern.compile("spool-(\\d{16})\\.ndjson");
    private static final int CHUNK = 64 * 1024;

    /** Lines read from a segment, and the offset just past the last of them. */
    record Lines(List<byte[]> lines, long end) {}

    final long firstLine;
    final Path path;
    private volatile long size;

    SpoolSegment(long firstLine, Path path, long size) {
        this.firstLine = firstLine;
        this.path = path;
        this.size = size;
    }

    static String name(long firstLine) {
        return String.format("spool-%016d.ndjson", firstLine);
    }

    /** The number of the first line of the segment named {@code fileName}, or -1 when it names no segment. */
    static long firstLineOf(String fileName) {
        Matcher m = NAME.matcher(fileName);
        return m.matches() ? Long.parseLong(m.group(1)) : -1;
    }

    long size() {
        return size;
    }

    /** Called by the appending thread once a batch of {@code bytes} is completely written. */
    void grow(long bytes) {
        size += bytes;
    }

    /**
     * Cuts off whatever follows the last newline: a line torn by a crash while it was written.
     *
     * @return how many bytes were cut off
     */
    long dropTornTail() throws IOException {
        try (FileChannel channel = FileChannel.open(path, StandardOpenOption.READ, StandardOpenOption.WRITE)) {
            long length = channel.size();
            long end = length;
            ByteBuffer buffer = ByteBuffer.allocate(CHUNK);
            scan:
            while (end > 0) {
                long from = Math.max(0, end - CHUNK);
                buffer.clear().limit((int) (end - from));
                readFully(channel, buffer, from);
                for (int i = buffer.limit() - 1; i >= 0; i--) {
                    if (buffer.get(i) == '\n') {
                        end = from + i + 1;
                        break scan;
                    }
                }
                end = from;
            }
            if (end < length) {
                channel.truncate(end);
                channel.force(true);
            }
            size = end;
            return length - end;
        }
    }

    /** How many lines begin before {@code end}, which must be the offset just past a newline (or 0). */
    long countLines(long end) throws IOException {
        long lines = 0;
        try (FileChannel channel = FileChannel.open(path, StandardOpenOption.READ)) {
            ByteBuffer buffer = ByteBuffer.allocate(CHUNK);
            for (long at = 0; at < end; at += buffer.limit()) {
                buffer.clear().limit((int) Math.min(CHUNK, end - at));
                readFully(channel, buffer, at);
                for (int i = 0; i < buffer.limit(); i++) {
                    if (buffer.get(i) == '\n') {
                        lines++;
                    }
                }
            }
        }
        return lines;
    }

    /** Whether a line begins at {@code offset}: the start of the file, or just past a newline within it. */
    boolean startsLine(long offset) throws IOException {
        if (offset == 0) {
            return true;
        }
        if (offset > size) {
            return false;
        }
        try (FileChannel channel = FileChannel.open(path, StandardOpenOption.READ)) {
            ByteBuffer one = ByteBuffer.allocate(1);
            readFully(channel, one, offset - 1);
            return one.get(0) == '\n';
        }
    }

    /** Reads up to {@code maxLines} whole lines from {@code from} up to {@code to}, which ends a line. */
    static Lines read(FileChannel channel, long from, long to, int maxLines) throws IOException {
        List<byte[]> lines = new ArrayList<>();
        ByteArrayOutputStream line = new ByteArrayOutputStream();
        ByteBuffer buffer = ByteBuffer.allocate(CHUNK);
        long at = from;
        long end = from;
        while (at < to && lines.size() < maxLines) {
            buffer.clear().limit((int) Math.min(CHUNK, to - at));
            readFully(channel, buffer, at);
            int start = 0;
            for (int i = 0; i < buffer.limit() && lines.size() < maxLines; i++) {
                if (buffer.get(i) == '\n') {
                    line.write(buffer.array(), start, i - start);
                    lines.add(line.toByteArray());
                    line.reset();
                    start = i + 1;
                    end = at + i + 1;
                }
            }
            if (lines.size() < maxLines) {
                line.write(buffer.array(), start, buffer.limit() - start);
            }
            at += buffer.limit();
        }
        return new Lines(lines, end);
    }

    private static void readFully(FileChannel channel, ByteBuffer buffer, long position) throws IOException {
        long at = position;
        while (buffer.hasRemaining()) {
            int n = channel.read(buffer, at);
            if (n < 0) {
                throw new EOFException("audit spool segment ends at " + at + " bytes, before the "
                        + (position + buffer.limit()) + " it was written with");
            }
            at += n;
        }
        buffer.flip();
    }

    @Override
    public String toString() {
        return path.getFileName().toString();
    }
}
