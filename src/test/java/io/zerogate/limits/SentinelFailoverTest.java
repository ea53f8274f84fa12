package io.zerogate.limits;

import static org.assertj.core.api.Assertions.assertThat;

import io.zerogate.state.RedisSentinel;
import io.zerogate.state.RedisServer;
import io.zerogate.testing.Closing;
import io.zerogate.testing.RunningGateway;
import io.zerogate.testing.TestUpstream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.UUID;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Limits counted in a Redis behind Sentinel keep counting when the master dies: a master, a replica and three
 * sentinels run on loopback ports, a gateway counts through {@code state: { mode: sentinel }}, the master is
 * killed, and while the sentinels fail over the gateway answers as {@code on_store_error: deny} says (503
 * {@code state_unavailable}); once the replica is promoted the gateway counts in it, continuing from the counts
 * the old master had replicated.
 */
@Timeout(120)
class SentinelFailoverTest {

    private static final Pattern CODE = Pattern.compile("\"code\":\"([a-z_]+)\"");
    /**
     * How long the gateway may take to count again after the master dies: the sentinels take the master as down
     * after a second, agree and promote the replica within seconds, and the gateway reconnects at least every
     * second.
     */
    private static final Duration FAILOVER_BOUND = Duration.ofSeconds(30);

    private static final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    private static RedisSentinel sentinel;
    private static TestUpstream upstream;
    private static RunningGateway gateway;

    @BeforeAll
    static void start() throws Exception {
        sentinel = RedisSentinel.start(1, 3);
        upstream = TestUpstream.fixed("ok");
        String nodes = sentinel.sentinelUris().stream().map(uri -> "\"" + uri + "\"").collect(Collectors.joining(", "));
        gateway = RunningGateway.start("""
                state:
                  store: redis
                  mode: sentinel
                  master: %s
                  nodes: [%s]
                  timeout: 500ms
                  on_store_error: deny
                services:
                  api: { targets: [%s], tls: none }
                routes:
                  - id: counted
                    match: { path: /counted }
                    service: api
                    public: true
                    limits:
                      - { id: per-caller, key: header:X-Caller, rate: 5/1h }
                """.formatted(RedisSentinel.MASTER_NAME, nodes, upstream.target()));
    }

    @AfterAll
    static void stop() throws Exception {
        Closing.all(gateway, upstream, sentinel);
    }

    @Test
    void limitsFollowThePromotedReplicaAndRefuseWhileTheSentinelsFailOver() throws Exception {
        String me = UUID.randomUUID().toString();
        for (int i = 1; i <= 3; i++) {
            HttpResponse<String> ok = send(me);
            assertThat(ok.statusCode()).isEqualTo(200);
            assertThat(ok.headers().firstValue("RateLimit").orElseThrow()).startsWith("\"per-caller\";r=" + (5 - i) + ";");
        }
        RedisServer master = sentinel.master();
        RedisServer replica = sentinel.replicas().get(0);
        // Replication is asynchronous: the counts survive the failover once the replica has them.
        assertThat(master.inspect().waitForReplication(1, 5_000)).isEqualTo(1);
        assertThat(replica.inspect().keys("zerogate:rl:*")).hasSize(1);

        master.kill();
        long killed = System.nanoTime();

        // The gateway's connection to the dead master fails: refused as on_store_error: deny says.
        HttpResponse<String> during = send(me);
        assertThat(during.statusCode()).isEqualTo(503);
        assertThat(code(during)).isEqualTo("state_unavailable");
        assertThat(during.headers().firstValue("Retry-After")).hasValue("1");

        // Until the replica is promoted and the gateway has found it, every answer is that refusal; then the
        // fourth request is counted, after the three the old master counted.
        HttpResponse<String> counted;
        while (true) {
            assertThat(Duration.ofNanos(System.nanoTime() - killed))
                    .as("the gateway counts again within %s of the master's death", FAILOVER_BOUND)
                    .isLessThan(FAILOVER_BOUND);
            HttpResponse<String> r = send(me);
            if (r.statusCode() == 200) {
                counted = r;
                break;
            }
            assertThat(r.statusCode()).isEqualTo(503);
            assertThat(code(r)).isEqualTo("state_unavailable");
            // The sentinels' progress offers nothing to wait on; ask again shortly.
            Thread.sleep(50);
        }
        assertThat(sentinel.masterPort()).as("the sentinels promoted the replica").isEqualTo(replica.port());
        assertThat(counted.headers().firstValue("RateLimit").orElseThrow()).startsWith("\"per-caller\";r=1;");

        HttpResponse<String> last = send(me);
        assertThat(last.statusCode()).isEqualTo(200);
        assertThat(last.headers().firstValue("RateLimit").orElseThrow()).startsWith("\"per-caller\";r=0;");
        HttpResponse<String> refused = send(me);
        assertThat(refused.statusCode()).isEqualTo(429);
        assertThat(code(refused)).isEqualTo("rate_limited");
        // The count is in the promoted replica, which is now the master.
        assertThat(replica.inspect().info("replication")).contains("role:master");
        assertThat(replica.inspect().keys("zerogate:rl:*")).hasSize(1);
    }

    private static HttpResponse<String> send(String callerId) throws Exception {
        return http.send(HttpRequest.newBuilder(URI.create(gateway.url("/counted"))).timeout(Duration.ofSeconds(10))
                .header("X-Caller", callerId).GET().build(), HttpResponse.BodyHandlers.ofString());
    }

    private static String code(HttpResponse<String> r) {
        Matcher m = CODE.matcher(r.body());
        return m.find() ? m.group(1) : null;
    }
}
