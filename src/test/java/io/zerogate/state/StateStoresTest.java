package io.zerogate.state;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.zerogate.config.StateConfig;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.time.Clock;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

class StateStoresTest {

    @Test
    void theLocalStoreIsTheEmbeddedOne() throws Exception {
        try (StateStore store = StateStores.open(StateConfig.LOCAL, Clock.systemUTC())) {
            assertThat(store).isInstanceOf(EmbeddedStateStore.class);
            assertThat(store.claimOnce("a", Duration.ofSeconds(1)).toCompletableFuture().get(1, TimeUnit.SECONDS)).isTrue();
        }
    }

    @Test
    void theRedisStoreConnectsToTheConfiguredServer() throws Exception {
        try (RedisServer server = RedisServer.start();
             StateStore store = StateStores.open(StateConfig.redis(server.uri()), Clock.systemUTC())) {
            assertThat(store).isInstanceOf(RedisStateStore.class);
            assertThat(store.toString()).isEqualTo("RedisStateStore[" + server.uri() + "]");
            assertThat(store.claimOnce("a", Duration.ofSeconds(1)).toCompletableFuture().get(1, TimeUnit.SECONDS)).isTrue();
            assertThat(store.claimOnce("a", Duration.ofSeconds(1)).toCompletableFuture().get(1, TimeUnit.SECONDS)).isFalse();
        }
    }

    @Test
    void anUnreachableRedisStopsTheOpening() throws Exception {
        int port;
        try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            port = socket.getLocalPort();
        }
        StateConfig config = StateConfig.redis(URI.create("redis://127.0.0.1:" + port));
        assertThatThrownBy(() -> StateStores.open(config, Clock.systemUTC()))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("cannot connect to Redis at redis://127.0.0.1:" + port);
    }
}
