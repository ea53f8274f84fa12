package io.zerogate.policy;

import java.net.URI;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.function.Supplier;

/** Where the decision point stage gets a decision: the decision point over HTTP, or a policy test's case. */
interface DecisionSource {

    /**
     * The decision for one request; never completes exceptionally.
     *
     * @param facts the input without {@code now}, serialised: the cache key
     * @param body  makes the request body (facts with {@code now}) when a call is needed
     */
    CompletableFuture<DecisionAnswer> decide(String routeId, URI url, byte[] facts, Supplier<byte[]> body,
                                             Duration timeout, Duration ttl);
}
