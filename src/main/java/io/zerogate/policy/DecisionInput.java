package io.zerogate.policy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.zerogate.chain.Exchange;
import io.zerogate.chain.QueryString;
import io.zerogate.chain.RequestHead;
import io.zerogate.config.IdentityConfig;
import io.zerogate.identity.Subject;
import io.zerogate.network.NetworkContext;
import io.zerogate.posture.Device;
import java.net.InetAddress;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import org.jspecify.annotations.Nullable;

/**
 * The input document an external decision point receives: the facts the CEL rules see, as JSON.
 *
 * <pre>
 * { "subject":  { "id", "kind", "issuer", "scopes", "roles", "claims", "mfa", "acr", "auth_time", "authenticated" },
 *   "device":   { "id", "user", "managed", "compliant", "disk_encrypted", "os", "os_version", "patch_level",
 *                 "edr_running", "checked_at", "source" } or null,
 *   "network":  { "ip", "peer_ip", "networks" },
 *   "request":  { "method", "path", "host", "headers", "query" },
 *   "params":   { path parameter: value },
 *   "route":    { "id" },
 *   "service":  { "name" },
 *   "now":      RFC 3339 time }
 * </pre>
 *
 * {@code request.headers} maps lower-case names to the values of that name joined with ", ", without the fields that
 * carry credentials ({@code authorization}, {@code proxy-authorization}, {@code cookie}, {@code dpop}, the API key
 * header, the identity assertion header) or describe the trace rather than the caller ({@code traceparent},
 * {@code tracestate}). {@code request.query} maps each parameter to its first value. Members are written in a fixed
 * order and maps sorted by key, so that the same facts always give the same bytes.
 */
final class DecisionInput {

    private static final JsonNodeFactory NODES = JsonNodeFactory.instance;
    // Nested claim objects sorted too: equal facts, equal bytes, one cache entry.
    private static final ObjectMapper JSON = com.fasterxml.jackson.databind.json.JsonMapper.builder()
            .enable(com.fasterxml.jackson.databind.SerializationFeature.ORDER_MAP_ENTRIES_BY_KEYS).build();
    private static final List<String> ALWAYS_HIDDEN = List.of("authorization", "proxy-authorization", "cookie", "dpop",
            "traceparent", "tracestate");

    private DecisionInput() {}

    /** The header fields never sent to a decision point, lower-case, for a gateway's identity settings. */
    static Set<String> hiddenHeaders(IdentityConfig identity) {
        Set<String> hidden = new TreeSet<>(ALWAYS_HIDDEN);
        if (identity.apiKeys() != null) {
            hidden.add(identity.apiKeys().header().toLowerCase(Locale.ROOT));
        }
        hidden.add(identity.assertion().header().toLowerCase(Locale.ROOT));
        return Set.copyOf(hidden);
    }

    /** Every member but {@code now}: what a cached decision is keyed by. */
    static ObjectNode facts(Exchange exchange, Set<String> hiddenHeaders) {
        ObjectNode input = NODES.objectNode();
        input.set("subject", subject(exchange.get(Subject.KEY)));
        input.set("device", device(exchange.get(Device.KEY)));
        input.set("network", network(exchange));
        input.set("request", request(exchange.request(), hiddenHeaders));
        input.set("params", strings(new TreeMap<>(exchange.params())));
        input.set("route", NODES.objectNode().put("id", exchange.route().id()));
        input.set("service", NODES.objectNode().put("name", exchange.route().service().name()));
        return input;
    }

    /** The body to post: {@code {"input": facts + now}}; {@code facts} gains {@code now}. */
    static byte[] body(ObjectNode facts, Instant now) {
        facts.put("now", now.truncatedTo(ChronoUnit.MILLIS).toString());
        try {
            return JSON.writeValueAsBytes(NODES.objectNode().set("input", facts));
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new IllegalStateException("a tree of plain JSON nodes always serialises", e);
        }
    }

    static byte[] bytes(JsonNode node) {
        try {
            return JSON.writeValueAsBytes(node);
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new IllegalStateException("a tree of plain JSON nodes always serialises", e);
        }
    }

    private static ObjectNode subject(@Nullable Subject subject) {
        ObjectNode s = NODES.objectNode();
        if (subject == null) {
            // The shape of an anonymous caller is the CEL rules' one: empty values, authenticated false.
            s.put("id", "").put("kind", "").put("issuer", "");
            s.set("scopes", NODES.arrayNode());
            s.set("roles", NODES.arrayNode());
            s.set("claims", NODES.objectNode());
            s.put("mfa", false).put("acr", "").putNull("auth_time");
            s.put("authenticated", false);
            return s;
        }
        s.put("id", subject.id());
        s.put("kind", subject.kind().name().toLowerCase(Locale.ROOT));
        s.put("issuer", subject.issuer() == null ? "" : subject.issuer());
        s.set("scopes", sorted(subject.scopes()));
        s.set("roles", sorted(subject.roles()));
        s.set("claims", JSON.valueToTree(new TreeMap<>(subject.claims())));
        s.put("mfa", subject.authentication().multiFactor());
        s.put("acr", subject.authentication().acr() == null ? "" : subject.authentication().acr());
        Instant authTime = subject.authentication().authTime();
        if (authTime == null) {
            s.putNull("auth_time");
        } else {
            s.put("auth_time", authTime.toString());
        }
        s.put("authenticated", true);
        return s;
    }

    private static JsonNode device(@Nullable Device device) {
        if (device == null) {
            return NODES.nullNode();
        }
        ObjectNode d = NODES.objectNode();
        d.put("id", device.id());
        d.put("user", device.user());
        d.put("managed", device.managed());
        d.put("compliant", device.compliant());
        d.put("disk_encrypted", device.diskEncrypted());
        d.put("os", device.os());
        d.put("os_version", device.osVersion());
        d.put("patch_level", device.patchLevel());
        d.put("edr_running", device.edrRunning());
        d.put("checked_at", device.checkedAt().toString());
        d.put("source", device.source().name().toLowerCase(Locale.ROOT));
        return d;
    }

    private static ObjectNode network(Exchange exchange) {
        ObjectNode n = NODES.objectNode();
        NetworkContext context = exchange.get(NetworkContext.KEY);
        if (context != null) {
            n.put("ip", text(context.ip()));
            n.put("peer_ip", text(context.peer()));
            ArrayNode networks = n.putArray("networks");
            context.networks().forEach(networks::add);
            return n;
        }
        InetAddress peer = exchange.client().direct().getAddress();
        InetAddress effective = exchange.client().effective();
        n.put("ip", effective == null ? exchange.client().direct().getHostString() : text(effective));
        n.put("peer_ip", peer == null ? exchange.client().direct().getHostString() : text(peer));
        n.putArray("networks");
        return n;
    }

    private static ObjectNode request(RequestHead head, Set<String> hiddenHeaders) {
        ObjectNode r = NODES.objectNode();
        r.put("method", head.method());
        r.put("path", head.path());
        r.put("host", head.host());
        Map<String, String> headers = new TreeMap<>();
        for (String name : head.headerNames()) {
            String lower = name.toLowerCase(Locale.ROOT);
            if (!hiddenHeaders.contains(lower)) {
                List<String> values = head.headers(lower);
                if (!values.isEmpty()) {
                    headers.put(lower, String.join(", ", values));
                }
            }
        }
        r.set("headers", strings(headers));
        r.set("query", strings(QueryString.firstValues(head.query())));
        return r;
    }

    private static ObjectNode strings(Map<String, String> map) {
        ObjectNode o = NODES.objectNode();
        map.forEach(o::put);
        return o;
    }

    private static ArrayNode sorted(Set<String> values) {
        ArrayNode a = NODES.arrayNode();
        new TreeSet<>(values).forEach(a::add);
        return a;
    }

    private static String text(InetAddress address) {
        return com.google.common.net.InetAddresses.toAddrString(address);
    }
}
