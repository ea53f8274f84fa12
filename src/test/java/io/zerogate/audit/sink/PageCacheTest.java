package io.zerogate.audit.sink;

import static org.assertj.core.api.Assertions.assertThat;

import io.zerogate.config.AuditConfig;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Page cache advice on trail files, checked against what the kernel reports as cached ({@code fincore} from
 * util-linux). The suite runs on Linux with a JDK of at least 22, where the advice must be available.
 */
class PageCacheTest {

    private static final int MB = 1 << 20;

    @TempDir
    Path dir;

    @Test
    void adviceIsAvailableOnThisPlatform() {
        assertThat(System.getProperty("os.name")).startsWith("Linux");
        assertThat(Runtime.version().feature()).isGreaterThanOrEqualTo(22);
        assertThat(PageCache.available()).isTrue();
    }

    @Test
    void dropsOnlyTheDurableRangeItWasGiven() throws Exception {
        Path file = dir.resolve("data");
        write(file, 8 * MB);
        assertThat(cachedBytes(file)).isEqualTo(8L * MB);

        assertThat(PageCache.drop(file, 0, 3 * MB)).isTrue();
        assertThat(cachedBytes(file)).isEqualTo(5L * MB);
        assertThat(Files.size(file)).isEqualTo(8L * MB);

        assertThat(PageCache.drop(file, 3 * MB, 0)).isTrue();
        assertThat(cachedBytes(file)).isZero();
        byte[] back = Files.readAllBytes(file);
        assertThat(back).hasSize(8 * MB);
        assertThat(back[5 * MB]).isEqualTo((byte) 'x');
    }

    @Test
    void refusesWhatItCannotAdvise() {
        assertThat(PageCache.drop(dir.resolve("missing"), 0, 0)).isFalse();
        assertThat(PageCache.drop(dir, -1, 0)).isFalse();
        assertThat(PageCache.drop(dir, 0, -1)).isFalse();
    }

    @Test
    void fileSinkKeepsOneSyncIntervalOfLinesCached() throws Exception {
        AuditConfig.FileSink config = new AuditConfig.FileSink(dir.resolve("trail"), 1L << 30, Duration.ofHours(1),
                Duration.ofSeconds(1));
        FileAuditSink sink = FileAuditSink.open(config, Clock.systemUTC());
        try {
            sink.startFile(1);
            Path file = sink.currentFile();
            sink.write(lines(2 * MB));
            sink.sync();
            // Just made durable: still cached, for whoever tails the file.
            assertThat(cachedBytes(file)).isGreaterThanOrEqualTo(2L * MB - 4096);
            sink.write(lines(2 * MB));
            sink.sync();
            // What the first sync made durable has left; what the second did has not.
            long cached = cachedBytes(file);
            assertThat(cached).isBetween(2L * MB - 4096, 2L * MB + 8192);
            assertThat(Files.size(file)).isEqualTo(4L * MB);
        } finally {
            sink.close();
        }
    }

    @Test
    void syncsAtAnyOffsetLeaveNoPageBehindAndAClosedFileLeavesTheCache() throws Exception {
        AuditConfig.FileSink config = new AuditConfig.FileSink(dir.resolve("unaligned"), 1L << 30, Duration.ofHours(1),
                Duration.ofSeconds(1));
        FileAuditSink sink = FileAuditSink.open(config, Clock.systemUTC());
        Path file;
        try {
            sink.startFile(1);
            file = sink.currentFile();
            byte[] line = new byte[999];
            Arrays.fill(line, (byte) 'b');
            // 1,000-byte lines, 103 to a sync: no sync ends on a page boundary.
            long interval = 103L * 1000;
            for (int sync = 0; sync < 60; sync++) {
                List<byte[]> batch = new ArrayList<>();
                for (int i = 0; i < 103; i++) {
                    batch.add(line);
                }
                sink.write(batch);
                sink.sync();
            }
            assertThat(Files.size(file)).isEqualTo(60 * interval);
            assertThat(cachedBytes(file)).as("one interval, and the page the one before it ended in")
                    .isBetween(interval - 4096, interval + 2 * 4096);
        } finally {
            sink.close();
        }
        assertThat(cachedBytes(file)).isZero();
    }

    private static List<byte[]> lines(int bytes) {
        List<byte[]> lines = new ArrayList<>();
        byte[] line = new byte[1023];
        Arrays.fill(line, (byte) 'a');
        for (int written = 0; written < bytes; written += line.length + 1) {
            lines.add(line);
        }
        return lines;
    }

    private static void write(Path file, int bytes) throws IOException {
        byte[] block = new byte[MB];
        Arrays.fill(block, (byte) 'x');
        try (FileChannel c = FileChannel.open(file, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
            for (int n = 0; n < bytes / MB; n++) {
                c.write(ByteBuffer.wrap(block));
            }
            c.force(false);
        }
    }

    /** The bytes of {@code file} the kernel holds in its page cache, as {@code fincore} reports them. */
    private static long cachedBytes(Path file) throws Exception {
        Process p = new ProcessBuilder("fincore", "--bytes", "--noheadings", "--output", "RES", file.toString())
                .redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.US_ASCII).trim();
        assertThat(p.waitFor(10, TimeUnit.SECONDS)).isTrue();
        assertThat(p.exitValue()).as("fincore: %s", out).isZero();
        return Long.parseLong(out);
    }
}
