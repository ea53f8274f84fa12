package io.zerogate.state;

import io.zerogate.config.StateConfig;
import java.time.Clock;
import java.util.Objects;
import org.jspecify.annotations.Nullable;

/**
 * The gateway's state for the life of a configuration's {@code state} section: the store every stage shares and,
 * in front of Redis, the node-local store that limits count in while Redis cannot be reached
 * ({@code on_store_error: local}).
 */
public final class SharedState implements AutoCloseable {

    private final StateConfig config;
    private final StateStore store;
    private final @Nullable StateStore fallback;

    private SharedState(StateConfig config, StateStore store, @Nullable StateStore fallback) {
        this.config = config;
        this.store = store;
        this.fallback = fallback;
    }

    /**
     * Opens the configured store; for Redis this connects first, so a gateway that cannot reach its shared state
     * does not start.
     *
     * @throws IllegalStateException when the store cannot be opened
     */
    public static SharedState open(StateConfig config, Clock clock) {
        Objects.requireNonNull(config, "config");
        StateStore store = StateStores.open(config, clock);
        StateStore fallback = config.store() == StateConfig.Store.REDIS && config.onStoreError() == StateConfig.OnStoreError.LOCAL
                ? new EmbeddedStateStore(clock) : null;
        return new SharedState(config, store, fallback);
    }

    public StateConfig config() {
        return config;
    }

    public StateStore store() {
        return store;
    }

    /** True when the store is shared with other processes over the network (Redis). */
    public boolean remote() {
        return config.store() == StateConfig.Store.REDIS;
    }

    /** The node-local store limits fall back to, or null when the configuration does not fall back locally. */
    public @Nullable StateStore fallback() {
        return fallback;
    }

    @Override
    public void close() {
        try {
            store.close();
        } finally {
            if (fallback != null) {
                fallback.close();
            }
        }
    }

    @Override
    public String toString() {
        return "SharedState[" + store + "]";
    }
}
