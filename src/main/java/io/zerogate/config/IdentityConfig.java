package io.zerogate.config;

import java.util.List;
import java.util.Objects;
import org.jspecify.annotations.Nullable;

/**
 * The {@code identity} section: who can vouch for callers, and how the gateway vouches for them upstream.
 *
 * @param issuers        token issuers, by the names routes use
 * @param apiKeys        API keys, or null when none are accepted
 * @param tokenCacheSize how many verified tokens are remembered (until their {@code exp}); 0 verifies every time
 */
public record IdentityConfig(List<IssuerConfig> issuers, @Nullable ApiKeysConfig apiKeys, DpopConfig dpop,
                             AssertionConfig assertion, int tokenCacheSize) {

    /** The name routes use in {@code authenticate} for API keys. */
    public static final String API_KEY = "api_key";

    public static final IdentityConfig NONE = new IdentityConfig(List.of(), null, DpopConfig.DEFAULT,
            AssertionConfig.DEFAULT, 10_000);

    public IdentityConfig {
        issuers = List.copyOf(issuers);
        Objects.requireNonNull(dpop, "dpop");
        Objects.requireNonNull(assertion, "assertion");
    }

    /** The issuer with this name, or null. */
    public @Nullable IssuerConfig issuer(String name) {
        for (IssuerConfig i : issuers) {
            if (i.name().equals(name)) {
                return i;
            }
        }
        return null;
    }
}
