package io.zerogate.state;

import static org.assertj.core.api.Assertions.assertThat;

import io.lettuce.core.cluster.SlotHash;
import io.zerogate.config.StateConfig.RedisConfig;
import java.time.Duration;
import io.netty.channel.DefaultEventLoop;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The limit contract against a three-master Redis Cluster, where the charges of one call usually fall in
 * different slots (one script call each, refunded when another refuses), plus what only a cluster shows.
 */
class RedisClusterLimitStoreTest extends LimitStoreContract {

    private static final long HOUR = 3_600_000_000L;

    private static RedisCluster cluster;

    @BeforeAll
    static void startCluster() throws Exception {
        cluster = RedisCluster.start();
    }

    @AfterAll
    static void stopCluster() throws Exception {
        if (cluster != null) {
            cluster.close();
        }
    }

    @Override
    protected StateStore open() {
        return RedisStateStore.connect(new RedisConfig(RedisConfig.Mode.CLUSTER, cluster.uris(), null, Duration.ofSeconds(2)));
    }

    @Override
    protected void elapse(Duration d) throws InterruptedException {
        Thread.sleep(d.toMillis());
    }

    @Override
    protected long slackMicros() {
        return 250_000;
    }

    private long scriptCalls() {
        return cluster.masters().stream().mapToLong(master -> {
            String stats = master.inspect().info("commandstats");
            int at = stats.indexOf("cmdstat_evalsha:calls=");
            return at < 0 ? 0 : Long.parseLong(stats.substring(at + 22, stats.indexOf(',', at)));
        }).sum();
    }

    private String storeKey(String name) {
        return RedisStateStore.KEY_PREFIX + key(name);
    }

    @Test
    void chargesUnderOneHashTagNeedOneScriptCall() throws Exception {
        Charge rate = enforced("{tenant-7}:rate", new Meter.Gcra(10, 10 * HOUR, 2));
        Charge quota = enforced("{tenant-7}:quota", new Meter.Quota(5, wallMillis() + 3_600_000));
        assertThat(SlotHash.getSlot(storeKey("{tenant-7}:rate"))).isEqualTo(SlotHash.getSlot(storeKey("{tenant-7}:quota")));
        long before = scriptCalls();
        ChargeVerdict verdict = charge("l1", rate, quota);
        assertThat(scriptCalls() - before).isEqualTo(1);
        assertThat(verdict.allowed()).isTrue();
        assertAllowed(verdict.results().get(0), 10, 1);
        assertAllowed(verdict.results().get(1), 5, 4);
    }

    @Test
    void chargesInOtherSlotsAreRefundedWhenOneSlotRefuses() throws Exception {
        String[] names = oneNamePerMaster();
        Charge rate = enforced(names[0], new Meter.Gcra(10, 10 * HOUR, 2));
        Charge inFlight = enforced(names[1], new Meter.Concurrency(1, HOUR));
        Charge exhausted = enforced(names[2], new Meter.FixedWindow(1, HOUR));
        assertThat(charge("l0", exhausted).allowed()).isTrue();

        long before = scriptCalls();
        ChargeVerdict verdict = charge("l1", rate, inFlight, exhausted);
        assertThat(verdict.allowed()).isFalse();
        assertAllowed(verdict.results().get(0), 10, 2);
        assertAllowed(verdict.results().get(1), 1, 1);
        assertRefused(verdict.results().get(2), 1, 0);
        assertThat(scriptCalls() - before).as("three charges, then two refunds").isEqualTo(5);
        assertThat(cluster.masterOf(storeKey(names[0])).inspect().exists(storeKey(names[0]))).isZero();
        assertThat(cluster.masterOf(storeKey(names[1])).inspect().zcard(storeKey(names[1]))).isZero();

        List<ChargeResult> peeked = peek(rate, inFlight);
        assertAllowed(peeked.get(0), 10, 1);
        assertAllowed(peeked.get(1), 1, 0);
    }

    @Test
    void chargesMadeOnAnEventLoopTravelInOneCallPerSlot() throws Exception {
        String[] names = oneNamePerMaster();
        Charge rate = enforced(names[0], new Meter.Gcra(10, 10 * HOUR, 10));
        Charge exhausted = enforced(names[1], new Meter.FixedWindow(1, HOUR));
        Charge other = enforced(names[2], new Meter.Gcra(10, 10 * HOUR, 10));
        assertThat(charge("l0", exhausted).allowed()).isTrue();

        DefaultEventLoop loop = new DefaultEventLoop();
        try {
            long before = scriptCalls();
            List<CompletableFuture<ChargeVerdict>> verdicts = loop.submit(() -> List.of(
                    store.charge(List.of(rate), "l1", loop).toCompletableFuture(),
                    // Two slots, one refusing: the other slot's charge is given back.
                    store.charge(List.of(rate, exhausted), "l2", loop).toCompletableFuture(),
                    store.charge(List.of(rate, other), "l3", loop).toCompletableFuture())).get(5, TimeUnit.SECONDS);
            ChargeVerdict first = verdicts.get(0).get(5, TimeUnit.SECONDS);
            ChargeVerdict refused = verdicts.get(1).get(5, TimeUnit.SECONDS);
            ChargeVerdict third = verdicts.get(2).get(5, TimeUnit.SECONDS);
            assertAllowed(first.results().get(0), 10, 9);
            assertThat(refused.allowed()).isFalse();
            assertRefused(refused.results().get(1), 1, 0);
            assertThat(third.allowed()).isTrue();
            assertThat(third.results().get(1).remaining()).isEqualTo(9);
            // One call for each of the three slots, and one refund of the refused request's rate.
            assertThat(scriptCalls() - before).isEqualTo(4);
            // The rate counts the first and third requests only: a peek finds 8 left, 7 after one more.
            assertAllowed(peek(rate).get(0), 10, 7);
        } finally {
            loop.shutdownGracefully(0, 1, TimeUnit.SECONDS).await(5, TimeUnit.SECONDS);
        }
    }

    /** One key name on each master: the first name found whose slot that master serves. */
    private String[] oneNamePerMaster() {
        String[] names = new String[3];
        for (int n = 0; n < 10_000; n++) {
            int master = cluster.masters().indexOf(cluster.masterOf(storeKey("k" + n)));
            if (names[master] == null) {
                names[master] = "k" + n;
            }
        }
        return names;
    }

    @Test
    void claimsWorkAcrossTheCluster() throws Exception {
        for (String name : List.of("x", "y", "z", "{t}:1", "{t}:2")) {
            assertThat(store.claimOnce(key(name), Duration.ofMinutes(1)).toCompletableFuture().get()).isTrue();
            assertThat(store.claimOnce(key(name), Duration.ofMinutes(1)).toCompletableFuture().get()).isFalse();
        }
    }
}
