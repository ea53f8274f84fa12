package io.zerogate.state;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.zerogate.testing.MutableClock;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Quotas of the embedded store outlive the process; nothing else does. */
class EmbeddedQuotaPersistenceTest {

    private static final long HOUR = 3_600_000_000L;

    @TempDir
    Path dir;

    private final MutableClock clock = new MutableClock(Instant.parse("2025-01-01T00:00:00Z"));
    private final AtomicLong micros = new AtomicLong(1_000_000);

    private EmbeddedStateStore open() {
        return new EmbeddedStateStore(clock, micros::get, EmbeddedStateStore.DEFAULT_CAPACITY, dir);
    }

    private static ChargeResult charge(StateStore store, Charge charge) throws Exception {
        return store.charge(List.of(charge), "lease").toCompletableFuture().get(5, TimeUnit.SECONDS).results().get(0);
    }

    private static ChargeResult peek(StateStore store, Charge charge) throws Exception {
        return store.peek(List.of(charge)).toCompletableFuture().get(5, TimeUnit.SECONDS).get(0);
    }

    @Test
    void aConsumedQuotaIsStillConsumedAfterARestart() throws Exception {
        Charge monthly = new Charge("q:2025-01", new Meter.Quota(10, clock.millis() + 3_600_000), 3, true);
        Charge rate = new Charge("g", new Meter.Gcra(10, 10 * HOUR, 1), 1, true);
        try (EmbeddedStateStore store = open()) {
            assertThat(charge(store, monthly).remaining()).isEqualTo(7);
            assertThat(charge(store, monthly).remaining()).isEqualTo(4);
            assertThat(charge(store, rate).allowed()).isTrue();
        }
        assertThat(Files.exists(dir.resolve(QuotaFile.NAME))).isTrue();
        try (EmbeddedStateStore store = open()) {
            assertThat(charge(store, monthly).remaining()).isEqualTo(1);
            assertThat(charge(store, monthly).allowed()).isFalse();
            // Rates run on monotonic time, which does not survive the process: they start full.
            assertThat(charge(store, rate).allowed()).isTrue();
        }
    }

    @Test
    void quotasWhosePeriodEndedAreDroppedOnLoad() throws Exception {
        Charge ending = new Charge("q:hour", new Meter.Quota(5, clock.millis() + 1000), 5, true);
        Charge running = new Charge("q:day", new Meter.Quota(5, clock.millis() + 86_400_000), 2, true);
        try (EmbeddedStateStore store = open()) {
            charge(store, ending);
            charge(store, running);
        }
        clock.advance(Duration.ofSeconds(1));
        try (EmbeddedStateStore store = open()) {
            assertThat(store.limitEntries()).isEqualTo(1);
            assertThat(peek(store, ending).remaining()).isEqualTo(0);
            assertThat(peek(store, ending).allowed()).isTrue();
            assertThat(peek(store, running).remaining()).isEqualTo(1);
        }
    }

    @Test
    void theFileIsReadableByItsOwnerOnly() throws Exception {
        try (EmbeddedStateStore store = open()) {
            charge(store, new Charge("q", new Meter.Quota(5, clock.millis() + 60_000), 1, true));
        }
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(dir.resolve(QuotaFile.NAME))))
                .isEqualTo("rw-------");
        assertThat(Files.exists(dir.resolve(QuotaFile.NAME + ".tmp"))).isFalse();
    }

    @Test
    void changedQuotasAreWrittenInTheBackgroundWithinAboutASecond() throws Exception {
        Charge quota = new Charge("q", new Meter.Quota(5, clock.millis() + 60_000), 2, true);
        try (EmbeddedStateStore store = open()) {
            charge(store, quota);
            Path file = dir.resolve(QuotaFile.NAME);
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
            while (!Files.exists(file) && System.nanoTime() < deadline) {
                Thread.sleep(20);
            }
            // Read as a second process would after a crash, while the first is still running.
            try (EmbeddedStateStore reader = new EmbeddedStateStore(clock, micros::get, 10, dir)) {
                assertThat(peek(reader, quota).remaining()).isEqualTo(1);
            }
        }
    }

    @Test
    void aCorruptFileFailsTheStartNamingTheFile() throws Exception {
        Path file = dir.resolve(QuotaFile.NAME);
        Files.write(file, "not a quota file at all".getBytes(java.nio.charset.StandardCharsets.US_ASCII));
        assertThatThrownBy(this::open)
                .isInstanceOf(IllegalStateException.class)
                .hasMessageStartingWith("quota file " + file + " is corrupt");
    }

    @Test
    void aDamagedByteIsNoticed() throws Exception {
        try (EmbeddedStateStore store = open()) {
            charge(store, new Charge("q", new Meter.Quota(5, clock.millis() + 60_000), 1, true));
        }
        Path file = dir.resolve(QuotaFile.NAME);
        byte[] bytes = Files.readAllBytes(file);
        bytes[14] ^= 1;
        Files.write(file, bytes);
        assertThatThrownBy(this::open)
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("quota file " + file + " is corrupt")
                .hasMessageContaining("checksum mismatch");
    }

    @Test
    void anUnreadableFileFailsTheStartNamingTheFile() throws Exception {
        Path file = dir.resolve(QuotaFile.NAME);
        Files.createDirectory(file);
        assertThatThrownBy(this::open)
                .isInstanceOf(IllegalStateException.class)
                .hasMessageStartingWith("quota file " + file + " cannot be read");
    }

    @Test
    void theFactoryOpensAPersistentStore() throws Exception {
        Charge quota = new Charge("q", new Meter.Quota(5, clock.millis() + 60_000), 4, true);
        try (EmbeddedStateStore store = EmbeddedStateStore.persistent(clock, dir.resolve("state"))) {
            charge(store, quota);
        }
        try (EmbeddedStateStore store = EmbeddedStateStore.persistent(clock, dir.resolve("state"))) {
            ChargeResult left = peek(store, new Charge("q", quota.meter(), 1, true));
            assertThat(left.allowed()).isTrue();
            assertThat(left.remaining()).isEqualTo(0);
        }
    }
}
