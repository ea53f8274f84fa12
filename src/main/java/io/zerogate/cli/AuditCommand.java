package io.zerogate.cli;

import io.zerogate.audit.AuditVerifier;
import io.zerogate.audit.CheckpointSignature;
import io.zerogate.audit.TrailBreak;
import io.zerogate.audit.TrailKeyFile;
import io.zerogate.audit.VerifyReport;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.security.PublicKey;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import org.jspecify.annotations.Nullable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code zerogate audit verify}: check that an audit trail is whole, and say where it is not. */
@Command(name = "audit", mixinStandardHelpOptions = true, description = "Work with the audit trail.",
        subcommands = AuditCommand.Verify.class)
final class AuditCommand implements Runnable {

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        throw new CommandLine.ParameterException(spec.commandLine(), "Missing required subcommand (verify)");
    }

    @Command(name = "verify", mixinStandardHelpOptions = true,
            description = {"Check the hash chain and checkpoint signatures of audit files and report the first broken"
                    + " link.", "Exit status: 0 intact, 1 broken (or signatures not checked), 2 usage or I/O error."})
    static final class Verify implements Callable<Integer> {

        @CommandLine.Spec
        CommandLine.Model.CommandSpec spec;

        @Option(names = "--public-key", paramLabel = "FILE",
                description = "the gateway's audit public key: PEM (BEGIN PUBLIC KEY) or the JWK of an Ed25519 key;"
                        + " repeat for a trail signed with several keys")
        @Nullable List<Path> publicKeys;

        @Option(names = "--allow-unsealed-tail",
                description = "accept records after the last checkpoint at the very end (a live file being written)")
        boolean allowUnsealedTail;

        @Option(names = "--no-signatures",
                description = "check the chain only, without a key; the files alone then prove nothing against"
                        + " someone able to rewrite them")
        boolean noSignatures;

        @Parameters(paramLabel = "FILE|DIR", arity = "1..*",
                description = "audit files in chain order, or directories (their audit-*.jsonl files in name order)")
        List<Path> paths = List.of();

        @Override
        public Integer call() {
            CommandLine command = spec.commandLine();
            if (noSignatures && publicKeys != null) {
                throw new CommandLine.ParameterException(command, "--no-signatures cannot be combined with --public-key");
            }
            List<PublicKey> keys = new ArrayList<>();
            VerifyReport report;
            List<Path> files;
            try {
                for (Path file : publicKeys == null ? List.<Path>of() : publicKeys) {
                    keys.add(TrailKeyFile.read(file));
                }
                files = AuditVerifier.trailFiles(paths);
                report = new AuditVerifier(keys, allowUnsealedTail).verify(files);
            } catch (IOException | IllegalArgumentException e) {
                PrintWriter err = command.getErr();
                err.println("zerogate audit verify: " + printable(String.valueOf(e.getMessage())));
                err.flush();
                return 2;
            }
            PrintWriter out = command.getOut();
            print(out, report, keys, files.size());
            out.flush();
            return switch (report.verdict()) {
                case INTACT -> 0;
                case UNSIGNED -> noSignatures ? 0 : 1;
                case BROKEN -> 1;
            };
        }

        private void print(PrintWriter out, VerifyReport report, List<PublicKey> keys, int files) {
            TrailBreak broken = report.broken();
            if (broken != null) {
                out.printf("BROKEN: %s at %s line %d (seq %s)%n", broken.kind().label(), printable(broken.file().toString()), broken.line(),
                        number(broken.seq()));
                out.println("  expected: " + printable(broken.expected()));
                out.println("  found:    " + printable(broken.found()));
                out.println("  meaning:  " + printable(broken.meaning()));
                out.println(report.lines() == 0 ? "no line linked before the break"
                        : "checked before the break was found: " + counts(report, report.files()));
            } else {
                String verdict = report.signaturesChecked() ? "intact" : noSignatures
                        ? "intact chain (signatures not checked: --no-signatures)" : "chain intact, but NOT VERIFIED";
                out.println(verdict + ": " + counts(report, files));
            }
            if (report.signaturesChecked()) {
                out.println("signatures: checked with key " + String.join(", ",
                        keys.stream().map(CheckpointSignature::keyId).toList()));
            } else if (!noSignatures) {
                out.println("signatures: NOT CHECKED; give --public-key FILE (or --no-signatures to accept the chain"
                        + " alone): without the key, whoever can write the files can rewrite the whole chain");
            }
            if (!report.signaturesChecked() && !report.keyIds().isEmpty()) {
                out.println("checkpoints name key " + printable(String.join(", ", report.keyIds())));
            }
            for (String note : report.notes()) {
                out.println("note: " + printable(note));
            }
        }

        private static String counts(VerifyReport r, int files) {
            StringBuilder b = new StringBuilder();
            b.append(number(r.records())).append(r.records() == 1 ? " record in " : " records in ").append(number(files))
                    .append(files == 1 ? " file" : " files");
            if (r.lines() > 0) {
                b.append(", seq ").append(number(r.firstSeq())).append("..").append(number(r.lastSeq()));
            }
            b.append(", ").append(number(r.checkpoints())).append(r.checkpoints() == 1 ? " checkpoint" : " checkpoints");
            if (r.lastSealedAt() != null) {
                b.append(", last sealed at ").append(r.lastSealedAt()).append(" (seq ").append(number(r.lastSealedSeq()))
                        .append(')');
            }
            return b.toString();
        }

        private static String number(long n) {
            return String.format(Locale.ROOT, "%,d", n);
        }
    }

    /** File content is echoed only as printable ASCII, so a crafted audit line cannot drive the terminal. */
    static String printable(String s) {
        StringBuilder b = new StringBuilder(Math.min(s.length(), 600));
        for (int i = 0; i < s.length() && i < 600; i++) {
            char c = s.charAt(i);
            if (c == '\u2026') {
                b.append("...");
            } else {
                b.append(c >= 0x20 && c < 0x7f ? c : '?');
            }
        }
        return s.length() > 600 ? b.append("...").toString() : b.toString();
    }
}
