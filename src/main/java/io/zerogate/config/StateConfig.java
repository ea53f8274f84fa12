package io.zerogate.config;

import java.net.URI;
import java.util.Objects;
import org.jspecify.annotations.Nullable;

/**
 * Where shared state lives: in the process, or in Redis for a cluster.
 *
 * @param redisUri {@code redis://host:port[/db]} (or {@code rediss://}); only for {@link Store#REDIS}
 */
public record StateConfig(Store store, @Nullable URI redisUri) {

    public static final StateConfig LOCAL = new StateConfig(Store.LOCAL, null);

    /** The back ends. */
    public enum Store { LOCAL, REDIS }

    public StateConfig {
        Objects.requireNonNull(store, "store");
        if ((store == Store.REDIS) != (redisUri != null)) {
            throw new IllegalArgumentException("redisUri: " + redisUri + " (expected one exactly for the redis store)");
        }
    }
}
