package io.zerogate.policy.cel;

import java.util.AbstractMap;
import java.util.AbstractSet;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.jspecify.annotations.Nullable;

/**
 * A variable of a declared object type as the CEL runtime reads it: a map from the type's field names to values,
 * each worked out only when an expression reads it.
 */
abstract class FieldMap extends AbstractMap<String, Object> {

    private final List<String> names;

    FieldMap(List<String> names) {
        this.names = names;
    }

    /** The value of a declared field. */
    abstract Object field(String name);

    @Override
    public final @Nullable Object get(Object key) {
        return key instanceof String s && names.contains(s) ? field(s) : null;
    }

    @Override
    public final boolean containsKey(Object key) {
        return names.contains(key);
    }

    @Override
    public final int size() {
        return names.size();
    }

    @Override
    public final Set<Entry<String, Object>> entrySet() {
        return new AbstractSet<>() {
            @Override
            public Iterator<Entry<String, Object>> iterator() {
                Iterator<String> it = names.iterator();
                return new Iterator<>() {
                    @Override
                    public boolean hasNext() {
                        return it.hasNext();
                    }

                    @Override
                    public Entry<String, Object> next() {
                        String name = it.next();
                        return Map.entry(name, field(name));
                    }
                };
            }

            @Override
            public int size() {
                return names.size();
            }
        };
    }
}
