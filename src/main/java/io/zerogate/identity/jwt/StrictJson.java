package io.zerogate.identity.jwt;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.StreamReadConstraints;
import com.fasterxml.jackson.core.exc.StreamReadException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import io.zerogate.chain.ReasonCode;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Reads a token's header or claims: UTF-8 only, exactly one JSON object, no member named twice, nothing after
 * it, at most 32 levels deep. Values become plain immutable Java values (String, Number, Boolean, List, Map);
 * JSON {@code null} members and elements are left out, since no claim the gateway reads may be null. Error
 * details never repeat the text.
 */
final class StrictJson {

    private static final int MAX_DEPTH = 32;

    private static final ObjectMapper MAPPER = JsonMapper.builder(JsonFactory.builder()
                    .streamReadConstraints(StreamReadConstraints.builder().maxNestingDepth(MAX_DEPTH).build())
                    .build())
            .enable(JsonParser.Feature.STRICT_DUPLICATE_DETECTION)
            .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
            .build();

    private StrictJson() {}

    /**
     * The object in these bytes.
     *
     * @param part what the bytes are ({@code header}, {@code payload}), for the refusal's detail
     */
    static Checked<Map<String, Object>> object(byte[] bytes, String part) {
        String text;
        try {
            text = StandardCharsets.UTF_8.newDecoder()
                    .onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT)
                    .decode(ByteBuffer.wrap(bytes))
                    .toString();
        } catch (CharacterCodingException e) {
            return Checked.no(ReasonCode.TOKEN_MALFORMED, part + " is not UTF-8");
        }
        JsonNode node;
        try {
            node = MAPPER.readTree(text);
        } catch (StreamReadException e) {
            String message = e.getOriginalMessage();
            String why = message != null && message.startsWith("Duplicate field")
                    ? "names a member twice"
                    : "is not valid JSON (at offset " + e.getLocation().getCharOffset() + ")";
            return Checked.no(ReasonCode.TOKEN_MALFORMED, part + " " + why);
        } catch (IOException e) {
            return Checked.no(ReasonCode.TOKEN_MALFORMED, part + " is not valid JSON");
        }
        if (node == null || !node.isObject()) {
            return Checked.no(ReasonCode.TOKEN_MALFORMED, part + " is not a JSON object");
        }
        @SuppressWarnings("unchecked")
        Map<String, Object> object = (Map<String, Object>) plain(node);
        return Checked.ok(object);
    }

    private static Object plain(JsonNode node) {
        if (node.isObject()) {
            Map<String, Object> members = new LinkedHashMap<>();
            for (Map.Entry<String, JsonNode> member : node.properties()) {
                if (!member.getValue().isNull()) {
                    members.put(member.getKey(), plain(member.getValue()));
                }
            }
            return Collections.unmodifiableMap(members);
        }
        if (node.isArray()) {
            List<Object> elements = new ArrayList<>(node.size());
            for (JsonNode element : node) {
                if (!element.isNull()) {
                    elements.add(plain(element));
                }
            }
            return List.copyOf(elements);
        }
        if (node.isTextual()) {
            return node.textValue();
        }
        if (node.isNumber()) {
            return node.numberValue();
        }
        if (node.isBoolean()) {
            return node.booleanValue();
        }
        throw new IllegalStateException("unexpected JSON node " + node.getNodeType());
    }
}
