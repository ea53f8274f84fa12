package io.zerogate.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.zerogate.audit.CheckpointSignature;
import io.zerogate.audit.TrailFixture;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/** {@code zerogate audit verify} end to end through the real command line: exit codes and what it prints. */
class AuditCommandTest {

    @TempDir
    Path dir;

    Path trailDir;
    KeyPair key;
    TrailFixture trail;
    Path pem;
    List<Path> files;

    /** One run of the command: exit code and what it printed. */
    private record Run(int exit, String out, String err) {}

    private static Run run(String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        CommandLine cli = new CommandLine(new Main());
        cli.setOut(new PrintWriter(out, true));
        cli.setErr(new PrintWriter(err, true));
        int exit = cli.execute(args);
        return new Run(exit, out.toString(), err.toString());
    }

    @BeforeEach
    void writeTrail() throws Exception {
        key = KeyPairGenerator.getInstance("Ed25519").generateKeyPair();
        trailDir = Files.createDirectory(dir.resolve("audit"));
        trail = new TrailFixture(trailDir, key, Instant.parse("2025-06-01T10:00:00Z"))
                .start().records(1000).rotate().records(100).crash(25).start().records(100).stop();
        files = trail.files();
        pem = Files.writeString(dir.resolve("audit.pub.pem"), TrailFixture.pem("PUBLIC KEY", key.getPublic().getEncoded()));
    }

    @Test
    void anIntactTrailExitsZeroWithASummary() {
        Run r = run("audit", "verify", "--public-key", pem.toString(), trailDir.toString());

        assertThat(r.exit()).as(r.out() + r.err()).isZero();
        assertThat(r.out().lines().toList()).containsExactly(
                "intact: 1,200 records in 3 files, seq 1..1,206, 4 checkpoints, last sealed at " + trail.now()
                        + " (seq 1,206)",
                "signatures: checked with key " + CheckpointSignature.keyId(key.getPublic()),
                "note: the gateway restarted after a crash at " + files.get(2).getFileName()
                        + " line 1 (seq 1104), discarding the 25 bytes of a torn line");
        assertThat(r.err()).isEmpty();
    }

    @Test
    void aJwkKeyWorksAsWell() throws Exception {
        Path jwk = Files.writeString(dir.resolve("audit.jwk"), TrailFixture.jwk(key));

        Run r = run("audit", "verify", "--public-key", jwk.toString(), files.get(0).toString(), files.get(1).toString(),
                files.get(2).toString());

        assertThat(r.exit()).as(r.out() + r.err()).isZero();
        assertThat(r.out()).startsWith("intact: 1,200 records in 3 files");
    }

    @Test
    void aBrokenTrailExitsOneNamingTheFirstBrokenLink() throws Exception {
        Path f1 = files.get(0);
        List<String> lines = Files.readAllLines(f1, StandardCharsets.UTF_8);
        lines.remove(499);
        Files.write(f1, lines, StandardCharsets.UTF_8);

        Run r = run("audit", "verify", "--public-key", pem.toString(), trailDir.toString());

        assertThat(r.exit()).isEqualTo(1);
        assertThat(r.out().lines().toList()).containsExactly(
                "BROKEN: deleted at " + f1 + " line 500 (seq 501)",
                "  expected: seq 500",
                "  found:    seq 501",
                "  meaning:  seq 500 (1 line) missing: lines were deleted here",
                "checked before the break was found: 497 records in 1 file, seq 1..499, 1 checkpoint, last sealed at "
                        + Instant.parse("2025-06-01T10:00:02Z") + " (seq 2)",
                "signatures: checked with key " + CheckpointSignature.keyId(key.getPublic()));
    }

    @Test
    void withoutAKeyTheVerdictIsNotVerifiedUnlessSignaturesAreWaived() {
        Run unsigned = run("audit", "verify", trailDir.toString());
        Run waived = run("audit", "verify", "--no-signatures", trailDir.toString());

        assertThat(unsigned.exit()).isEqualTo(1);
        assertThat(unsigned.out()).startsWith("chain intact, but NOT VERIFIED: 1,200 records in 3 files")
                .contains("signatures: NOT CHECKED; give --public-key FILE")
                .contains("checkpoints name key " + CheckpointSignature.keyId(key.getPublic()));
        assertThat(waived.exit()).isZero();
        assertThat(waived.out()).startsWith("intact chain (signatures not checked: --no-signatures): 1,200 records")
                .doesNotContain("NOT CHECKED");
    }

    @Test
    void aLiveTrailPassesWithAllowUnsealedTail() throws Exception {
        Path live = Files.createDirectory(dir.resolve("live"));
        TrailFixture t = new TrailFixture(live, key, Instant.parse("2025-06-01T10:00:00Z")).start().records(20).checkpoint()
                .records(3).crash(0);

        Run strict = run("audit", "verify", "--public-key", pem.toString(), live.toString());
        Run allowed = run("audit", "verify", "--public-key", pem.toString(), "--allow-unsealed-tail", live.toString());

        assertThat(strict.exit()).isEqualTo(1);
        assertThat(strict.out()).startsWith("BROKEN: truncated at " + t.at(26).file() + " line 26 (seq 26)")
                .contains("3 records after the last checkpoint at seq 23 are not sealed: truncated, or the gateway is"
                        + " still writing");
        assertThat(allowed.exit()).isZero();
        assertThat(allowed.out()).startsWith("intact: 23 records in 1 file, seq 1..26, 2 checkpoints")
                .contains("note: 3 records after the last checkpoint at seq 23 are not sealed yet");
    }

    @Test
    void aGarbageFileIsReportedNotThrown() throws Exception {
        Path garbage = Files.write(dir.resolve("audit-000000000001-20250601T100000Z.jsonl"),
                "\u001b]0;owned\u0007{\"seq\":\n\u0000\u0001binary".getBytes(StandardCharsets.UTF_8));

        Run r = run("audit", "verify", "--public-key", pem.toString(), garbage.toString());

        assertThat(r.exit()).isEqualTo(1);
        assertThat(r.out()).startsWith("BROKEN: malformed at " + garbage + " line 1 (seq 1)")
                .doesNotContain("Exception").doesNotContain("\tat ");
        assertThat(r.out().chars().filter(c -> (c < 0x20 || c > 0x7e) && c != '\n').count()).isZero();
    }

    @Test
    void usageAndIoErrorsExitTwoInOneLine() throws Exception {
        Path missing = dir.resolve("nowhere.jsonl");
        Path privateKey = Files.writeString(dir.resolve("audit.key"),
                TrailFixture.pem("PRIVATE KEY", key.getPrivate().getEncoded()));
        Path empty = Files.createDirectory(dir.resolve("empty"));

        Run noFile = run("audit", "verify", "--public-key", pem.toString(), missing.toString());
        Run wrongKey = run("audit", "verify", "--public-key", privateKey.toString(), trailDir.toString());
        Run noAuditFiles = run("audit", "verify", "--public-key", pem.toString(), empty.toString());
        Run both = run("audit", "verify", "--public-key", pem.toString(), "--no-signatures", trailDir.toString());
        Run nothing = run("audit", "verify");
        Run noSubcommand = run("audit");

        assertThat(noFile.exit()).isEqualTo(2);
        assertThat(noFile.err()).isEqualTo("zerogate audit verify: " + missing + ": cannot read: no such file\n");
        assertThat(noFile.out()).isEmpty();
        assertThat(wrongKey.exit()).isEqualTo(2);
        assertThat(wrongKey.err()).isEqualTo("zerogate audit verify: " + privateKey
                + " holds a private key: give the public key only (openssl pkey -in KEY -pubout)\n");
        assertThat(noAuditFiles.exit()).isEqualTo(2);
        assertThat(noAuditFiles.err()).isEqualTo("zerogate audit verify: " + empty
                + ": no audit-*.jsonl files in this directory\n");
        assertThat(both.exit()).isEqualTo(2);
        assertThat(both.err()).startsWith("--no-signatures cannot be combined with --public-key");
        assertThat(nothing.exit()).isEqualTo(2);
        assertThat(nothing.err()).startsWith("Missing required parameter: 'FILE|DIR'");
        assertThat(noSubcommand.exit()).isEqualTo(2);
        assertThat(noSubcommand.err()).startsWith("Missing required subcommand (verify)");
    }
}
