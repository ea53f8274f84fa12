package io.zerogate.policy.cel;

import com.google.common.collect.ImmutableSet;
import dev.cel.common.types.CelType;
import dev.cel.common.types.StructType;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * A declared object type of the expression language (subject, request, client, route): its fields and their types,
 * so that a misspelt field or a comparison of the wrong types fails when the expression is compiled.
 */
final class ObjectType {

    private final StructType type;
    private final List<String> fields;

    private ObjectType(String name, Map<String, CelType> fields) {
        Map<String, CelType> copy = new LinkedHashMap<>(fields);
        this.type = StructType.create(name, ImmutableSet.copyOf(copy.keySet()), f -> Optional.ofNullable(copy.get(f)));
        this.fields = List.copyOf(copy.keySet());
    }

    /** A type whose fields are declared in this order, as name, type pairs. */
    static ObjectType of(String name, Object... nameTypePairs) {
        Map<String, CelType> fields = new LinkedHashMap<>();
        for (int i = 0; i < nameTypePairs.length; i += 2) {
            fields.put((String) nameTypePairs[i], (CelType) nameTypePairs[i + 1]);
        }
        return new ObjectType(name, fields);
    }

    StructType celType() {
        return type;
    }

    List<String> fields() {
        return fields;
    }
}
