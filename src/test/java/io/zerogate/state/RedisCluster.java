package io.zerogate.state;

import io.lettuce.core.Range;
import io.lettuce.core.api.sync.RedisCommands;
import io.lettuce.core.cluster.SlotHash;
import io.zerogate.testing.Await;
import java.io.IOException;
import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * A real Redis Cluster for tests: three masters on free loopback ports, each in its own temporary directory,
 * the 16384 slots split between them. Stopped and removed after.
 */
public final class RedisCluster implements AutoCloseable {

    private static final int SLOTS = 16384;
    private static final Duration FORM_BOUND = Duration.ofSeconds(20);

    private final List<RedisServer> masters;

    private RedisCluster(List<RedisServer> masters) {
        this.masters = masters;
    }

    public static RedisCluster start() throws IOException, InterruptedException {
        List<RedisServer> masters = new ArrayList<>();
        RedisCluster cluster = new RedisCluster(masters);
        try {
            for (int n = 0; n < 3; n++) {
                masters.add(RedisServer.start((port, directory) -> List.of("--port", Integer.toString(port),
                        "--bind", "127.0.0.1", "--save", "", "--appendonly", "no", "--dir", directory.toString(),
                        "--cluster-enabled", "yes", "--cluster-config-file", "nodes.conf",
                        "--cluster-node-timeout", "2000")));
            }
            for (int n = 0; n < masters.size(); n++) {
                RedisCommands<String, String> node = masters.get(n).inspect();
                node.clusterAddSlotsRange(Range.create(n * SLOTS / 3, (n + 1) * SLOTS / 3 - 1));
                if (n > 0) {
                    node.clusterMeet("127.0.0.1", masters.get(0).port());
                }
            }
            for (RedisServer master : masters) {
                Await.until("the cluster formed on port " + master.port(), FORM_BOUND,
                        () -> master.inspect().clusterInfo().contains("cluster_state:ok")
                                && master.inspect().clusterInfo().contains("cluster_known_nodes:3"));
            }
            return cluster;
        } catch (IOException | InterruptedException | RuntimeException | Error e) {
            cluster.close();
            throw e;
        }
    }

    /** Seed nodes for a client: every master. */
    public List<URI> uris() {
        return masters.stream().map(RedisServer::uri).toList();
    }

    public List<RedisServer> masters() {
        return masters;
    }

    /** The master that serves {@code key}'s slot. */
    public RedisServer masterOf(String key) {
        int slot = SlotHash.getSlot(key);
        int n = 0;
        while (slot > (n + 1) * SLOTS / 3 - 1) {
            n++;
        }
        return masters.get(n);
    }

    @Override
    public void close() throws InterruptedException {
        for (RedisServer master : masters) {
            master.close();
        }
    }
}
