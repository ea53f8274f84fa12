package io.zerogate.network;

import java.time.Instant;
import java.util.Objects;

/**
 * A temporary block on a client address or CIDR block, placed by the gateway itself (the admin API, later anomaly
 * detection): requests from inside it are refused with {@code client_blocked} until it expires or is removed.
 *
 * @param target  the blocked address ({@code 198.51.100.7}) or block ({@code 198.51.100.0/24}), in canonical form
 * @param reason  why it was placed, as the placer wrote it
 * @param placed  when it was placed
 * @param expires when it stops taking effect
 */
public record ClientBlock(String target, String reason, Instant placed, Instant expires) {

    public ClientBlock {
        Objects.requireNonNull(target, "target");
        Objects.requireNonNull(reason, "reason");
        Objects.requireNonNull(placed, "placed");
        Objects.requireNonNull(expires, "expires");
    }

    /** True while the block takes effect. */
    public boolean activeAt(Instant now) {
        return now.isBefore(expires);
    }
}
