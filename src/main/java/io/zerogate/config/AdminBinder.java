package io.zerogate.config;

import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.jspecify.annotations.Nullable;

/** Binds the {@code admin} section: the admin listener's address, its TLS, and the credentials of its API. */
final class AdminBinder {

    private static final InetSocketAddress DEFAULT_ADDRESS = AddressSyntax.ipv4Loopback(9901);

    private AdminBinder() {}

    static AdminConfig admin(@Nullable ConfigNode node) throws ConfigException {
        if (node == null) {
            return new AdminConfig(DEFAULT_ADDRESS);
        }
        ConfigMapping m = node.mapping("enabled", "address", "tls", "tokens", "public");
        ConfigNode addressNode = m.optional("address");
        InetSocketAddress address = addressNode == null ? DEFAULT_ADDRESS : AddressSyntax.listenAddress(addressNode.string());
        ConfigNode tlsNode = m.optional("tls");
        AdminConfig.Tls tls = tlsNode == null ? null : tls(tlsNode);
        ConfigNode tokensNode = m.optional("tokens");
        List<AdminConfig.Token> tokens = tokensNode == null ? List.of() : tokens(tokensNode);
        if (!tokens.isEmpty() && tls == null && !loopback(address)) {
            throw tokensNode.error("admin tokens would cross the network in clear text: add admin.tls, or bind admin.address"
                    + " to a loopback address");
        }
        ConfigNode publicNode = m.optional("public");
        boolean publicMetrics = publicNode != null && publicMetrics(publicNode);
        return new AdminConfig(m.bool("enabled", true) ? address : null, tls, tokens, publicMetrics);
    }

    private static AdminConfig.Tls tls(ConfigNode node) throws ConfigException {
        ConfigMapping m = node.mapping("certificate", "private_key", "client_ca");
        CertificateFiles identity = java.util.Objects.requireNonNull(TlsBinder.certificate(m, true), "certificate");
        ConfigNode caNode = m.optional("client_ca");
        if (caNode == null) {
            return new AdminConfig.Tls(identity, null, List.of());
        }
        Path caFile = caNode.readableFile();
        List<X509Certificate> cas = PemFiles.certificates(caNode, caFile);
        return new AdminConfig.Tls(identity, caFile, cas);
    }

    private static List<AdminConfig.Token> tokens(ConfigNode node) throws ConfigException {
        List<AdminConfig.Token> tokens = new ArrayList<>();
        Map<String, Integer> byName = new HashMap<>();
        Map<String, Integer> byHash = new HashMap<>();
        for (ConfigNode item : node.list()) {
            int index = tokens.size();
            ConfigMapping m = item.mapping("name", "sha256");
            ConfigValue name = m.required("name").string();
            if (!AdminConfig.Token.NAME.matcher(name.text()).matches()) {
                throw name.error(name.shown() + " is not a valid token name (expected " + AdminConfig.Token.NAME.pattern() + ")");
            }
            Integer first = byName.putIfAbsent(name.text(), index);
            if (first != null) {
                throw name.error("duplicate token name '" + name.text() + "' (also used by tokens[" + first + "])");
            }
            ConfigValue hash = m.required("sha256").string();
            // Upper-case hex is the same hash; the stored form is lower-case so that comparison is one byte compare.
            String hex = hash.text().toLowerCase(Locale.ROOT);
            if (!AdminConfig.Token.SHA256.matcher(hex).matches()) {
                throw hash.error("expected the SHA-256 of the token as 64 hex digits (zerogate admin token create prints it)");
            }
            first = byHash.putIfAbsent(hex, index);
            if (first != null) {
                throw hash.error("the same hash as tokens[" + first + "]: each holder needs a token of its own");
            }
            tokens.add(new AdminConfig.Token(name.text(), hex));
        }
        return tokens;
    }

    private static boolean publicMetrics(ConfigNode node) throws ConfigException {
        boolean metrics = false;
        for (ConfigNode item : node.list()) {
            ConfigValue v = item.string();
            if (!v.text().equals("metrics")) {
                throw v.error("unknown admin endpoint " + v.shown() + " (expected: metrics; /healthz, /readyz and"
                        + " /.well-known/jwks.json are always open, everything else always needs credentials)");
            }
            if (metrics) {
                throw v.error(v.shown() + " is listed twice");
            }
            metrics = true;
        }
        return metrics;
    }

    private static boolean loopback(InetSocketAddress address) {
        return address.getAddress() != null && address.getAddress().isLoopbackAddress();
    }
}
