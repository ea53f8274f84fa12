package io.zerogate.config;

import java.net.URI;
import java.time.Duration;
import java.util.Objects;

/**
 * RFC 7662 token introspection for an issuer's opaque tokens.
 *
 * @param endpoint     the introspection endpoint
 * @param clientAuth   how the gateway authenticates to it
 * @param timeout      bound on one introspection call; a timeout denies
 * @param cacheMaxTtl  an active answer is reused until the token's {@code exp}, but never longer than this
 * @param cacheSize    how many answers are kept; 0 keeps none
 */
public record IntrospectionConfig(URI endpoint, String clientId, Secret clientSecret, ClientAuth clientAuth,
                                  Duration timeout, Duration cacheMaxTtl, int cacheSize) {

    /** RFC 6749 client authentication methods the gateway supports towards the endpoint. */
    public enum ClientAuth { CLIENT_SECRET_BASIC, CLIENT_SECRET_POST }

    public IntrospectionConfig {
        Objects.requireNonNull(endpoint, "endpoint");
        Objects.requireNonNull(clientId, "clientId");
        Objects.requireNonNull(clientSecret, "clientSecret");
        Objects.requireNonNull(clientAuth, "clientAuth");
    }
}
