package io.zerogate.audit.sink;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.zerogate.config.AuditConfig;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class FileAuditSinkTest {

    @TempDir
    Path dir;

    @Test
    void aFileThatCannotBeStartedIsTriedAgainOnEveryWriteAndNothingGoesToTheOldOne() throws Exception {
        Clock clock = Clock.fixed(Instant.parse("2026-11-25T10:00:00Z"), ZoneOffset.UTC);
        AuditConfig.FileSink config = new AuditConfig.FileSink(dir, 1L << 30, Duration.ofHours(1), Duration.ofSeconds(1));
        FileAuditSink sink = FileAuditSink.open(config, clock);
        try {
            sink.startFile(1);
            Path first = sink.currentFile();
            sink.write(List.of(line("one")));
            // Something already holds the name the next file must have.
            Path blocker = dir.resolve("audit-000000000002-20261125T100000Z.jsonl");
            Files.createDirectory(blocker);
            assertThatThrownBy(() -> sink.startFile(2)).isInstanceOf(IOException.class);
            assertThatThrownBy(() -> sink.write(List.of(line("two")))).isInstanceOf(IOException.class);
            assertThat(sink.problem()).startsWith("cannot start a new audit file");
            assertThat(Files.readString(first)).isEqualTo("one\n");

            Files.delete(blocker);
            sink.write(List.of(line("two")));
            assertThat(sink.currentFile()).isEqualTo(blocker);
            assertThat(Files.readString(blocker)).isEqualTo("two\n");
            assertThat(Files.readString(first)).isEqualTo("one\n");
            assertThat(sink.problem()).isNull();
        } finally {
            sink.close();
        }
    }

    @Test
    void aLastFileNeverWrittenIsRemovedAtCloseSoTheTrailDoesNotEndTorn() throws Exception {
        AuditConfig.FileSink config = new AuditConfig.FileSink(dir, 1L << 30, Duration.ofHours(1), Duration.ofSeconds(1));
        FileAuditSink sink = FileAuditSink.open(config, Clock.systemUTC());
        Path first;
        Path idle;
        try {
            sink.startFile(1);
            first = sink.currentFile();
            sink.write(List.of(line("one")));
            sink.startFile(2);
            idle = sink.currentFile();
            assertThat(idle).exists().isNotEqualTo(first);
        } finally {
            sink.close();
        }
        assertThat(idle).doesNotExist();
        assertThat(Files.readString(first)).isEqualTo("one\n");
        assertThat(FileAuditSink.trailFiles(dir)).containsExactly(first);
    }

    @Test
    void trailFilesAreInChainOrderPastTwelveDigitsOfSequence() throws Exception {
        List<String> names = List.of("audit-1000000000000-20270101T000000Z.jsonl", "audit-000000000001-20261125T100000Z.jsonl",
                "audit-999999999999-20261231T000000Z.jsonl", "audit-10000000000000-20280101T000000Z.jsonl");
        for (String name : names) {
            Files.writeString(dir.resolve(name), "");
        }
        List<String> expected = List.of("audit-000000000001-20261125T100000Z.jsonl", "audit-999999999999-20261231T000000Z.jsonl",
                "audit-1000000000000-20270101T000000Z.jsonl", "audit-10000000000000-20280101T000000Z.jsonl");
        assertThat(FileAuditSink.trailFiles(dir).stream().map(p -> p.getFileName().toString())).containsExactlyElementsOf(expected);
        assertThat(io.zerogate.audit.AuditVerifier.trailFiles(List.of(dir)).stream().map(p -> p.getFileName().toString()))
                .containsExactlyElementsOf(expected);
    }

    @Test
    void aFileThatCouldNotBeMadeDurableIsLeftForANewOneAndTheProblemStaysUntilOneIs() throws Exception {
        java.util.concurrent.atomic.AtomicBoolean diskFails = new java.util.concurrent.atomic.AtomicBoolean();
        FileAuditSink.Durability flaky = channel -> {
            if (diskFails.get()) {
                throw new IOException("Input/output error");
            }
            channel.force(false);
        };
        AuditConfig.FileSink config = new AuditConfig.FileSink(dir, 1L << 30, Duration.ofHours(1), Duration.ofSeconds(1));
        FileAuditSink sink = FileAuditSink.open(config, Clock.systemUTC(), flaky);
        try {
            sink.startFile(1);
            Path first = sink.currentFile();
            sink.write(List.of(line("one")));
            sink.sync();
            assertThat(sink.rotationDue()).isFalse();

            diskFails.set(true);
            sink.write(List.of(line("two")));
            assertThatThrownBy(sink::sync).isInstanceOf(IOException.class);
            assertThat(sink.problem()).contains("Input/output error").contains("may be lost");
            assertThat(sink.rotationDue()).as("a file that failed to sync is left").isTrue();
            diskFails.set(false);
            sink.write(List.of(line("three")));
            sink.sync();
            assertThat(sink.problem()).as("a later sync of the same file proves nothing").isNotNull();

            sink.startFile(4);
            assertThat(sink.currentFile()).isNotEqualTo(first);
            assertThat(sink.rotationDue()).isFalse();
            sink.write(List.of(line("four")));
            assertThat(sink.problem()).isNotNull();
            sink.sync();
            assertThat(sink.problem()).isNull();
        } finally {
            sink.close();
        }
    }

    private static byte[] line(String text) {
        return text.getBytes(StandardCharsets.US_ASCII);
    }
}
