package io.zerogate.identity;

import io.zerogate.chain.AttributeKey;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import org.jspecify.annotations.Nullable;

/**
 * Who is calling, as later stages (policy, limits, audit) see it: a person, a workload or an API key, with the
 * scopes and claims its credential carried.
 *
 * @param id     the stable identifier: a token's {@code sub}, a workload's SPIFFE ID, an API key's id
 * @param issuer who vouched for the identity (a token issuer); null when the identity carries it itself
 */
public record Subject(String id, Kind kind, @Nullable String issuer, Set<String> scopes, Map<String, Object> claims) {

    public static final AttributeKey<Subject> KEY = AttributeKey.of("subject", Subject.class);

    /** What sort of caller the subject is. */
    public enum Kind { USER, WORKLOAD, API_KEY }

    public Subject {
        Objects.requireNonNull(id, "id");
        Objects.requireNonNull(kind, "kind");
        scopes = Set.copyOf(scopes);
        claims = Map.copyOf(claims);
    }

    /** A workload known by the SPIFFE ID in its client certificate; the trust domain is part of the ID. */
    public static Subject workload(SpiffeId id) {
        return new Subject(id.toString(), Kind.WORKLOAD, null, Set.of(), Map.of());
    }
}
