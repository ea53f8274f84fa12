package io.zerogate.admin;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.QueryStringDecoder;
import io.zerogate.network.ClientBlock;
import io.zerogate.network.ClientBlocks;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code /admin/blocks}: the active blocks on client addresses. {@code GET} lists them, {@code POST} places one
 * ({@code {"address": "198.51.100.7", "ttl": "15m", "reason": "…"}} or {@code "cidr"} instead of {@code "address"}),
 * {@code DELETE ?address=…} (or {@code ?cidr=…}) removes one.
 */
final class BlockRequests {

    private static final Logger log = LoggerFactory.getLogger(BlockRequests.class);
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Pattern TTL = Pattern.compile("([0-9]{1,9})(ms|s|m|h)");
    private static final List<String> FIELDS = List.of("address", "cidr", "ttl", "reason");

    private BlockRequests() {}

    static FullHttpResponse answer(FullHttpRequest req, ClientBlocks blocks, String caller) {
        HttpMethod method = req.method();
        if (method.equals(HttpMethod.POST)) {
            return place(req, blocks, caller);
        }
        if (method.equals(HttpMethod.DELETE)) {
            return remove(req, blocks, caller);
        }
        return AdminResponses.json(HttpResponseStatus.OK, blocks.list());
    }

    private static FullHttpResponse place(FullHttpRequest req, ClientBlocks blocks, String caller) {
        JsonNode body;
        try {
            body = JSON.readTree(req.content().toString(StandardCharsets.UTF_8));
        } catch (JsonProcessingException e) {
            return invalid("the body is not JSON (expected: {\"address\" or \"cidr\", \"ttl\", \"reason\"})");
        }
        if (body == null || !body.isObject()) {
            return invalid("the body is not a JSON object (expected: {\"address\" or \"cidr\", \"ttl\", \"reason\"})");
        }
        for (Iterator<String> names = body.fieldNames(); names.hasNext(); ) {
            String name = names.next();
            if (!FIELDS.contains(name)) {
                return invalid("unknown field '" + name + "' (allowed: " + String.join(", ", FIELDS) + ")");
            }
        }
        boolean isAddress = body.has("address");
        if (isAddress == body.has("cidr")) {
            return invalid("give exactly one of address and cidr");
        }
        String field = isAddress ? "address" : "cidr";
        String target = text(body, field);
        String ttlText = text(body, "ttl");
        String reason = text(body, "reason");
        if (target == null || ttlText == null || reason == null) {
            return invalid(field + ", ttl and reason are required, each a string");
        }
        if (isAddress == (target.indexOf('/') >= 0)) {
            return invalid(isAddress ? "address " + quoted(target) + " has a prefix length; send it as cidr"
                    : "cidr " + quoted(target) + " has no prefix length (expected a block such as 198.51.100.0/24; or send address)");
        }
        Matcher m = TTL.matcher(ttlText);
        if (!m.matches()) {
            return invalid("ttl " + quoted(ttlText) + " is not a duration (expected: a number followed by ms, s, m or h, such as 15m)");
        }
        Duration ttl = switch (m.group(2)) {
            case "ms" -> Duration.ofMillis(Long.parseLong(m.group(1)));
            case "s" -> Duration.ofSeconds(Long.parseLong(m.group(1)));
            case "m" -> Duration.ofMinutes(Long.parseLong(m.group(1)));
            default -> Duration.ofHours(Long.parseLong(m.group(1)));
        };
        ClientBlock block;
        try {
            block = blocks.place(target, ttl, reason);
        } catch (IllegalArgumentException e) {
            return invalid(e.getMessage());
        } catch (IllegalStateException e) {
            return AdminResponses.problem(HttpResponseStatus.CONFLICT, "blocks_full", e.getMessage());
        }
        log.warn("client block placed on {} until {} by {}: {}", block.target(), block.expires(), caller, block.reason());
        return AdminResponses.json(HttpResponseStatus.CREATED, block);
    }

    private static FullHttpResponse remove(FullHttpRequest req, ClientBlocks blocks, String caller) {
        Map<String, List<String>> query = new QueryStringDecoder(req.uri()).parameters();
        for (Map.Entry<String, List<String>> p : query.entrySet()) {
            if (!p.getKey().equals("address") && !p.getKey().equals("cidr")) {
                return invalid("unknown parameter '" + p.getKey() + "' (expected: address or cidr)");
            }
            if (p.getValue().size() != 1) {
                return invalid("parameter " + p.getKey() + " given " + p.getValue().size() + " times (expected: once)");
            }
        }
        if (query.size() != 1) {
            return invalid("give exactly one of ?address= and ?cidr=");
        }
        String target = query.values().iterator().next().get(0);
        ClientBlock removed;
        try {
            removed = blocks.remove(target);
        } catch (IllegalArgumentException e) {
            return invalid(e.getMessage());
        }
        if (removed == null) {
            return AdminResponses.problem(HttpResponseStatus.NOT_FOUND, "block_not_found",
                    "no active block on " + quoted(target));
        }
        log.warn("client block on {} removed by {}", removed.target(), caller);
        return AdminResponses.json(HttpResponseStatus.OK, removed);
    }

    private static @Nullable String text(JsonNode body, String field) {
        JsonNode v = body.get(field);
        return v != null && v.isTextual() ? v.asText() : null;
    }

    private static String quoted(String text) {
        String shown = text.length() > 64 ? text.substring(0, 64) + "…" : text;
        return "'" + shown.replaceAll("\\p{Cntrl}", "?") + "'";
    }

    private static FullHttpResponse invalid(String detail) {
        return AdminResponses.problem(HttpResponseStatus.BAD_REQUEST, "block_invalid", detail);
    }
}
