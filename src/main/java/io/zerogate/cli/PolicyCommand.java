package io.zerogate.cli;

import io.zerogate.config.ConfigException;
import io.zerogate.config.ConfigLoader;
import io.zerogate.config.GatewayConfig;
import io.zerogate.config.PolicyCases;
import io.zerogate.config.PolicyCasesLoader;
import io.zerogate.policy.PolicyTestRunner;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;
import org.jspecify.annotations.Nullable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code zerogate policy test}: run a table of policy cases against the routes of a configuration, offline. */
@Command(name = "policy", mixinStandardHelpOptions = true, description = "Work with route policies.",
        subcommands = PolicyCommand.Test.class)
final class PolicyCommand implements Runnable {

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        throw new CommandLine.ParameterException(spec.commandLine(), "Missing required subcommand (test)");
    }

    @Command(name = "test", mixinStandardHelpOptions = true,
            description = {"Run a table of policy cases (caller, device, network and request, and the decision each"
                    + " must get) against the routes of a configuration, offline: nothing is fetched and no upstream"
                    + " is called.",
                    "Exit status: 0 every case passed, 1 a case failed, 2 the table or the configuration is invalid."})
    static final class Test implements Callable<Integer> {

        @CommandLine.Spec
        CommandLine.Model.CommandSpec spec;

        @Option(names = "--config", paramLabel = "FILE",
                description = "the configuration to test (default: the table's `config:`)")
        @Nullable Path config;

        @Option(names = {"-v", "--verbose"}, description = "also show passing cases")
        boolean verbose;

        @Parameters(paramLabel = "FILE", description = "the table of cases (YAML)")
        Path table = Path.of("");

        @Override
        public Integer call() {
            PrintWriter out = spec.commandLine().getOut();
            PrintWriter err = spec.commandLine().getErr();
            PolicyCases cases;
            GatewayConfig gateway;
            PolicyTestRunner runner;
            try {
                cases = PolicyCasesLoader.load(table);
                Path configFile = config != null ? config : cases.config();
                if (configFile == null) {
                    err.println("zerogate policy test: " + table + " names no config; give --config FILE");
                    err.flush();
                    return 2;
                }
                gateway = ConfigLoader.load(configFile);
                runner = PolicyTestRunner.compile(gateway);
            } catch (ConfigException e) {
                err.println("zerogate policy test: " + e.getMessage());
                err.flush();
                return 2;
            }
            List<PolicyTestRunner.Result> results = runner.run(cases);
            int failed = 0;
            for (PolicyTestRunner.Result r : results) {
                PolicyCases.Case c = r.testCase();
                if (r.passed()) {
                    if (verbose) {
                        out.printf("ok    %s:%d  %s: %s%n", cases.source(), c.line(), c.name(), r.got());
                    }
                    continue;
                }
                failed++;
                out.printf("FAIL  %s:%d  %s%n        expected %s, got %s%n", cases.source(), c.line(), c.name(),
                        c.expect().describe(), r.got());
                if (r.detail() != null) {
                    out.printf("        because: %s%n", r.detail());
                }
            }
            out.printf("%d cases: %d passed, %d failed (%s against %s)%n", results.size(), results.size() - failed,
                    failed, cases.source(), gateway.source());
            out.flush();
            return failed == 0 ? 0 : 1;
        }
    }
}
