package io.zerogate.audit;

import java.io.Closeable;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.AccessDeniedException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import org.jspecify.annotations.Nullable;

/**
 * Streams the lines of audit files, one file after the other, in bounded memory: a read buffer and one line of at
 * most {@code maxLineBytes}. Each complete line (ended by a newline) is hashed over its exact bytes and parsed;
 * the bytes after a file's last newline are counted as a torn line, which only a crash leaves behind.
 */
final class TrailReader implements Closeable {

    /** What the reader meets next in the trail. */
    sealed interface Entry permits TrailLine, Unreadable, FileEnd {}

    /** A complete line that is not an audit line, or is too long to read. */
    record Unreadable(Path file, long number, TrailBreak.Kind kind, String reason) implements Entry {}

    /**
     * The end of one file.
     *
     * @param lines      how many complete lines it holds
     * @param tornBytes  how many bytes follow its last newline (a line cut short)
     */
    record FileEnd(Path file, long lines, long tornBytes) implements Entry {}

    private static final int CHUNK = 64 * 1024;

    private final List<Path> files;
    private final int maxLineBytes;
    private final byte[] chunk = new byte[CHUNK];
    private final MessageDigest sha256;
    private byte[] line = new byte[8 * 1024];
    private int chunkPos;
    private int chunkEnd;
    private int lineLength;
    private long lineBytes;
    private int fileIndex = -1;
    private @Nullable InputStream in;
    private long number;

    TrailReader(List<Path> files, int maxLineBytes) {
        if (maxLineBytes < 1) {
            throw new IllegalArgumentException("maxLineBytes: " + maxLineBytes + " (expected: >= 1)");
        }
        this.files = List.copyOf(files);
        this.maxLineBytes = maxLineBytes;
        try {
            this.sha256 = MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("the JDK lacks SHA-256", e);
        }
    }

    /** The next entry, or null after the last file's end. */
    @Nullable Entry next() throws IOException {
        InputStream current = in;
        if (current == null) {
            if (fileIndex + 1 >= files.size()) {
                return null;
            }
            fileIndex++;
            current = open(files.get(fileIndex));
            in = current;
            number = 0;
            chunkPos = 0;
            chunkEnd = 0;
        }
        Path file = files.get(fileIndex);
        boolean complete = readLine(current, file);
        if (!complete) {
            current.close();
            in = null;
            return new FileEnd(file, number, lineBytes);
        }
        number++;
        if (lineBytes > maxLineBytes) {
            return new Unreadable(file, number, TrailBreak.Kind.LINE_TOO_LONG,
                    "a line of " + lineBytes + " bytes (at most " + maxLineBytes + " are read)");
        }
        sha256.reset();
        sha256.update(line, 0, lineLength);
        String hash = HexFormat.of().formatHex(sha256.digest());
        try {
            return TrailLineParser.parse(file, number, line, lineLength, hash);
        } catch (TrailLineParser.Malformed e) {
            return new Unreadable(file, number, TrailBreak.Kind.MALFORMED, e.getMessage());
        }
    }

    /** How many files have been opened so far. */
    int filesOpened() {
        return fileIndex + 1;
    }

    /** Reads up to the next newline; false when the file ended first (what was read is then the torn tail). */
    private boolean readLine(InputStream from, Path file) throws IOException {
        lineLength = 0;
        lineBytes = 0;
        while (true) {
            if (chunkPos == chunkEnd) {
                int n;
                try {
                    n = from.read(chunk);
                } catch (IOException e) {
                    throw failure(file, e);
                }
                if (n < 0) {
                    return false;
                }
                chunkPos = 0;
                chunkEnd = n;
            }
            int end = chunkPos;
            while (end < chunkEnd && chunk[end] != '\n') {
                end++;
            }
            keep(end - chunkPos);
            boolean newline = end < chunkEnd;
            chunkPos = newline ? end + 1 : end;
            if (newline) {
                return true;
            }
        }
    }

    /** Keeps the next {@code n} bytes of the chunk as part of the line while it stays within the bound. */
    private void keep(int n) {
        lineBytes += n;
        if (lineBytes > maxLineBytes) {
            return;
        }
        if (lineLength + n > line.length) {
            line = Arrays.copyOf(line, Math.min(maxLineBytes, Math.max(line.length * 2, lineLength + n)));
        }
        System.arraycopy(chunk, chunkPos, line, lineLength, n);
        lineLength += n;
    }

    private static InputStream open(Path file) throws IOException {
        try {
            return Files.newInputStream(file);
        } catch (IOException e) {
            throw failure(file, e);
        }
    }

    /** An I/O failure named by file and cause, in one line. */
    static IOException failure(Path file, IOException e) {
        String why = e instanceof NoSuchFileException ? "no such file"
                : e instanceof AccessDeniedException ? "permission denied"
                : e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
        return new IOException(file + ": cannot read: " + why, e);
    }

    @Override
    public void close() throws IOException {
        InputStream current = in;
        in = null;
        if (current != null) {
            current.close();
        }
    }
}
