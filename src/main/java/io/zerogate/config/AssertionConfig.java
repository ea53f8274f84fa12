package io.zerogate.config;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Objects;
import org.jspecify.annotations.Nullable;

/**
 * The identity assertion the gateway signs for each forwarded request that carries an identity.
 *
 * @param enabled  false to forward no assertion
 * @param header   the request header the upstream receives it in; an inbound header of that name is removed
 * @param issuer   the assertion's {@code iss}
 * @param keyFile  a PEM EC P-256 private key; null: a fresh key per process (fine for one node; a cluster
 *                 shares one key file)
 * @param lifetime how long an assertion is valid
 */
public record AssertionConfig(boolean enabled, String header, String issuer, @Nullable Path keyFile, Duration lifetime) {

    public static final AssertionConfig DEFAULT = new AssertionConfig(true, "ZeroGate-Identity", "zerogate", null,
            Duration.ofSeconds(60));

    public AssertionConfig {
        Objects.requireNonNull(header, "header");
        Objects.requireNonNull(issuer, "issuer");
        Objects.requireNonNull(lifetime, "lifetime");
    }
}
