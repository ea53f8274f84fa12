package io.zerogate.state;

import java.time.Duration;
import org.junit.jupiter.api.extension.RegisterExtension;

/** The limit contract against one real Redis server, whose {@code TIME} is real time. */
class RedisLimitStoreTest extends LimitStoreContract {

    @RegisterExtension
    static final RedisServer.PerClass server = new RedisServer.PerClass();

    @Override
    protected StateStore open() {
        return RedisStateStore.connect(server.uri(), Duration.ofSeconds(2));
    }

    @Override
    protected void elapse(Duration d) throws InterruptedException {
        Thread.sleep(d.toMillis());
    }

    /** Real time passes between calls; a busy machine may take this long between two of them. */
    @Override
    protected long slackMicros() {
        return 250_000;
    }
}
