package io.zerogate.config;

import java.util.Map;
import org.jspecify.annotations.Nullable;

/**
 * The literal children of a route trie node, looked up by a region of the request path so that
 * matching a segment needs no substring.
 *
 * <p>An open-addressing table with linear probing, at most half full; the hash of a region is the
 * {@link String#hashCode()} of the substring it stands for, so keys hash with their cached hash code.
 */
final class LiteralTable<V> {

    private static final LiteralTable<?> EMPTY = new LiteralTable<>(new String[0], new Object[0]);

    private final @Nullable String[] keys;
    private final @Nullable Object[] values;
    private final int mask;

    private LiteralTable(@Nullable String[] keys, @Nullable Object[] values) {
        this.keys = keys;
        this.values = values;
        this.mask = keys.length - 1;
    }

    @SuppressWarnings("unchecked")
    static <V> LiteralTable<V> of(Map<String, V> entries) {
        if (entries.isEmpty()) {
            return (LiteralTable<V>) EMPTY;
        }
        int capacity = Integer.highestOneBit(entries.size() * 2 - 1) << 1;
        @Nullable String[] keys = new String[capacity];
        @Nullable Object[] values = new Object[capacity];
        for (Map.Entry<String, V> entry : entries.entrySet()) {
            int slot = spread(entry.getKey().hashCode()) & (capacity - 1);
            while (keys[slot] != null) {
                slot = (slot + 1) & (capacity - 1);
            }
            keys[slot] = entry.getKey();
            values[slot] = entry.getValue();
        }
        return new LiteralTable<>(keys, values);
    }

    /** The value whose key equals {@code path[from, to)}, or null. */
    @SuppressWarnings("unchecked")
    @Nullable V get(String path, int from, int to) {
        if (keys.length == 0) {
            return null;
        }
        int hash = 0;
        for (int i = from; i < to; i++) {
            hash = 31 * hash + path.charAt(i);
        }
        int length = to - from;
        int slot = spread(hash) & mask;
        String key;
        while ((key = keys[slot]) != null) {
            if (key.length() == length && key.regionMatches(0, path, from, length)) {
                return (V) values[slot];
            }
            slot = (slot + 1) & mask;
        }
        return null;
    }

    private static int spread(int hash) {
        return hash ^ (hash >>> 16);
    }
}
