package io.zerogate.audit.sink;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What a spool directory holds when a sink starts: its segments in order (a line torn by a crash cut off), where
 * delivery stands, and the number the next appended line gets. Segments wholly delivered before a crash are
 * deleted here; a cursor that cannot be trusted makes delivery start again at the oldest line, so that a damaged
 * cursor costs duplicates, never lost lines.
 *
 * @param cursor         the first undelivered line: its number, segment and offset
 * @param discardedBytes bytes of torn lines cut off
 */
record SpoolOpening(Path directory, FileChannel lockFile, FileLock lock, List<SpoolSegment> segments,
                    SpoolCursor cursor, long nextLine, long discardedBytes) {

    private static final Logger LOG = LoggerFactory.getLogger(SpoolOpening.class);
    private static final String LOCK = "lock";

    /** Takes the directory's lock and reads what it holds; the caller owns {@link #lockFile} afterwards. */
    static SpoolOpening recover(Path directory) throws IOException {
        Files.createDirectories(directory);
        FileChannel lockFile = FileChannel.open(directory.resolve(LOCK), StandardOpenOption.CREATE, StandardOpenOption.WRITE);
        try {
            FileLock lock;
            try {
                lock = lockFile.tryLock();
            } catch (OverlappingFileLockException e) {
                lock = null;
            }
            if (lock == null) {
                throw new IOException("audit spool " + directory + " is in use by another sink");
            }
            return recover(directory, lockFile, lock);
        } catch (IOException | RuntimeException e) {
            lockFile.close();
            throw e;
        }
    }

    private static SpoolOpening recover(Path directory, FileChannel lockFile, FileLock lock) throws IOException {
        SpoolCursor.removeLeftovers(directory);
        SpoolCursor saved = SpoolCursor.read(directory);
        TreeMap<Long, Path> found = segmentFiles(directory);
        if (saved != null) {
            // Wholly delivered, but a crash came between moving the cursor past them and deleting them.
            for (Map.Entry<Long, Path> delivered : found.headMap(saved.segment()).entrySet()) {
                Files.delete(delivered.getValue());
            }
            found.headMap(saved.segment()).clear();
        }
        long discarded = 0;
        List<SpoolSegment> segments = new ArrayList<>();
        for (Map.Entry<Long, Path> e : found.entrySet()) {
            SpoolSegment segment = new SpoolSegment(e.getKey(), e.getValue(), Files.size(e.getValue()));
            long torn = segment.dropTornTail();
            if (torn > 0) {
                LOG.warn("audit spool segment {}: dropped a torn last line of {} bytes left by an interrupted write",
                        segment.path, torn);
                discarded += torn;
            }
            segments.add(segment);
        }
        if (segments.isEmpty()) {
            long first = saved == null ? 1 : saved.nextLine();
            Path path = directory.resolve(SpoolSegment.name(first));
            Files.createFile(path);
            SpoolCursor.syncDirectory(directory);
            segments.add(new SpoolSegment(first, path, 0));
        }
        SpoolSegment last = segments.getLast();
        long nextLine = last.firstLine + last.countLines(last.size());
        SpoolCursor cursor = start(segments, saved, nextLine);
        return new SpoolOpening(directory, lockFile, lock, List.copyOf(segments), cursor, nextLine, discarded);
    }

    private static SpoolCursor start(List<SpoolSegment> segments, @Nullable SpoolCursor saved, long nextLine)
            throws IOException {
        SpoolSegment head = segments.getFirst();
        if (saved == null || saved.segment() != head.firstLine) {
            return new SpoolCursor(head.firstLine, head.firstLine, 0);
        }
        long offset = saved.offset();
        if (offset > head.size()) {
            // Delivered, then lost from the spool by a system crash: what remains of the segment was delivered too.
            LOG.warn("audit spool cursor points past the end of {}; delivery continues after it", head);
            long following = segments.size() > 1 ? segments.get(1).firstLine : nextLine;
            return new SpoolCursor(following, head.firstLine, head.size());
        }
        if (!head.startsLine(offset)) {
            LOG.warn("audit spool cursor points inside a line of {}; delivery starts again at its first line", head);
            return new SpoolCursor(head.firstLine, head.firstLine, 0);
        }
        return new SpoolCursor(head.firstLine + head.countLines(offset), head.firstLine, offset);
    }

    private static TreeMap<Long, Path> segmentFiles(Path directory) throws IOException {
        TreeMap<Long, Path> found = new TreeMap<>();
        try (Stream<Path> files = Files.list(directory)) {
            for (Path file : (Iterable<Path>) files::iterator) {
                long first = SpoolSegment.firstLineOf(file.getFileName().toString());
                if (first > 0) {
                    found.put(first, file);
                }
            }
        }
        return found;
    }
}
