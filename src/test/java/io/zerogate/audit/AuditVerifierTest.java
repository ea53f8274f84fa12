package io.zerogate.audit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.zerogate.audit.TrailBreak.Kind;
import io.zerogate.audit.VerifyReport.Verdict;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.PublicKey;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Trails written by the format, then tampered with from the test: each kind of tampering is reported as the first
 * break at the exact file, line and sequence number, and an intact trail verifies.
 *
 * <p>The trail every test starts from: file 1 opens with a resume (seq 1) and its checkpoint (2), records 3..12,
 * a checkpoint (13), records 14..23 and the rotation's checkpoint (24); file 2 holds records 25..34, a checkpoint
 * (35) and records 36..40, then the gateway crashes in the middle of writing seq 41 (37 torn bytes); file 3 opens
 * with the restart's resume (41) and checkpoint (42), records 43..52 and the clean stop's checkpoint (53).
 */
class AuditVerifierTest {

    static final Instant START = Instant.parse("2025-06-01T10:00:00Z");

    @TempDir
    Path dir;

    KeyPair key;
    TrailFixture trail;
    Path f1;
    Path f2;
    Path f3;

    static KeyPair ed25519() throws Exception {
        return KeyPairGenerator.getInstance("Ed25519").generateKeyPair();
    }

    @BeforeEach
    void writeTrail() throws Exception {
        key = ed25519();
        trail = new TrailFixture(dir, key, START)
                .start().records(10).checkpoint().records(10).rotate()
                .records(10).checkpoint().records(5).crash(37)
                .start().records(10).stop();
        List<Path> files = trail.files();
        assertThat(files).hasSize(3);
        f1 = files.get(0);
        f2 = files.get(1);
        f3 = files.get(2);
    }

    VerifyReport verify(List<Path> files) throws IOException {
        return new AuditVerifier(List.of(key.getPublic()), false).verify(files);
    }

    VerifyReport verify() throws IOException {
        return verify(List.of(f1, f2, f3));
    }

    static TrailBreak assertBreak(VerifyReport report, Kind kind, Path file, long line, long seq) {
        assertThat(report.verdict()).isEqualTo(Verdict.BROKEN);
        TrailBreak b = report.broken();
        assertThat(b).isNotNull();
        assertThat(b.kind()).as(b.toString()).isEqualTo(kind);
        assertThat(b.file()).as(b.toString()).isEqualTo(file);
        assertThat(b.line()).as(b.toString()).isEqualTo(line);
        assertThat(b.seq()).as(b.toString()).isEqualTo(seq);
        return b;
    }

    TrailBreak assertBreakAt(VerifyReport report, Kind kind, long seq) {
        TrailFixture.Place at = trail.at(seq);
        return assertBreak(report, kind, at.file(), at.line(), seq);
    }

    TrailFileEdit edit(long seq) throws IOException {
        return TrailFileEdit.of(trail.at(seq).file());
    }

    @Test
    void intactTrailVerifies() throws Exception {
        VerifyReport report = verify();

        assertThat(report.verdict()).as(String.valueOf(report.broken())).isEqualTo(Verdict.INTACT);
        assertThat(report.files()).isEqualTo(3);
        assertThat(report.lines()).isEqualTo(53);
        assertThat(report.records()).isEqualTo(45);
        assertThat(report.checkpoints()).isEqualTo(6);
        assertThat(report.firstSeq()).isEqualTo(1);
        assertThat(report.lastSeq()).isEqualTo(53);
        assertThat(report.lastSealedSeq()).isEqualTo(53);
        assertThat(report.lastSealedAt()).isEqualTo(trail.now());
        assertThat(report.startsMidChain()).isFalse();
        assertThat(report.notes()).containsExactly("the gateway restarted after a crash at " + f3.getFileName()
                + " line 1 (seq 41), discarding the 37 bytes of a torn line");
    }

    @Test
    void aDirectoryStandsForItsAuditFilesInNameOrder() throws Exception {
        Files.writeString(dir.resolve("notes.txt"), "not an audit file");

        assertThat(AuditVerifier.trailFiles(List.of(dir))).containsExactly(f1, f2, f3);
        assertThat(verify(AuditVerifier.trailFiles(List.of(dir))).verdict()).isEqualTo(Verdict.INTACT);
    }

    @Test
    void restartContinuesTheChainFromTheLastCompleteLineOfThePreviousFile() throws Exception {
        byte[] resume = TrailFileEdit.of(f3).line(1);

        assertThat(new String(resume, StandardCharsets.UTF_8)).startsWith("{\"seq\":41,\"prev\":\""
                + AuditChain.hash(trail.line(40), 0, trail.line(40).length) + "\",\"type\":\"resume\"");
        assertThat(new String(resume, StandardCharsets.UTF_8))
                .contains("\"previous_file\":\"" + f2.getFileName() + "\",\"discarded_bytes\":37");
    }

    @Test
    void restartAfterACrashRightAfterACheckpointLinksTheResumeToThatCheckpoint() throws Exception {
        Path other = Files.createDirectory(dir.resolve("other"));
        TrailFixture t = new TrailFixture(other, key, START).start().records(3).checkpoint().crash(0).start().records(2).stop();
        byte[] checkpoint = t.line(6);

        assertThat(new String(t.line(7), StandardCharsets.UTF_8)).contains("\"prev\":\""
                + AuditChain.hash(checkpoint, 0, checkpoint.length) + "\",\"type\":\"resume\"");
        assertThat(verify(t.files()).verdict()).isEqualTo(Verdict.INTACT);
    }

    @Test
    void oneChangedByteInARecordIsReportedAtThatRecord() throws Exception {
        edit(7).replace(trail.at(7).line(), "/orders/7", "/orders/8").write();

        TrailBreak b = assertBreakAt(verify(), Kind.EDITED, 7);
        byte[] original = trail.line(7);
        assertThat(b.expected()).contains(AuditChain.hash(original, 0, original.length));
    }

    @Test
    void anEditedRecordJustBeforeACheckpointIsReportedAtTheRecord() throws Exception {
        edit(12).replace(trail.at(12).line(), "\"status\":200", "\"status\":403").write();

        assertBreakAt(verify(), Kind.EDITED, 12);
    }

    @Test
    void anEditedCheckpointTimeIsReportedAtTheCheckpoint() throws Exception {
        edit(13).replace(trail.at(13).line(), "T10:00:", "T09:00:").write();

        assertBreakAt(verify(), Kind.EDITED, 13);
    }

    @Test
    void anEditedLastRecordOfAFileIsReportedThroughTheNextFilesFirstLine() throws Exception {
        edit(40).replace(trail.at(40).line(), "/orders/40", "/orders/14").write();

        assertBreakAt(verify(), Kind.EDITED, 40);
    }

    @Test
    void anEditedPrevIsReportedAtTheLineCarryingIt() throws Exception {
        byte[] hash8 = trail.line(8);
        edit(9).replace(trail.at(9).line(), AuditChain.hash(hash8, 0, hash8.length), AuditChain.GENESIS.replace('0', 'a'))
                .write();

        assertBreakAt(verify(), Kind.EDITED, 9);
    }

    @Test
    void aDeletedRecordIsAGapInTheSequence() throws Exception {
        edit(8).delete(trail.at(8).line()).write();

        TrailBreak b = assertBreak(verify(), Kind.DELETED, f1, trail.at(8).line(), 9);
        assertThat(b.expected()).isEqualTo("seq 8");
        assertThat(b.found()).isEqualTo("seq 9");
        assertThat(b.meaning()).startsWith("seq 8 (1 line) missing");
    }

    @Test
    void severalDeletedRecordsAreCounted() throws Exception {
        edit(8).delete(trail.at(8).line()).delete(trail.at(8).line()).delete(trail.at(8).line()).write();

        TrailBreak b = assertBreak(verify(), Kind.DELETED, f1, trail.at(8).line(), 11);
        assertThat(b.meaning()).startsWith("seq 8..10 (3 lines) missing: lines were deleted here");
    }

    @Test
    void aForgedRecordLinkedToThePreviousLineIsReportedWhereItWasInserted() throws Exception {
        byte[] seven = trail.line(7);
        byte[] forged = new AuditChain(7, AuditChain.hash(seven, 0, seven.length)).link("record", trail.recordMembers(8, ""));
        edit(7).insert(trail.at(8).line(), forged).write();

        assertBreakAt(verify(), Kind.INSERTED, 8);
    }

    @Test
    void aRecordCopiedFromElsewhereIsReportedWhereItWasInserted() throws Exception {
        edit(7).insert(trail.at(8).line(), trail.line(30)).write();

        TrailBreak b = assertBreak(verify(), Kind.INSERTED, f1, trail.at(8).line(), 30);
        assertThat(b.meaning()).contains("continues straight from the line before it");
    }

    @Test
    void aForgedRecordWithTheNextSeqButAnotherPrevIsReportedAsInserted() throws Exception {
        byte[] forged = new AuditChain(7, AuditChain.GENESIS.replace('0', 'b')).link("record", trail.recordMembers(8, ""));
        edit(7).insert(trail.at(8).line(), forged).write();

        assertBreakAt(verify(), Kind.INSERTED, 8);
    }

    @Test
    void swappedRecordsAreReportedAsReordered() throws Exception {
        TrailFileEdit e = edit(7);
        long line7 = trail.at(7).line();
        e.set(line7, trail.line(8)).set(line7 + 1, trail.line(7)).write();

        TrailBreak b = assertBreak(verify(), Kind.REORDERED, f1, line7, 8);
        assertThat(b.meaning()).contains("seq 7 comes later, at " + f1.getFileName() + " line " + (line7 + 1));
    }

    @Test
    void aRecordMovedFarLaterIsReportedAsReordered() throws Exception {
        TrailFileEdit e = edit(5);
        e.delete(trail.at(5).line()).insert(trail.at(20).line(), trail.line(5)).write();

        assertBreak(verify(), Kind.REORDERED, f1, trail.at(5).line(), 6);
    }

    @Test
    void aRecordCopiedBackwardsIsASeqGoingBack() throws Exception {
        edit(20).insert(trail.at(21).line(), trail.line(4)).write();

        TrailBreak b = assertBreak(verify(), Kind.REORDERED, f1, trail.at(21).line(), 4);
        assertThat(b.meaning()).startsWith("the sequence goes back from 20 to 4");
    }

    @Test
    void aDuplicatedRecordIsReportedAtTheCopy() throws Exception {
        edit(7).insert(trail.at(8).line(), trail.line(7)).write();

        assertBreak(verify(), Kind.DUPLICATED, f1, trail.at(8).line(), 7);
    }

    @Test
    void recordsCutAfterTheLastCheckpointAreAnUnsealedTail() throws Exception {
        edit(48).keep((int) trail.at(48).line()).write();

        TrailBreak b = assertBreakAt(verify(), Kind.TRUNCATED, 48);
        assertThat(b.meaning()).startsWith("6 records after the last checkpoint at seq 42 are not sealed: truncated,"
                + " or the gateway is still writing");
    }

    @Test
    void aLiveTailIsAcceptedWhenAllowed() throws Exception {
        edit(48).keep((int) trail.at(48).line()).write();

        VerifyReport report = new AuditVerifier(List.of(key.getPublic()), true).verify(List.of(f1, f2, f3));

        assertThat(report.verdict()).isEqualTo(Verdict.INTACT);
        assertThat(report.lastSeq()).isEqualTo(48);
        assertThat(report.lastSealedSeq()).isEqualTo(42);
        assertThat(report.notes()).contains("6 records after the last checkpoint at seq 42 are not sealed yet (allowed"
                + " by --allow-unsealed-tail): only the chain, not a signature, vouches for them");
    }

    @Test
    void theLastFileCutInTheMiddleOfALineIsTruncated() throws Exception {
        long size = Files.size(f3);
        try (var channel = java.nio.channels.FileChannel.open(f3, java.nio.file.StandardOpenOption.WRITE)) {
            channel.truncate(size - 30);
        }

        TrailBreak b = assertBreakAt(verify(), Kind.TRUNCATED, 53);
        assertThat(b.found()).isEqualTo((trail.line(53).length - 29) + " bytes of line 13 without a newline");
        VerifyReport live = new AuditVerifier(List.of(key.getPublic()), true).verify(List.of(f1, f2, f3));
        assertThat(live.verdict()).isEqualTo(Verdict.INTACT);
        assertThat(live.lastSeq()).isEqualTo(52);
    }

    @Test
    void aMiddleFileCutInTheMiddleOfALineWithoutAResumeAfterItIsTruncated() throws Exception {
        TrailFileEdit e = TrailFileEdit.of(f1);
        byte[] last = e.line(24);
        e.delete(24);
        e.tail = java.util.Arrays.copyOf(last, 50);
        e.write();

        assertBreakAt(verify(), Kind.TRUNCATED, 24);
    }

    @Test
    void aMiddleFileCutBetweenCheckpointsIsTruncatedAtTheNextFile() throws Exception {
        TrailFileEdit.of(f1).keep(18).write();

        TrailBreak b = assertBreak(verify(), Kind.TRUNCATED, f2, 1, 25);
        assertThat(b.meaning()).isEqualTo("the file before this one is not sealed and this file does not continue it:"
                + " its end was cut off, or the file that continued it is missing; seq 19..24 (6 lines) missing");
    }

    @Test
    void aMiddleFileCutRightAfterACheckpointIsAGapAtTheNextFile() throws Exception {
        TrailFileEdit.of(f1).keep(13).write();

        TrailBreak b = assertBreak(verify(), Kind.DELETED, f2, 1, 25);
        assertThat(b.meaning()).isEqualTo("seq 14..24 (11 lines) missing: a file between " + f1.getFileName()
                + " and this one was deleted, or lines were cut from the end of one");
    }

    @Test
    void aMissingMiddleFileIsAGap() throws Exception {
        TrailBreak b = assertBreak(verify(List.of(f1, f3)), Kind.DELETED, f3, 1, 41);
        assertThat(b.meaning()).isEqualTo("seq 25..40 (16 lines) missing: a file between " + f1.getFileName()
                + " and this one was deleted, or lines were cut from the end of one");
    }

    @Test
    void filesOutOfOrderAreReordered() throws Exception {
        TrailBreak b = assertBreak(verify(List.of(f1, f3, f2)), Kind.REORDERED, f3, 1, 41);
        assertThat(b.meaning()).isEqualTo("lines are out of order: seq 25 comes later, at " + f2.getFileName()
                + " line 1 (seq 25); the files may be given in the wrong order");
    }

    @Test
    void aCheckpointSignedWithAnotherKeyIsTheWrongKey() throws Exception {
        KeyPair other = ed25519();
        edit(13).set(trail.at(13).line(), forgedCheckpoint(13, other, other)).write();

        TrailBreak b = assertBreakAt(verify(), Kind.WRONG_KEY, 13);
        assertThat(b.expected()).isEqualTo("key " + CheckpointSignature.keyId(key.getPublic()));
        assertThat(b.found()).isEqualTo("key " + CheckpointSignature.keyId(other.getPublic()));
    }

    @Test
    void aCheckpointSignedWithAnotherKeyUnderTheTrustedKeysIdIsABadSignature() throws Exception {
        edit(13).set(trail.at(13).line(), forgedCheckpoint(13, key, ed25519())).write();

        assertBreakAt(verify(), Kind.BAD_SIGNATURE, 13);
    }

    @Test
    void anAlteredSignatureIsABadSignature() throws Exception {
        String sig = CheckpointSignature.sign(key.getPrivate(), 35, hashOf(34));
        String altered = (sig.charAt(10) == 'A' ? "B" : "A");
        edit(35).replace(trail.at(35).line(), sig, sig.substring(0, 10) + altered + sig.substring(11)).write();

        assertBreakAt(verify(), Kind.BAD_SIGNATURE, 35);
    }

    @Test
    void theFinalCheckpointsSignatureIsChecked() throws Exception {
        String sig = CheckpointSignature.sign(key.getPrivate(), 53, hashOf(52));
        String otherMessage = CheckpointSignature.sign(key.getPrivate(), 53, hashOf(51));
        edit(53).replace(trail.at(53).line(), sig, otherMessage).write();

        assertBreakAt(verify(), Kind.BAD_SIGNATURE, 53);
    }

    @Test
    void aSignatureWrittenAnotherWayForTheSameBytesIsRefused() throws Exception {
        // The last base64url character of 64 bytes carries two bits; its four unused bits must be zero.
        String sig = CheckpointSignature.sign(key.getPrivate(), 53, hashOf(52));
        String alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
        int last = alphabet.indexOf(sig.charAt(sig.length() - 1));
        String malleated = sig.substring(0, sig.length() - 1) + alphabet.charAt(last | 1);
        edit(53).replace(trail.at(53).line(), sig, malleated).write();

        assertBreakAt(verify(), Kind.BAD_SIGNATURE, 53);
    }

    @Test
    void aTornTailShortenedAfterTheRestartIsABadResume() throws Exception {
        TrailFileEdit e = TrailFileEdit.of(f2);
        e.tail = java.util.Arrays.copyOf(e.tail, 34);
        e.write();

        TrailBreak b = assertBreak(verify(), Kind.BAD_RESUME, f3, 1, 41);
        assertThat(b.expected()).isEqualTo("discarded_bytes 34 (what " + f2.getFileName()
                + " holds after its last complete line)");
        assertThat(b.found()).isEqualTo("discarded_bytes 37");
        assertThat(b.meaning()).contains("bytes were cut from it");
    }

    @Test
    void aTornTailAddedToAfterTheRestartIsABadResume() throws Exception {
        TrailFileEdit e = TrailFileEdit.of(f2);
        e.tail = java.util.Arrays.copyOf(e.tail, 60);
        e.write();

        TrailBreak b = assertBreak(verify(), Kind.BAD_RESUME, f3, 1, 41);
        assertThat(b.meaning()).contains("bytes were added to it");
    }

    @Test
    void aResumeAfterACleanStopMustDiscardNothing() throws Exception {
        Path other = Files.createDirectory(dir.resolve("other"));
        TrailFixture t = new TrailFixture(other, key, START).start().records(3).stop().start().records(2).stop();
        TrailFileEdit.of(t.at(7).file()).replace(1, "\"discarded_bytes\":0", "\"discarded_bytes\":5").write();

        assertBreak(verify(t.files()), Kind.BAD_RESUME, t.at(7).file(), 1, 7);
    }

    @Test
    void aResumeNotSealedAtOnceIsABadResume() throws Exception {
        Path other = Files.createDirectory(dir.resolve("other"));
        TrailFixture t = new TrailFixture(other, key, START).start().records(3).crash(10).startUnsealed().records(2)
                .stop();

        TrailBreak b = assertBreak(verify(t.files()), Kind.BAD_RESUME, t.at(7).file(), 2, 7);
        assertThat(b.expected()).isEqualTo("a checkpoint sealing the resume at " + t.at(6).file().getFileName()
                + " line 1 (seq 6)");
    }

    @Test
    void aGarbageLineIsMalformed() throws Exception {
        edit(9).set(trail.at(9).line(), "garbage \u001b[31m".getBytes(StandardCharsets.UTF_8)).write();

        TrailBreak b = assertBreakAt(verify(), Kind.MALFORMED, 9);
        assertThat(b.found()).startsWith("not valid JSON");
    }

    @Test
    void aGarbageLineInsertedIsMalformedWhereItStands() throws Exception {
        edit(9).insert(trail.at(9).line(), new byte[] {(byte) 0xff, (byte) 0xfe, 0, 1}).write();

        assertBreakAt(verify(), Kind.MALFORMED, 9);
    }

    @Test
    void linesThatAreJsonButNotAuditLinesAreMalformed() throws Exception {
        String[][] cases = {
            {"", "an empty line"},
            {"[1,2]", "not a JSON object"},
            {"{\"prev\":\"" + AuditChain.GENESIS + "\",\"seq\":9,\"type\":\"record\"}", "member 1 is \"prev\" (expected: \"seq\")"},
            {"{\"seq\":9,\"type\":\"record\",\"prev\":\"" + AuditChain.GENESIS + "\"}", "member 2 is \"type\" (expected: \"prev\")"},
            {"{\"seq\":9}", "member 2 is missing (expected: \"prev\")"},
            {"{\"seq\":\"9\",\"prev\":\"" + AuditChain.GENESIS + "\",\"type\":\"record\"}", "seq is \"9\" (expected: a whole number >= 1)"},
            {"{\"seq\":0,\"prev\":\"" + AuditChain.GENESIS + "\",\"type\":\"record\"}", "seq is 0 (expected: a whole number >= 1)"},
            {"{\"seq\":99999999999999999999,\"prev\":\"" + AuditChain.GENESIS + "\",\"type\":\"record\"}", "seq is 99999999999999999999 (expected: a whole number >= 1)"},
            {"{\"seq\":9,\"prev\":\"ABC\",\"type\":\"record\"}", "prev is \"ABC\" (expected: 64 lower-case hex digits)"},
            {"{\"seq\":9,\"prev\":\"" + AuditChain.GENESIS + "\",\"type\":\"note\"}", "type is \"note\" (expected: record, checkpoint or resume)"},
            {"{\"seq\":9,\"prev\":\"" + AuditChain.GENESIS + "\",\"type\":\"record\",\"seq\":10}", "not valid JSON: Duplicate field 'seq'"},
            {"{\"seq\":9,\"prev\":\"" + AuditChain.GENESIS + "\",\"type\":\"record\"} {}", "something follows the JSON object"},
            {"{\"seq\":9,\"prev\":\"" + AuditChain.GENESIS + "\",\"type\":\"checkpoint\",\"time\":\"2025-06-01T10:00:00Z\",\"key\":\"k\"}", "a checkpoint lacks sig (expected: time, key and sig)"},
            {"{\"seq\":9,\"prev\":\"" + AuditChain.GENESIS + "\",\"type\":\"checkpoint\",\"time\":\"yesterday\",\"key\":\"k\",\"sig\":\"s\"}", "time is \"yesterday\" (expected: an ISO-8601 UTC instant)"},
            {"{\"seq\":9,\"prev\":\"" + AuditChain.GENESIS + "\",\"type\":\"checkpoint\",\"time\":\"2025-06-01T10:00:00Z\",\"key\":\"k\",\"sig\":\"s\",\"note\":1}", "a checkpoint line has a member \"note\" (expected: time, key and sig)"},
            {"{\"seq\":9,\"prev\":\"" + AuditChain.GENESIS + "\",\"type\":\"resume\",\"time\":\"2025-06-01T10:00:00Z\",\"previous_file\":null,\"discarded_bytes\":-1}", "discarded_bytes is -1 (expected: a whole number >= 0)"},
            {"{\"seq\":9,\"prev\":\"" + AuditChain.GENESIS + "\",\"type\":\"resume\",\"time\":\"2025-06-01T10:00:00Z\",\"discarded_bytes\":0}", "a resume line lacks previous_file (expected: time, previous_file and discarded_bytes)"},
        };
        long line = trail.at(9).line();
        for (String[] c : cases) {
            edit(9).set(line, c[0].getBytes(StandardCharsets.UTF_8)).write();

            TrailBreak b = assertBreakAt(verify(), Kind.MALFORMED, 9);
            assertThat(b.found()).as(c[0]).startsWith(c[1]);
            edit(9).set(line, trail.line(9)).write();
        }
        assertThat(verify().verdict()).isEqualTo(Verdict.INTACT);
    }

    @Test
    void anOverLongLineIsReported() throws Exception {
        byte[] huge = new byte[AuditVerifier.DEFAULT_MAX_LINE_BYTES + 1];
        java.util.Arrays.fill(huge, (byte) 'x');
        edit(9).set(trail.at(9).line(), huge).write();

        TrailBreak b = assertBreakAt(verify(), Kind.LINE_TOO_LONG, 9);
        assertThat(b.found()).isEqualTo("a line of 1048577 bytes (at most 1048576 are read)");
    }

    @Test
    void aLineOfExactlyTheLimitVerifies() throws Exception {
        Path other = Files.createDirectory(dir.resolve("other"));
        TrailFixture t = new TrailFixture(other, key, START).start().records(2)
                .recordOfLength(AuditVerifier.DEFAULT_MAX_LINE_BYTES).records(2).stop();

        assertThat(t.line(5)).hasSize(AuditVerifier.DEFAULT_MAX_LINE_BYTES);
        assertThat(verify(t.files()).verdict()).isEqualTo(Verdict.INTACT);
    }

    @Test
    void anEmptyFileAloneIsNothingToVerify() throws Exception {
        Path empty = Files.createFile(dir.resolve("audit-000000000001-20250601T100000Z.jsonl.empty"));

        TrailBreak b = assertBreak(verify(List.of(empty)), Kind.EMPTY, empty, 0, 1);
        assertThat(b.found()).isEqualTo("no line");
    }

    @Test
    void anEmptyLastFileIsTruncatedUnlessALiveTailIsAllowed() throws Exception {
        Path empty = Files.createFile(dir.resolve("audit-000000000054-20250601T110000Z.jsonl"));

        assertBreak(verify(List.of(f1, f2, f3, empty)), Kind.TRUNCATED, empty, 1, 54);
        VerifyReport live = new AuditVerifier(List.of(key.getPublic()), true).verify(List.of(f1, f2, f3, empty));
        assertThat(live.verdict()).isEqualTo(Verdict.INTACT);
        assertThat(live.notes()).contains(empty.getFileName() + " is empty (allowed by --allow-unsealed-tail)");
    }

    @Test
    void anEmptiedFileAfterACrashLeavesTheTornLineUnaccounted() throws Exception {
        Files.write(f3, new byte[0]);

        TrailBreak b = assertBreak(verify(), Kind.TRUNCATED, f2, 17, 41);
        assertThat(b.found()).isEqualTo("37 bytes without a newline; the next file, " + f3.getFileName()
                + ", holds no line");
    }

    @Test
    void anEmptyFileBetweenFilesThatLinkHidesNothing() throws Exception {
        Path empty = Files.createFile(dir.resolve("audit-000000000025-20250601T100100Z.jsonl"));

        assertThat(verify(List.of(f1, empty, f2, f3)).verdict()).isEqualTo(Verdict.INTACT);
    }

    @Test
    void aGapAfterAnEmptyFileIsJudgedByTheFileBeforeIt() throws Exception {
        Path empty = Files.createFile(dir.resolve("audit-000000000025-20250601T100100Z.jsonl"));

        assertBreak(verify(List.of(f1, empty, f3)), Kind.DELETED, f3, 1, 41);
    }

    @Test
    void aResumeStartingTheFilesGivenCannotHaveItsDiscardedBytesChecked() throws Exception {
        VerifyReport report = verify(List.of(f3));

        assertThat(report.verdict()).isEqualTo(Verdict.INTACT);
        assertThat(report.notes()).contains("the resume at " + f3.getFileName() + " line 1 (seq 41) follows "
                + f2.getFileName() + ", which was not given: its discarded_bytes (37) could not be checked");
    }

    @Test
    void aRenamedPreviousFileIsNotedButBreaksNothing() throws Exception {
        Path renamed = Files.move(f2, dir.resolve("audit-000000000025-20250601T100030Z.jsonl"));

        VerifyReport report = verify(List.of(f1, renamed, f3));

        assertThat(report.verdict()).isEqualTo(Verdict.INTACT);
        assertThat(report.notes()).contains("the resume at " + f3.getFileName() + " line 1 (seq 41) names the previous"
                + " file " + f2.getFileName() + " but follows " + renamed.getFileName()
                + "; the chain links, so no line is missing between them");
    }

    @Test
    void aTrailWhoseOlderFilesAreGoneStartsMidChain() throws Exception {
        VerifyReport report = verify(List.of(f2, f3));

        assertThat(report.verdict()).isEqualTo(Verdict.INTACT);
        assertThat(report.startsMidChain()).isTrue();
        assertThat(report.firstSeq()).isEqualTo(25);
        assertThat(report.notes()).first().asString().startsWith("the trail starts mid-chain, at " + f2.getFileName()
                + " line 1 (seq 25): the files holding seq 1..24 were not given");
    }

    @Test
    void theFirstLineMustLinkToGenesis() throws Exception {
        TrailFileEdit.of(f1).replace(1, AuditChain.GENESIS, AuditChain.GENESIS.replace('0', '1')).write();

        assertBreak(verify(), Kind.EDITED, f1, 1, 1);
    }

    @Test
    void anUnsealedFileContinuedByTheNextVerifies() throws Exception {
        Path other = Files.createDirectory(dir.resolve("other"));
        TrailFixture t = new TrailFixture(other, key, START).start().records(3).rotateUnsealed().records(3).stop();

        assertThat(verify(t.files()).verdict()).isEqualTo(Verdict.INTACT);
        assertBreak(verify(t.files().subList(0, 1)), Kind.TRUNCATED, t.at(5).file(), 5, 5);
    }

    @Test
    void withoutAKeyTheChainIsFollowedButNotProven() throws Exception {
        VerifyReport report = new AuditVerifier(List.of(), false).verify(List.of(f1, f2, f3));

        assertThat(report.verdict()).isEqualTo(Verdict.UNSIGNED);
        assertThat(report.signaturesChecked()).isFalse();
        assertThat(report.keyIds()).containsExactly(CheckpointSignature.keyId(key.getPublic()));

        edit(7).replace(trail.at(7).line(), "/orders/7", "/orders/8").write();
        assertBreakAt(new AuditVerifier(List.of(), false).verify(List.of(f1, f2, f3)), Kind.EDITED, 7);
    }

    @Test
    void aTrailSignedWithTwoKeysVerifiesWithBoth() throws Exception {
        KeyPair second = ed25519();
        Path other = Files.createDirectory(dir.resolve("other"));
        TrailFixture first = new TrailFixture(other, key, START).start().records(2).stop();
        byte[] last = first.line(first.lastSeq());
        List<Path> files = List.of(first.files().get(0), continueWith(other, second, first.lastSeq(), last));

        assertThat(new AuditVerifier(List.of(key.getPublic(), second.getPublic()), false).verify(files).verdict())
                .isEqualTo(Verdict.INTACT);
        assertThat(new AuditVerifier(List.of(key.getPublic()), false).verify(files).broken().kind())
                .isEqualTo(Kind.WRONG_KEY);
    }

    @Test
    void onlyEd25519KeysAreTrusted() throws Exception {
        PublicKey ec = KeyPairGenerator.getInstance("EC").generateKeyPair().getPublic();
        PublicKey ed448 = KeyPairGenerator.getInstance("Ed448").generateKeyPair().getPublic();

        assertThatThrownBy(() -> new AuditVerifier(List.of(ec), false))
                .hasMessage("trustedKeys: a key of algorithm EC (expected: Ed25519)");
        assertThatThrownBy(() -> new AuditVerifier(List.of(ed448), false))
                .hasMessage("trustedKeys: a key of algorithm EdDSA (expected: Ed25519)");
    }

    @Test
    void anUnreadableFileIsAnIoErrorNamingIt() {
        Path missing = dir.resolve("audit-000000000099-20250601T100000Z.jsonl");

        assertThatThrownBy(() -> verify(List.of(f1, missing))).isInstanceOf(IOException.class)
                .hasMessage(missing + ": cannot read: no such file");
        assertThatThrownBy(() -> AuditVerifier.trailFiles(List.of(missing))).isInstanceOf(IOException.class)
                .hasMessage(missing + ": cannot read: no such file");
    }

    @Test
    void everyChangedByteIsABreakExceptInTheLastTimeAndTheDiscardedBytes() throws Exception {
        Path other = Files.createDirectory(dir.resolve("other"));
        TrailFixture t = new TrailFixture(other, key, START).start().records(2).rotate().records(2).checkpoint()
                .records(1).crash(20).start().records(1).stop();
        List<Path> files = t.files();
        Path crashed = files.get(1);
        Path lastFile = files.get(2);
        byte[] lastLine = t.line(t.lastSeq());
        String lastText = new String(lastLine, StandardCharsets.US_ASCII);
        // The last checkpoint's time is covered by no signature and no later line: the format cannot protect it.
        int timeStart = Math.toIntExact(Files.size(lastFile)) - 1 - lastLine.length + lastText.indexOf("\"time\":\"") + 8;
        int timeEnd = timeStart + lastText.substring(lastText.indexOf("\"time\":\"") + 8).indexOf('"');
        int changes = 0;
        for (Path file : files) {
            byte[] original = Files.readAllBytes(file);
            // The torn bytes a crash left behind are discarded: only their number is part of the chain.
            int protectedEnd = file.equals(crashed) ? original.length - 20 : original.length;
            // Every fifth byte, from a different start in each file, keeps the sweep to about a thousand runs.
            for (int i = files.indexOf(file); i < protectedEnd; i += 5) {
                if (file.equals(lastFile) && i >= timeStart && i < timeEnd) {
                    continue;
                }
                byte[] changed = original.clone();
                changed[i] ^= (byte) (changes % 2 == 0 ? 0x01 : 0x20);
                Files.write(file, changed);
                VerifyReport report = verify(files);
                assertThat(report.verdict()).as("%s byte %d", file.getFileName(), i).isEqualTo(Verdict.BROKEN);
                changes++;
            }
            Files.write(file, original);
        }
        assertThat(changes).isGreaterThan(1000);
        assertThat(verify(files).verdict()).isEqualTo(Verdict.INTACT);
    }

    /** A checkpoint for {@code seq} naming {@code named}'s key id and signed with {@code signer}. */
    byte[] forgedCheckpoint(long seq, KeyPair named, KeyPair signer) {
        String prev = hashOf(seq - 1);
        String members = "\"time\":\"" + START + "\",\"key\":\"" + CheckpointSignature.keyId(named.getPublic())
                + "\",\"sig\":\"" + CheckpointSignature.sign(signer.getPrivate(), seq, prev) + "\"";
        return new AuditChain(seq - 1, prev).link("checkpoint", members.getBytes(StandardCharsets.US_ASCII));
    }

    String hashOf(long seq) {
        byte[] line = trail.line(seq);
        return AuditChain.hash(line, 0, line.length);
    }

    /** A file continuing a chain at {@code (lastSeq, last line)} whose checkpoints {@code signer} signs. */
    static Path continueWith(Path dir, KeyPair signer, long lastSeq, byte[] lastLine) throws IOException {
        AuditChain chain = new AuditChain(lastSeq, AuditChain.hash(lastLine, 0, lastLine.length));
        StringBuilder file = new StringBuilder();
        Instant time = START.plusSeconds(3600);
        String resume = "\"time\":\"" + time + "\",\"previous_file\":null,\"discarded_bytes\":0";
        file.append(new String(chain.link("resume", resume.getBytes(StandardCharsets.US_ASCII)), StandardCharsets.US_ASCII)).append('\n');
        byte[] cp = TrailFixture.checkpointMembers(chain.seq() + 1, chain.head(), signer, time);
        file.append(new String(chain.link("checkpoint", cp), StandardCharsets.US_ASCII)).append('\n');
        Path path = dir.resolve(String.format("audit-%012d-20250601T110000Z.jsonl", lastSeq + 1));
        Files.writeString(path, file);
        return path;
    }
}
