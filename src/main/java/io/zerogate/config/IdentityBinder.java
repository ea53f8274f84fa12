package io.zerogate.config;

import java.net.URI;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.regex.Pattern;
import org.jspecify.annotations.Nullable;

/** Binds the {@code identity} section. */
final class IdentityBinder {

    static final Set<String> ASYMMETRIC = Set.of("RS256", "RS384", "RS512", "PS256", "PS384", "PS512",
            "ES256", "ES384", "ES512", "EdDSA");
    private static final Set<String> SYMMETRIC = Set.of("HS256", "HS384", "HS512");
    private static final Set<String> DEFAULT_ALGORITHMS = Set.of("RS256", "PS256", "ES256");
    private static final Pattern NAME = Pattern.compile("[a-z0-9][a-z0-9_-]*");
    // RFC 9110 field-name token.
    static final Pattern HEADER = Pattern.compile("[!#$%&'*+.^_`|~0-9A-Za-z-]+");
    private static final Set<String> RESERVED_HEADERS = Set.of("host", "content-length", "transfer-encoding",
            "connection", "upgrade", "te", "trailer", "keep-alive", "proxy-connection", "authorization", "dpop",
            "cookie", "forwarded", "x-forwarded-for", "x-forwarded-proto", "x-forwarded-host", "x-real-ip");
    private static final int MIN_SECRET_BYTES = 32;
    private static final Pattern LOOPBACK_V4 = Pattern.compile("127\\.\\d{1,3}\\.\\d{1,3}\\.\\d{1,3}");

    private static final Duration DEFAULT_SKEW = Duration.ofSeconds(30);
    private static final Duration MAX_SKEW = Duration.ofMinutes(5);
    private static final Duration DEFAULT_LIFETIME = Duration.ofHours(1);
    private static final Duration DEFAULT_REFRESH = Duration.ofMinutes(5);
    private static final Duration DEFAULT_COOLDOWN = Duration.ofSeconds(30);
    private static final Duration DEFAULT_STALENESS = Duration.ofHours(6);
    private static final Duration DEFAULT_FETCH_TIMEOUT = Duration.ofSeconds(5);

    private IdentityBinder() {}

    static IdentityConfig identity(@Nullable ConfigNode node) throws ConfigException {
        if (node == null) {
            return IdentityConfig.NONE;
        }
        ConfigMapping m = node.mapping("issuers", "api_keys", "dpop", "assertion", "token_cache_size");
        List<IssuerConfig> issuers = new ArrayList<>();
        ConfigNode issuersNode = m.optional("issuers");
        if (issuersNode != null) {
            Set<String> names = new LinkedHashSet<>();
            for (ConfigNode item : issuersNode.list()) {
                IssuerConfig issuer = issuer(item);
                if (issuer.name().equals(IdentityConfig.API_KEY)) {
                    throw item.error("'" + IdentityConfig.API_KEY + "' is reserved for API keys; choose another issuer name");
                }
                if (!names.add(issuer.name())) {
                    throw item.error("duplicate issuer name '" + issuer.name() + "'");
                }
                issuers.add(issuer);
            }
        }
        ConfigNode apiKeysNode = m.optional("api_keys");
        ConfigNode dpopNode = m.optional("dpop");
        ConfigNode assertionNode = m.optional("assertion");
        return new IdentityConfig(issuers,
                apiKeysNode == null ? null : apiKeys(apiKeysNode),
                dpopNode == null ? DpopConfig.DEFAULT : dpop(dpopNode),
                assertionNode == null ? AssertionConfig.DEFAULT : assertion(assertionNode),
                m.integer("token_cache_size", 0, 10_000_000, IdentityConfig.NONE.tokenCacheSize()));
    }

    private static IssuerConfig issuer(ConfigNode node) throws ConfigException {
        ConfigMapping m = node.mapping("name", "issuer", "audiences", "algorithms", "jwks_uri", "hmac_secret",
                "clock_skew", "max_token_lifetime", "required_claims", "token_type", "scope_claim", "roles_claim",
                "jwks", "introspection");
        ConfigValue name = m.required("name").string();
        if (!NAME.matcher(name.text()).matches()) {
            throw name.error(name.shown() + " is not a valid issuer name (expected [a-z0-9][a-z0-9_-]*)");
        }
        ConfigValue issuer = m.required("issuer").string();
        ConfigNode jwksUriNode = m.optional("jwks_uri");
        URI jwksUri = jwksUriNode == null ? null : fetchableUrl(jwksUriNode.string());
        if (jwksUri == null) {
            // Keys are discovered from the issuer's own metadata, so the issuer must be a URL we may fetch.
            fetchableUrl(issuer);
        }
        Set<String> audiences = strings(m.required("audiences"), "audience");
        Set<String> algorithms = DEFAULT_ALGORITHMS;
        ConfigNode algorithmsNode = m.optional("algorithms");
        if (algorithmsNode != null) {
            algorithms = new LinkedHashSet<>();
            for (ConfigNode item : algorithmsNode.list()) {
                ConfigValue alg = item.string();
                if (alg.text().equalsIgnoreCase("none")) {
                    throw alg.error("'none' is never accepted: an unsigned token proves nothing");
                }
                if (!ASYMMETRIC.contains(alg.text()) && !SYMMETRIC.contains(alg.text())) {
                    throw alg.error("unknown algorithm " + alg.shown() + " (expected: RS256, RS384, RS512, PS256, PS384, "
                            + "PS512, ES256, ES384, ES512, EdDSA, or HS256, HS384, HS512 with hmac_secret)");
                }
                if (!algorithms.add(alg.text())) {
                    throw alg.error("duplicate algorithm " + alg.shown());
                }
            }
            if (algorithms.isEmpty()) {
                throw algorithmsNode.error("expected at least one algorithm");
            }
        }
        boolean symmetric = algorithms.stream().anyMatch(SYMMETRIC::contains);
        ConfigNode secretNode = m.optional("hmac_secret");
        Secret hmacSecret = null;
        if (secretNode != null) {
            if (!symmetric) {
                throw secretNode.error("hmac_secret is only used with an HS256, HS384 or HS512 algorithm in algorithms");
            }
            hmacSecret = secret(secretNode);
        } else if (symmetric) {
            throw m.missing("hmac_secret", "HS algorithms need hmac_secret: a token's own key is never trusted");
        }
        Duration skew = m.duration("clock_skew", DEFAULT_SKEW);
        if (skew.compareTo(MAX_SKEW) > 0) {
            throw m.required("clock_skew").error("clock_skew " + ConfigNode.format(skew) + " is too large (expected: at most 5m)");
        }
        ConfigNode claimsNode = m.optional("required_claims");
        List<String> requiredClaims = claimsNode == null ? List.of() : List.copyOf(strings(claimsNode, "claim"));
        ConfigNode typeNode = m.optional("token_type");
        String tokenType = typeNode == null ? null : typeNode.string().text();
        ConfigNode scopeNode = m.optional("scope_claim");
        ConfigNode rolesNode = m.optional("roles_claim");
        Duration refresh = DEFAULT_REFRESH;
        Duration cooldown = DEFAULT_COOLDOWN;
        Duration staleness = DEFAULT_STALENESS;
        Duration timeout = DEFAULT_FETCH_TIMEOUT;
        ConfigNode jwksNode = m.optional("jwks");
        if (jwksNode != null) {
            ConfigMapping j = jwksNode.mapping("refresh", "cooldown", "max_staleness", "timeout");
            refresh = j.duration("refresh", refresh);
            cooldown = j.duration("cooldown", cooldown);
            staleness = j.duration("max_staleness", staleness);
            timeout = j.duration("timeout", timeout);
        }
        ConfigNode introspectionNode = m.optional("introspection");
        return new IssuerConfig(name.text(), issuer.text(), audiences, algorithms, jwksUri, hmacSecret, skew,
                m.duration("max_token_lifetime", DEFAULT_LIFETIME), requiredClaims, tokenType,
                scopeNode == null ? "scope" : scopeNode.string().text(),
                rolesNode == null ? "roles" : rolesNode.string().text(),
                refresh, cooldown, staleness, timeout,
                introspectionNode == null ? null : introspection(introspectionNode), node.line());
    }

    private static IntrospectionConfig introspection(ConfigNode node) throws ConfigException {
        ConfigMapping m = node.mapping("endpoint", "client_id", "client_secret", "client_auth", "timeout",
                "cache_max_ttl", "cache_size");
        IntrospectionConfig.ClientAuth auth = IntrospectionConfig.ClientAuth.CLIENT_SECRET_BASIC;
        ConfigNode authNode = m.optional("client_auth");
        if (authNode != null) {
            ConfigValue v = authNode.string();
            auth = switch (v.text()) {
                case "client_secret_basic" -> IntrospectionConfig.ClientAuth.CLIENT_SECRET_BASIC;
                case "client_secret_post" -> IntrospectionConfig.ClientAuth.CLIENT_SECRET_POST;
                default -> throw v.error("unknown client_auth " + v.shown() + " (expected: client_secret_basic, client_secret_post)");
            };
        }
        return new IntrospectionConfig(fetchableUrl(m.required("endpoint").string()), m.required("client_id").string().text(),
                new Secret(m.required("client_secret").string().text()), auth,
                m.duration("timeout", Duration.ofSeconds(2)), m.duration("cache_max_ttl", Duration.ofMinutes(5)),
                m.integer("cache_size", 0, 10_000_000, 10_000));
    }

    private static ApiKeysConfig apiKeys(ConfigNode node) throws ConfigException {
        ConfigMapping m = node.mapping("file", "hash_key", "header");
        ConfigValue file = m.required("file").string();
        Path path = node.path(file);
        Path parent = path.getParent();
        if (parent != null && !Files.isDirectory(parent)) {
            throw file.error("the directory of the key file does not exist: '" + parent + "'");
        }
        ConfigNode headerNode = m.optional("header");
        String header = "X-Api-Key";
        if (headerNode != null) {
            header = header(headerNode.string());
        }
        return new ApiKeysConfig(path, secret(m.required("hash_key")), header);
    }

    private static DpopConfig dpop(ConfigNode node) throws ConfigException {
        ConfigMapping m = node.mapping("algorithms", "proof_max_age", "require_nonce", "nonce_lifetime", "nonce_secret");
        Set<String> algorithms = DpopConfig.DEFAULT.algorithms();
        ConfigNode algorithmsNode = m.optional("algorithms");
        if (algorithmsNode != null) {
            algorithms = new LinkedHashSet<>();
            for (ConfigNode item : algorithmsNode.list()) {
                ConfigValue alg = item.string();
                if (!ASYMMETRIC.contains(alg.text())) {
                    throw alg.error(alg.shown() + " is not an asymmetric JWS algorithm (DPoP proofs are signed with the client's own key pair)");
                }
                algorithms.add(alg.text());
            }
            if (algorithms.isEmpty()) {
                throw algorithmsNode.error("expected at least one algorithm");
            }
        }
        Duration maxAge = m.duration("proof_max_age", DpopConfig.DEFAULT.proofMaxAge());
        if (maxAge.compareTo(Duration.ofMinutes(10)) > 0) {
            throw m.required("proof_max_age").error("proof_max_age " + ConfigNode.format(maxAge) + " is too long (expected: at most 10m)");
        }
        ConfigNode secretNode = m.optional("nonce_secret");
        return new DpopConfig(algorithms, maxAge, m.bool("require_nonce", false),
                m.duration("nonce_lifetime", DpopConfig.DEFAULT.nonceLifetime()),
                secretNode == null ? null : secret(secretNode));
    }

    private static AssertionConfig assertion(ConfigNode node) throws ConfigException {
        ConfigMapping m = node.mapping("enabled", "header", "issuer", "key_file", "lifetime");
        AssertionConfig d = AssertionConfig.DEFAULT;
        ConfigNode headerNode = m.optional("header");
        ConfigNode issuerNode = m.optional("issuer");
        ConfigNode keyNode = m.optional("key_file");
        Duration lifetime = m.duration("lifetime", d.lifetime());
        if (lifetime.compareTo(Duration.ofMinutes(10)) > 0) {
            throw m.required("lifetime").error("lifetime " + ConfigNode.format(lifetime) + " is too long for an identity assertion (expected: at most 10m)");
        }
        return new AssertionConfig(m.bool("enabled", true),
                headerNode == null ? d.header() : header(headerNode.string()),
                issuerNode == null ? d.issuer() : issuerNode.string().text(),
                keyNode == null ? null : keyNode.readableFile(), lifetime);
    }

    /** An https URL, or an http URL to a loopback host: tokens' keys never travel in clear text over a network. */
    static URI fetchableUrl(ConfigValue value) throws ConfigException {
        URI uri;
        try {
            uri = new URI(value.text());
        } catch (URISyntaxException e) {
            throw value.error(value.shown() + " is not a URL");
        }
        String scheme = uri.getScheme() == null ? "" : uri.getScheme().toLowerCase(Locale.ROOT);
        if (uri.getHost() == null || !(scheme.equals("https") || scheme.equals("http")) || uri.getRawUserInfo() != null
                || uri.getRawFragment() != null) {
            throw value.error(value.shown() + " is not an absolute http(s) URL without credentials or fragment");
        }
        if (scheme.equals("http") && !loopback(uri.getHost())) {
            throw value.error(value.shown() + " uses plain http to a non-loopback host (expected: https)");
        }
        return uri;
    }

    private static boolean loopback(String host) {
        if (host.equalsIgnoreCase("localhost")) {
            return true;
        }
        String h = host.startsWith("[") && host.endsWith("]") ? host.substring(1, host.length() - 1) : host;
        return h.equals("::1") || LOOPBACK_V4.matcher(h).matches();
    }

    private static String header(ConfigValue value) throws ConfigException {
        if (!HEADER.matcher(value.text()).matches()) {
            throw value.error(value.shown() + " is not a header field name");
        }
        if (RESERVED_HEADERS.contains(value.text().toLowerCase(Locale.ROOT))) {
            throw value.error(value.shown() + " is a header the gateway itself interprets; choose another name");
        }
        return value.text();
    }

    private static Secret secret(ConfigNode node) throws ConfigException {
        ConfigValue value = node.string();
        if (value.text().getBytes(java.nio.charset.StandardCharsets.UTF_8).length < MIN_SECRET_BYTES) {
            throw value.error("the secret in " + (value.referenced() ? value.shown() : "this value")
                    + " is shorter than " + MIN_SECRET_BYTES + " bytes");
        }
        return new Secret(value.text());
    }

    private static Set<String> strings(ConfigNode node, String what) throws ConfigException {
        List<ConfigNode> items = node.list();
        if (items.isEmpty()) {
            throw node.error("expected at least one " + what);
        }
        Set<String> out = new LinkedHashSet<>();
        for (ConfigNode item : items) {
            ConfigValue v = item.string();
            if (!out.add(v.text())) {
                throw v.error("duplicate " + what + " " + v.shown());
            }
        }
        return out;
    }
}
