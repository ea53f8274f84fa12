package io.zerogate.cli;

import picocli.CommandLine;
import picocli.CommandLine.Command;

/** The {@code zerogate} command. */
@Command(name = "zerogate", mixinStandardHelpOptions = true, versionProvider = VersionCommand.Provider.class,
        description = "ZeroGate: a zero-trust API gateway that verifies every request.",
        subcommands = {RunCommand.class, ValidateCommand.class, DemoCommand.class, ApiKeyCommand.class, AdminCommand.class,
                AuditCommand.class, PolicyCommand.class, DevIssuerCommand.class, VersionCommand.class,
                CommandLine.HelpCommand.class})
public final class Main implements Runnable {

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    public static void main(String[] args) {
        System.exit(execute(args));
    }

    /** Runs the command line and returns the exit code (0 success, 1 failure, 2 usage error). */
    public static int execute(String... args) {
        return new CommandLine(new Main()).execute(args);
    }

    @Override
    public void run() {
        spec.commandLine().usage(System.out);
    }
}
