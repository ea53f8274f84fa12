package io.zerogate.audit;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.zerogate.config.AuditConfig;
import io.zerogate.testing.Await;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermission;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The audit writer on its own: checkpoints every N records and signed with the trail's key, rotation with a
 * sealed file, a torn line left by a crash, the overflow policies, a failing sink, and a clean stop.
 */
@Timeout(30)
class AuditLogTest {

    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path dir;

    @Test
    void checkpointsSealEveryNRecordsWithAValidSignature() throws Exception {
        AuditLog log = AuditLog.start(config(3, 1 << 20, AuditConfig.Overflow.BLOCK_NEW_REQUESTS, 64), List.of(),
                AuditObserver.NONE, Clock.systemUTC());
        for (int i = 0; i < 7; i++) {
            log.record(record("r" + i));
        }
        log.close();
        List<String> lines = lines();
        AuditGatewayTest.assertChainIntact(lines);
        // resume, checkpoint, r0 r1 r2, checkpoint, r3 r4 r5, checkpoint, r6, final checkpoint
        assertThat(types(lines)).containsExactly("resume", "checkpoint", "record", "record", "record", "checkpoint",
                "record", "record", "record", "checkpoint", "record", "checkpoint");
        AuditKeys keys = AuditKeys.loadOrCreate(dir.resolve("key.pem"));
        for (String line : lines) {
            JsonNode n = JSON.readTree(line);
            if (n.get("type").asText().equals("checkpoint")) {
                assertThat(n.get("key").asText()).isEqualTo(keys.keyId());
                assertThat(CheckpointSignature.verify(keys.publicKey(), n.get("seq").asLong(), n.get("prev").asText(),
                        n.get("sig").asText())).isTrue();
                assertThat(CheckpointSignature.verify(keys.publicKey(), n.get("seq").asLong() + 1, n.get("prev").asText(),
                        n.get("sig").asText())).isFalse();
            }
        }
    }

    @Test
    void theSigningKeyIsCreatedPrivateAndReusedWithItsPublicHalfBesideIt() throws Exception {
        Path key = dir.resolve("keys/audit.pem");
        AuditKeys first = AuditKeys.loadOrCreate(key);
        AuditKeys again = AuditKeys.loadOrCreate(key);
        assertThat(again.keyId()).isEqualTo(first.keyId());
        assertThat(Files.getPosixFilePermissions(key)).containsExactlyInAnyOrder(PosixFilePermission.OWNER_READ,
                PosixFilePermission.OWNER_WRITE);
        assertThat(Files.readString(AuditKeys.publicKeyFile(key))).startsWith("-----BEGIN PUBLIC KEY-----");
        assertThat(first.jwk()).contains("\"kty\":\"OKP\"", "\"crv\":\"Ed25519\"", "\"kid\":\"" + first.keyId() + "\"");

        Path notAKey = dir.resolve("other.pem");
        Files.writeString(notAKey, "-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n");
        assertThat(org.assertj.core.api.Assertions.catchThrowable(() -> AuditKeys.loadOrCreate(notAKey)))
                .isInstanceOf(IOException.class).hasMessageContaining("Ed25519");
    }

    @Test
    void checkpointsAreSignedExactlyAsTheJdksEd25519SignsWithTheSameKey() throws Exception {
        Path key = dir.resolve("keys/audit.pem");
        AuditKeys keys = AuditKeys.loadOrCreate(key);
        String pem = Files.readString(key);
        byte[] der = java.util.Base64.getMimeDecoder().decode(pem.replaceAll("-----[A-Z ]+-----", ""));
        java.security.PrivateKey jdkKey = java.security.KeyFactory.getInstance("Ed25519")
                .generatePrivate(new java.security.spec.PKCS8EncodedKeySpec(der));
        for (long seq : new long[] {1, 2, 999, 1_000_001, Long.MAX_VALUE}) {
            String prev = AuditChain.hash(Long.toString(seq).getBytes(java.nio.charset.StandardCharsets.US_ASCII), 0,
                    Long.toString(seq).length());
            String signature = keys.signCheckpoint(seq, prev);
            assertThat(signature).isEqualTo(CheckpointSignature.sign(jdkKey, seq, prev));
            assertThat(CheckpointSignature.verify(keys.publicKey(), seq, prev, signature)).isTrue();
            assertThat(CheckpointSignature.verify(keys.publicKey(), seq, AuditChain.GENESIS, signature)).isFalse();
        }
    }

    @Test
    void aDirectoryHoldsTheTrailOfOneGatewayAtATime() throws Exception {
        AuditConfig config = config(1000, 1 << 20, AuditConfig.Overflow.BLOCK_NEW_REQUESTS, 64);
        AuditLog first = AuditLog.start(config, List.of(), AuditObserver.NONE, Clock.systemUTC());
        try {
            assertThat(org.assertj.core.api.Assertions.catchThrowable(
                    () -> AuditLog.start(config, List.of(), AuditObserver.NONE, Clock.systemUTC())))
                    .isInstanceOf(IOException.class).hasMessageContaining("is in use by another gateway");
        } finally {
            first.close();
        }
        AuditLog.start(config, List.of(), AuditObserver.NONE, Clock.systemUTC()).close();
        AuditGatewayTest.assertChainIntact(lines());
    }

    @Test
    void aFullFileIsSealedAndTheNextOneContinuesTheChain() throws Exception {
        AuditLog log = AuditLog.start(config(1000, 600, AuditConfig.Overflow.BLOCK_NEW_REQUESTS, 64), List.of(),
                AuditObserver.NONE, Clock.systemUTC());
        for (int i = 0; i < 12; i++) {
            log.record(record("r" + i));
            int seen = i + 1;
            // One at a time, so that each batch sees whether the file is full.
            Await.until("record " + i, Duration.ofSeconds(5), () -> lines().stream().filter(l -> l.contains("\"type\":\"record\"")).count() == seen);
        }
        log.close();
        List<Path> files = files();
        assertThat(files.size()).isGreaterThan(2);
        for (Path f : files) {
            List<String> fileLines = Files.readAllLines(f);
            assertThat(JSON.readTree(fileLines.get(fileLines.size() - 1)).get("type").asText()).as(f.toString()).isEqualTo("checkpoint");
            long firstSeq = JSON.readTree(fileLines.get(0)).get("seq").asLong();
            assertThat(f.getFileName().toString()).startsWith(String.format("audit-%012d-", firstSeq));
        }
        AuditGatewayTest.assertChainIntact(lines());
    }

    @Test
    void aLineTornByACrashIsLeftInPlaceAndTheNextRunResumesAfterTheLastCompleteLine() throws Exception {
        runOnce("before-crash");
        Path crashed = files().get(0);
        byte[] torn = "{\"seq\":99,\"prev\":\"ab".getBytes(StandardCharsets.US_ASCII);
        Files.write(crashed, torn, StandardOpenOption.APPEND);
        List<String> before = Files.readAllLines(crashed);
        String lastComplete = before.get(before.size() - 2);

        runOnce("after-crash");

        List<Path> files = files();
        assertThat(files).hasSize(2);
        assertThat(Files.readAllLines(files.get(0))).isEqualTo(before);
        JsonNode resume = JSON.readTree(Files.readAllLines(files.get(1)).get(0));
        assertThat(resume.get("type").asText()).isEqualTo("resume");
        assertThat(resume.get("discarded_bytes").asLong()).isEqualTo(torn.length);
        assertThat(resume.get("previous_file").asText()).isEqualTo(crashed.getFileName().toString());
        assertLinksTo(resume, lastComplete);
    }

    @Test
    void megabytesOfZerosACrashLeftAtTheEndAreTornBytesTheNextRunResumesBefore() throws Exception {
        runOnce("before-crash");
        Path crashed = files().get(0);
        List<String> before = Files.readAllLines(crashed);
        String lastComplete = before.get(before.size() - 1);
        byte[] torn = "{\"seq\":99,\"pr".getBytes(StandardCharsets.US_ASCII);
        Files.write(crashed, torn, StandardOpenOption.APPEND);
        int zeros = 3 << 20;
        Files.write(crashed, new byte[zeros], StandardOpenOption.APPEND);

        runOnce("after-crash");

        JsonNode resume = JSON.readTree(Files.readAllLines(files().get(1)).get(0));
        assertThat(resume.get("discarded_bytes").asLong()).isEqualTo(torn.length + zeros);
        VerifyReport report = new AuditVerifier(
                List.of(AuditKeys.loadOrCreate(dir.resolve("key.pem")).publicKey()), false).verify(files());
        assertThat(report.verdict()).as("a crash, told apart from tampering").isEqualTo(VerifyReport.Verdict.INTACT);
        assertLinksTo(resume, lastComplete);
    }

    @Test
    void blockNewRequestsStopsAdmittingWhileOnlyTheReserveIsLeft() throws Exception {
        GatedSink gate = new GatedSink();
        CountingObserver observer = new CountingObserver();
        AuditLog log = AuditLog.start(config(1000, 1 << 20, AuditConfig.Overflow.BLOCK_NEW_REQUESTS, 64), List.of(gate),
                observer, Clock.systemUTC());
        Await.until("the opening lines to be taken", Duration.ofSeconds(5), () -> gate.taken.get() > 0);
        gate.close.set(true);
        log.record(record("holds-the-writer"));
        assertThat(gate.entered.await(5, TimeUnit.SECONDS)).isTrue();
        // Capacity 64, a reserve of 8 for requests in flight: 56 more are admitted.
        int admitted = 0;
        while (log.accepting() && admitted < 100) {
            log.record(record("q" + admitted));
            admitted++;
        }
        assertThat(admitted).isEqualTo(56);
        assertThat(log.accepting()).isFalse();
        for (int i = 0; i < 8; i++) {
            log.record(record("in-flight" + i));
        }
        assertThat(observer.dropped.get()).isZero();
        log.record(record("one-too-many"));
        assertThat(observer.dropped.get()).isEqualTo(1);
        gate.release.countDown();
        Await.until("the queue to drain", Duration.ofSeconds(5), log::accepting);
        log.close();
        assertThat(lines().stream().filter(l -> l.contains("\"type\":\"record\""))).hasSize(1 + 56 + 8);
    }

    @Test
    void dropAndCountKeepsAdmittingAndCountsWhatDoesNotFit() throws Exception {
        GatedSink gate = new GatedSink();
        CountingObserver observer = new CountingObserver();
        AuditLog log = AuditLog.start(config(1000, 1 << 20, AuditConfig.Overflow.DROP_AND_COUNT, 16), List.of(gate),
                observer, Clock.systemUTC());
        Await.until("the opening lines to be taken", Duration.ofSeconds(5), () -> gate.taken.get() > 0);
        gate.close.set(true);
        log.record(record("holds-the-writer"));
        assertThat(gate.entered.await(5, TimeUnit.SECONDS)).isTrue();
        for (int i = 0; i < 20; i++) {
            assertThat(log.accepting()).isTrue();
            log.record(record("q" + i));
        }
        assertThat(observer.dropped.get()).isEqualTo(4);
        gate.release.countDown();
        log.close();
        assertThat(lines().stream().filter(l -> l.contains("\"type\":\"record\""))).hasSize(17);
    }

    @Test
    void aFailingSinkMakesTheTrailUnhealthyUntilItTakesTheBatchAgain() throws Exception {
        FailingSink failing = new FailingSink(3);
        CountingObserver observer = new CountingObserver();
        AuditLog log = AuditLog.start(config(1000, 1 << 20, AuditConfig.Overflow.BLOCK_NEW_REQUESTS, 64), List.of(failing),
                observer, Clock.systemUTC());
        failing.armed.set(true);
        log.record(record("retried"));
        Await.until("the failure to show", Duration.ofSeconds(5), () -> log.problem() != null);
        assertThat(log.problem()).contains("disk full");
        Await.until("the sink to recover", Duration.ofSeconds(10), () -> log.problem() == null);
        log.close();
        assertThat(observer.failed).containsExactly("flaky");
        assertThat(observer.recovered).containsExactly("flaky");
        // Offered again whole: the record reached the failing sink exactly once, and the file exactly once.
        assertThat(failing.taken.stream().filter(l -> l.contains("\"request_id\":\"retried\""))).hasSize(1);
        assertThat(lines().stream().filter(l -> l.contains("\"request_id\":\"retried\""))).hasSize(1);
    }

    @Test
    void aRemoteSinkThatRefusesAtStartDoesNotKeepTheGatewayFromStartingAndGetsTheOpeningLinesFirst() throws Exception {
        FailingSink refusing = new FailingSink(3);
        refusing.armed.set(true);
        AuditLog log = AuditLog.start(config(1000, 1 << 20, AuditConfig.Overflow.BLOCK_NEW_REQUESTS, 64),
                List.of(refusing), AuditObserver.NONE, Clock.systemUTC());
        log.record(record("first"));
        Await.until("the sink to take lines", Duration.ofSeconds(10), () -> refusing.taken.size() >= 3);
        log.close();
        assertThat(types(refusing.taken)).startsWith("resume", "checkpoint", "record").endsWith("checkpoint");
        assertThat(refusing.taken).isEqualTo(lines());
    }

    @Test
    void aSinkThatStillRefusesAtShutdownIsGivenUpOnAndTheFileTrailIsStillWrittenAndSealed() throws Exception {
        FailingSink dead = new FailingSink(Integer.MAX_VALUE);
        AuditLog log = AuditLog.start(config(1000, 1 << 20, AuditConfig.Overflow.BLOCK_NEW_REQUESTS, 64), List.of(dead),
                AuditObserver.NONE, Clock.systemUTC());
        dead.armed.set(true);
        for (int i = 0; i < 5; i++) {
            log.record(record("during-" + i));
        }
        Await.until("the failure to show", Duration.ofSeconds(5), () -> log.problem() != null);
        // Let the writer back off for long pauses before the stop: the stop must not wait for them to end.
        Thread.sleep(1_600);
        long started = System.nanoTime();
        log.close(300);
        assertThat(Duration.ofNanos(System.nanoTime() - started)).isLessThan(Duration.ofMillis(1_200));
        List<String> lines = lines();
        for (int i = 0; i < 5; i++) {
            String id = "\"request_id\":\"during-" + i + "\"";
            assertThat(lines.stream().filter(l -> l.contains(id))).as("record %d in the file", i).hasSize(1);
        }
        List<String> types = types(lines);
        assertThat(types.get(types.size() - 1)).as("the file trail ends sealed").isEqualTo("checkpoint");
        assertThat(dead.taken).noneMatch(l -> l.contains("during-"));
    }

    /** Runs the trail from start to a clean stop with one record. */
    private void runOnce(String requestId) throws IOException {
        AuditLog log = AuditLog.start(config(1000, 1 << 20, AuditConfig.Overflow.BLOCK_NEW_REQUESTS, 64), List.of(),
                AuditObserver.NONE, Clock.systemUTC());
        log.record(record(requestId));
        log.close();
    }

    /** A resume line continues the chain right after {@code lastComplete}. */
    private static void assertLinksTo(JsonNode resume, String lastComplete) throws IOException {
        byte[] last = lastComplete.getBytes(StandardCharsets.UTF_8);
        assertThat(resume.get("prev").asText()).isEqualTo(AuditChain.hash(last, 0, last.length));
        assertThat(resume.get("seq").asLong()).isEqualTo(JSON.readTree(lastComplete).get("seq").asLong() + 1);
    }

    private AuditConfig config(int every, long rotateBytes, AuditConfig.Overflow overflow, int capacity) {
        return new AuditConfig(new AuditConfig.FileSink(dir.resolve("trail"), rotateBytes, Duration.ofHours(1),
                Duration.ofMillis(50)), false, null, dir.resolve("key.pem"), every, Duration.ofHours(1), capacity, overflow,
                List.of(), new AuditConfig.Incidents(Duration.ofMinutes(5), 100, null));
    }

    static AuditRecord record(String requestId) {
        return new AuditRecord(Instant.parse("2026-11-24T10:00:00Z"), requestId, "4bf92f3577b34da6a3ce929d0e0e4736",
                "public", "route", "GET", "example.org", "/items/{id}", "/items/1", "127.0.0.1", null, null, null,
                AuditRecord.Outcome.ALLOWED, null, null, null, List.of(), null, "127.0.0.1:8080", 200, 0, 2, 150, 20, 100,
                Map.of());
    }

    private List<String> lines() {
        List<String> out = new ArrayList<>();
        try {
            for (Path f : files()) {
                out.addAll(Files.readAllLines(f));
            }
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
        return out;
    }

    private List<Path> files() throws IOException {
        try (Stream<Path> s = Files.list(dir.resolve("trail"))) {
            return s.filter(p -> p.getFileName().toString().endsWith(".jsonl")).sorted().toList();
        }
    }

    private static List<String> types(List<String> lines) throws IOException {
        List<String> out = new ArrayList<>();
        for (String l : lines) {
            out.add(JSON.readTree(l).get("type").asText());
        }
        return out;
    }

    /** A sink that, once closed, holds the writer inside {@code write} until released. */
    private static final class GatedSink implements AuditSink {
        final java.util.concurrent.atomic.AtomicBoolean close = new java.util.concurrent.atomic.AtomicBoolean();
        final CountDownLatch entered = new CountDownLatch(1);
        final CountDownLatch release = new CountDownLatch(1);
        /** Batches taken while open: the first is the trail's opening lines, taken on the writer's thread. */
        final AtomicInteger taken = new AtomicInteger();

        @Override
        public String name() {
            return "gated";
        }

        @Override
        public void write(List<byte[]> lines) throws IOException {
            if (!close.get()) {
                taken.incrementAndGet();
            } else {
                entered.countDown();
                try {
                    release.await(20, TimeUnit.SECONDS);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new IOException("interrupted");
                }
            }
        }

        @Override
        public void sync() {}

        @Override
        public @Nullable String problem() {
            return null;
        }

        @Override
        public void close() {}
    }

    /** A sink that refuses its first {@code failures} batches once armed, the way a full disk would. */
    private static final class FailingSink implements AuditSink {
        final java.util.concurrent.atomic.AtomicBoolean armed = new java.util.concurrent.atomic.AtomicBoolean();
        final AtomicInteger failuresLeft;
        final List<String> taken = new CopyOnWriteArrayList<>();

        FailingSink(int failures) {
            this.failuresLeft = new AtomicInteger(failures);
        }

        @Override
        public String name() {
            return "flaky";
        }

        @Override
        public void write(List<byte[]> lines) throws IOException {
            if (armed.get() && failuresLeft.getAndDecrement() > 0) {
                throw new IOException("disk full");
            }
            for (byte[] l : lines) {
                taken.add(new String(l, StandardCharsets.UTF_8));
            }
        }

        @Override
        public void sync() {}

        @Override
        public @Nullable String problem() {
            return null;
        }

        @Override
        public void close() {}
    }

    private static final class CountingObserver implements AuditObserver {
        final AtomicInteger dropped = new AtomicInteger();
        final List<String> failed = new CopyOnWriteArrayList<>();
        final List<String> recovered = new CopyOnWriteArrayList<>();

        @Override
        public void recorded(int count) {}

        @Override
        public void dropped(boolean refusedRequest) {
            dropped.incrementAndGet();
        }

        @Override
        public void checkpoint() {}

        @Override
        public void sinkFailed(String sink, String problem) {
            failed.add(sink);
        }

        @Override
        public void sinkRecovered(String sink) {
            recovered.add(sink);
        }
    }
}
