package io.zerogate.config;

import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import org.jspecify.annotations.Nullable;

/** Binds the {@code posture} section and checks that every route requiring a device has one. */
final class PostureBinder {

    static final String DEVICE_ID = "{device_id}";

    private static final List<String> DEFAULT_ALGORITHMS = List.of("ES256", "RS256");
    private static final Duration DEFAULT_MAX_AGE = Duration.ofMinutes(10);
    private static final Duration MIN_MAX_AGE = Duration.ofSeconds(1);
    private static final Duration MAX_MAX_AGE = Duration.ofHours(24);
    private static final Duration DEFAULT_TIMEOUT = Duration.ofMillis(500);
    private static final Duration MAX_TIMEOUT = Duration.ofSeconds(10);
    private static final Duration DEFAULT_CACHE_TTL = Duration.ofSeconds(30);
    private static final Duration MAX_CACHE_TTL = Duration.ofHours(1);
    private static final Set<String> RESERVED_HEADERS = Set.of("host", "content-length", "transfer-encoding",
            "connection", "upgrade", "te", "trailer", "keep-alive", "proxy-connection", "authorization", "dpop",
            "cookie", "forwarded", "x-forwarded-for", "x-forwarded-proto", "x-forwarded-host", "x-real-ip");

    private PostureBinder() {}

    /** The posture section, or null when there is none. */
    static @Nullable PostureConfig posture(@Nullable ConfigNode node, IdentityConfig identity) throws ConfigException {
        if (node == null) {
            return null;
        }
        ConfigMapping m = node.mapping("attestation", "lookup");
        ConfigNode attestationNode = m.optional("attestation");
        ConfigNode lookupNode = m.optional("lookup");
        if (attestationNode == null && lookupNode == null) {
            throw node.error("posture needs an attestation section, a lookup section or both");
        }
        PostureConfig.Attestation attestation = attestationNode == null ? null : attestation(attestationNode, identity);
        PostureConfig.Lookup lookup = lookupNode == null ? null
                : lookup(lookupNode, identity, attestation == null ? "" : attestation.header());
        return new PostureConfig(attestation, lookup);
    }

    /** Refuses a route that requires a device when the configuration cannot tell devices apart. */
    static void checkRoutes(String source, List<RouteConfig> routes, @Nullable PostureConfig posture) throws ConfigException {
        if (posture != null) {
            return;
        }
        for (int i = 0; i < routes.size(); i++) {
            RouteConfig route = routes.get(i);
            RouteRequirements.DeviceRequirement device = route.require().device();
            if (device != RouteRequirements.DeviceRequirement.NONE) {
                throw new ConfigException(source, route.line(), "routes[" + i + "].require.device",
                        "route '" + route.id() + "' requires device: " + device.name().toLowerCase(Locale.ROOT)
                                + " but the configuration has no posture section (expected posture.attestation or posture.lookup)");
            }
        }
    }

    private static PostureConfig.Attestation attestation(ConfigNode node, IdentityConfig identity) throws ConfigException {
        ConfigMapping m = node.mapping("header", "issuer", "jwks_uri", "audience", "algorithms", "max_age");
        ConfigNode headerNode = m.optional("header");
        String header = headerNode == null ? "Device-Attestation" : header(headerNode.string(), identity);
        String issuer = m.required("issuer").string().text();
        URI jwksUri = IdentityBinder.fetchableUrl(m.required("jwks_uri").string());
        ConfigNode audienceNode = m.optional("audience");
        String audience = audienceNode == null ? null : audienceNode.string().text();
        List<String> algorithms = DEFAULT_ALGORITHMS;
        ConfigNode algorithmsNode = m.optional("algorithms");
        if (algorithmsNode != null) {
            algorithms = new ArrayList<>();
            for (ConfigNode item : algorithmsNode.list()) {
                ConfigValue alg = item.string();
                if (!IdentityBinder.ASYMMETRIC.contains(alg.text())) {
                    throw alg.error("algorithm " + alg.shown() + " is not accepted for attestations (expected: RS256, RS384,"
                            + " RS512, PS256, PS384, PS512, ES256, ES384, ES512 or EdDSA; never none or an HS algorithm,"
                            + " whose key the client would share)");
                }
                if (algorithms.contains(alg.text())) {
                    throw alg.error("duplicate algorithm " + alg.shown());
                }
                algorithms.add(alg.text());
            }
            if (algorithms.isEmpty()) {
                throw algorithmsNode.error("expected at least one algorithm");
            }
        }
        Duration maxAge = m.duration("max_age", DEFAULT_MAX_AGE);
        if (maxAge.compareTo(MIN_MAX_AGE) < 0 || maxAge.compareTo(MAX_MAX_AGE) > 0) {
            throw m.required("max_age").error("max_age " + ConfigNode.format(maxAge) + " is out of range (expected: 1s to 24h)");
        }
        return new PostureConfig.Attestation(header, issuer, jwksUri, audience, algorithms, maxAge, node.line());
    }

    private static PostureConfig.Lookup lookup(ConfigNode node, IdentityConfig identity, String attestationHeader)
            throws ConfigException {
        ConfigMapping m = node.mapping("url", "device_header", "timeout", "cache_ttl");
        ConfigValue url = m.required("url").string();
        if (!url.text().contains(DEVICE_ID)) {
            throw url.error("url " + url.shown() + " has no " + DEVICE_ID + " (expected it where the device id goes)");
        }
        // The placeholder is not URL syntax: the URL is checked with a sample id in its place.
        IdentityBinder.fetchableUrl(new ConfigValue(url.text().replace(DEVICE_ID, "device"), url.referenced(),
                url.written(), url.at()));
        ConfigNode headerNode = m.optional("device_header");
        String deviceHeader = headerNode == null ? "Device-Id" : header(headerNode.string(), identity);
        if (deviceHeader.equalsIgnoreCase(attestationHeader)) {
            throw (headerNode == null ? node : headerNode).error("device_header '" + deviceHeader
                    + "' is also posture.attestation.header (expected another header)");
        }
        Duration timeout = m.duration("timeout", DEFAULT_TIMEOUT);
        if (timeout.compareTo(MAX_TIMEOUT) > 0) {
            throw m.required("timeout").error("timeout " + ConfigNode.format(timeout) + " is too long (expected: at most 10s)");
        }
        Duration cacheTtl = m.duration("cache_ttl", DEFAULT_CACHE_TTL);
        if (cacheTtl.compareTo(MAX_CACHE_TTL) > 0) {
            throw m.required("cache_ttl").error("cache_ttl " + ConfigNode.format(cacheTtl) + " is too long (expected: at most 1h)");
        }
        return new PostureConfig.Lookup(url.text(), deviceHeader, timeout, cacheTtl, node.line());
    }

    /** A header name that is neither interpreted by the gateway nor carries another credential. */
    private static String header(ConfigValue value, IdentityConfig identity) throws ConfigException {
        if (!IdentityBinder.HEADER.matcher(value.text()).matches()) {
            throw value.error(value.shown() + " is not a header field name");
        }
        String lower = value.text().toLowerCase(Locale.ROOT);
        if (RESERVED_HEADERS.contains(lower)) {
            throw value.error(value.shown() + " is a header the gateway itself interprets; choose another name");
        }
        if (identity.apiKeys() != null && identity.apiKeys().header().equalsIgnoreCase(lower)) {
            throw value.error(value.shown() + " carries API keys (identity.api_keys.header); choose another name");
        }
        if (identity.assertion().header().equalsIgnoreCase(lower)) {
            throw value.error(value.shown() + " carries the gateway's identity assertion (identity.assertion.header);"
                    + " choose another name");
        }
        return value.text();
    }
}
