package io.zerogate.config;

import io.zerogate.network.CidrSet;
import java.io.IOException;
import java.nio.file.AccessDeniedException;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.function.Function;
import java.util.regex.Pattern;
import org.jspecify.annotations.Nullable;

/**
 * Reads the gateway's YAML configuration (version 1) into a validated {@link GatewayConfig}.
 *
 * <p>The document is strict: unknown keys, duplicate keys, wrong types, YAML anchors, aliases and tags and
 * more than one document are refused. {@code ${env:NAME}} and {@code ${file:PATH}} references in string
 * values are resolved while loading. The first problem found is thrown as a {@link ConfigException} naming
 * the source, line and key path; values that came from a reference never appear in it.
 */
public final class ConfigLoader {

    private static final Pattern LISTENER_NAME = Pattern.compile("[a-z0-9][a-z0-9_-]*");
    private static final ServerLimits DEFAULT_LIMITS = new ServerLimits(8 << 10, 16 << 10, 100, 100);
    /** Each open stream may hold one stream window of unread request body; this bounds it per connection. */
    private static final int MAX_CONCURRENT_STREAMS = 1000;
    private static final Timeouts DEFAULT_TIMEOUTS = new Timeouts(
            Duration.ofSeconds(10), Duration.ofSeconds(60), Duration.ofSeconds(2), Duration.ofSeconds(20));

    private ConfigLoader() {}

    /**
     * Loads a configuration file. {@code ${env:}} references read the process environment; relative
     * {@code ${file:}} paths are resolved against the directory of {@code file}.
     *
     * @throws ConfigException when the file cannot be read or is not a valid configuration
     */
    public static GatewayConfig load(Path file) throws ConfigException {
        Objects.requireNonNull(file, "file");
        String source = file.toString();
        return parse(source, read(file, source), System::getenv, baseDirectory(file));
    }

    /**
     * Parses a configuration held in memory. Relative {@code ${file:}} paths are resolved against the
     * working directory.
     *
     * @param sourceName what messages call the document (such as its file name)
     * @param env        looks up {@code ${env:NAME}} references; returns null for a variable that is not set
     * @throws ConfigException when the text is not a valid configuration
     */
    public static GatewayConfig parse(String sourceName, String yamlText, Function<String, @Nullable String> env)
            throws ConfigException {
        Objects.requireNonNull(sourceName, "sourceName");
        Objects.requireNonNull(yamlText, "yamlText");
        Objects.requireNonNull(env, "env");
        if (ConfigText.utf8Length(yamlText) > ConfigText.MAX_BYTES) {
            throw tooLarge(sourceName);
        }
        return parse(sourceName, yamlText, env, Path.of("").toAbsolutePath());
    }

    /** Parses bytes already read from a file, so a caller that hashed them validates exactly what it hashed. */
    static GatewayConfig parse(String source, byte[] bytes, Function<String, @Nullable String> env, Path baseDirectory)
            throws ConfigException {
        String text = ConfigText.decode(bytes);
        if (text == null) {
            throw new ConfigException(source, 0, "", "the file is not valid UTF-8 text");
        }
        return parse(source, text, env, baseDirectory);
    }

    /** Reads a configuration file, refusing one larger than the document limit. */
    static byte[] read(Path file, String source) throws ConfigException {
        byte[] bytes;
        try {
            bytes = ConfigText.readBounded(file);
        } catch (NoSuchFileException e) {
            throw new ConfigException(source, 0, "", "cannot read the configuration file: no such file", e);
        } catch (AccessDeniedException e) {
            throw new ConfigException(source, 0, "", "cannot read the configuration file: permission denied", e);
        } catch (IOException e) {
            throw new ConfigException(source, 0, "", "cannot read the configuration file (" + e.getClass().getSimpleName() + ")", e);
        }
        if (bytes.length > ConfigText.MAX_BYTES) {
            throw tooLarge(source);
        }
        return bytes;
    }

    static Path baseDirectory(Path file) {
        Path parent = file.toAbsolutePath().getParent();
        return parent == null ? file.toAbsolutePath() : parent;
    }

    private static GatewayConfig parse(String source, String text, Function<String, @Nullable String> env, Path baseDirectory)
            throws ConfigException {
        // A byte order mark is invisible in editors; it must not become part of the first key.
        String body = text.startsWith("\uFEFF") ? text.substring(1) : text;
        YamlNode root = YamlTreeReader.read(source, body);
        if (root == null) {
            throw new ConfigException(source, 0, "", "the document is empty (expected a mapping starting with 'version: 1')");
        }
        return bind(new SourceDocument(source, new ValueReferences(env, baseDirectory)), root);
    }

    private static GatewayConfig bind(SourceDocument document, YamlNode root) throws ConfigException {
        ConfigNode top = new ConfigNode(document, root, "");
        if (!(root instanceof YamlNode.Mapping rootMapping)) {
            throw top.error("expected a mapping at the top of the document, got " + root.describe());
        }
        // The version decides which keys exist, so it is checked before anything else.
        YamlNode.Entry version = rootMapping.entries().get("version");
        if (version == null) {
            throw new ConfigException(document.source(), root.line(), "version", "required key is missing (expected: version: 1)");
        }
        checkVersion(new ConfigNode(document, version.value(), "version"));
        ConfigMapping m = top.mapping("version", "listeners", "admin", "trusted_proxies", "workloads", "identity",
                "state", "limits", "rate_limits", "audit", "tracing", "timeouts", "services", "routes", "networks", "network", "posture");
        List<ListenerConfig> listeners = listeners(m.required("listeners"));
        AdminConfig admin = admin(m.optional("admin"));
        TrustedProxies trustedProxies = trustedProxies(m.optional("trusted_proxies"));
        WorkloadConfig workloads = TlsBinder.workloads(m.optional("workloads"));
        ServerLimits limits = limits(m.optional("limits"));
        Timeouts timeouts = timeouts(m.optional("timeouts"));
        Map<String, ServiceConfig> services = ServiceBinder.bind(m.required("services"), workloads);
        IdentityConfig identity = IdentityBinder.identity(m.optional("identity"));
        StateConfig state = StateBinder.state(m.optional("state"), document.references().baseDirectory());
        Map<String, Integer> limitIds = new HashMap<>();
        RateLimitsConfig rateLimits = LimitBinder.rateLimits(m.optional("rate_limits"), limitIds);
        NetworksConfig networks = NetworkBinder.bind(m.optional("networks"), m.optional("network"));
        List<RouteConfig> routes = RouteBinder.bind(m.required("routes"), services.keySet(), identity, limitIds,
                networks.named());
        PostureConfig posture = PostureBinder.posture(m.optional("posture"), identity);
        PostureBinder.checkRoutes(document.source(), routes, posture);
        AuditConfig audit = AuditBinder.audit(m.optional("audit"), document.references().baseDirectory(),
                credentialHeaders(identity, posture));
        TracingConfig tracing = AuditBinder.tracing(m.optional("tracing"));
        return new GatewayConfig(document.source(), 1, listeners, admin, trustedProxies, workloads, identity, state,
                limits, rateLimits, audit, tracing, timeouts, services, routes, networks, posture);
    }

    /** Request headers credentials (and device attestations) are read from: never copied into audit records. */
    private static java.util.Set<String> credentialHeaders(IdentityConfig identity, @Nullable PostureConfig posture) {
        java.util.Set<String> names = new java.util.HashSet<>();
        if (identity.apiKeys() != null) {
            names.add(identity.apiKeys().header().toLowerCase(java.util.Locale.ROOT));
        }
        if (posture != null && posture.attestation() != null) {
            names.add(posture.attestation().header().toLowerCase(java.util.Locale.ROOT));
        }
        return names;
    }

    private static void checkVersion(ConfigNode node) throws ConfigException {
        int version = node.integer(0, Integer.MAX_VALUE);
        if (version != 1) {
            throw node.error("unsupported version " + version + " (expected: 1)");
        }
    }

    private static List<ListenerConfig> listeners(ConfigNode node) throws ConfigException {
        List<ConfigNode> items = node.list();
        if (items.isEmpty()) {
            throw node.error("expected at least one listener");
        }
        List<ListenerConfig> listeners = new ArrayList<>(items.size());
        Map<String, Integer> indexByName = new HashMap<>();
        for (int i = 0; i < items.size(); i++) {
            ConfigMapping m = items.get(i).mapping("name", "address", "tls", "http2");
            ConfigNode nameNode = m.optional("name");
            String name = "listener-" + i;
            ConfigNode at = items.get(i);
            if (nameNode != null) {
                ConfigValue value = nameNode.string();
                if (!LISTENER_NAME.matcher(value.text()).matches()) {
                    throw value.error(value.shown() + " is not a valid listener name (expected [a-z0-9][a-z0-9_-]*)");
                }
                name = value.text();
                at = nameNode;
            }
            Integer first = indexByName.putIfAbsent(name, i);
            if (first != null) {
                throw at.error("duplicate listener name '" + name + "' (also used by listeners[" + first + "])");
            }
            ConfigNode tlsNode = m.optional("tls");
            // HTTP/2 is negotiated by ALPN over TLS; in plain text a client must know beforehand (h2c), so
            // a plain listener speaks it only when told to.
            boolean http2 = m.bool("http2", tlsNode != null);
            listeners.add(new ListenerConfig(name, AddressSyntax.listenAddress(m.required("address").string()),
                    tlsNode == null ? null : TlsBinder.listener(tlsNode), http2));
        }
        return listeners;
    }

    private static AdminConfig admin(@Nullable ConfigNode node) throws ConfigException {
        return AdminBinder.admin(node);
    }

    private static TrustedProxies trustedProxies(@Nullable ConfigNode node) throws ConfigException {
        if (node == null) {
            return new TrustedProxies(CidrSet.empty());
        }
        List<String> blocks = new ArrayList<>();
        for (ConfigNode item : node.list()) {
            ConfigValue value = item.string();
            try {
                CidrSet.of(List.of(value.text()));
            } catch (IllegalArgumentException e) {
                // CidrSet's message quotes the entry, which is only safe when the entry was written literally.
                throw value.error(value.referenced()
                        ? value.shown() + " is not an IPv4 or IPv6 address or CIDR block"
                        : e.getMessage());
            }
            blocks.add(value.text());
        }
        return new TrustedProxies(CidrSet.of(blocks));
    }

    private static ServerLimits limits(@Nullable ConfigNode node) throws ConfigException {
        if (node == null) {
            return DEFAULT_LIMITS;
        }
        ConfigMapping m = node.mapping("max_request_line", "max_header_size", "max_header_count", "max_concurrent_streams",
                "max_stream_resets", "stream_reset_window");
        java.time.Duration resetWindow = m.duration("stream_reset_window", DEFAULT_LIMITS.streamResetWindow());
        if (resetWindow.compareTo(java.time.Duration.ofMinutes(10)) > 0) {
            throw m.required("stream_reset_window").error("stream_reset_window " + ConfigNode.format(resetWindow)
                    + " is too long (expected: at most 10m)");
        }
        return new ServerLimits(
                (int) m.size("max_request_line", Integer.MAX_VALUE, DEFAULT_LIMITS.maxRequestLineBytes()),
                (int) m.size("max_header_size", Integer.MAX_VALUE, DEFAULT_LIMITS.maxHeaderBytes()),
                m.integer("max_header_count", 1, Integer.MAX_VALUE, DEFAULT_LIMITS.maxHeaderCount()),
                m.integer("max_concurrent_streams", 1, MAX_CONCURRENT_STREAMS, DEFAULT_LIMITS.maxConcurrentStreams()),
                m.integer("max_stream_resets", 1, 1_000_000, DEFAULT_LIMITS.maxStreamResets()), resetWindow);
    }

    private static Timeouts timeouts(@Nullable ConfigNode node) throws ConfigException {
        if (node == null) {
            return DEFAULT_TIMEOUTS;
        }
        ConfigMapping m = node.mapping("request_header", "idle", "stage", "shutdown_grace");
        return new Timeouts(
                m.duration("request_header", DEFAULT_TIMEOUTS.requestHeader()),
                m.duration("idle", DEFAULT_TIMEOUTS.idle()),
                m.duration("stage", DEFAULT_TIMEOUTS.stage()),
                m.duration("shutdown_grace", DEFAULT_TIMEOUTS.shutdownGrace()));
    }

    private static ConfigException tooLarge(String source) {
        return new ConfigException(source, 0, "", "the document is larger than 1 MiB");
    }
}
