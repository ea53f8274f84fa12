package io.zerogate.config;

import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import org.jspecify.annotations.Nullable;

/**
 * What a route demands of its caller beyond being authenticated ({@code require:}).
 *
 * @param clientCertificate a verified client certificate must have been presented
 * @param scopes            every one of these scopes must have been granted
 * @param mfa               the person must have used more than one factor ({@code amr})
 * @param acr               one of these {@code acr} values is needed; empty for any
 * @param maxAuthAge        the person must have authenticated at most this long ago ({@code auth_time}), or null
 * @param boundToken        the credential must be sender-constrained
 * @param roles             every one of these roles must have been granted
 * @param device            what the calling device must be
 */
public record RouteRequirements(boolean clientCertificate, Set<String> scopes, boolean mfa, List<String> acr,
                                @Nullable Duration maxAuthAge, BoundToken boundToken, Set<String> roles,
                                DeviceRequirement device) {

    public static final RouteRequirements NONE = new RouteRequirements(false, Set.of(), false, List.of(), null,
            BoundToken.NONE, Set.of(), DeviceRequirement.NONE);

    /** Requirements without roles or a device requirement. */
    public RouteRequirements(boolean clientCertificate, Set<String> scopes, boolean mfa, List<String> acr,
                             @Nullable Duration maxAuthAge, BoundToken boundToken) {
        this(clientCertificate, scopes, mfa, acr, maxAuthAge, boundToken, Set.of(), DeviceRequirement.NONE);
    }

    /** Which sender constraint a route demands of a token. */
    public enum BoundToken { NONE, ANY, CERTIFICATE, DPOP }

    /** What a route demands of the calling device ({@code require.device}). */
    public enum DeviceRequirement {
        /** Nothing. */
        NONE,
        /** A verified device enrolled in device management. */
        MANAGED,
        /** A verified device that is managed and compliant. */
        COMPLIANT
    }

    public RouteRequirements {
        scopes = Set.copyOf(scopes);
        acr = List.copyOf(acr);
        Objects.requireNonNull(boundToken, "boundToken");
        roles = Set.copyOf(roles);
        Objects.requireNonNull(device, "device");
    }

    /** True when something here needs an authenticated token holder (step-up, scope or role checks). */
    public boolean needsCredential() {
        return !scopes.isEmpty() || !roles.isEmpty() || mfa || !acr.isEmpty() || maxAuthAge != null || boundToken != BoundToken.NONE;
    }
}
