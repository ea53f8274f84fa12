package io.zerogate.state;

import java.time.Duration;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;

/** The limit contract against one real Redis server, whose {@code TIME} is real time. */
class RedisLimitStoreTest extends LimitStoreContract {

    private static RedisServer server;

    @BeforeAll
    static void startRedis() throws Exception {
        server = RedisServer.start();
    }

    @AfterAll
    static void stopRedis() throws Exception {
        if (server != null) {
            server.close();
        }
    }

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
