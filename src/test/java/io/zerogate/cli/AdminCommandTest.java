package io.zerogate.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.zerogate.admin.AdminTokens;
import java.io.PrintWriter;
import java.io.StringWriter;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

/** {@code zerogate admin token create}: a new token, shown once, and the configuration lines with its hash. */
class AdminCommandTest {

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

    @Test
    void createPrintsTheTokenOnceAndTheLinesWithItsHash() {
        Run run = run("admin", "token", "create", "--name", "ops-alice");
        assertThat(run.exit()).isZero();
        String token = run.out().strip();
        assertThat(token).matches("zgadmin_[A-Za-z0-9_-]{43}");
        assertThat(run.err()).contains("  tokens:\n    - name: ops-alice\n      sha256: " + AdminTokens.sha256(token) + "\n")
                .doesNotContain(token);
        assertThat(run("admin", "token", "create", "--name", "ops-alice").out().strip()).isNotEqualTo(token);
    }

    @Test
    void aNameThatCannotBeLoggedSafelyIsRefused() {
        Run run = run("admin", "token", "create", "--name", "ops alice\u001b[31m");
        assertThat(run.exit()).isEqualTo(2);
        assertThat(run.err()).contains("--name must match");
        assertThat(run.out()).isEmpty();
        assertThat(run("admin", "token", "create").exit()).isEqualTo(2);
        assertThat(run("admin", "token").exit()).isEqualTo(2);
    }
}
