package io.zerogate.state;

import io.lettuce.core.RedisClient;
import io.lettuce.core.sentinel.api.StatefulRedisSentinelConnection;
import io.lettuce.core.sentinel.api.sync.RedisSentinelCommands;
import io.zerogate.testing.Await;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.file.Files;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Function;

/**
 * A real Redis Sentinel deployment for tests: a master, optionally a replica of it, and sentinels that monitor
 * the master, each on a free loopback port in its own temporary directory. Stopped and removed after.
 *
 * <p>With a replica, the sentinels are tuned to fail over quickly: a master that does not answer for
 * {@link #DOWN_AFTER} is taken as down, and the sentinels (a majority of them) promote the replica.
 */
public final class RedisSentinel implements AutoCloseable {

    public static final String MASTER_NAME = "zerogate-master";
    /** How long a master may be silent before the sentinels take it as down, in a deployment with a replica. */
    public static final Duration DOWN_AFTER = Duration.ofMillis(1000);

    private final RedisServer master;
    private final List<RedisServer> replicas;
    private final List<RedisServer> sentinels;

    private RedisSentinel(RedisServer master, List<RedisServer> replicas, List<RedisServer> sentinels) {
        this.master = master;
        this.replicas = replicas;
        this.sentinels = sentinels;
    }

    /** One master and one sentinel that monitors it. */
    public static RedisSentinel start() throws IOException, InterruptedException {
        return start(0, 1);
    }

    /**
     * A master, {@code replicas} replicas of it and {@code sentinels} sentinels, whose quorum is a majority of
     * them. Returns once the replicas have synchronised and every sentinel knows every replica and every other
     * sentinel, so that a failover can start as soon as the master is gone.
     */
    public static RedisSentinel start(int replicas, int sentinels) throws IOException, InterruptedException {
        List<RedisServer> started = new ArrayList<>();
        try {
            RedisServer master = RedisServer.start();
            started.add(master);
            List<RedisServer> replicaServers = new ArrayList<>();
            for (int n = 0; n < replicas; n++) {
                RedisServer replica = RedisServer.start((port, directory) -> List.of("--port", Integer.toString(port),
                        "--bind", "127.0.0.1", "--save", "", "--appendonly", "no", "--dir", directory.toString(),
                        "--replicaof", "127.0.0.1", Integer.toString(master.port())));
                started.add(replica);
                replicaServers.add(replica);
            }
            int quorum = sentinels / 2 + 1;
            List<RedisServer> sentinelServers = new ArrayList<>();
            for (int n = 0; n < sentinels; n++) {
                // A sentinel rewrites its configuration file, so it gets one of its own.
                RedisServer sentinel = RedisServer.start((port, directory) -> {
                    var config = directory.resolve("sentinel.conf");
                    Files.writeString(config, "port " + port + "\nbind 127.0.0.1\ndir " + directory + "\n"
                            + "sentinel monitor " + MASTER_NAME + " 127.0.0.1 " + master.port() + " " + quorum + "\n"
                            + "sentinel down-after-milliseconds " + MASTER_NAME + " " + DOWN_AFTER.toMillis() + "\n"
                            + "sentinel failover-timeout " + MASTER_NAME + " 10000\n");
                    return List.of(config.toString(), "--sentinel");
                });
                started.add(sentinel);
                sentinelServers.add(sentinel);
            }
            RedisSentinel deployment = new RedisSentinel(master, replicaServers, sentinelServers);
            deployment.awaitReady();
            return deployment;
        } catch (IOException | InterruptedException | RuntimeException | AssertionError e) {
            for (RedisServer server : started.reversed()) {
                server.close();
            }
            throw e;
        }
    }

    private void awaitReady() throws InterruptedException {
        Duration bound = Duration.ofSeconds(30);
        for (RedisServer replica : replicas) {
            Await.until("replica on port " + replica.port() + " has synchronised with the master", bound,
                    () -> replica.inspect().info("replication").contains("master_link_status:up"));
        }
        // Sentinels announce themselves every two seconds; until each knows the others, none can fail over.
        for (RedisServer sentinel : sentinels) {
            Await.until("sentinel on port " + sentinel.port() + " knows every replica and sentinel", bound, () -> {
                Map<String, String> master = sentinelCommands(sentinel, commands -> commands.master(MASTER_NAME));
                return Integer.parseInt(master.get("num-slaves")) == replicas.size()
                        && Integer.parseInt(master.get("num-other-sentinels")) == sentinels.size() - 1;
            });
        }
    }

    /** Runs sentinel commands on a connection of the test's own to {@code sentinel}. */
    private static <T> T sentinelCommands(RedisServer sentinel,
                                          Function<RedisSentinelCommands<String, String>, T> commands) {
        RedisClient client = RedisClient.create(sentinel.uri().toString());
        try (StatefulRedisSentinelConnection<String, String> connection = client.connectSentinel()) {
            return commands.apply(connection.sync());
        } finally {
            client.shutdown(Duration.ZERO, Duration.ofSeconds(2));
        }
    }

    /** The first sentinel's address, as configured for the gateway. */
    public URI sentinelUri() {
        return sentinels.get(0).uri();
    }

    /** Every sentinel's address. */
    public List<URI> sentinelUris() {
        return sentinels.stream().map(RedisServer::uri).toList();
    }

    /** The port of the server the first sentinel names as master now. */
    public int masterPort() {
        return sentinelCommands(sentinels.get(0),
                commands -> ((InetSocketAddress) commands.getMasterAddrByName(MASTER_NAME)).getPort());
    }

    public RedisServer master() {
        return master;
    }

    public List<RedisServer> replicas() {
        return replicas;
    }

    @Override
    public void close() throws InterruptedException {
        for (RedisServer sentinel : sentinels) {
            sentinel.close();
        }
        for (RedisServer replica : replicas) {
            replica.close();
        }
        master.close();
    }
}
