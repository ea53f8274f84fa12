package io.zerogate.identity.jwt;

import com.nimbusds.jose.jwk.JWK;
import java.util.List;
import java.util.Objects;

/** What a {@link KeySource} found for a key id. */
public sealed interface KeyLookup permits KeyLookup.Found, KeyLookup.Unknown, KeyLookup.Unavailable {

    /** Candidate keys: public keys only, in the order of the set. Never empty. */
    record Found(List<JWK> keys) implements KeyLookup {
        public Found {
            keys = List.copyOf(keys);
            if (keys.isEmpty()) {
                throw new IllegalArgumentException("keys: [] (expected at least one key)");
            }
        }
    }

    /** The issuer's current key set has no such key (after a refetch, or within the refetch cool-down). */
    record Unknown(String detail) implements KeyLookup {
        public Unknown {
            Objects.requireNonNull(detail, "detail");
        }
    }

    /**
     * No usable key set: the issuer cannot be reached and the last good set is older than the allowed staleness
     * (or there never was one). Verification must fail closed.
     */
    record Unavailable(String detail) implements KeyLookup {
        public Unavailable {
            Objects.requireNonNull(detail, "detail");
        }
    }
}
