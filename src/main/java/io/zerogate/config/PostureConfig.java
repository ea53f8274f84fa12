package io.zerogate.config;

import java.net.URI;
import java.time.Duration;
import java.util.List;
import java.util.Objects;
import org.jspecify.annotations.Nullable;

/**
 * Where device posture comes from ({@code posture:}): a signed attestation the client presents, a posture service
 * queried by device id, or both (an attestation is preferred when present).
 *
 * @param attestation how presented attestations are verified, or null when none are accepted
 * @param lookup      how the posture service is queried, or null when it is not
 */
public record PostureConfig(@Nullable Attestation attestation, @Nullable Lookup lookup) {

    public PostureConfig {
        if (attestation == null && lookup == null) {
            throw new IllegalArgumentException("posture needs an attestation or a lookup");
        }
    }

    /**
     * A short-lived JWT from an MDM/EDR posture service.
     *
     * @param header     the request header carrying it
     * @param issuer     the expected {@code iss}
     * @param jwksUri    where the issuer publishes its keys
     * @param audience   the expected {@code aud}, or null when not checked
     * @param algorithms accepted JWS algorithms
     * @param maxAge     the oldest attestation accepted, measured from its {@code iat}
     * @param line       line of the section in the configuration file
     */
    public record Attestation(String header, String issuer, URI jwksUri, @Nullable String audience,
                              List<String> algorithms, Duration maxAge, int line) {
        public Attestation {
            Objects.requireNonNull(header, "header");
            Objects.requireNonNull(issuer, "issuer");
            Objects.requireNonNull(jwksUri, "jwksUri");
            algorithms = List.copyOf(algorithms);
            Objects.requireNonNull(maxAge, "maxAge");
        }
    }

    /**
     * A posture service queried by device id.
     *
     * @param url          the URL template, with {@code {device_id}} where the id goes
     * @param deviceHeader the request header carrying the device id
     * @param timeout      how long a query may take before the request is refused
     * @param cacheTtl     how long an answer is reused
     * @param line         line of the section in the configuration file
     */
    public record Lookup(String url, String deviceHeader, Duration timeout, Duration cacheTtl, int line) {
        public Lookup {
            Objects.requireNonNull(url, "url");
            Objects.requireNonNull(deviceHeader, "deviceHeader");
            Objects.requireNonNull(timeout, "timeout");
            Objects.requireNonNull(cacheTtl, "cacheTtl");
        }
    }
}
