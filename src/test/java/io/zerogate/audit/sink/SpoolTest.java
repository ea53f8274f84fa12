package io.zerogate.audit.sink;

import static io.zerogate.audit.sink.HttpAuditSinkTest.lines;
import static io.zerogate.audit.sink.HttpAuditSinkTest.text;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The spool on its own: what it does with the files a crash or a damaged disk leaves behind. */
class SpoolTest {

    private static final int LINE = text(1).length() + 1;

    @TempDir
    Path directory;

    @Test
    void deliversAcrossSegmentsInOrderAndDeletesThemBehindTheCursor() throws Exception {
        try (Spool spool = Spool.open(directory, 1 << 20, 2L * LINE)) {
            for (int i = 1; i <= 7; i++) {
                spool.append(lines(i, i));
            }
            assertThat(segmentNames()).hasSize(4);

            assertThat(drain(spool, 3)).containsExactlyElementsOf(texts(lines(1, 7)));
            assertThat(spool.lag()).isZero();
            assertThat(spool.pendingBytes()).isZero();
            assertThat(segmentNames()).containsExactly(SpoolSegment.name(7));
        }
    }

    @Test
    void damagedCursorMakesDeliveryStartAgainAtTheOldestLine() throws Exception {
        try (Spool spool = Spool.open(directory, 1 << 20, 1 << 20)) {
            spool.append(lines(1, 4));
            spool.advance(spool.read(2));
        }
        Files.writeString(directory.resolve(SpoolCursor.FILE), "zerogate-spool-cursor-v1 three 1 x\n");

        try (HttpLogCapture log = new HttpLogCapture(SpoolCursor.class); Spool spool = Spool.open(directory, 1 << 20, 1 << 20)) {
            assertThat(spool.lag()).isEqualTo(4);
            assertThat(drain(spool, 10)).containsExactlyElementsOf(texts(lines(1, 4)));
            assertThat(log.messages()).containsExactly("audit spool cursor " + directory.resolve(SpoolCursor.FILE)
                    + " is damaged; delivery starts again from the oldest spooled line");
        }
    }

    @Test
    void cursorInsideALineMakesDeliveryStartAgainAtItsSegment() throws Exception {
        try (Spool spool = Spool.open(directory, 1 << 20, 1 << 20)) {
            spool.append(lines(1, 4));
        }
        new SpoolCursor(2, 1, LINE + 3).write(directory);

        try (Spool spool = Spool.open(directory, 1 << 20, 1 << 20)) {
            assertThat(drain(spool, 10)).containsExactlyElementsOf(texts(lines(1, 4)));
        }
    }

    @Test
    void cursorPastTheEndOfItsSegmentContinuesAfterIt() throws Exception {
        try (Spool spool = Spool.open(directory, 1 << 20, 2L * LINE)) {
            for (int i = 1; i <= 4; i++) {
                spool.append(lines(i, i));
            }
        }
        // As after a system crash that lost the end of a segment whose lines had been delivered.
        new SpoolCursor(3, 1, 5L * LINE).write(directory);

        try (Spool spool = Spool.open(directory, 1 << 20, 2L * LINE)) {
            assertThat(spool.lag()).isEqualTo(2);
            assertThat(drain(spool, 10)).containsExactlyElementsOf(texts(lines(3, 4)));
        }
    }

    @Test
    void segmentsLeftBehindTheCursorByACrashAreDeletedAtOpening() throws Exception {
        try (Spool spool = Spool.open(directory, 1 << 20, 2L * LINE)) {
            for (int i = 1; i <= 5; i++) {
                spool.append(lines(i, i));
            }
        }
        // The cursor moved past the first two segments; the crash came before they were deleted.
        new SpoolCursor(5, 5, 0).write(directory);

        try (Spool spool = Spool.open(directory, 1 << 20, 2L * LINE)) {
            assertThat(segmentNames()).containsExactly(SpoolSegment.name(5));
            assertThat(spool.lag()).isEqualTo(1);
            assertThat(drain(spool, 10)).containsExactly(text(5));
        }
    }

    @Test
    void lineNumbersContinueAfterAnEmptiedSpoolIsOpenedAgain() throws Exception {
        try (Spool spool = Spool.open(directory, 1 << 20, 2L * LINE)) {
            for (int i = 1; i <= 4; i++) {
                spool.append(lines(i, i));
            }
            drain(spool, 10);
        }
        Files.delete(directory.resolve(SpoolSegment.name(3)));

        try (Spool spool = Spool.open(directory, 1 << 20, 2L * LINE)) {
            assertThat(segmentNames()).containsExactly(SpoolSegment.name(5));
            spool.append(lines(5, 5));
            assertThat(drain(spool, 10)).containsExactly(text(5));
        }
    }

    @Test
    void batchWithALineHoldingANewlineIsRefusedWhole() throws Exception {
        try (Spool spool = Spool.open(directory, 1 << 20, 1 << 20)) {
            List<byte[]> batch = List.of(text(1).getBytes(StandardCharsets.UTF_8), "{\"a\":1}\n{\"b\":2}".getBytes(StandardCharsets.UTF_8));

            assertThatThrownBy(() -> spool.append(batch)).isInstanceOf(IllegalArgumentException.class)
                    .hasMessage("line 1 of the batch is empty or holds a newline (expected: one JSON object without its newline)");
            assertThat(spool.lag()).isZero();
            assertThat(Files.size(directory.resolve(SpoolSegment.name(1)))).isZero();
        }
    }

    @Test
    void backoffDoublesUpToItsBoundWithHalfOfItRandom() {
        HttpBackoff backoff = new HttpBackoff(java.time.Duration.ofMillis(100), java.time.Duration.ofSeconds(30),
                new SplittableRandom(11));
        long ms = 1_000_000;
        for (int i = 0; i < 200; i++) {
            assertThat(backoff.pause(1)).isBetween(50 * ms, 100 * ms);
            assertThat(backoff.pause(4)).isBetween(400 * ms, 800 * ms);
            assertThat(backoff.pause(1_000)).isBetween(15_000 * ms, 30_000 * ms);
        }
    }

    private static List<String> drain(Spool spool, int batch) throws Exception {
        List<String> out = new ArrayList<>();
        for (Spool.Batch b = spool.read(batch); b != null; b = spool.read(batch)) {
            out.addAll(texts(b.lines()));
            spool.advance(b);
        }
        return out;
    }

    private static List<String> texts(List<byte[]> lines) {
        return lines.stream().map(l -> new String(l, StandardCharsets.UTF_8)).toList();
    }

    private List<String> segmentNames() throws Exception {
        try (Stream<Path> files = Files.list(directory)) {
            return files.map(f -> f.getFileName().toString()).filter(n -> SpoolSegment.firstLineOf(n) > 0).sorted().toList();
        }
    }
}
