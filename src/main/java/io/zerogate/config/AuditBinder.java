package io.zerogate.config;

import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;
import org.jspecify.annotations.Nullable;

/** Binds the {@code audit} section: sinks, checkpoints, the queue and its overflow policy, incidents. */
final class AuditBinder {

    private static final Pattern HEADER = Pattern.compile("[!#$%&'*+.^_`|~0-9A-Za-z-]+");
    /** Headers that carry credentials or session state: an audit record never holds them. */
    private static final Set<String> NEVER_RECORDED = Set.of("authorization", "proxy-authorization", "cookie",
            "set-cookie", "dpop", "x-api-key", "api-key");
    private static final long MAX_FILE = 1L << 40;

    private AuditBinder() {}

    static @Nullable AuditConfig audit(@Nullable ConfigNode node, Path baseDirectory, Set<String> credentialHeaders)
            throws ConfigException {
        if (node == null) {
            return null;
        }
        ConfigMapping m = node.mapping("enabled", "file", "stdout", "http", "signing_key", "checkpoint_every",
                "checkpoint_interval", "queue_capacity", "on_overflow", "headers", "incidents");
        if (!m.bool("enabled", true)) {
            return null;
        }
        ConfigNode fileNode = m.optional("file");
        ConfigNode httpNode = m.optional("http");
        boolean stdout = m.bool("stdout", false);
        AuditConfig.FileSink file = fileNode == null ? null : file(fileNode);
        AuditConfig.HttpSink http = httpNode == null ? null : http(httpNode, baseDirectory);
        if (file == null && http == null && !stdout) {
            throw node.error("audit has no sink (expected at least one of: file, http, stdout: true)");
        }
        ConfigNode keyNode = m.optional("signing_key");
        Path signingKey = keyNode == null
                ? (file != null ? file.directory() : baseDirectory.resolve("data").normalize()).resolve("audit-signing-key.pem")
                : keyNode.path(keyNode.string());
        int every = m.integer("checkpoint_every", 1, 10_000_000, 1000);
        Duration interval = m.duration("checkpoint_interval", Duration.ofSeconds(10));
        int capacity = m.integer("queue_capacity", 16, 10_000_000, 65_536);
        AuditConfig.Overflow overflow = AuditConfig.Overflow.BLOCK_NEW_REQUESTS;
        ConfigNode overflowNode = m.optional("on_overflow");
        if (overflowNode != null) {
            ConfigValue v = overflowNode.string();
            overflow = switch (v.text()) {
                case "block_new_requests" -> AuditConfig.Overflow.BLOCK_NEW_REQUESTS;
                case "drop_and_count" -> AuditConfig.Overflow.DROP_AND_COUNT;
                default -> throw v.error("unknown on_overflow " + v.shown() + " (expected: block_new_requests, drop_and_count)");
            };
        }
        List<String> headers = headers(m.optional("headers"), credentialHeaders);
        AuditConfig.Incidents incidents = incidents(m.optional("incidents"));
        return new AuditConfig(file, stdout, http, signingKey, every, interval, capacity, overflow, headers, incidents);
    }

    private static AuditConfig.FileSink file(ConfigNode node) throws ConfigException {
        ConfigMapping m = node.mapping("directory", "rotate_size", "rotate_interval", "fsync_interval");
        ConfigNode dir = m.required("directory");
        return new AuditConfig.FileSink(dir.path(dir.string()), m.size("rotate_size", MAX_FILE, 100L << 20),
                m.duration("rotate_interval", Duration.ofHours(24)), m.duration("fsync_interval", Duration.ofSeconds(1)));
    }

    private static AuditConfig.HttpSink http(ConfigNode node, Path baseDirectory) throws ConfigException {
        ConfigMapping m = node.mapping("url", "format", "index", "batch_size", "flush_interval", "timeout", "headers",
                "spool_directory", "spool_max_size");
        URI url = IdentityBinder.fetchableUrl(m.required("url").string());
        AuditConfig.HttpSink.Format format = AuditConfig.HttpSink.Format.NDJSON;
        ConfigNode formatNode = m.optional("format");
        if (formatNode != null) {
            ConfigValue v = formatNode.string();
            format = switch (v.text()) {
                case "json_array" -> AuditConfig.HttpSink.Format.JSON_ARRAY;
                case "ndjson" -> AuditConfig.HttpSink.Format.NDJSON;
                case "elasticsearch_bulk" -> AuditConfig.HttpSink.Format.ELASTICSEARCH_BULK;
                default -> throw v.error("unknown format " + v.shown() + " (expected: json_array, ndjson, elasticsearch_bulk)");
            };
        }
        ConfigNode indexNode = m.optional("index");
        String index = null;
        if (format == AuditConfig.HttpSink.Format.ELASTICSEARCH_BULK) {
            if (indexNode == null) {
                throw m.missing("index", "elasticsearch_bulk needs the index the records go to");
            }
            index = indexNode.string().text();
        } else if (indexNode != null) {
            throw indexNode.error("index is only used with format: elasticsearch_bulk");
        }
        ConfigNode spoolNode = m.optional("spool_directory");
        Path spool = spoolNode == null ? baseDirectory.resolve("data").resolve("audit-spool").normalize()
                : spoolNode.path(spoolNode.string());
        return new AuditConfig.HttpSink(url, format, index, m.integer("batch_size", 1, 100_000, 500),
                m.duration("flush_interval", Duration.ofSeconds(1)), m.duration("timeout", Duration.ofSeconds(10)),
                secretHeaders(m.optional("headers")), spool, m.size("spool_max_size", MAX_FILE, 1L << 30));
    }

    private static AuditConfig.Incidents incidents(@Nullable ConfigNode node) throws ConfigException {
        if (node == null) {
            return new AuditConfig.Incidents(Duration.ofMinutes(5), 10_000, null);
        }
        ConfigMapping m = node.mapping("window", "max_open", "webhook");
        ConfigNode hook = m.optional("webhook");
        AuditConfig.Webhook webhook = null;
        if (hook != null) {
            ConfigMapping w = hook.mapping("url", "threshold", "headers", "timeout");
            webhook = new AuditConfig.Webhook(IdentityBinder.fetchableUrl(w.required("url").string()),
                    w.integer("threshold", 1, Integer.MAX_VALUE, 20), secretHeaders(w.optional("headers")),
                    w.duration("timeout", Duration.ofSeconds(5)));
        }
        return new AuditConfig.Incidents(m.duration("window", Duration.ofMinutes(5)),
                m.integer("max_open", 1, 10_000_000, 10_000), webhook);
    }

    private static List<String> headers(@Nullable ConfigNode node, Set<String> credentialHeaders) throws ConfigException {
        if (node == null) {
            return List.of("user-agent");
        }
        Set<String> out = new LinkedHashSet<>();
        for (ConfigNode item : node.list()) {
            ConfigValue v = item.string();
            String name = v.text().toLowerCase(Locale.ROOT);
            if (!HEADER.matcher(name).matches()) {
                throw v.error(v.shown() + " is not a header field name");
            }
            if (NEVER_RECORDED.contains(name) || credentialHeaders.contains(name)) {
                throw v.error(v.shown() + " carries credentials and is never recorded");
            }
            if (!out.add(name)) {
                throw v.error("duplicate header " + v.shown());
            }
        }
        return new ArrayList<>(out);
    }

    /** The {@code tracing} section, or null when spans are not exported. */
    static @Nullable TracingConfig tracing(@Nullable ConfigNode node) throws ConfigException {
        if (node == null) {
            return null;
        }
        ConfigMapping m = node.mapping("otlp", "service_name");
        ConfigMapping otlp = m.required("otlp").mapping("endpoint", "headers", "timeout");
        ConfigNode nameNode = m.optional("service_name");
        return new TracingConfig(IdentityBinder.fetchableUrl(otlp.required("endpoint").string()),
                secretHeaders(otlp.optional("headers")), otlp.duration("timeout", Duration.ofSeconds(10)),
                nameNode == null ? "zerogate" : nameNode.string().text());
    }

    static Map<String, Secret> secretHeaders(@Nullable ConfigNode node) throws ConfigException {
        Map<String, Secret> out = new LinkedHashMap<>();
        if (node == null) {
            return out;
        }
        for (ConfigNode.Named entry : node.entries()) {
            if (!HEADER.matcher(entry.key()).matches()) {
                throw entry.value().error("'" + entry.key() + "' is not a header field name");
            }
            out.put(entry.key(), new Secret(entry.value().string().text()));
        }
        return out;
    }
}
