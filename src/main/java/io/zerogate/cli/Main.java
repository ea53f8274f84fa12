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

    /** Netty's switch for sampling buffers to report leaks; see {@link #main}. */
    static final String LEAK_DETECTION = "io.netty.leakDetection.level";

    public static void main(String[] args) {
        // Netty's default samples one buffer in 128 with a stack trace at every touch, about 1 % of the CPU a
        // forwarded request costs. The test suite runs every buffer under paranoid detection instead; an
        // operator chasing a suspected leak turns sampling back on with -Dio.netty.leakDetection.level=simple.
        if (System.getProperty(LEAK_DETECTION) == null && System.getProperty("io.netty.leakDetectionLevel") == null) {
            System.setProperty(LEAK_DETECTION, "disabled");
        }
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
