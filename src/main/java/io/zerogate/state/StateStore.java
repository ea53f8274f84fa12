package io.zerogate.state;

import java.time.Duration;
import java.util.concurrent.CompletionStage;

/**
 * State the gateway shares between requests and, in cluster mode, between gateway processes: replay caches
 * now, counters and scripts for limits later. Every operation is atomic across every process that shares the
 * store, completes without blocking the caller, and fails (completes exceptionally) rather than guessing when
 * the store cannot be reached: callers deny on failure.
 */
public interface StateStore extends AutoCloseable {

    /**
     * Records {@code key} for {@code ttl} if it is not recorded yet.
     *
     * @return true when this call recorded it (first use), false when it was already there (a replay)
     */
    CompletionStage<Boolean> claimOnce(String key, Duration ttl);

    @Override
    void close();
}
