package io.zerogate.config;

import java.net.URI;
import java.net.URISyntaxException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import org.jspecify.annotations.Nullable;

/** Binds the {@code state} section: where shared state lives and what limits do when it cannot be reached. */
final class StateBinder {

    private static final String REDIS_URI_EXPECTED = "redis://host:port or rediss://host:port";

    private StateBinder() {}

    static StateConfig state(@Nullable ConfigNode node, Path baseDirectory) throws ConfigException {
        Path defaultDir = baseDirectory.resolve("data").normalize();
        if (node == null) {
            return new StateConfig(StateConfig.Store.LOCAL, defaultDir, null, StateConfig.OnStoreError.LOCAL, 1);
        }
        ConfigMapping m = node.mapping("store", "data_dir", "uri", "mode", "nodes", "master", "timeout",
                "on_store_error", "expected_nodes");
        ConfigValue store = m.required("store").string();
        StateConfig.OnStoreError onError = onStoreError(m.optional("on_store_error"));
        int expectedNodes = m.integer("expected_nodes", 1, 1000, 1);
        return switch (store.text()) {
            case "local" -> {
                for (String redisOnly : List.of("uri", "mode", "nodes", "master", "timeout", "on_store_error", "expected_nodes")) {
                    ConfigNode n = m.optional(redisOnly);
                    if (n != null) {
                        throw n.error(redisOnly + " is only used with store: redis");
                    }
                }
                ConfigNode dirNode = m.optional("data_dir");
                Path dir = dirNode == null ? defaultDir : dirNode.path(dirNode.string());
                yield new StateConfig(StateConfig.Store.LOCAL, dir, null, onError, expectedNodes);
            }
            case "redis" -> {
                ConfigNode dirNode = m.optional("data_dir");
                if (dirNode != null) {
                    throw dirNode.error("data_dir is only used with store: local (Redis keeps the state)");
                }
                yield new StateConfig(StateConfig.Store.REDIS, null, redis(m), onError, expectedNodes);
            }
            default -> throw store.error("unknown store " + store.shown() + " (expected: local, redis)");
        };
    }

    private static StateConfig.RedisConfig redis(ConfigMapping m) throws ConfigException {
        StateConfig.RedisConfig.Mode mode = StateConfig.RedisConfig.Mode.STANDALONE;
        ConfigNode modeNode = m.optional("mode");
        if (modeNode != null) {
            ConfigValue v = modeNode.string();
            mode = switch (v.text()) {
                case "standalone" -> StateConfig.RedisConfig.Mode.STANDALONE;
                case "sentinel" -> StateConfig.RedisConfig.Mode.SENTINEL;
                case "cluster" -> StateConfig.RedisConfig.Mode.CLUSTER;
                default -> throw v.error("unknown mode " + v.shown() + " (expected: standalone, sentinel, cluster)");
            };
        }
        ConfigNode uriNode = m.optional("uri");
        ConfigNode nodesNode = m.optional("nodes");
        List<URI> nodes = new ArrayList<>();
        if (mode == StateConfig.RedisConfig.Mode.STANDALONE) {
            if (nodesNode != null) {
                throw nodesNode.error("nodes is only used with mode: sentinel or cluster (standalone takes uri)");
            }
            if (uriNode == null) {
                throw m.missing("uri", "required key is missing (expected " + REDIS_URI_EXPECTED + ")");
            }
            nodes.add(redisUri(uriNode.string()));
        } else {
            if (uriNode != null) {
                throw uriNode.error("uri is only used with mode: standalone (list the " + describe(mode) + " under nodes)");
            }
            if (nodesNode == null) {
                throw m.missing("nodes", "required key is missing (expected the " + describe(mode) + " as a list of " + REDIS_URI_EXPECTED + ")");
            }
            for (ConfigNode item : nodesNode.list()) {
                nodes.add(redisUri(item.string()));
            }
            if (nodes.isEmpty()) {
                throw nodesNode.error("expected at least one node");
            }
        }
        ConfigNode masterNode = m.optional("master");
        String master = null;
        if (mode == StateConfig.RedisConfig.Mode.SENTINEL) {
            if (masterNode == null) {
                throw m.missing("master", "required key is missing (the name the sentinels monitor the master by)");
            }
            master = masterNode.string().text();
        } else if (masterNode != null) {
            throw masterNode.error("master is only used with mode: sentinel");
        }
        Duration timeout = m.duration("timeout", StateConfig.RedisConfig.DEFAULT_TIMEOUT);
        return new StateConfig.RedisConfig(mode, nodes, master, timeout);
    }

    private static String describe(StateConfig.RedisConfig.Mode mode) {
        return mode == StateConfig.RedisConfig.Mode.SENTINEL ? "sentinels" : "cluster's seed nodes";
    }

    private static URI redisUri(ConfigValue uri) throws ConfigException {
        URI parsed;
        try {
            parsed = new URI(uri.text());
        } catch (URISyntaxException e) {
            throw uri.error(uri.shown() + " is not a URI (expected " + REDIS_URI_EXPECTED + ")");
        }
        String scheme = parsed.getScheme() == null ? "" : parsed.getScheme().toLowerCase(Locale.ROOT);
        if (!scheme.equals("redis") && !scheme.equals("rediss") || parsed.getHost() == null) {
            throw uri.error(uri.shown() + " is not a Redis URI (expected " + REDIS_URI_EXPECTED + ")");
        }
        return parsed;
    }

    private static StateConfig.OnStoreError onStoreError(@Nullable ConfigNode node) throws ConfigException {
        if (node == null) {
            return StateConfig.OnStoreError.LOCAL;
        }
        ConfigValue v = node.string();
        return switch (v.text()) {
            case "local" -> StateConfig.OnStoreError.LOCAL;
            case "deny" -> StateConfig.OnStoreError.DENY;
            case "allow" -> StateConfig.OnStoreError.ALLOW;
            default -> throw v.error("unknown on_store_error " + v.shown() + " (expected: local, deny, allow)");
        };
    }
}
