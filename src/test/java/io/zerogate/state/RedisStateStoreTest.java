package io.zerogate.state;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.lettuce.core.RedisCommandTimeoutException;
import io.lettuce.core.api.sync.RedisCommands;
import io.zerogate.testing.Await;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

class RedisStateStoreTest extends StateStoreContract {

    private static final Duration SHORT_TTL = Duration.ofMillis(200);
    private static final Duration TTL = Duration.ofSeconds(60);
    private static final Duration TIMEOUT = Duration.ofMillis(500);

    @RegisterExtension
    static final RedisServer.PerClass server = new RedisServer.PerClass();

    @Override
    protected StateStore open() throws Exception {
        StateStore store = RedisStateStore.connect(server.uri(), Duration.ofSeconds(2));
        // The first command of a connection is slow (class loading); a test that measures should not pay for it.
        claim(store, "warm-up", Duration.ofMillis(1));
        return store;
    }

    @Override
    protected Duration shortTtl() {
        return SHORT_TTL;
    }

    @Override
    protected void expired(Duration after) {
        assertThat(after).isGreaterThanOrEqualTo(SHORT_TTL);
    }

    @Override
    protected void letExpire(String key) throws InterruptedException {
        RedisCommands<String, String> redis = server.inspect();
        Await.until(key + " expired in Redis", Duration.ofSeconds(3), () -> redis.exists("zerogate:" + key) == 0);
    }

    @Test
    void aClaimIsOnePrefixedKeyWithTheTtlInMilliseconds() throws Exception {
        assertThat(claim(key("a"))).isTrue();
        RedisCommands<String, String> redis = server.inspect();
        assertThat(redis.get("zerogate:" + key("a"))).isEqualTo("1");
        assertThat(redis.pttl("zerogate:" + key("a"))).isBetween(50_000L, 60_000L);
        assertThat(redis.exists(key("a"))).isZero();
    }

    @Test
    void aReplayDoesNotExtendTheClaim() throws Exception {
        assertThat(claim(store, key("a"), Duration.ofSeconds(60))).isTrue();
        RedisCommands<String, String> redis = server.inspect();
        redis.pexpire("zerogate:" + key("a"), 5_000);
        assertThat(claim(store, key("a"), Duration.ofSeconds(60))).isFalse();
        assertThat(redis.pttl("zerogate:" + key("a"))).isBetween(1L, 5_000L);
    }

    @Test
    void twoNodesShareTheirClaims() throws Exception {
        try (StateStore other = open()) {
            assertThat(claim(key("a"))).isTrue();
            assertThat(claim(other, key("a"), TTL)).isFalse();
            assertThat(claim(other, key("b"), TTL)).isTrue();
            assertThat(claim(key("b"))).isFalse();
        }
    }

    @Test
    void aFrozenRedisFailsClaimsWithinTheTimeoutAndRecoversAfter() throws Exception {
        try (RedisServer frozen = RedisServer.start();
             RedisStateStore store = RedisStateStore.connect(frozen.uri(), TIMEOUT)) {
            assertThat(claim(store, "a", TTL)).isTrue();
            frozen.pause();
            long start = System.nanoTime();
            CompletableFuture<Boolean> claim = store.claimOnce("b", TTL).toCompletableFuture();
            assertThatThrownBy(() -> claim.get(TIMEOUT.toMillis() + 2_000, TimeUnit.MILLISECONDS))
                    .isInstanceOf(ExecutionException.class)
                    .cause().isInstanceOf(RedisCommandTimeoutException.class);
            Duration took = Duration.ofNanos(System.nanoTime() - start);
            assertThat(took).isGreaterThanOrEqualTo(TIMEOUT.minusMillis(50)).isLessThan(TIMEOUT.plusSeconds(1));
            frozen.resume();
            assertThat(claim(store, "c", TTL)).isTrue();
        }
    }

    @Test
    void aKilledRedisFailsClaimsWithinTheTimeout() throws Exception {
        try (RedisServer doomed = RedisServer.start();
             RedisStateStore store = RedisStateStore.connect(doomed.uri(), TIMEOUT)) {
            assertThat(claim(store, "a", TTL)).isTrue();
            doomed.kill();
            for (int i = 0; i < 3; i++) {
                long start = System.nanoTime();
                CompletableFuture<Boolean> claim = store.claimOnce("b" + i, TTL).toCompletableFuture();
                assertThatThrownBy(() -> claim.get(TIMEOUT.toMillis() + 2_000, TimeUnit.MILLISECONDS))
                        .isInstanceOf(ExecutionException.class);
                assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(TIMEOUT.plusSeconds(1));
            }
        }
    }

    @Test
    void connectingWhereNoRedisListensFailsWithinTheTimeoutWithoutShowingThePassword() throws Exception {
        int port;
        try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            port = socket.getLocalPort();
        }
        URI uri = URI.create("redis://:hunter2-secret@127.0.0.1:" + port);
        long start = System.nanoTime();
        assertThatThrownBy(() -> RedisStateStore.connect(uri, TIMEOUT))
                .isInstanceOf(IllegalStateException.class)
                .hasMessage("cannot connect to Redis at redis://127.0.0.1:" + port + " within PT0.5S")
                .hasMessageNotContaining("hunter2");
        assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(5));
    }

    @Test
    void onlyRedisUrisAndPositiveTimeoutsAreAccepted() {
        assertThatThrownBy(() -> RedisStateStore.connect(URI.create("http://127.0.0.1:6379"), TIMEOUT))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("redis uri: http://127.0.0.1:6379 (expected: redis://host[:port][/db] or rediss://…)");
        assertThatThrownBy(() -> RedisStateStore.connect(server.uri(), Duration.ZERO))
                .isInstanceOf(IllegalArgumentException.class).hasMessage("timeout: PT0S (expected: > 0)");
    }
}
