package io.zerogate.config;

import java.time.Duration;
import java.util.Set;
import org.jspecify.annotations.Nullable;

/**
 * How DPoP proofs (RFC 9449) are checked.
 *
 * @param algorithms     accepted proof algorithms (asymmetric only)
 * @param proofMaxAge    a proof's {@code iat} may be at most this old (and this far in the future)
 * @param requireNonce   proofs must carry a nonce the gateway issued ({@code DPoP-Nonce})
 * @param nonceLifetime  how long an issued nonce is accepted
 * @param nonceSecret    the key nonces are derived from; the same on every node of a cluster. Null: a random
 *                       key per process
 */
public record DpopConfig(Set<String> algorithms, Duration proofMaxAge, boolean requireNonce, Duration nonceLifetime,
                         @Nullable Secret nonceSecret) {

    public static final DpopConfig DEFAULT = new DpopConfig(Set.of("ES256", "ES384", "RS256", "PS256", "EdDSA"),
            Duration.ofSeconds(60), false, Duration.ofMinutes(5), null);

    public DpopConfig {
        algorithms = Set.copyOf(algorithms);
    }
}
