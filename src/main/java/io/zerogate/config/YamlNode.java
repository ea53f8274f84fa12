package io.zerogate.config;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * A node of a parsed YAML document that remembers the 1-based line it starts on, so that binding errors
 * can point at the exact place in the operator's file.
 */
sealed interface YamlNode permits YamlNode.Mapping, YamlNode.Sequence, YamlNode.Scalar {

    int line();

    /** How the node is named in "expected ..., got ..." messages. */
    String describe();

    static String keyPath(String parent, String key) {
        return parent.isEmpty() ? key : parent + "." + key;
    }

    static String indexPath(String parent, int index) {
        return parent + "[" + index + "]";
    }

    /** A mapping with unique keys, in document order. */
    record Mapping(int line, Map<String, Entry> entries) implements YamlNode {

        public Mapping {
            entries = Collections.unmodifiableMap(new LinkedHashMap<>(entries));
        }

        @Override
        public String describe() {
            return "a mapping";
        }
    }

    /** One key of a mapping, with the line the key is written on. */
    record Entry(String key, int keyLine, YamlNode value) {}

    record Sequence(int line, List<YamlNode> items) implements YamlNode {

        public Sequence {
            items = List.copyOf(items);
        }

        @Override
        public String describe() {
            return "a list";
        }
    }

    /**
     * A scalar as written (before reference resolution), with the type YAML's plain-scalar rules gave it.
     * Quoted scalars are always {@link Type#STRING}; an empty value is an empty {@code STRING}.
     */
    record Scalar(int line, String text, Type type) implements YamlNode {

        private static final int SHOWN_CHARS = 60;
        private static final Pattern LOOKS_TYPED = Pattern.compile("-?[0-9]+(\\.[0-9]+)?|true|false");

        enum Type { STRING, INTEGER, FLOAT, BOOLEAN, NULL }

        @Override
        public String describe() {
            if (type == Type.NULL) {
                return "null";
            }
            if (text.isEmpty()) {
                return "an empty value";
            }
            // Only quoting makes such text a string; saying so points at the fix.
            if (type == Type.STRING && LOOKS_TYPED.matcher(text).matches()) {
                return "the quoted string " + quote(text);
            }
            return quote(text);
        }

        /** Quotes document text for a message; long text is cut so one bad line cannot flood a log. */
        static String quote(String text) {
            return text.length() <= SHOWN_CHARS ? "'" + text + "'" : "'" + text.substring(0, SHOWN_CHARS) + "...'";
        }
    }
}
