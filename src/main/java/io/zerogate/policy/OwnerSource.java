package io.zerogate.policy;

import java.net.URI;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;

/** Where the ownership stage learns who owns an object: the owner service over HTTP, or a policy test's case. */
interface OwnerSource {

    /** Who owns the object at {@code url}, for a request on {@code routeId}; never completes exceptionally. */
    CompletableFuture<OwnerAnswer> owners(String routeId, URI url, Duration timeout, Duration ttl);
}
