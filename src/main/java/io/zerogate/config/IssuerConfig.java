package io.zerogate.config;

import java.net.URI;
import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import org.jspecify.annotations.Nullable;

/**
 * One OpenID Connect / OAuth 2 issuer whose access tokens the gateway accepts.
 *
 * @param name              the name routes use in {@code authenticate}
 * @param issuer            the exact {@code iss} value
 * @param audiences         accepted {@code aud} values; a token must name at least one
 * @param algorithms        accepted JWS algorithms; asymmetric unless {@code hmacSecret} is set; never {@code none}
 * @param jwksUri           the JWK set; null to discover it from {@code issuer}'s
 *                          {@code /.well-known/openid-configuration}
 * @param hmacSecret        the shared secret for HS256/384/512; null unless an HS algorithm is accepted
 * @param clockSkew         tolerance for {@code exp}, {@code nbf} and {@code iat}
 * @param maxTokenLifetime  tokens whose {@code exp - iat} is longer are refused (and so must carry {@code iat})
 * @param requiredClaims    claims that must be present
 * @param tokenType         the required {@code typ} header (such as {@code at+jwt}), or null for any
 * @param scopeClaim        where scopes are: a space-separated string or a list ({@code scope}, {@code scp})
 * @param rolesClaim        where roles are: a list, found by a dotted path ({@code roles}, {@code realm_access.roles})
 * @param jwksRefresh       how often keys are refreshed when the issuer's {@code Cache-Control} does not say
 * @param jwksCooldown      after a refetch for an unknown {@code kid}, the next one waits at least this long
 * @param jwksMaxStaleness  how long the last good keys are used while the issuer cannot be reached
 * @param fetchTimeout      bound on each discovery or JWKS request
 * @param introspection     RFC 7662 introspection for opaque tokens, or null
 * @param line              where the issuer is defined, for messages
 */
public record IssuerConfig(
        String name,
        String issuer,
        Set<String> audiences,
        Set<String> algorithms,
        @Nullable URI jwksUri,
        @Nullable Secret hmacSecret,
        Duration clockSkew,
        Duration maxTokenLifetime,
        List<String> requiredClaims,
        @Nullable String tokenType,
        String scopeClaim,
        String rolesClaim,
        Duration jwksRefresh,
        Duration jwksCooldown,
        Duration jwksMaxStaleness,
        Duration fetchTimeout,
        @Nullable IntrospectionConfig introspection,
        int line) {

    public IssuerConfig {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(issuer, "issuer");
        audiences = Set.copyOf(audiences);
        algorithms = Set.copyOf(algorithms);
        requiredClaims = List.copyOf(requiredClaims);
    }

    /** Where the OpenID provider metadata is, when keys are discovered. */
    public URI discoveryUri() {
        String base = issuer.endsWith("/") ? issuer.substring(0, issuer.length() - 1) : issuer;
        return URI.create(base + "/.well-known/openid-configuration");
    }
}
