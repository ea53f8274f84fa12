package io.zerogate.identity;

import io.zerogate.chain.AttributeKey;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import org.jspecify.annotations.Nullable;

/**
 * Who is calling, as later stages (policy, limits, audit) see it: a person, a workload or an API key, with the
 * scopes, roles and claims its credential carried, how strongly it authenticated and what its credential is
 * bound to.
 *
 * @param id             the stable identifier: a token's {@code sub}, a workload's SPIFFE ID, an API key's id
 * @param issuer         the configured issuer name that vouched for the identity; null when the identity
 *                       carries it itself (a workload) or the gateway issued it (an API key)
 * @param claims         the verified token's claims (JSON types: String, Number, Boolean, List, Map); empty
 *                       for credentials without claims
 * @param authentication how the person behind a token authenticated ({@code amr}, {@code acr}, {@code auth_time})
 * @param binding        what the credential is bound to (RFC 8705 certificate, RFC 9449 DPoP key), if anything
 */
public record Subject(String id, Kind kind, @Nullable String issuer, Set<String> scopes, Set<String> roles,
                      Map<String, Object> claims, Authentication authentication, TokenBinding binding) {

    public static final AttributeKey<Subject> KEY = AttributeKey.of("subject", Subject.class);

    /** What sort of caller the subject is. */
    public enum Kind { USER, WORKLOAD, API_KEY }

    public Subject {
        Objects.requireNonNull(id, "id");
        Objects.requireNonNull(kind, "kind");
        scopes = Set.copyOf(scopes);
        roles = Set.copyOf(roles);
        claims = Map.copyOf(claims);
        Objects.requireNonNull(authentication, "authentication");
        Objects.requireNonNull(binding, "binding");
    }

    /** A workload known by the SPIFFE ID in its client certificate; the trust domain is part of the ID. */
    public static Subject workload(SpiffeId id) {
        return new Subject(id.toString(), Kind.WORKLOAD, null, Set.of(), Set.of(), Map.of(), Authentication.NONE,
                TokenBinding.NONE);
    }
}
