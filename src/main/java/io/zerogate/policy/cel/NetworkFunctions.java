package io.zerogate.policy.cel;

import com.google.common.net.InetAddresses;
import io.zerogate.network.CidrSet;
import java.net.Inet4Address;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.List;
import java.util.concurrent.ConcurrentHashMap;

/**
 * {@code cidr(ip, block)} and {@code ip_prefix(ip, v4bits, v6bits)}: address tests CEL lacks. Addresses are read as
 * literals only (never resolved); an IPv4-mapped IPv6 address counts as the IPv4 address it carries.
 */
final class NetworkFunctions {

    /** Blocks written in rules are few; the bound keeps blocks taken from request data from growing the table. */
    private static final int MAX_CACHED_BLOCKS = 1_024;
    private static final ConcurrentHashMap<String, CidrSet> BLOCKS = new ConcurrentHashMap<>();

    private NetworkFunctions() {}

    /** True when {@code ip} lies in the CIDR block (or equals the single address) {@code block}. */
    static boolean cidr(String ip, String block) {
        CidrSet set = BLOCKS.get(block);
        if (set == null) {
            set = parseBlock(block);
            if (BLOCKS.size() < MAX_CACHED_BLOCKS) {
                BLOCKS.putIfAbsent(block, set);
            }
        }
        return set.contains(parseAddress(ip));
    }

    /**
     * The network address of {@code ip}'s prefix of {@code v4Bits} (IPv4) or {@code v6Bits} (IPv6) bits, as text:
     * {@code ip_prefix("203.0.113.77", 24, 64)} is {@code "203.0.113.0"}.
     */
    static String ipPrefix(String ip, long v4Bits, long v6Bits) {
        checkBits(v4Bits, v6Bits);
        InetAddress address = parseAddress(ip);
        byte[] bytes = address.getAddress();
        int bits = (int) (address instanceof Inet4Address ? v4Bits : v6Bits);
        for (int i = 0; i < bytes.length; i++) {
            int keep = Math.clamp(bits - i * 8L, 0, 8);
            bytes[i] &= (byte) (0xFF00 >>> keep);
        }
        try {
            return InetAddresses.toAddrString(InetAddress.getByAddress(bytes));
        } catch (UnknownHostException e) {
            throw new IllegalStateException("an address of " + bytes.length + " bytes", e);
        }
    }

    /** Parses a block, naming what is wrong with it. */
    static CidrSet parseBlock(String block) {
        return CidrSet.of(List.of(block));
    }

    static void checkBits(long v4Bits, long v6Bits) {
        if (v4Bits < 0 || v4Bits > 32) {
            throw new IllegalArgumentException("ip_prefix: v4 bits " + v4Bits + " (expected: 0..32)");
        }
        if (v6Bits < 0 || v6Bits > 128) {
            throw new IllegalArgumentException("ip_prefix: v6 bits " + v6Bits + " (expected: 0..128)");
        }
    }

    private static InetAddress parseAddress(String ip) {
        try {
            // An IPv4-mapped IPv6 literal already comes back as the IPv4 address it carries.
            return InetAddresses.forString(ip);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("'" + ip + "' is not an IPv4 or IPv6 address");
        }
    }
}
