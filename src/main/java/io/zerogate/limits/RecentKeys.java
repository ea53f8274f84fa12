package io.zerogate.limits;

import java.util.concurrent.atomic.AtomicReferenceArray;
import java.util.function.Function;

/**
 * What the key texts of recent callers became once hashed, so that a caller seen again is not hashed again: a
 * small table with one slot per text hash, where a newer text takes an older one's slot. A text is only ever
 * answered with what was made from that exact text. Texts longer than {@link #MAX_TEXT_LENGTH} are not kept, so
 * the table stays small whatever clients send. Lock-free; threads may race to fill a slot, and either result is
 * right.
 */
final class RecentKeys<V> {

    static final int SLOTS = 256;
    static final int MAX_TEXT_LENGTH = 256;

    private record Entry<V>(String text, V value) {}

    private final AtomicReferenceArray<Entry<V>> slots = new AtomicReferenceArray<>(SLOTS);

    /** The value made from {@code text}, made now by {@code make} unless a recent call made it already. */
    V get(String text, Function<String, V> make) {
        if (text.length() > MAX_TEXT_LENGTH) {
            return make.apply(text);
        }
        int slot = spread(text.hashCode()) & (SLOTS - 1);
        Entry<V> entry = slots.getPlain(slot);
        if (entry != null && entry.text().equals(text)) {
            return entry.value();
        }
        V value = make.apply(text);
        slots.setRelease(slot, new Entry<>(text, value));
        return value;
    }

    private static int spread(int h) {
        return h ^ (h >>> 16);
    }
}
