package io.zerogate.posture;

/** Receives what the posture stage found out about devices, for metrics; must not block. */
public interface PostureObserver {

    /** How the device's facts were sought. */
    enum Source { ATTESTATION, LOOKUP }

    /** What one check of a device came to. */
    enum Result {
        /** The device's facts were established. */
        OK,
        /** The attestation or the posture service's answer is not acceptable, or the device is unknown. */
        INVALID,
        /** The attestation is past its expiry or older than the allowed age. */
        EXPIRED,
        /** The device belongs to a user other than the authenticated subject. */
        MISMATCH,
        /** The posture issuer's keys or the posture service could not be reached in time. */
        UNAVAILABLE,
        /** A route requires a device and the request named none. */
        MISSING
    }

    PostureObserver NONE = (source, result) -> {};

    /** One device check ended. */
    void checked(Source source, Result result);
}
