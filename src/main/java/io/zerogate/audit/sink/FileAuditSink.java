package io.zerogate.audit.sink;

import io.zerogate.audit.AuditChain;
import io.zerogate.audit.AuditSink;
import io.zerogate.config.AuditConfig;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.time.Clock;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The audit trail's home: JSON-lines files in one directory, named {@code audit-<first seq>-<time>.jsonl} and
 * taken in the order of their first sequence numbers ({@link #TRAIL_ORDER}), rotated by size and age. On start it finds where the previous run stopped
 * (the last complete line of the newest file, and any torn bytes a crash left after it) so that the chain
 * continues; it never rewrites or truncates a file another run wrote.
 */
public final class FileAuditSink implements AuditSink {

    private static final Logger log = LoggerFactory.getLogger(FileAuditSink.class);
    /** A trail file's name: its first sequence number, at least 12 digits wide, and when it was started. */
    private static final Pattern NAME = Pattern.compile("audit-([0-9]{12,19})-([0-9]{8}T[0-9]{6}Z)\\.jsonl");

    /**
     * Chain order of trail files: by the first sequence number their names carry (which outgrows its 12 digits
     * after 10^12 lines, where name order would go wrong), then by name. A name that is not a trail file's sorts by
     * name after those that are.
     */
    public static final Comparator<Path> TRAIL_ORDER = Comparator
            .comparingLong((Path p) -> firstSeqOf(p.getFileName().toString()))
            .thenComparing(p -> p.getFileName().toString());
    private static final DateTimeFormatter STAMP = DateTimeFormatter.ofPattern("yyyyMMdd'T'HHmmss'Z'").withZone(ZoneOffset.UTC);
    private static final Pattern SEQ = Pattern.compile("^\\{\"seq\":([1-9][0-9]{0,18}),\"prev\":\"[0-9a-f]{64}\",\"type\":\"");
    private static final int MAX_LINE = 1 << 20;
    /** Page cache ranges start at a multiple of this: 64 KiB, the largest page size Linux runs with. */
    private static final long DROP_ALIGNMENT = 1 << 16;

    /**
     * Where the previous run left the chain.
     *
     * @param previousFile   the newest file's name, or null when the directory holds no trail yet
     * @param discardedBytes bytes after the last complete line of that file (a line torn by a crash)
     */
    public record Continuation(@Nullable String previousFile, long lastSeq, String lastHash, long discardedBytes) {}

    private final Path directory;
    private final long rotateBytes;
    private final long rotateMillis;
    private final Clock clock;
    private final Continuation continuation;
    private final FileChannel lock;
    private @Nullable FileChannel channel;
    private @Nullable Path current;
    private long size;
    /** How far the current file was durable at the last sync, and up to where its pages have left the page cache. */
    private long synced;
    private long dropped;
    private long openedAt;
    /** The first sequence number of a file that could not be started yet, or 0. */
    private long pendingFirstSeq;
    /** Reused for every batch, and direct, so that a write copies the lines once, not twice. */
    private ByteBuffer batch = ByteBuffer.allocateDirect(1 << 16);
    private volatile @Nullable String problem;
    /** How a sync makes a file durable: {@code fdatasync}, or a stand-in that fails the way a disk can. */
    private final Durability durability;
    /** A sync of the current file failed: lines may be lost, and the trail moves on to a new file. */
    private boolean unsynced;
    /** {@link #problem} tells of a failed sync, until a file is made durable again. */
    private boolean syncProblem;

    /** Makes what was written to a file durable. */
    @FunctionalInterface
    interface Durability {
        Durability FDATASYNC = channel -> channel.force(false);

        void force(FileChannel channel) throws IOException;
    }

    private FileAuditSink(AuditConfig.FileSink config, Clock clock, Continuation continuation, FileChannel lock,
                          Durability durability) {
        this.lock = lock;
        this.durability = durability;
        this.directory = config.directory();
        this.rotateBytes = config.rotateBytes();
        this.rotateMillis = config.rotateInterval().toMillis();
        this.clock = clock;
        this.continuation = continuation;
    }

    /** Opens the directory (creating it) and reads where the trail in it stops; no file is started yet. */
    public static FileAuditSink open(AuditConfig.FileSink config, Clock clock) throws IOException {
        return open(config, clock, Durability.FDATASYNC);
    }

    static FileAuditSink open(AuditConfig.FileSink config, Clock clock, Durability durability) throws IOException {
        Files.createDirectories(config.directory());
        // Two gateways appending to one trail would fork the chain: the directory belongs to one writer.
        FileChannel lock = FileChannel.open(config.directory().resolve(".lock"), StandardOpenOption.CREATE,
                StandardOpenOption.WRITE);
        try {
            if (lock.tryLock() == null) {
                throw new IOException("the audit directory " + config.directory() + " is in use by another gateway");
            }
            return new FileAuditSink(config, clock, findContinuation(config.directory()), lock, durability);
        } catch (java.nio.channels.OverlappingFileLockException e) {
            lock.close();
            throw new IOException("the audit directory " + config.directory() + " is in use by another gateway");
        } catch (IOException | RuntimeException e) {
            lock.close();
            throw e;
        }
    }

    public Continuation continuation() {
        return continuation;
    }

    /**
     * Starts a new file whose first line will have sequence number {@code firstSeq}. When the file cannot be
     * created, the current one is closed all the same, and every later {@link #write} tries again to start it
     * (refusing its batch until it can), so that a trail never goes on in a file it meant to leave.
     */
    public void startFile(long firstSeq) throws IOException {
        pendingFirstSeq = firstSeq;
        Path previous = current;
        try {
            closeCurrent(false);
        } catch (IOException e) {
            // The trail goes on in the new file all the same; the old one's last lines may not have reached the disk.
            log.error("audit trail: closing {} failed; its last lines may not be durable", previous, e);
        }
        openFile(firstSeq);
    }

    private void openFile(long firstSeq) throws IOException {
        String name = String.format("audit-%012d-%s.jsonl", firstSeq, STAMP.format(clock.instant()));
        Path file = directory.resolve(name);
        channel = FileChannel.open(file, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE);
        current = file;
        pendingFirstSeq = 0;
        unsynced = false;
        size = 0;
        synced = 0;
        dropped = 0;
        openedAt = clock.millis();
        log.info("audit trail: writing {}", file);
    }

    /** The file being written, or null before the first {@link #startFile}. */
    public @Nullable Path currentFile() {
        return current;
    }

    /**
     * True when the current file holds at least one line and has reached its size or age, or could not be made
     * durable: after a failed sync, the kernel may already have given up the lines it could not write, and a later
     * sync of the same file would succeed without them.
     */
    public boolean rotationDue() {
        return channel != null && size > 0
                && (unsynced || size >= rotateBytes || clock.millis() - openedAt >= rotateMillis);
    }

    @Override
    public String name() {
        return "file";
    }

    @Override
    public void write(List<byte[]> lines) throws IOException {
        FileChannel c = channel;
        if (c == null && pendingFirstSeq > 0) {
            try {
                openFile(pendingFirstSeq);
            } catch (IOException e) {
                problem = "cannot start a new audit file: " + e.getMessage();
                throw e;
            }
            c = channel;
        }
        if (c == null) {
            throw new IOException("no audit file is open");
        }
        int total = 0;
        for (byte[] line : lines) {
            total += line.length + 1;
        }
        if (batch.capacity() < total) {
            batch = ByteBuffer.allocateDirect(Math.max(total, batch.capacity() * 2));
        }
        ByteBuffer buffer = batch.clear();
        for (byte[] line : lines) {
            buffer.put(line).put((byte) '\n');
        }
        buffer.flip();
        long before = size;
        try {
            while (buffer.hasRemaining()) {
                c.write(buffer);
            }
        } catch (IOException e) {
            problem = "cannot write " + current + ": " + e.getMessage();
            try {
                // All or nothing: a batch that did not fit is taken back, so that it can be offered again whole.
                c.truncate(before);
                c.position(before);
            } catch (IOException ignored) {
                log.warn("audit trail: cannot take back a partly written batch in {}", current);
            }
            throw e;
        }
        size = before + total;
        if (!syncProblem) {
            problem = null;
        }
    }

    /**
     * Makes the current file durable. What was already durable at the previous sync then leaves the page cache
     * ({@link PageCache}): lines stay cached for one sync interval after they are written, for whoever tails the file.
     */
    @Override
    public void sync() throws IOException {
        FileChannel c = channel;
        Path file = current;
        if (c != null && file != null) {
            try {
                durability.force(c);
            } catch (IOException e) {
                unsynced = true;
                syncProblem = true;
                problem = "cannot sync " + current + ": " + e.getMessage()
                        + " (lines written since the last sync may be lost; the trail goes on in a new file)";
                throw e;
            }
            if (unsynced) {
                return;
            }
            if (syncProblem) {
                syncProblem = false;
                problem = null;
            }
            // The kernel drops only whole pages of a range: starting at a boundary no page size exceeds takes the
            // page the previous range ended in as well (it has been durable since then).
            long from = dropped & -DROP_ALIGNMENT;
            if (synced > dropped && PageCache.drop(file, from, synced - from)) {
                dropped = synced;
            }
            synced = size;
        }
    }

    @Override
    public @Nullable String problem() {
        return problem;
    }

    @Override
    public void close() throws IOException {
        try {
            closeCurrent(true);
        } finally {
            lock.close();
        }
    }

    /**
     * Makes the current file durable and closes it. The last file of a stop that was started and never written (a
     * rotation while the gateway was idle) is removed: empty, it would read as a trail torn by a crash.
     */
    private void closeCurrent(boolean last) throws IOException {
        FileChannel c = channel;
        Path file = current;
        channel = null;
        if (c != null) {
            try {
                c.force(true);
            } finally {
                c.close();
            }
            if (file != null && last && size == 0) {
                Files.deleteIfExists(file);
            } else if (file != null) {
                PageCache.drop(file, 0, 0);
            }
        }
    }

    static Continuation findContinuation(Path directory) throws IOException {
        List<Path> files = trailFiles(directory);
        for (int i = files.size() - 1; i >= 0; i--) {
            Path file = files.get(i);
            Continuation c = lastLine(file);
            if (c != null) {
                return c;
            }
            // A crash before the file's first line was complete: nothing in it can be checked or continued.
            Path aside = file.resolveSibling(file.getFileName() + ".torn");
            Files.move(file, aside, StandardCopyOption.ATOMIC_MOVE);
            log.warn("audit trail: {} holds no complete line ({} bytes); moved aside to {}", file, Files.size(aside), aside);
        }
        return new Continuation(null, 0, AuditChain.GENESIS, 0);
    }

    /** Trail files in chain order ({@link #TRAIL_ORDER}). */
    static List<Path> trailFiles(Path directory) throws IOException {
        List<Path> out = new ArrayList<>();
        try (DirectoryStream<Path> ds = Files.newDirectoryStream(directory, "audit-*.jsonl")) {
            for (Path p : ds) {
                if (NAME.matcher(p.getFileName().toString()).matches()) {
                    out.add(p);
                }
            }
        }
        out.sort(TRAIL_ORDER);
        return out;
    }

    private static @Nullable Continuation lastLine(Path file) throws IOException {
        try (FileChannel c = FileChannel.open(file, StandardOpenOption.READ)) {
            long length = c.size();
            // A crash can leave a file longer than what reached the disk, padded with zeros: they are torn bytes
            // like any others, however many there are.
            long end = endOfContent(c, length);
            int window = (int) Math.min(end, 2L * MAX_LINE + 2);
            ByteBuffer tail = ByteBuffer.allocate(window);
            long from = end - window;
            while (tail.hasRemaining()) {
                if (c.read(tail, from + tail.position()) < 0) {
                    break;
                }
            }
            byte[] bytes = tail.array();
            int lastNewline = lastIndexOf(bytes, window - 1);
            if (lastNewline < 0) {
                if (from == 0) {
                    return null;
                }
                throw new IOException("cannot continue the audit trail: " + file + " ends with a line longer than "
                        + MAX_LINE + " bytes");
            }
            int start = lastIndexOf(bytes, lastNewline - 1) + 1;
            if (start == 0 && from > 0) {
                throw new IOException("cannot continue the audit trail: the last line of " + file + " is longer than "
                        + MAX_LINE + " bytes");
            }
            String head = new String(bytes, start, Math.min(lastNewline - start, 128), StandardCharsets.US_ASCII);
            Matcher m = SEQ.matcher(head);
            if (!m.find()) {
                throw new IOException("cannot continue the audit trail: the last complete line of " + file
                        + " is not an audit line (run zerogate audit verify on it)");
            }
            long seq = Long.parseLong(m.group(1));
            String hash = AuditChain.hash(bytes, start, lastNewline - start);
            long discarded = length - (from + lastNewline + 1);
            return new Continuation(file.getFileName().toString(), seq, hash, discarded);
        }
    }

    /** Where the file's bytes end once the zeros at its end are left out. */
    private static long endOfContent(FileChannel c, long length) throws IOException {
        ByteBuffer chunk = ByteBuffer.allocate(1 << 16);
        long end = length;
        while (end > 0) {
            int n = (int) Math.min(chunk.capacity(), end);
            chunk.clear().limit(n);
            long at = end - n;
            while (chunk.hasRemaining()) {
                if (c.read(chunk, at + chunk.position()) < 0) {
                    throw new IOException("the file shrank while it was read");
                }
            }
            byte[] bytes = chunk.array();
            for (int i = n - 1; i >= 0; i--) {
                if (bytes[i] != 0) {
                    return at + i + 1;
                }
            }
            end = at;
        }
        return 0;
    }

    private static long firstSeqOf(String name) {
        Matcher m = NAME.matcher(name);
        if (!m.matches()) {
            return Long.MAX_VALUE;
        }
        try {
            return Long.parseLong(m.group(1));
        } catch (NumberFormatException beyondLong) {
            return Long.MAX_VALUE;
        }
    }

    private static int lastIndexOf(byte[] bytes, int from) {
        for (int i = from; i >= 0; i--) {
            if (bytes[i] == '\n') {
                return i;
            }
        }
        return -1;
    }
}
