package io.zerogate.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import java.net.URI;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class PostureConfigTest {

    // Four lines: the body starts on line 5.
    private static final String HEAD = """
            version: 1
            listeners: [{ address: 127.0.0.1:0 }]
            services:
              orders: { targets: [http://127.0.0.1:9], tls: none }
            """;

    private static final String ROUTES = """
            routes:
              - id: read
                match: { path: /orders }
                service: orders
                public: true
            """;

    private static GatewayConfig parse(String body) throws ConfigException {
        return ConfigLoader.parse("gateway.yaml", HEAD + body, Map.of("ISSUER", "https://mdm.example.com")::get);
    }

    private static ConfigException refused(String body) {
        ConfigException e = catchThrowableOfType(ConfigException.class, () -> parse(body));
        assertThat(e).as("expected a refusal of:\n%s", body).isNotNull();
        return e;
    }

    private static void assertProblem(ConfigException e, int line, String keyPath, String fragment) {
        assertThat(e.source()).isEqualTo("gateway.yaml");
        assertThat(e.line()).as("line of: %s", e.getMessage()).isEqualTo(line);
        assertThat(e.keyPath()).as("key path of: %s", e.getMessage()).isEqualTo(keyPath);
        assertThat(e.problem()).contains(fragment);
    }

    @Test
    void noPostureSectionMeansNoDeviceChecks() throws Exception {
        assertThat(parse(ROUTES).posture()).isNull();
    }

    @Test
    void anAttestationWithDefaults() throws Exception {
        GatewayConfig c = parse("""
                posture:
                  attestation:
                    issuer: ${env:ISSUER}
                    jwks_uri: https://mdm.example.com/keys
                """ + ROUTES);
        PostureConfig.Attestation a = c.posture().attestation();
        assertThat(a).isEqualTo(new PostureConfig.Attestation("Device-Attestation", "https://mdm.example.com",
                URI.create("https://mdm.example.com/keys"), null, List.of("ES256", "RS256"), Duration.ofMinutes(10), 7));
        assertThat(c.posture().lookup()).isNull();
    }

    @Test
    void everyAttestationAndLookupSetting() throws Exception {
        GatewayConfig c = parse("""
                posture:
                  attestation:
                    header: X-Device-Attestation
                    issuer: mdm
                    jwks_uri: http://127.0.0.1:8181/keys
                    audience: zerogate
                    algorithms: [EdDSA, PS256]
                    max_age: 90s
                  lookup:
                    url: https://posture.internal/devices/{device_id}?fields=all
                    device_header: X-Device
                    timeout: 250ms
                    cache_ttl: 2m
                """ + ROUTES);
        PostureConfig.Attestation a = c.posture().attestation();
        assertThat(a.header()).isEqualTo("X-Device-Attestation");
        assertThat(a.issuer()).isEqualTo("mdm");
        assertThat(a.jwksUri()).isEqualTo(URI.create("http://127.0.0.1:8181/keys"));
        assertThat(a.audience()).isEqualTo("zerogate");
        assertThat(a.algorithms()).containsExactly("EdDSA", "PS256");
        assertThat(a.maxAge()).isEqualTo(Duration.ofSeconds(90));
        assertThat(c.posture().lookup()).isEqualTo(new PostureConfig.Lookup(
                "https://posture.internal/devices/{device_id}?fields=all", "X-Device", Duration.ofMillis(250),
                Duration.ofMinutes(2), 14));
    }

    @Test
    void aLookupWithDefaults() throws Exception {
        PostureConfig.Lookup l = parse("""
                posture:
                  lookup: { url: "https://posture.internal/devices/{device_id}" }
                """ + ROUTES).posture().lookup();
        assertThat(l.deviceHeader()).isEqualTo("Device-Id");
        assertThat(l.timeout()).isEqualTo(Duration.ofMillis(500));
        assertThat(l.cacheTtl()).isEqualTo(Duration.ofSeconds(30));
    }

    @Test
    void aRouteRequiringADeviceNeedsAPostureSection() {
        ConfigException e = refused("""
                identity:
                  issuers: [{ name: corp, issuer: https://sso.example.com, audiences: [api] }]
                routes:
                  - id: open
                    match: { path: /open }
                    service: orders
                    public: true
                  - id: laptops-only
                    match: { path: /orders }
                    service: orders
                    authenticate: [corp]
                    require: { device: compliant }
                """);
        assertProblem(e, 12, "routes[1].require.device", "route 'laptops-only' requires device: compliant");
        assertThat(e.problem()).contains("no posture section");
    }

    @Test
    void aRouteRequiringADeviceIsAcceptedWithPosture() throws Exception {
        GatewayConfig c = parse("""
                posture:
                  lookup: { url: "https://posture.internal/devices/{device_id}" }
                routes:
                  - id: managed-only
                    match: { path: /orders }
                    service: orders
                    require: { device: managed }
                """);
        assertThat(c.routes().getFirst().require().device()).isEqualTo(RouteRequirements.DeviceRequirement.MANAGED);
    }

    @Test
    void anEmptyPostureSectionIsRefused() {
        assertProblem(refused("posture: {}\n" + ROUTES), 5, "posture", "needs an attestation section, a lookup section or both");
    }

    @Test
    void unknownKeysAreRefused() {
        assertProblem(refused("""
                posture:
                  attestation: { issuer: mdm, jwks_uri: https://mdm.example.com/keys, max_staleness: 1h }
                """ + ROUTES), 6, "posture.attestation.max_staleness", "unknown key 'max_staleness'");
    }

    @Test
    void missingIssuerOrKeysAreRefused() {
        assertProblem(refused("""
                posture:
                  attestation: { jwks_uri: https://mdm.example.com/keys }
                """ + ROUTES), 6, "posture.attestation.issuer", "required key is missing");
        assertProblem(refused("""
                posture:
                  attestation: { issuer: mdm }
                """ + ROUTES), 6, "posture.attestation.jwks_uri", "required key is missing");
    }

    @Test
    void keysOverPlainHttpToANetworkHostAreRefused() {
        assertProblem(refused("""
                posture:
                  attestation:
                    issuer: mdm
                    jwks_uri: http://mdm.example.com/keys
                """ + ROUTES), 8, "posture.attestation.jwks_uri", "plain http to a non-loopback host");
    }

    @Test
    void noneAndHmacAlgorithmsAreRefused() {
        for (String alg : List.of("none", "HS256", "XY999")) {
            assertProblem(refused("""
                    posture:
                      attestation:
                        issuer: mdm
                        jwks_uri: https://mdm.example.com/keys
                        algorithms: [ES256, %s]
                    """.formatted(alg) + ROUTES), 9, "posture.attestation.algorithms[1]", "is not accepted for attestations");
        }
        assertProblem(refused("""
                posture:
                  attestation: { issuer: mdm, jwks_uri: "https://mdm.example.com/keys", algorithms: [] }
                """ + ROUTES), 6, "posture.attestation.algorithms", "expected at least one algorithm");
    }

    @Test
    void maxAgeIsBounded() {
        assertProblem(refused("""
                posture:
                  attestation: { issuer: mdm, jwks_uri: "https://mdm.example.com/keys", max_age: 25h }
                """ + ROUTES), 6, "posture.attestation.max_age", "max_age 25h is out of range (expected: 1s to 24h)");
        assertProblem(refused("""
                posture:
                  attestation: { issuer: mdm, jwks_uri: "https://mdm.example.com/keys", max_age: 500ms }
                """ + ROUTES), 6, "posture.attestation.max_age", "out of range");
    }

    @Test
    void reservedAndCredentialHeadersAreRefused() {
        assertProblem(refused("""
                posture:
                  attestation: { header: Authorization, issuer: mdm, jwks_uri: "https://mdm.example.com/keys" }
                """ + ROUTES), 6, "posture.attestation.header", "a header the gateway itself interprets");
        assertProblem(refused("""
                posture:
                  lookup: { url: "https://p.internal/{device_id}", device_header: ZeroGate-Identity }
                """ + ROUTES), 6, "posture.lookup.device_header", "identity.assertion.header");
        assertProblem(refused("""
                posture:
                  lookup: { url: "https://p.internal/{device_id}", device_header: "bad header" }
                """ + ROUTES), 6, "posture.lookup.device_header", "is not a header field name");
    }

    @Test
    void theDeviceHeaderMustDifferFromTheAttestationHeader() {
        assertProblem(refused("""
                posture:
                  attestation: { header: X-Device, issuer: mdm, jwks_uri: "https://mdm.example.com/keys" }
                  lookup: { url: "https://p.internal/{device_id}", device_header: x-device }
                """ + ROUTES), 7, "posture.lookup.device_header", "is also posture.attestation.header");
    }

    @Test
    void theLookupUrlNeedsThePlaceholderAndASafeScheme() {
        assertProblem(refused("""
                posture:
                  lookup: { url: "https://posture.internal/devices" }
                """ + ROUTES), 6, "posture.lookup.url", "has no {device_id}");
        assertProblem(refused("""
                posture:
                  lookup: { url: "http://posture.internal/devices/{device_id}" }
                """ + ROUTES), 6, "posture.lookup.url", "plain http to a non-loopback host");
    }

    @Test
    void lookupTimeoutsAreBounded() {
        assertProblem(refused("""
                posture:
                  lookup: { url: "https://p.internal/{device_id}", timeout: 11s }
                """ + ROUTES), 6, "posture.lookup.timeout", "timeout 11s is too long (expected: at most 10s)");
        assertProblem(refused("""
                posture:
                  lookup: { url: "https://p.internal/{device_id}", cache_ttl: 2h }
                """ + ROUTES), 6, "posture.lookup.cache_ttl", "cache_ttl 2h is too long (expected: at most 1h)");
    }

    @Test
    void theAttestationHeaderIsNeverAudited() {
        assertProblem(refused("""
                posture:
                  attestation: { issuer: mdm, jwks_uri: "https://mdm.example.com/keys" }
                audit:
                  file: { directory: audit }
                  headers: [device-attestation]
                """ + ROUTES), 9, "audit.headers[0]", "carries credentials and is never recorded");
    }
}
