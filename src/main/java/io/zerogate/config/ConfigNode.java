package io.zerogate.config;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A node of the document at a key path, with readers that turn it into typed values. Every problem is a
 * {@link ConfigException} at this node's line and path.
 */
final class ConfigNode {

    /** One entry of a mapping whose keys are names chosen by the operator (such as services). */
    record Named(String key, int keyLine, ConfigNode value) {

        ConfigException error(String problem) {
            return new ConfigException(value.document.source(), keyLine, value.path, problem);
        }
    }

    private static final Pattern INTEGER = Pattern.compile("-?(0|[1-9][0-9]{0,18})");
    private static final Pattern DURATION = Pattern.compile("([0-9]{1,9})(ms|s|m|h)");
    private static final Pattern SIZE = Pattern.compile("([0-9]{1,18})(B|KiB|MiB|GiB)?");
    private static final String DURATION_EXPECTED = "a duration like 500ms, 15s, 2m";
    private static final String SIZE_EXPECTED = "a size like 512, 8KiB, 1MiB (units: B, KiB, MiB, GiB)";

    private final SourceDocument document;
    private final YamlNode node;
    private final String path;

    ConfigNode(SourceDocument document, YamlNode node, String path) {
        this.document = document;
        this.node = node;
        this.path = path;
    }

    int line() {
        return node.line();
    }

    String path() {
        return path;
    }

    ConfigException error(String problem) {
        return new ConfigException(document.source(), node.line(), path, problem);
    }

    /** This node as a mapping whose keys must all be among {@code allowedKeys}. */
    ConfigMapping mapping(String... allowedKeys) throws ConfigException {
        if (!(node instanceof YamlNode.Mapping mapping)) {
            throw wrongType("a mapping");
        }
        return new ConfigMapping(document, mapping, path, List.of(allowedKeys));
    }

    /** This node as a mapping from operator-chosen names to values, in document order. */
    List<Named> entries() throws ConfigException {
        if (!(node instanceof YamlNode.Mapping mapping)) {
            throw wrongType("a mapping");
        }
        List<Named> out = new ArrayList<>(mapping.entries().size());
        for (YamlNode.Entry entry : mapping.entries().values()) {
            ConfigNode value = new ConfigNode(document, entry.value(), YamlNode.keyPath(path, entry.key()));
            out.add(new Named(entry.key(), entry.keyLine(), value));
        }
        return out;
    }

    List<ConfigNode> list() throws ConfigException {
        if (!(node instanceof YamlNode.Sequence sequence)) {
            throw wrongType("a list");
        }
        List<ConfigNode> out = new ArrayList<>(sequence.items().size());
        for (YamlNode item : sequence.items()) {
            out.add(new ConfigNode(document, item, YamlNode.indexPath(path, out.size())));
        }
        return out;
    }

    /** A non-empty scalar as text, with references resolved. Plain numbers and booleans are taken as written. */
    ConfigValue string() throws ConfigException {
        if (!(node instanceof YamlNode.Scalar scalar) || scalar.type() == YamlNode.Scalar.Type.NULL || scalar.text().isEmpty()) {
            throw wrongType("a string");
        }
        if (scalar.type() != YamlNode.Scalar.Type.STRING) {
            return new ConfigValue(scalar.text(), false, scalar.text(), this);
        }
        ValueReferences.Resolved resolved = document.references().resolve(scalar.text(), document.source(), line(), path);
        return new ConfigValue(resolved.text(), resolved.referenced(), scalar.text(), this);
    }

    boolean isMapping() {
        return node instanceof YamlNode.Mapping;
    }

    /** True for a scalar (as opposed to a mapping or a list), such as the word in {@code tls: none}. */
    boolean isScalar() {
        return node instanceof YamlNode.Scalar;
    }

    /** A path, relative paths resolved against the configuration's directory; the file need not exist yet. */
    java.nio.file.Path path(ConfigValue value) {
        return document.references().baseDirectory().resolve(value.text()).normalize();
    }

    /** A path to a readable regular file, relative paths resolved against the configuration's directory. */
    java.nio.file.Path readableFile() throws ConfigException {
        ConfigValue value = string();
        java.nio.file.Path p = document.references().baseDirectory().resolve(value.text()).normalize();
        if (!java.nio.file.Files.isRegularFile(p) || !java.nio.file.Files.isReadable(p)) {
            throw value.error("no readable file at " + (value.referenced() ? value.shown() : "'" + p + "'"));
        }
        return p;
    }

    int integer(int min, int max) throws ConfigException {
        ConfigValue value = typed(YamlNode.Scalar.Type.INTEGER, "an integer");
        String range = max == Integer.MAX_VALUE ? ">= " + min : "in " + min + ".." + max;
        if (!INTEGER.matcher(value.text()).matches()) {
            throw value.error("expected an integer " + range + ", got " + value.shown());
        }
        long parsed;
        try {
            parsed = Long.parseLong(value.text());
        } catch (NumberFormatException e) {
            parsed = Long.MAX_VALUE;
        }
        if (parsed < min || parsed > max) {
            throw value.error("expected an integer " + range + ", got " + value.shown());
        }
        return (int) parsed;
    }

    boolean bool() throws ConfigException {
        ConfigValue value = typed(YamlNode.Scalar.Type.BOOLEAN, "true or false");
        // YAML 1.1 also reads yes/no/on/off as booleans; only true and false are accepted to avoid surprises.
        return switch (value.text()) {
            case "true" -> true;
            case "false" -> false;
            default -> throw value.error("expected true or false, got " + value.shown());
        };
    }

    /** A positive duration: an integer followed by ms, s, m or h. */
    Duration duration() throws ConfigException {
        ConfigValue value = scalarText("a duration");
        Matcher m = DURATION.matcher(value.text());
        if (!m.matches()) {
            throw value.error("expected " + DURATION_EXPECTED + ", got " + value.shown());
        }
        long amount = Long.parseLong(m.group(1));
        if (amount == 0) {
            throw value.error("expected a duration greater than 0, got " + value.shown());
        }
        return switch (m.group(2)) {
            case "ms" -> Duration.ofMillis(amount);
            case "s" -> Duration.ofSeconds(amount);
            case "m" -> Duration.ofMinutes(amount);
            default -> Duration.ofHours(amount);
        };
    }

    /** A positive number of bytes, at most {@code max}: plain bytes or a number with B, KiB, MiB or GiB. */
    long size(long max) throws ConfigException {
        ConfigValue value = scalarText("a size");
        Matcher m = SIZE.matcher(value.text());
        if (!m.matches()) {
            throw value.error("expected " + SIZE_EXPECTED + ", got " + value.shown());
        }
        String unit = m.group(2) == null ? "B" : m.group(2);
        int shift = switch (unit) {
            case "KiB" -> 10;
            case "MiB" -> 20;
            case "GiB" -> 30;
            default -> 0;
        };
        long amount = Long.parseLong(m.group(1));
        if (amount == 0) {
            throw value.error("expected a size greater than 0, got " + value.shown());
        }
        if (amount > (max >> shift)) {
            throw value.error("expected a size of at most " + max + " bytes, got " + value.shown());
        }
        return amount << shift;
    }

    /**
     * The text of a scalar of the given YAML type, or of a string that came from a reference: environment
     * variables and files are always text, so {@code ${env:PORT}} may stand for an integer.
     */
    private ConfigValue typed(YamlNode.Scalar.Type type, String expected) throws ConfigException {
        if (node instanceof YamlNode.Scalar scalar && scalar.type() == type) {
            return new ConfigValue(scalar.text(), false, scalar.text(), this);
        }
        if (node instanceof YamlNode.Scalar scalar && scalar.type() == YamlNode.Scalar.Type.STRING && !scalar.text().isEmpty()) {
            ConfigValue value = string();
            if (value.referenced()) {
                return value;
            }
        }
        throw wrongType(expected);
    }

    /** A string or a plain integer scalar as text (sizes may be written as a bare number of bytes). */
    private ConfigValue scalarText(String expected) throws ConfigException {
        if (node instanceof YamlNode.Scalar scalar
                && (scalar.type() == YamlNode.Scalar.Type.STRING || scalar.type() == YamlNode.Scalar.Type.INTEGER)
                && !scalar.text().isEmpty()) {
            return string();
        }
        throw wrongType(expected);
    }

    /**
     * The node as plain Java values, the way JSON claims are held: strings, {@code Long}, {@code Double},
     * {@code Boolean}, lists and maps (in document order); a YAML null is refused, since claims never hold one.
     */
    Object plain() throws ConfigException {
        return switch (node) {
            case YamlNode.Scalar scalar -> switch (scalar.type()) {
                case STRING -> scalar.text();
                case INTEGER -> {
                    try {
                        yield Long.parseLong(scalar.text());
                    } catch (NumberFormatException e) {
                        throw error(scalar.text() + " is too large for an integer");
                    }
                }
                case FLOAT -> Double.parseDouble(scalar.text());
                case BOOLEAN -> Boolean.parseBoolean(scalar.text());
                case NULL -> throw error("expected a value, got null");
            };
            case YamlNode.Sequence sequence -> {
                List<Object> items = new ArrayList<>();
                for (ConfigNode item : list()) {
                    items.add(item.plain());
                }
                yield List.copyOf(items);
            }
            case YamlNode.Mapping mapping -> {
                java.util.Map<String, Object> values = new java.util.LinkedHashMap<>();
                for (Named entry : entries()) {
                    values.put(entry.key(), entry.value().plain());
                }
                yield java.util.Collections.unmodifiableMap(values);
            }
        };
    }

    /** A duration the way the document writes it (1500ms, 2s, 5m, 1h). */
    static String format(Duration duration) {
        long millis = duration.toMillis();
        if (millis % 3_600_000 == 0) {
            return millis / 3_600_000 + "h";
        }
        if (millis % 60_000 == 0) {
            return millis / 60_000 + "m";
        }
        return millis % 1000 == 0 ? millis / 1000 + "s" : millis + "ms";
    }

    private ConfigException wrongType(String expected) {
        return error("expected " + expected + ", got " + node.describe());
    }
}
