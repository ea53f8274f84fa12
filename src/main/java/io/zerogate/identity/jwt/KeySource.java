package io.zerogate.identity.jwt;

import java.util.concurrent.CompletionStage;
import org.jspecify.annotations.Nullable;

/**
 * Where an issuer's verification keys come from: its configured JWK set, and nowhere else. A lookup never
 * blocks the calling thread; when the keys must be fetched first, the answer completes later, on a thread
 * that is not an event loop.
 */
@FunctionalInterface
public interface KeySource {

    /**
     * The keys that may have signed a token with this key id.
     *
     * @param kid the token's {@code kid} header, or null when it has none (then every key of the set is a
     *            candidate)
     */
    CompletionStage<KeyLookup> keys(@Nullable String kid);
}
