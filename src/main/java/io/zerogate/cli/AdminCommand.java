package io.zerogate.cli;

import io.zerogate.admin.AdminTokens;
import io.zerogate.config.AdminConfig;
import java.io.PrintWriter;
import java.security.SecureRandom;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code zerogate admin token create --name NAME}: credentials for the admin API. */
@Command(name = "admin", mixinStandardHelpOptions = true, description = "Credentials for the admin API.",
        subcommands = AdminCommand.TokenCommand.class)
final class AdminCommand implements Runnable {

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        throw new CommandLine.ParameterException(spec.commandLine(), "Missing required subcommand (token)");
    }

    /** {@code zerogate admin token create}. */
    @Command(name = "token", mixinStandardHelpOptions = true, description = "Admin bearer tokens.")
    static final class TokenCommand implements Runnable {

        private final SecureRandom random = new SecureRandom();

        @CommandLine.Spec
        CommandLine.Model.CommandSpec spec;

        @Override
        public void run() {
            throw new CommandLine.ParameterException(spec.commandLine(), "Missing required subcommand (create)");
        }

        @Command(name = "create", mixinStandardHelpOptions = true,
                description = "Make a new admin token. The token is printed once, on standard output, and kept nowhere;"
                        + " the configuration lines with its hash go to standard error.")
        int create(@Option(names = "--name", required = true, paramLabel = "NAME",
                description = "who or what holds the token (appears in logs), e.g. ops-alice or prometheus") String name) {
            CommandLine command = spec.commandLine().getSubcommands().get("create");
            if (!AdminConfig.Token.NAME.matcher(name).matches()) {
                throw new CommandLine.ParameterException(command, "--name must match " + AdminConfig.Token.NAME.pattern());
            }
            String token = AdminTokens.create(random);
            PrintWriter err = spec.commandLine().getErr();
            err.println("add this to the admin section of the gateway configuration (it holds the token's hash only;"
                    + " a running gateway takes it on reload):");
            err.println();
            err.println("  tokens:");
            err.println("    - name: " + name);
            err.println("      sha256: " + AdminTokens.sha256(token));
            err.println();
            err.println("the token below is shown only this once; use it as 'Authorization: Bearer <token>'");
            err.flush();
            PrintWriter out = spec.commandLine().getOut();
            out.println(token);
            out.flush();
            return 0;
        }
    }
}
