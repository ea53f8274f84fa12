package io.zerogate.posture;

import io.zerogate.chain.ReasonCode;
import java.util.Objects;

/** What checking a presented attestation or looking up a device id found: the device, or why there is none. */
sealed interface PostureAnswer permits PostureAnswer.Known, PostureAnswer.Refused {

    static Refused refused(ReasonCode reason, String detail) {
        return new Refused(reason, detail);
    }

    /** The device and its facts. */
    record Known(Device device) implements PostureAnswer {
        public Known {
            Objects.requireNonNull(device, "device");
        }
    }

    /**
     * No usable device.
     *
     * @param detail what exactly was wrong, for logs and audit records; never attestation material
     */
    record Refused(ReasonCode reason, String detail) implements PostureAnswer {
        public Refused {
            Objects.requireNonNull(reason, "reason");
            Objects.requireNonNull(detail, "detail");
        }
    }
}
