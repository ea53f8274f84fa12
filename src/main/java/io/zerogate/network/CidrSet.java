package io.zerogate.network;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * An immutable set of IPv4 and IPv6 CIDR blocks, tested against an address without allocation.
 * IPv4-mapped IPv6 addresses ({@code ::ffff:a.b.c.d}) are tested as the IPv4 address they carry.
 */
public final class CidrSet {

    private static final CidrSet EMPTY = new CidrSet(List.of());

    private final byte[][] networks;
    private final int[] prefixes;
    private final List<String> source;

    private CidrSet(List<String> source) {
        this.source = List.copyOf(source);
        this.networks = new byte[source.size()][];
        this.prefixes = new int[source.size()];
        for (int i = 0; i < source.size(); i++) {
            Block b = parseBlock(source.get(i));
            networks[i] = b.network;
            prefixes[i] = b.prefix;
        }
    }

    public static CidrSet empty() {
        return EMPTY;
    }

    /**
     * Parses CIDR blocks ({@code 10.0.0.0/8}, {@code 2001:db8::/32}) or single addresses.
     *
     * @throws IllegalArgumentException naming the first entry that is not a literal address or block
     */
    public static CidrSet of(List<String> blocks) {
        return blocks.isEmpty() ? EMPTY : new CidrSet(new ArrayList<>(blocks));
    }

    public boolean isEmpty() {
        return networks.length == 0;
    }

    public boolean contains(InetAddress address) {
        return containsUnmapped(unmap(address.getAddress()));
    }

    /**
     * Tests an address already turned into bytes by {@link #unmapped(InetAddress)}: a caller that tests one address
     * against many sets reads its bytes once.
     */
    boolean containsUnmapped(byte[] a) {
        for (int i = 0; i < networks.length; i++) {
            if (networks[i].length == a.length && matches(networks[i], prefixes[i], a)) {
                return true;
            }
        }
        return false;
    }

    /** The blocks as written. */
    public List<String> blocks() {
        return source;
    }

    /** Two sets are equal when they were written with the same blocks in the same order. */
    @Override
    public boolean equals(Object other) {
        return other instanceof CidrSet set && set.source.equals(source);
    }

    @Override
    public int hashCode() {
        return source.hashCode();
    }

    @Override
    public String toString() {
        return source.toString();
    }

    /** The address's bytes, an IPv4-mapped IPv6 address as the four bytes of the IPv4 address it carries. */
    static byte[] unmapped(InetAddress address) {
        return unmap(address.getAddress());
    }

    private static boolean matches(byte[] network, int prefix, byte[] address) {
        int full = prefix >>> 3;
        for (int i = 0; i < full; i++) {
            if (network[i] != address[i]) {
                return false;
            }
        }
        int rest = prefix & 7;
        if (rest == 0) {
            return true;
        }
        int mask = (0xFF << (8 - rest)) & 0xFF;
        return (network[full] & mask) == (address[full] & mask);
    }

    private static byte[] unmap(byte[] a) {
        if (a.length == 16) {
            for (int i = 0; i < 10; i++) {
                if (a[i] != 0) {
                    return a;
                }
            }
            if (a[10] == (byte) 0xFF && a[11] == (byte) 0xFF) {
                return Arrays.copyOfRange(a, 12, 16);
            }
        }
        return a;
    }

    /** One parsed block: its network bytes (4 or 16, IPv4-mapped blocks as IPv4) and its prefix length. */
    record Block(byte[] network, int prefix) {}

    /**
     * Parses one CIDR block or single address.
     *
     * @throws IllegalArgumentException quoting {@code text} when it is not a literal address or block
     */
    static Block parseBlock(String text) {
        String s = text.strip();
        int slash = s.indexOf('/');
        String addr = slash < 0 ? s : s.substring(0, slash);
        byte[] bytes = parseLiteral(addr, text);
        // An IPv6 literal counts its prefix in 128 bits, even when it is IPv4-mapped and was read as IPv4.
        boolean written6 = addr.indexOf(':') >= 0;
        int max = written6 ? 128 : 32;
        int prefix = max;
        if (slash >= 0) {
            String p = s.substring(slash + 1);
            if (p.isEmpty() || p.length() > 3 || !p.chars().allMatch(c -> c >= '0' && c <= '9')) {
                throw new IllegalArgumentException("'" + text + "' has an invalid prefix length (expected: 0.." + max + ")");
            }
            prefix = Integer.parseInt(p);
            if (prefix > max) {
                throw new IllegalArgumentException("'" + text + "' has prefix length " + prefix + " (expected: 0.." + max + ")");
            }
        }
        byte[] network = unmap(bytes);
        if (written6 && network.length == 4) {
            prefix = Math.max(0, prefix - 96);
        }
        return new Block(network, prefix);
    }

    private static byte[] parseLiteral(String addr, String whole) {
        boolean v4 = !addr.isEmpty() && addr.chars().allMatch(c -> (c >= '0' && c <= '9') || c == '.');
        boolean v6 = addr.indexOf(':') >= 0 && addr.chars().allMatch(c -> Character.digit(c, 16) >= 0 || c == ':' || c == '.');
        if (v4) {
            String[] parts = addr.split("\\.", -1);
            if (parts.length != 4) {
                throw new IllegalArgumentException("'" + whole + "' is not an IPv4 or IPv6 address or CIDR block");
            }
            byte[] out = new byte[4];
            for (int i = 0; i < 4; i++) {
                if (parts[i].isEmpty() || parts[i].length() > 3 || Integer.parseInt(parts[i]) > 255) {
                    throw new IllegalArgumentException("'" + whole + "' is not an IPv4 or IPv6 address or CIDR block");
                }
                out[i] = (byte) Integer.parseInt(parts[i]);
            }
            return out;
        }
        if (v6) {
            try {
                // A literal of hex digits, colons and dots never triggers a DNS lookup.
                return InetAddress.getByName(addr).getAddress();
            } catch (UnknownHostException | SecurityException e) {
                throw new IllegalArgumentException("'" + whole + "' is not an IPv4 or IPv6 address or CIDR block");
            }
        }
        throw new IllegalArgumentException("'" + whole + "' is not an IPv4 or IPv6 address or CIDR block");
    }
}
