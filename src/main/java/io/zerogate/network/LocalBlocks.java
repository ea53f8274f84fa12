package io.zerogate.network;

import java.net.InetAddress;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;
import org.jspecify.annotations.Nullable;

/**
 * The gateway's active blocks, held in this process's memory and bounded in number. A request's lookup takes no
 * lock: with no block placed it is one read; otherwise one hash lookup per prefix length in use, most specific
 * first. Expired blocks stop taking effect at once and are dropped when the list is read or fills up.
 */
public final class LocalBlocks implements ClientBlocks {

    /** How many blocks may be active at once unless the constructor says otherwise. */
    public static final int DEFAULT_CAPACITY = 100_000;
    /** The longest time to live a block may have: blocks are temporary. */
    public static final Duration MAX_TTL = Duration.ofDays(30);
    /** The longest reason a block may carry, in characters. */
    public static final int MAX_REASON = 200;

    private final Clock clock;
    private final int capacity;
    private final ConcurrentHashMap<Key, ClientBlock> blocks = new ConcurrentHashMap<>();
    /** How many blocks (expired ones included) have each prefix length; changed only under {@code writes}. */
    private final int[] count4 = new int[33];
    private final int[] count6 = new int[129];
    /** The prefix lengths in use, longest first, as requests read them. */
    private volatile int[] prefixes4 = new int[0];
    private volatile int[] prefixes6 = new int[0];
    private final Object writes = new Object();

    public LocalBlocks(Clock clock) {
        this(clock, DEFAULT_CAPACITY);
    }

    public LocalBlocks(Clock clock, int capacity) {
        this.clock = Objects.requireNonNull(clock, "clock");
        if (capacity < 1) {
            throw new IllegalArgumentException("capacity: " + capacity + " (expected: >= 1)");
        }
        this.capacity = capacity;
    }

    /** A block as a map key: the network's bits (IPv4 in the low 32 bits of {@code lo}) and its prefix length. */
    private record Key(boolean v6, long hi, long lo, int prefix) {

        static Key of(byte[] address, int prefix) {
            if (address.length == 4) {
                long v = ((address[0] & 0xFFL) << 24) | ((address[1] & 0xFFL) << 16) | ((address[2] & 0xFFL) << 8) | (address[3] & 0xFFL);
                return masked(false, 0, v, prefix);
            }
            long hi = 0;
            long lo = 0;
            for (int i = 0; i < 8; i++) {
                hi = (hi << 8) | (address[i] & 0xFFL);
                lo = (lo << 8) | (address[i + 8] & 0xFFL);
            }
            return masked(true, hi, lo, prefix);
        }

        static Key masked(boolean v6, long hi, long lo, int prefix) {
            if (!v6) {
                return new Key(false, 0, prefix == 0 ? 0 : lo & ((0xFFFFFFFFL << (32 - prefix)) & 0xFFFFFFFFL), prefix);
            }
            if (prefix <= 64) {
                return new Key(true, hi & mask(prefix), 0, prefix);
            }
            return new Key(true, hi, lo & mask(prefix - 64), prefix);
        }

        private static long mask(int bits) {
            return bits == 0 ? 0 : -1L << (64 - bits);
        }
    }

    @Override
    public ClientBlock place(String target, Duration ttl, String reason) {
        Objects.requireNonNull(target, "target");
        Objects.requireNonNull(ttl, "ttl");
        Objects.requireNonNull(reason, "reason");
        if (ttl.isNegative() || ttl.isZero() || ttl.compareTo(MAX_TTL) > 0) {
            throw new IllegalArgumentException("ttl " + ttl + " is out of range (expected: more than 0 and at most 30 days)");
        }
        checkReason(reason);
        Parsed parsed = parse(target);
        Instant now = clock.instant();
        ClientBlock block = new ClientBlock(parsed.canonical(), reason, now, now.plus(ttl));
        synchronized (writes) {
            if (!blocks.containsKey(parsed.key()) && blocks.size() >= capacity) {
                dropExpired(now);
                if (blocks.size() >= capacity) {
                    throw new IllegalStateException("the block list is full (" + capacity
                            + " active blocks); remove some or wait for them to expire");
                }
            }
            if (blocks.put(parsed.key(), block) == null) {
                counted(parsed.key(), 1);
            }
        }
        return block;
    }

    @Override
    public @Nullable ClientBlock remove(String target) {
        Key key = parse(Objects.requireNonNull(target, "target")).key();
        ClientBlock removed;
        synchronized (writes) {
            removed = blocks.remove(key);
            if (removed != null) {
                counted(key, -1);
            }
        }
        return removed == null || !removed.activeAt(clock.instant()) ? null : removed;
    }

    @Override
    public List<ClientBlock> list() {
        synchronized (writes) {
            dropExpired(clock.instant());
        }
        List<ClientBlock> out = new ArrayList<>(blocks.values());
        out.sort(Comparator.comparing(ClientBlock::expires).thenComparing(ClientBlock::target));
        return out;
    }

    @Override
    public @Nullable ClientBlock blocking(InetAddress address) {
        if (blocks.isEmpty()) {
            return null;
        }
        byte[] a = CidrSet.unmapped(address);
        Key exact = Key.of(a, a.length * 8);
        int[] prefixes = exact.v6() ? prefixes6 : prefixes4;
        Instant now = null;
        for (int prefix : prefixes) {
            ClientBlock b = blocks.get(Key.masked(exact.v6(), exact.hi(), exact.lo(), prefix));
            if (b != null) {
                if (now == null) {
                    now = clock.instant();
                }
                if (b.activeAt(now)) {
                    return b;
                }
            }
        }
        return null;
    }

    @Override
    public int active() {
        synchronized (writes) {
            dropExpired(clock.instant());
            return blocks.size();
        }
    }

    private void dropExpired(Instant now) {
        for (var e : blocks.entrySet()) {
            if (!e.getValue().activeAt(now) && blocks.remove(e.getKey(), e.getValue())) {
                counted(e.getKey(), -1);
            }
        }
    }

    /** Keeps the prefix lengths requests look up in step with the blocks; called under {@code writes}. */
    private void counted(Key key, int delta) {
        int[] counts = key.v6() ? count6 : count4;
        boolean changed = (counts[key.prefix()] == 0) != (counts[key.prefix()] + delta == 0);
        counts[key.prefix()] += delta;
        if (!changed) {
            return;
        }
        int[] inUse = new int[counts.length];
        int n = 0;
        for (int p = counts.length - 1; p >= 0; p--) {
            if (counts[p] > 0) {
                inUse[n++] = p;
            }
        }
        int[] published = java.util.Arrays.copyOf(inUse, n);
        if (key.v6()) {
            prefixes6 = published;
        } else {
            prefixes4 = published;
        }
    }

    private static void checkReason(String reason) {
        if (reason.isBlank()) {
            throw new IllegalArgumentException("reason is empty (expected: a short text saying why the block is placed)");
        }
        if (reason.length() > MAX_REASON) {
            throw new IllegalArgumentException("reason is " + reason.length() + " characters long (expected: at most " + MAX_REASON + ")");
        }
        if (reason.chars().anyMatch(Character::isISOControl)) {
            throw new IllegalArgumentException("reason contains control characters (expected: one line of text)");
        }
    }

    private record Parsed(Key key, String canonical) {}

    private static Parsed parse(String target) {
        CidrSet.Block block = CidrSet.parseBlock(target);
        byte[] network = block.network();
        Key key = Key.of(network, block.prefix());
        byte[] masked = bytes(key, network.length);
        if (!java.util.Arrays.equals(masked, network)) {
            throw new IllegalArgumentException("'" + target.strip() + "' has bits set beyond its prefix length (expected: "
                    + AddressText.of(masked) + "/" + block.prefix() + ")");
        }
        String text = AddressText.of(network);
        return new Parsed(key, block.prefix() == network.length * 8 ? text : text + "/" + block.prefix());
    }

    /** The network bytes a key stands for. */
    private static byte[] bytes(Key key, int length) {
        byte[] out = new byte[length];
        if (length == 4) {
            for (int i = 0; i < 4; i++) {
                out[i] = (byte) (key.lo() >>> (24 - 8 * i));
            }
            return out;
        }
        for (int i = 0; i < 8; i++) {
            out[i] = (byte) (key.hi() >>> (56 - 8 * i));
            out[i + 8] = (byte) (key.lo() >>> (56 - 8 * i));
        }
        return out;
    }
}
