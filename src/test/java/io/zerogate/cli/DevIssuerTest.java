package io.zerogate.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.nimbusds.jose.JOSEObjectType;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.crypto.RSASSAVerifier;
import com.nimbusds.jose.jwk.JWK;
import com.nimbusds.jose.jwk.JWKSet;
import com.nimbusds.jose.jwk.RSAKey;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.SignedJWT;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(60)
class DevIssuerTest {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Instant NOW = Instant.parse("2026-03-01T12:00:00Z");
    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    private static DevIssuer issuer;

    @BeforeAll
    static void start() throws IOException {
        issuer = DevIssuer.start(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), Clock.fixed(NOW, ZoneOffset.UTC));
    }

    @AfterAll
    static void stop() {
        issuer.close();
    }

    private static HttpResponse<String> get(URI uri) throws Exception {
        return HTTP.send(HttpRequest.newBuilder(uri).timeout(Duration.ofSeconds(10)).build(),
                HttpResponse.BodyHandlers.ofString());
    }

    private static HttpResponse<String> post(String form) throws Exception {
        return HTTP.send(HttpRequest.newBuilder(issuer.tokenUri()).timeout(Duration.ofSeconds(10))
                .header("Content-Type", "application/x-www-form-urlencoded")
                .POST(HttpRequest.BodyPublishers.ofString(form)).build(), HttpResponse.BodyHandlers.ofString());
    }

    /** Verifies the token against the key set as served over HTTP, as a gateway would after discovery. */
    private static JWTClaimsSet verified(String token) throws Exception {
        JsonNode discovery = JSON.readTree(get(issuer.discoveryUri()).body());
        JWKSet keys = JWKSet.parse(get(URI.create(discovery.get("jwks_uri").asText())).body());
        SignedJWT jwt = SignedJWT.parse(token);
        JWK key = keys.getKeyByKeyId(jwt.getHeader().getKeyID());
        assertThat(key).as("the token's kid names a served key").isNotNull();
        assertThat(jwt.verify(new RSASSAVerifier(key.toRSAKey()))).isTrue();
        assertThat(jwt.getHeader().getAlgorithm()).isEqualTo(JWSAlgorithm.RS256);
        assertThat(jwt.getHeader().getType()).isEqualTo(new JOSEObjectType("at+jwt"));
        return jwt.getJWTClaimsSet();
    }

    @Test
    void theDiscoveryDocumentNamesItselfAsIssuerAndPointsAtTheKeys() throws Exception {
        assertThat(issuer.issuer()).isEqualTo("http://127.0.0.1:" + issuer.address().getPort());
        HttpResponse<String> response = get(URI.create(issuer.issuer() + "/.well-known/openid-configuration"));
        assertThat(response.statusCode()).isEqualTo(200);
        assertThat(response.headers().firstValue("Content-Type")).hasValue("application/json");
        JsonNode doc = JSON.readTree(response.body());
        assertThat(fieldNames(doc)).containsExactlyInAnyOrder("issuer", "jwks_uri");
        assertThat(doc.get("issuer").asText()).isEqualTo(issuer.issuer());
        assertThat(doc.get("jwks_uri").asText()).isEqualTo(issuer.issuer() + "/jwks").isEqualTo(issuer.jwksUri().toString());
    }

    @Test
    void theKeySetHoldsOnePublicRsaKey() throws Exception {
        HttpResponse<String> response = get(issuer.jwksUri());
        assertThat(response.statusCode()).isEqualTo(200);
        JWKSet set = JWKSet.parse(response.body());
        assertThat(set.getKeys()).hasSize(1);
        RSAKey key = set.getKeys().get(0).toRSAKey();
        assertThat(key.isPrivate()).isFalse();
        assertThat(key.size()).isEqualTo(2048);
        assertThat(key.getKeyID()).isEqualTo(key.computeThumbprint().toString());
        JsonNode raw = JSON.readTree(response.body()).get("keys").get(0);
        assertThat(fieldNames(raw)).containsExactlyInAnyOrder("kty", "e", "n", "use", "alg", "kid");
    }

    @Test
    void aMintedTokenVerifiesAgainstTheServedKeysWithExactClaims() throws Exception {
        String token = issuer.mint("alice", "orders-api", Map.of("scope", "orders:read", "amr", List.of("pwd", "otp")),
                Duration.ofMinutes(10));
        JWTClaimsSet claims = verified(token);
        assertThat(new TreeSet<>(claims.getClaims().keySet()))
                .containsExactly("amr", "aud", "exp", "iat", "iss", "jti", "scope", "sub");
        assertThat(claims.getIssuer()).isEqualTo(issuer.issuer());
        assertThat(claims.getSubject()).isEqualTo("alice");
        assertThat(claims.getAudience()).containsExactly("orders-api");
        assertThat(claims.getIssueTime().toInstant()).isEqualTo(NOW);
        assertThat(claims.getExpirationTime().toInstant()).isEqualTo(NOW.plusSeconds(600));
        assertThat(claims.getStringClaim("scope")).isEqualTo("orders:read");
        assertThat(claims.getStringListClaim("amr")).containsExactly("pwd", "otp");
        assertThat(claims.getJWTID()).isNotEqualTo(verified(issuer.mint("alice", "orders-api", Map.of(),
                Duration.ofMinutes(10))).getJWTID());
    }

    @Test
    void mintRefusesToReplaceRegisteredClaimsAndAnEmptyLifetime() {
        for (String claim : List.of("iss", "sub", "aud", "iat", "exp", "nbf", "jti")) {
            assertThatThrownBy(() -> issuer.mint("alice", "a", Map.of(claim, "x"), Duration.ofMinutes(1)))
                    .as(claim).isInstanceOf(IllegalArgumentException.class)
                    .hasMessageStartingWith("extra claim '" + claim + "'");
        }
        assertThatThrownBy(() -> issuer.mint("alice", "a", Map.of(), Duration.ZERO))
                .isInstanceOf(IllegalArgumentException.class).hasMessage("lifetime: PT0S (expected: at least 1s)");
    }

    @Test
    void theTokenEndpointIssuesABearerTokenWithTheAskedForClaims() throws Exception {
        HttpResponse<String> response = post("sub=alice%40example.com&aud=bench&scope=orders%3Aread+orders%3Awrite"
                + "&amr=pwd,otp&acr=gold&ttl=3600");
        assertThat(response.statusCode()).isEqualTo(200);
        assertThat(response.headers().firstValue("Cache-Control")).hasValue("no-store");
        JsonNode body = JSON.readTree(response.body());
        assertThat(fieldNames(body)).containsExactly("access_token", "token_type", "expires_in");
        assertThat(body.get("token_type").asText()).isEqualTo("Bearer");
        assertThat(body.get("expires_in").asLong()).isEqualTo(3600);
        JWTClaimsSet claims = verified(body.get("access_token").asText());
        assertThat(new TreeSet<>(claims.getClaims().keySet()))
                .containsExactly("acr", "amr", "aud", "auth_time", "exp", "iat", "iss", "jti", "scope", "sub");
        assertThat(claims.getSubject()).isEqualTo("alice@example.com");
        assertThat(claims.getAudience()).containsExactly("bench");
        assertThat(claims.getStringClaim("scope")).isEqualTo("orders:read orders:write");
        assertThat(claims.getStringListClaim("amr")).containsExactly("pwd", "otp");
        assertThat(claims.getStringClaim("acr")).isEqualTo("gold");
        assertThat(claims.getLongClaim("auth_time")).isEqualTo(NOW.getEpochSecond());
        assertThat(claims.getExpirationTime().toInstant()).isEqualTo(NOW.plusSeconds(3600));
    }

    @Test
    void theTokenEndpointDefaultsToFiveMinutesAndLeavesOutWhatWasNotAskedFor() throws Exception {
        HttpResponse<String> response = post("sub=bob&aud=orders-api");
        assertThat(response.statusCode()).isEqualTo(200);
        JsonNode body = JSON.readTree(response.body());
        assertThat(body.get("expires_in").asLong()).isEqualTo(300);
        JWTClaimsSet claims = verified(body.get("access_token").asText());
        assertThat(new TreeSet<>(claims.getClaims().keySet())).containsExactly("aud", "exp", "iat", "iss", "jti", "sub");
        assertThat(claims.getExpirationTime().toInstant()).isEqualTo(NOW.plusSeconds(300));
    }

    @Test
    void furtherClaimsComeFromAJsonObject() throws Exception {
        String claims = java.net.URLEncoder.encode("{\"device_id\":\"d-1\",\"managed\":true,\"patch\":{\"level\":3}}",
                java.nio.charset.StandardCharsets.UTF_8);
        HttpResponse<String> response = post("sub=alice&aud=mdm&claims=" + claims);
        assertThat(response.statusCode()).isEqualTo(200);
        JWTClaimsSet verified = verified(JSON.readTree(response.body()).get("access_token").asText());
        assertThat(verified.getStringClaim("device_id")).isEqualTo("d-1");
        assertThat(verified.getBooleanClaim("managed")).isTrue();
        assertThat(verified.getJSONObjectClaim("patch")).containsEntry("level", 3L);

        Map<String, String> refused = Map.of(
                "[1,2]", "claims must be a JSON object",
                "{nope", "claims is not valid JSON",
                "{\"exp\":1}", "extra claim 'exp' (expected: none of ",
                "{\"scope\":\"admin\"}", "claim 'scope' is set by another field");
        for (Map.Entry<String, String> c : refused.entrySet()) {
            HttpResponse<String> bad = post("sub=alice&aud=mdm&scope=read&claims="
                    + java.net.URLEncoder.encode(c.getKey(), java.nio.charset.StandardCharsets.UTF_8));
            assertThat(bad.statusCode()).as(c.getKey()).isEqualTo(400);
            assertThat(JSON.readTree(bad.body()).get("error_description").asText()).as(c.getKey()).startsWith(c.getValue());
        }
    }

    @Test
    void badTokenRequestsAreRefusedWith400AndAReason() throws Exception {
        Map<String, String> cases = Map.of(
                "aud=bench&ttl=60", "field 'sub' is required and may not be empty",
                "sub=&aud=bench", "field 'sub' is required and may not be empty",
                "sub=alice", "field 'aud' is required and may not be empty",
                "sub=alice&aud=bench&ttl=3601", "ttl: 3601 (expected: seconds from 1 to 3600)",
                "sub=alice&aud=bench&ttl=0", "ttl: 0 (expected: seconds from 1 to 3600)",
                "sub=alice&aud=bench&ttl=soon", "ttl: soon (expected: seconds from 1 to 3600)",
                "sub=alice&sub=mallory&aud=bench", "field 'sub' given more than once",
                "sub=alice&aud=bench&exp=99999999999", "unknown field 'exp' (expected: sub, aud, scope, amr, acr, claims, ttl)",
                "sub=alice&aud=bench&amr=pwd,,otp", "field 'amr': an empty entry in 'pwd,,otp' (expected: a comma-separated list such as pwd,otp)",
                "sub=alice&aud=bench&acr=", "field 'acr' is required and may not be empty");
        for (Map.Entry<String, String> c : cases.entrySet()) {
            HttpResponse<String> response = post(c.getKey());
            assertThat(response.statusCode()).as(c.getKey()).isEqualTo(400);
            JsonNode body = JSON.readTree(response.body());
            assertThat(body.get("error").asText()).as(c.getKey()).isEqualTo("invalid_request");
            assertThat(body.get("error_description").asText()).as(c.getKey()).isEqualTo(c.getValue());
            assertThat(body.has("access_token")).isFalse();
        }
    }

    @Test
    void theTokenEndpointTakesOnlyABoundedFormByPost() throws Exception {
        HttpResponse<String> json = HTTP.send(HttpRequest.newBuilder(issuer.tokenUri()).timeout(Duration.ofSeconds(10))
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString("{\"sub\":\"alice\",\"aud\":\"bench\"}")).build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(json.statusCode()).isEqualTo(415);
        HttpResponse<String> huge = post("sub=alice&aud=bench&scope=" + "a".repeat(9000));
        assertThat(huge.statusCode()).isEqualTo(413);
        HttpResponse<String> byGet = get(issuer.tokenUri());
        assertThat(byGet.statusCode()).isEqualTo(405);
        assertThat(byGet.headers().firstValue("Allow")).hasValue("POST");
        assertThat(get(URI.create(issuer.issuer() + "/jwks/../token")).statusCode()).isEqualTo(404);
        assertThat(get(URI.create(issuer.issuer() + "/")).statusCode()).isEqualTo(404);
        HttpResponse<String> postKeys = HTTP.send(HttpRequest.newBuilder(issuer.jwksUri()).timeout(Duration.ofSeconds(10))
                .POST(HttpRequest.BodyPublishers.noBody()).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(postKeys.statusCode()).isEqualTo(405);
    }

    @Test
    void onlyLoopbackAddressesAreAccepted() {
        assertThatThrownBy(() -> DevIssuer.start(new InetSocketAddress("0.0.0.0", 0)))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("expected: a loopback address");
        assertThatThrownBy(() -> DevIssuer.start(InetSocketAddress.createUnresolved("localhost", 0)))
                .isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void closingStopsServing() throws Exception {
        InetSocketAddress address;
        try (DevIssuer other = DevIssuer.start(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0))) {
            address = other.address();
            assertThat(get(other.discoveryUri()).statusCode()).isEqualTo(200);
            assertThat(other.issuer()).isNotEqualTo(issuer.issuer());
        }
        // The port is free again: a new server can bind it.
        try (ServerSocket again = new ServerSocket(address.getPort(), 1, address.getAddress())) {
            assertThat(again.getLocalPort()).isEqualTo(address.getPort());
        }
    }

    @Test
    void eachIssuerHasItsOwnKey() throws Exception {
        try (DevIssuer other = DevIssuer.start(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0))) {
            String foreign = other.mint("alice", "orders-api", Map.of(), Duration.ofMinutes(1));
            JWKSet ours = JWKSet.parse(get(issuer.jwksUri()).body());
            assertThat(ours.getKeyByKeyId(SignedJWT.parse(foreign).getHeader().getKeyID())).isNull();
            assertThat(SignedJWT.parse(foreign).verify(new RSASSAVerifier(ours.getKeys().get(0).toRSAKey()))).isFalse();
        }
    }

    private static Set<String> fieldNames(JsonNode node) {
        Set<String> names = new java.util.LinkedHashSet<>();
        for (Iterator<String> it = node.fieldNames(); it.hasNext(); ) {
            names.add(it.next());
        }
        return names;
    }
}
