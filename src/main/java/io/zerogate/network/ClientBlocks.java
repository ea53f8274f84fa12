package io.zerogate.network;

import java.net.InetAddress;
import java.time.Duration;
import java.util.List;
import org.jspecify.annotations.Nullable;

/**
 * The active blocks on client addresses. The gateway places them itself — through the admin API, and later from
 * anomaly detection — each with a time to live and a reason; the network stage refuses requests from a blocked
 * address with {@code client_blocked}. Blocks live for the process, across configuration reloads.
 */
public interface ClientBlocks {

    /**
     * Blocks an address or a CIDR block for {@code ttl}, replacing a block already placed on the same target.
     *
     * @param target an address ({@code 198.51.100.7}, {@code 2001:db8::7}) or a block ({@code 198.51.100.0/24})
     * @throws IllegalArgumentException when the target, time to live or reason is not acceptable, saying why
     * @throws IllegalStateException    when the list is full of active blocks
     */
    ClientBlock place(String target, Duration ttl, String reason);

    /**
     * Removes the block on exactly this target (an address, or a block as it was placed).
     *
     * @return the removed block, or null when none was active on it
     * @throws IllegalArgumentException when the target is not an address or a CIDR block
     */
    @Nullable ClientBlock remove(String target);

    /** The active blocks, soonest to expire first. */
    List<ClientBlock> list();

    /** The active block that covers {@code address} (the most specific one), or null; called for every request. */
    @Nullable ClientBlock blocking(InetAddress address);

    /** How many blocks are active. */
    int active();
}
