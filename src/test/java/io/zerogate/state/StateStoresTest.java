package io.zerogate.state;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.zerogate.config.StateConfig;
import io.zerogate.config.StateConfig.RedisConfig;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
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

    @Test
    void theRedisStoreFindsTheMasterThroughSentinel() throws Exception {
        try (RedisSentinel sentinel = RedisSentinel.start()) {
            RedisConfig redis = new RedisConfig(RedisConfig.Mode.SENTINEL, List.of(sentinel.sentinelUri()),
                    RedisSentinel.MASTER_NAME, Duration.ofSeconds(2));
            try (StateStore store = StateStores.open(new StateConfig(StateConfig.Store.REDIS, null, redis,
                    StateConfig.OnStoreError.DENY, 2), Clock.systemUTC())) {
                assertThat(store.toString()).isEqualTo("RedisStateStore[sentinel " + sentinel.sentinelUri()
                        + " master " + RedisSentinel.MASTER_NAME + "]");
                assertThat(store.claimOnce("a", Duration.ofSeconds(10)).toCompletableFuture().get(5, TimeUnit.SECONDS)).isTrue();
                assertThat(store.claimOnce("a", Duration.ofSeconds(10)).toCompletableFuture().get(5, TimeUnit.SECONDS)).isFalse();
                Charge charge = new Charge("w", new Meter.FixedWindow(2, 3_600_000_000L), 1, true);
                ChargeVerdict verdict = store.charge(List.of(charge), "l1").toCompletableFuture().get(5, TimeUnit.SECONDS);
                assertThat(verdict.results()).containsExactly(new ChargeResult(true, 2, 1, 3_600_000_000L, 0));
                assertThat(sentinel.master().inspect().hget("zerogate:w", "c")).isEqualTo("1");
            }
        }
    }

    @Test
    void theRedisStoreSpreadsOverACluster() throws Exception {
        try (RedisCluster cluster = RedisCluster.start()) {
            RedisConfig redis = new RedisConfig(RedisConfig.Mode.CLUSTER, cluster.uris().subList(0, 1), null,
                    Duration.ofSeconds(2));
            try (StateStore store = StateStores.open(new StateConfig(StateConfig.Store.REDIS, null, redis,
                    StateConfig.OnStoreError.DENY, 2), Clock.systemUTC())) {
                for (String key : List.of("a", "b", "c", "d")) {
                    assertThat(store.claimOnce(key, Duration.ofSeconds(10)).toCompletableFuture().get(5, TimeUnit.SECONDS)).isTrue();
                    assertThat(cluster.masterOf("zerogate:" + key).inspect().exists("zerogate:" + key)).isOne();
                }
            }
        }
    }
}
