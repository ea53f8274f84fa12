package io.zerogate.config;

import java.time.Duration;
import java.util.List;
import org.jspecify.annotations.Nullable;

/**
 * A mapping of the document with a fixed set of allowed keys; any other key is refused when the mapping
 * is opened, so a misspelt setting can never be silently ignored.
 */
final class ConfigMapping {

    private final SourceDocument document;
    private final YamlNode.Mapping node;
    private final String path;

    ConfigMapping(SourceDocument document, YamlNode.Mapping node, String path, List<String> allowedKeys) throws ConfigException {
        this.document = document;
        this.node = node;
        this.path = path;
        for (YamlNode.Entry entry : node.entries().values()) {
            if (!allowedKeys.contains(entry.key())) {
                throw new ConfigException(document.source(), entry.keyLine(), YamlNode.keyPath(path, entry.key()),
                        "unknown key '" + entry.key() + "' (allowed: " + String.join(", ", allowedKeys) + ")");
            }
        }
    }

    int line() {
        return node.line();
    }

    @Nullable ConfigNode optional(String key) {
        YamlNode.Entry entry = node.entries().get(key);
        return entry == null ? null : new ConfigNode(document, entry.value(), YamlNode.keyPath(path, key));
    }

    ConfigNode required(String key) throws ConfigException {
        ConfigNode value = optional(key);
        if (value == null) {
            throw new ConfigException(document.source(), node.line(), YamlNode.keyPath(path, key), "required key is missing");
        }
        return value;
    }

    /** An error about a key that is missing here, with a message saying why it is needed. */
    ConfigException missing(String key, String problem) {
        return new ConfigException(document.source(), node.line(), YamlNode.keyPath(path, key), problem);
    }

    Duration duration(String key, Duration fallback) throws ConfigException {
        ConfigNode value = optional(key);
        return value == null ? fallback : value.duration();
    }

    int integer(String key, int min, int max, int fallback) throws ConfigException {
        ConfigNode value = optional(key);
        return value == null ? fallback : value.integer(min, max);
    }

    long size(String key, long max, long fallback) throws ConfigException {
        ConfigNode value = optional(key);
        return value == null ? fallback : value.size(max);
    }

    boolean bool(String key, boolean fallback) throws ConfigException {
        ConfigNode value = optional(key);
        return value == null ? fallback : value.bool();
    }
}
