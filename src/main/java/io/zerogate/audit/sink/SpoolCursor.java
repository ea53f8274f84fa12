package io.zerogate.audit.sink;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * How far delivery has come: the number of the next line to deliver, the segment that holds it (named by its
 * first line's number) and the byte offset of that line in the segment. Kept in the spool directory's
 * {@code cursor} file, which is replaced atomically and made durable before a delivered segment is deleted.
 */
record SpoolCursor(long nextLine, long segment, long offset) {

    static final String FILE = "cursor";
    private static final String TEMPORARY = "cursor.tmp";
    private static final String MAGIC = "zerogate-spool-cursor-v1";
    private static final Logger LOG = LoggerFactory.getLogger(SpoolCursor.class);

    SpoolCursor {
        if (nextLine < 1 || segment < 1 || offset < 0) {
            throw new IllegalArgumentException("cursor: " + nextLine + " " + segment + " " + offset
                    + " (expected: line >= 1, segment >= 1, offset >= 0)");
        }
    }

    /** The cursor kept in {@code directory}, or null when there is none or it cannot be understood (logged). */
    static @Nullable SpoolCursor read(Path directory) throws IOException {
        Path file = directory.resolve(FILE);
        String text;
        try {
            text = Files.readString(file, StandardCharsets.US_ASCII);
        } catch (NoSuchFileException e) {
            return null;
        }
        String[] parts = text.strip().split(" ");
        try {
            if (parts.length == 4 && parts[0].equals(MAGIC)) {
                return new SpoolCursor(Long.parseLong(parts[1]), Long.parseLong(parts[2]), Long.parseLong(parts[3]));
            }
        } catch (IllegalArgumentException e) {
            // Falls through to the warning: a damaged cursor is treated as no cursor.
        }
        LOG.warn("audit spool cursor {} is damaged; delivery starts again from the oldest spooled line", file);
        return null;
    }

    /** Replaces the cursor file with this cursor, durably. */
    void write(Path directory) throws IOException {
        Path temporary = directory.resolve(TEMPORARY);
        byte[] text = (MAGIC + " " + nextLine + " " + segment + " " + offset + "\n").getBytes(StandardCharsets.US_ASCII);
        try (FileChannel channel = FileChannel.open(temporary, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                StandardOpenOption.TRUNCATE_EXISTING)) {
            ByteBuffer buffer = ByteBuffer.wrap(text);
            while (buffer.hasRemaining()) {
                channel.write(buffer);
            }
            channel.force(true);
        }
        Files.move(temporary, directory.resolve(FILE), StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        syncDirectory(directory);
    }

    static void removeLeftovers(Path directory) throws IOException {
        Files.deleteIfExists(directory.resolve(TEMPORARY));
    }

    /** Makes a file's creation, rename or deletion in {@code directory} durable. */
    static void syncDirectory(Path directory) throws IOException {
        try (FileChannel channel = FileChannel.open(directory, StandardOpenOption.READ)) {
            channel.force(true);
        }
    }
}
