package io.zerogate.config;

import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import com.fasterxml.jackson.dataformat.yaml.YAMLParser;
import java.io.IOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.jspecify.annotations.Nullable;
import org.yaml.snakeyaml.error.MarkedYAMLException;

/**
 * Reads one YAML document into a {@link YamlNode} tree with Jackson's streaming YAML parser.
 *
 * <p>The tree is deliberately plain YAML: anchors, aliases and tags are refused (they make a document
 * hard to review and aliases can multiply its size), as are duplicate keys, more than one document, and
 * nesting deeper than {@value #MAX_DEPTH}. The caller bounds the text to {@link ConfigText#MAX_BYTES}.
 */
final class YamlTreeReader {

    static final int MAX_DEPTH = 64;

    private static final String CORE_TAG_PREFIX = "tag:yaml.org,2002:";

    // A built factory is immutable and safe to share between threads.
    private static final YAMLFactory FACTORY = YAMLFactory.builder().build();

    private final String source;
    private final YAMLParser parser;

    private YamlTreeReader(String source, YAMLParser parser) {
        this.source = source;
        this.parser = parser;
    }

    /** Returns the document's root node, or null when the document holds no value at all. */
    static @Nullable YamlNode read(String source, String text) throws ConfigException {
        try (YAMLParser parser = FACTORY.createParser(text)) {
            JsonToken first = parser.nextToken();
            if (first == null) {
                return null;
            }
            YamlTreeReader reader = new YamlTreeReader(source, parser);
            YamlNode root = reader.node(first, "", 1);
            if (parser.nextToken() != null) {
                throw new ConfigException(source, reader.line(), "",
                        "the file holds more than one YAML document (expected exactly one; remove the '---' separator)");
            }
            return root;
        } catch (JsonProcessingException e) {
            throw syntaxError(source, e);
        } catch (IOException e) {
            // The input is an in-memory string; any other I/O failure is a parser defect, reported without detail.
            throw new ConfigException(source, 0, "", "cannot parse the document (" + e.getClass().getSimpleName() + ")", e);
        }
    }

    private YamlNode node(JsonToken token, String path, int depth) throws IOException, ConfigException {
        int line = line();
        if (token == JsonToken.VALUE_STRING && parser.isCurrentAlias()) {
            throw new ConfigException(source, line, path, "YAML aliases (*" + parser.getText() + ") are not supported");
        }
        String anchor = parser.getObjectId();
        if (anchor != null) {
            throw new ConfigException(source, line, path, "YAML anchors (&" + anchor + ") are not supported");
        }
        String tag = parser.getTypeId();
        if (tag != null) {
            String shown = tag.startsWith(CORE_TAG_PREFIX) ? "!!" + tag.substring(CORE_TAG_PREFIX.length()) : "!" + tag;
            throw new ConfigException(source, line, path, "YAML tags (" + shown + ") are not supported; quote the value instead");
        }
        return switch (token) {
            case START_OBJECT -> mapping(line, path, depth);
            case START_ARRAY -> sequence(line, path, depth);
            case VALUE_STRING -> scalar(line, YamlNode.Scalar.Type.STRING);
            case VALUE_NUMBER_INT -> scalar(line, YamlNode.Scalar.Type.INTEGER);
            case VALUE_NUMBER_FLOAT -> scalar(line, YamlNode.Scalar.Type.FLOAT);
            case VALUE_TRUE, VALUE_FALSE -> scalar(line, YamlNode.Scalar.Type.BOOLEAN);
            case VALUE_NULL -> scalar(line, YamlNode.Scalar.Type.NULL);
            default -> throw new ConfigException(source, line, path, "unsupported YAML value (" + token + ")");
        };
    }

    private YamlNode mapping(int line, String path, int depth) throws IOException, ConfigException {
        checkDepth(line, path, depth);
        Map<String, YamlNode.Entry> entries = new LinkedHashMap<>();
        JsonToken token;
        while ((token = parser.nextToken()) == JsonToken.FIELD_NAME) {
            String key = parser.currentName();
            int keyLine = line();
            String keyPath = YamlNode.keyPath(path, key);
            YamlNode.Entry first = entries.get(key);
            if (first != null) {
                throw new ConfigException(source, keyLine, keyPath,
                        "duplicate key '" + key + "' (first defined on line " + first.keyLine() + ")");
            }
            YamlNode value = node(parser.nextToken(), keyPath, depth + 1);
            entries.put(key, new YamlNode.Entry(key, keyLine, value));
        }
        expectEnd(token, JsonToken.END_OBJECT, path);
        return new YamlNode.Mapping(line, entries);
    }

    private YamlNode sequence(int line, String path, int depth) throws IOException, ConfigException {
        checkDepth(line, path, depth);
        List<YamlNode> items = new ArrayList<>();
        JsonToken token;
        while ((token = parser.nextToken()) != JsonToken.END_ARRAY && token != null) {
            items.add(node(token, YamlNode.indexPath(path, items.size()), depth + 1));
        }
        expectEnd(token, JsonToken.END_ARRAY, path);
        return new YamlNode.Sequence(line, items);
    }

    private YamlNode scalar(int line, YamlNode.Scalar.Type type) throws IOException {
        return new YamlNode.Scalar(line, parser.getText(), type);
    }

    private void checkDepth(int line, String path, int depth) throws ConfigException {
        if (depth > MAX_DEPTH) {
            throw new ConfigException(source, line, path, "nesting is deeper than " + MAX_DEPTH + " levels");
        }
    }

    private void expectEnd(@Nullable JsonToken token, JsonToken expected, String path) throws ConfigException {
        if (token != expected) {
            throw new ConfigException(source, line(), path, "unexpected end of the document");
        }
    }

    private int line() {
        JsonLocation location = parser.currentTokenLocation();
        return location == null ? 0 : Math.max(0, location.getLineNr());
    }

    private static ConfigException syntaxError(String source, JsonProcessingException e) {
        JsonLocation location = e.getLocation();
        int line = location == null ? 0 : Math.max(0, location.getLineNr());
        String problem = firstLine(e.getOriginalMessage());
        if (problem.startsWith("Expected a field name")) {
            // Jackson's wording names SnakeYAML's event classes; say what it means for the operator.
            problem = "a mapping key must be a plain value, not a list or mapping";
        }
        // SnakeYAML knows the exact problem and where it is; Jackson's message adds a multi-line excerpt.
        if (e.getCause() instanceof MarkedYAMLException marked && marked.getProblem() != null) {
            problem = marked.getProblem();
            if (marked.getContext() != null) {
                problem += " (" + marked.getContext() + ")";
            }
            if (marked.getProblemMark() != null) {
                line = marked.getProblemMark().getLine() + 1;
            }
        }
        return new ConfigException(source, line, "", "invalid YAML: " + problem, e);
    }

    private static String firstLine(@Nullable String message) {
        if (message == null) {
            return "syntax error";
        }
        int end = message.indexOf('\n');
        return end < 0 ? message : message.substring(0, end);
    }
}
