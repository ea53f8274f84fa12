package io.zerogate.server;

import static org.assertj.core.api.Assertions.assertThat;

import io.zerogate.testing.RunningGateway;
import java.util.function.Function;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.BeforeEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * A real gateway in front of an {@link EchoUpstream}, shared by the tests of one class. Each test starts
 * with nothing recorded and must take every request head the upstream saw: one left over means a request
 * reached the upstream that the test did not expect.
 */
final class EchoGateway implements BeforeAllCallback, AfterAllCallback, BeforeEachCallback, AfterEachCallback {

    private final Function<String, String> configForTarget;
    private EchoUpstream upstream;
    private RunningGateway gateway;

    private EchoGateway(Function<String, String> configForTarget) {
        this.configForTarget = configForTarget;
    }

    /** @param configForTarget the gateway's YAML, given the upstream's {@code http://} target */
    static EchoGateway serving(Function<String, String> configForTarget) {
        return new EchoGateway(configForTarget);
    }

    EchoUpstream upstream() {
        return upstream;
    }

    RunningGateway gateway() {
        return gateway;
    }

    @Override
    public void beforeAll(ExtensionContext context) throws Exception {
        upstream = EchoUpstream.start();
        gateway = RunningGateway.start(configForTarget.apply(upstream.target()));
    }

    @Override
    public void afterAll(ExtensionContext context) throws Exception {
        gateway.close();
        upstream.close();
    }

    @Override
    public void beforeEach(ExtensionContext context) {
        upstream.clear();
    }

    @Override
    public void afterEach(ExtensionContext context) {
        assertThat(upstream.heads()).as("requests that reached the upstream unexpectedly").isEmpty();
    }
}
