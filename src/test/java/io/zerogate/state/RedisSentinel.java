package io.zerogate.state;

import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.util.List;

/**
 * A real Redis Sentinel deployment for tests: one master and one sentinel that monitors it, each on a free
 * loopback port in its own temporary directory. Stopped and removed after.
 */
public final class RedisSentinel implements AutoCloseable {

    public static final String MASTER_NAME = "zerogate-master";

    private final RedisServer master;
    private final RedisServer sentinel;

    private RedisSentinel(RedisServer master, RedisServer sentinel) {
        this.master = master;
        this.sentinel = sentinel;
    }

    public static RedisSentinel start() throws IOException, InterruptedException {
        RedisServer master = RedisServer.start();
        try {
            // A sentinel rewrites its configuration file, so it gets one of its own.
            RedisServer sentinel = RedisServer.start((port, directory) -> {
                var config = directory.resolve("sentinel.conf");
                Files.writeString(config, "port " + port + "\nbind 127.0.0.1\ndir " + directory + "\n"
                        + "sentinel monitor " + MASTER_NAME + " 127.0.0.1 " + master.port() + " 1\n");
                return List.of(config.toString(), "--sentinel");
            });
            return new RedisSentinel(master, sentinel);
        } catch (IOException | InterruptedException | RuntimeException e) {
            master.close();
            throw e;
        }
    }

    /** The sentinel's address, as configured for the gateway. */
    public URI sentinelUri() {
        return sentinel.uri();
    }

    public RedisServer master() {
        return master;
    }

    @Override
    public void close() throws InterruptedException {
        sentinel.close();
        master.close();
    }
}
