package io.zerogate.state;

import java.io.BufferedOutputStream;
import java.io.ByteArrayInputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.channels.Channels;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.FileAttribute;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Arrays;
import java.util.HashMap;
import java.util.Map;
import java.util.Set;
import java.util.zip.CRC32;
import java.util.zip.CheckedOutputStream;

/**
 * The file in which the embedded store keeps quota counts across restarts. It is replaced whole: written to a
 * temporary file, forced to disk, then renamed over the old one, so that a crash leaves either the old or the
 * new file, never a mix. Only the owner may read or write it.
 *
 * <p>Layout: the magic {@code ZGQUOTA1}, the number of entries, then per entry the key (modified UTF-8), the
 * count and the period's end in epoch milliseconds, and last a CRC-32 of everything before it.
 */
final class QuotaFile {

    static final String NAME = "quotas.bin";

    private static final byte[] MAGIC = "ZGQUOTA1".getBytes(StandardCharsets.US_ASCII);

    private final Path dir;
    private final Path file;
    private final Path temporary;
    private final boolean posix;

    QuotaFile(Path dir) {
        this.dir = dir;
        this.file = dir.resolve(NAME);
        this.temporary = dir.resolve(NAME + ".tmp");
        this.posix = FileSystems.getDefault().supportedFileAttributeViews().contains("posix");
    }

    Path path() {
        return file;
    }

    /**
     * Reads the quotas that are still running at {@code nowMillis}; none when there is no file yet.
     *
     * @throws IllegalStateException naming the file when it cannot be read or is not a quota file
     */
    Map<String, Metering.Count> load(long nowMillis) {
        byte[] bytes;
        try {
            bytes = Files.readAllBytes(file);
        } catch (NoSuchFileException absent) {
            return Map.of();
        } catch (IOException e) {
            throw new IllegalStateException("quota file " + file + " cannot be read: " + e, e);
        }
        try {
            return parse(bytes, nowMillis);
        } catch (IOException | IllegalArgumentException e) {
            throw new IllegalStateException("quota file " + file + " is corrupt (expected: a quota file written by "
                    + "this gateway; move it away to start with no quotas consumed): " + e.getMessage(), e);
        }
    }

    private static Map<String, Metering.Count> parse(byte[] bytes, long nowMillis) throws IOException {
        int body = bytes.length - Long.BYTES;
        if (body < MAGIC.length + Integer.BYTES || !Arrays.equals(bytes, 0, MAGIC.length, MAGIC, 0, MAGIC.length)) {
            throw new IOException("no quota file header");
        }
        CRC32 crc = new CRC32();
        crc.update(bytes, 0, body);
        DataInputStream in = new DataInputStream(new ByteArrayInputStream(bytes, MAGIC.length, body - MAGIC.length));
        long stored = new DataInputStream(new ByteArrayInputStream(bytes, body, Long.BYTES)).readLong();
        if (stored != crc.getValue()) {
            throw new IOException("checksum mismatch");
        }
        int entries = in.readInt();
        if (entries < 0) {
            throw new IOException("entries: " + entries + " (expected: >= 0)");
        }
        Map<String, Metering.Count> quotas = new HashMap<>();
        for (int i = 0; i < entries; i++) {
            String key = in.readUTF();
            long count = in.readLong();
            long periodEnd = in.readLong();
            // The same checks as a charge: a file that breaks them was not written by this store.
            new Charge(key, new Meter.Quota(Meter.MAX_LIMIT, periodEnd), count, true);
            if (periodEnd > nowMillis) {
                quotas.put(key, new Metering.Count(count, periodEnd));
            }
        }
        if (in.available() != 0) {
            throw new IOException(in.available() + " bytes after the last entry");
        }
        return quotas;
    }

    /** Replaces the file by one holding {@code quotas}. */
    void write(Map<String, Metering.Count> quotas) throws IOException {
        // Made on first use, so a gateway without quotas leaves nothing on disk.
        Files.createDirectories(dir, ownerOnly("rwx------"));
        Files.deleteIfExists(temporary);
        try (FileChannel channel = FileChannel.open(temporary, Set.of(StandardOpenOption.CREATE_NEW,
                StandardOpenOption.WRITE), ownerOnly("rw-------"))) {
            CRC32 crc = new CRC32();
            OutputStream buffered = new BufferedOutputStream(Channels.newOutputStream(channel), 1 << 16);
            DataOutputStream out = new DataOutputStream(new CheckedOutputStream(buffered, crc));
            out.write(MAGIC);
            out.writeInt(quotas.size());
            for (Map.Entry<String, Metering.Count> quota : quotas.entrySet()) {
                out.writeUTF(quota.getKey());
                out.writeLong(quota.getValue().count());
                out.writeLong(quota.getValue().periodEndMillis());
            }
            out.flush();
            new DataOutputStream(buffered).writeLong(crc.getValue());
            buffered.flush();
            channel.force(true);
        }
        Files.move(temporary, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        if (posix) {
            // The rename itself is durable only once the directory is.
            try (FileChannel directory = FileChannel.open(dir, StandardOpenOption.READ)) {
                directory.force(true);
            }
        }
    }

    private FileAttribute<?>[] ownerOnly(String permissions) {
        return posix ? new FileAttribute<?>[] {PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString(permissions))}
                : new FileAttribute<?>[0];
    }
}
