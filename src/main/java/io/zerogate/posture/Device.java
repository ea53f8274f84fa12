package io.zerogate.posture;

import io.zerogate.chain.AttributeKey;
import java.time.Instant;
import java.util.Objects;
import org.jspecify.annotations.Nullable;

/**
 * The calling device and what a posture service vouched for about it, as the posture stage established it from a
 * verified attestation or a posture lookup.
 *
 * @param id            the device's id at the posture service
 * @param user          the user the device belongs to ({@code sub} of the attestation), or null when not named
 * @param managed       enrolled in device management
 * @param compliant     meets the organisation's compliance policy
 * @param diskEncrypted its disk is encrypted
 * @param os            operating system name ({@code macOS}, {@code Windows} …), empty when not stated
 * @param osVersion     operating system version, empty when not stated
 * @param patchLevel    security patch level as the posture service states it ({@code 2026-11-01} …), empty when not stated
 * @param edrRunning    an endpoint detection and response agent is running
 * @param checkedAt     when the posture service last checked the device
 * @param source        how the gateway learnt of it
 */
public record Device(String id, @Nullable String user, boolean managed, boolean compliant, boolean diskEncrypted,
                     String os, String osVersion, String patchLevel, boolean edrRunning, Instant checkedAt,
                     Source source) {

    public static final AttributeKey<Device> KEY = AttributeKey.of("device", Device.class);

    /** How the device's facts reached the gateway. */
    public enum Source {
        /** A signed attestation the client presented. */
        ATTESTATION,
        /** A query to the posture service by device id. */
        LOOKUP
    }

    public Device {
        Objects.requireNonNull(id, "id");
        Objects.requireNonNull(os, "os");
        Objects.requireNonNull(osVersion, "osVersion");
        Objects.requireNonNull(patchLevel, "patchLevel");
        Objects.requireNonNull(checkedAt, "checkedAt");
        Objects.requireNonNull(source, "source");
    }

    /** The posture verdict in one word, as audit records and metrics give it: compliant, managed or unmanaged. */
    public String verdict() {
        return compliant ? "compliant" : managed ? "managed" : "unmanaged";
    }
}
