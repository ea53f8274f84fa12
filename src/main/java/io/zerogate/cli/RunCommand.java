package io.zerogate.cli;

import io.zerogate.Gateway;
import io.zerogate.config.ConfigException;
import io.zerogate.config.ConfigLoader;
import io.zerogate.config.GatewayConfig;
import io.zerogate.server.ListenerBindException;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code zerogate run --config FILE}: serve until SIGTERM/SIGINT, then drain and stop. */
@Command(name = "run", mixinStandardHelpOptions = true,
        description = "Run the gateway. The file is watched and reloaded atomically; a bad file keeps the last good one.")
final class RunCommand implements Callable<Integer> {

    @Option(names = {"-c", "--config"}, required = true, paramLabel = "FILE", description = "the configuration file")
    Path config;

    @Option(names = "--event-loops", paramLabel = "N", defaultValue = "0",
            description = "event loop threads (default: one per processor)")
    int eventLoops;

    @Override
    public Integer call() throws InterruptedException {
        GatewayConfig parsed;
        Gateway gateway;
        try {
            parsed = ConfigLoader.load(config);
            gateway = Gateway.start(parsed, config, eventLoops);
        } catch (ConfigException | ListenerBindException e) {
            System.err.println(e.getMessage());
            return 1;
        }
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            gateway.close();
            stopped.countDown();
        }, "zerogate-shutdown"));
        gateway.listeners().forEach((name, addr) -> System.out.printf("zerogate: listener %s on http://%s:%d%n",
                name, addr.getHostString(), addr.getPort()));
        if (gateway.adminAddress() != null) {
            System.out.printf("zerogate: admin on %s://%s:%d%n", parsed.admin().tls() == null ? "http" : "https",
                    gateway.adminAddress().getHostString(),
                    gateway.adminAddress().getPort());
        }
        stopped.await();
        return 0;
    }
}
