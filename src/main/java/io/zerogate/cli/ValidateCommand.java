package io.zerogate.cli;

import io.zerogate.config.ConfigException;
import io.zerogate.config.ConfigLoader;
import io.zerogate.config.GatewayConfig;
import io.zerogate.config.GatewaySnapshot;
import io.zerogate.policy.PolicyObserver;
import io.zerogate.policy.PolicyStage;
import java.nio.file.Path;
import java.time.Clock;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

/** {@code zerogate validate FILE}: load and compile a configuration without starting anything. */
@Command(name = "validate", mixinStandardHelpOptions = true,
        description = "Check a configuration file; prints the first problem with its line and exits 1.")
final class ValidateCommand implements Callable<Integer> {

    @Parameters(paramLabel = "FILE", description = "the configuration file")
    Path file;

    @Override
    public Integer call() {
        try {
            GatewayConfig config = ConfigLoader.load(file);
            GatewaySnapshot.compile(config);
            PolicyStage.compile(config, Clock.systemUTC(), PolicyObserver.NONE);
            System.out.printf("%s: OK (%d listeners, %d services, %d routes)%n", file,
                    config.listeners().size(), config.services().size(), config.routes().size());
            return 0;
        } catch (ConfigException e) {
            System.err.println(e.getMessage());
            return 1;
        }
    }
}
