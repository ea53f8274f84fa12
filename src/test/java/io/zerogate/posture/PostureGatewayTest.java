package io.zerogate.posture;

import static org.assertj.core.api.Assertions.assertThat;

import com.nimbusds.jose.JOSEObjectType;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.crypto.ECDSASigner;
import com.nimbusds.jose.jwk.ECKey;
import com.nimbusds.jose.jwk.JWKSet;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.SignedJWT;
import io.zerogate.posture.PostureObserver.Result;
import io.zerogate.posture.PostureObserver.Source;
import io.zerogate.testing.RunningGateway;
import io.zerogate.testing.TestUpstream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.time.Instant;
import java.util.Date;
import java.util.Locale;
import java.util.concurrent.TimeUnit;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** Device requirements through a real gateway, with the posture issuer's and the identity issuer's keys on loopback. */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class PostureGatewayTest {

    private static final String SSO = "https://sso.test";

    private static FakePostureService keys;
    private static TestUpstream upstream;
    private static RunningGateway gateway;
    private static final Attestations mdm = new Attestations();
    private static final ECKey sso = Attestations.newKey("sso-1");
    private static final HttpClient client = HttpClient.newHttpClient();

    @BeforeAll
    static void start() throws Exception {
        keys = new FakePostureService();
        keys.answer("/posture-keys", 200, new JWKSet(mdm.key.toPublicJWK()).toString());
        keys.answer("/identity-keys", 200, new JWKSet(sso.toPublicJWK()).toString());
        upstream = TestUpstream.fixed("ok");
        gateway = RunningGateway.start("""
                identity:
                  issuers:
                    - name: corp
                      issuer: %1$s
                      audiences: [orders-api]
                      algorithms: [ES256]
                      jwks_uri: %2$s/identity-keys
                posture:
                  attestation:
                    issuer: %3$s
                    jwks_uri: %2$s/posture-keys
                    max_age: 5m
                services:
                  orders:
                    targets: [%4$s]
                    tls: none
                routes:
                  - id: compliant-orders
                    match: { path: /orders }
                    service: orders
                    authenticate: [corp]
                    require: { device: compliant }
                  - id: profile
                    match: { path: /profile }
                    service: orders
                    authenticate: [corp]
                """.formatted(SSO, keys.base(), Attestations.ISSUER, upstream.target()));
    }

    @AfterAll
    static void stop() throws Exception {
        gateway.close();
        upstream.close();
        keys.close();
        client.shutdownNow();
    }

    @BeforeEach
    void clear() {
        upstream.heads().clear();
    }

    private static String accessToken(String user) throws Exception {
        Instant now = Instant.now();
        SignedJWT jwt = new SignedJWT(new JWSHeader.Builder(JWSAlgorithm.ES256).keyID("sso-1").type(JOSEObjectType.JWT).build(),
                new JWTClaimsSet.Builder().issuer(SSO).audience("orders-api").subject(user)
                        .issueTime(Date.from(now)).expirationTime(Date.from(now.plusSeconds(600))).build());
        jwt.sign(new ECDSASigner(sso));
        return jwt.serialize();
    }

    private static HttpResponse<String> get(String path, String user, @Nullable String attestation) throws Exception {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(gateway.url(path)))
                .timeout(Duration.ofSeconds(10))
                .header("Authorization", "Bearer " + accessToken(user));
        if (attestation != null) {
            request.header("Device-Attestation", attestation);
        }
        return client.send(request.build(), HttpResponse.BodyHandlers.ofString());
    }

    private static void assertRefused(HttpResponse<String> response, int status, String code) {
        assertThat(response.statusCode()).isEqualTo(status);
        assertThat(response.body()).contains("\"code\":\"" + code + "\"");
    }

    private static double checks(Source source, Result result) {
        return gateway.gateway().metrics().postureChecks(source, result);
    }

    @Test
    void aCompliantDeviceReachesTheUpstreamWithoutItsAttestation() throws Exception {
        String attestation = mdm.sign(Attestations.claims("alice", Instant.now()));

        HttpResponse<String> response = get("/orders", "alice", attestation);

        assertThat(response.statusCode()).isEqualTo(200);
        assertThat(response.body()).isEqualTo("ok");
        assertThat(upstream.nextHead().toLowerCase(Locale.ROOT)).doesNotContain("device-attestation");
        gateway.awaitRequestCount("compliant-orders", 200, "forwarded", 1);
        assertThat(checks(Source.ATTESTATION, Result.OK)).isGreaterThanOrEqualTo(1);
    }

    @Test
    void theIdentityAssertionCarriesTheDeviceId() throws Exception {
        String attestation = mdm.sign(Attestations.claims("alice", Instant.now()));

        assertThat(get("/profile", "alice", attestation).statusCode()).isEqualTo(200);

        String line = upstream.nextHead().lines().filter(l -> l.toLowerCase(Locale.ROOT).startsWith("zerogate-identity:"))
                .findFirst().orElseThrow();
        SignedJWT assertion = SignedJWT.parse(line.substring(line.indexOf(':') + 1).trim());
        assertThat(assertion.getJWTClaimsSet().getStringClaim("device")).isEqualTo("laptop-1");
        assertThat(assertion.getJWTClaimsSet().getSubject()).isEqualTo("alice");
    }

    @Test
    void aNonCompliantDeviceIsRefusedBeforeTheUpstream() throws Exception {
        String attestation = mdm.sign(Attestations.claims("alice", Instant.now()).claim("compliant", false));

        assertRefused(get("/orders", "alice", attestation), 403, "device_not_compliant");
        gateway.awaitRequestCount("compliant-orders", 403, "device_not_compliant", 1);
        assertThat(upstream.heads()).isEmpty();
    }

    @Test
    void aMissingAttestationIsRefusedWhereADeviceIsRequired() throws Exception {
        double before = checks(Source.ATTESTATION, Result.MISSING);

        assertRefused(get("/orders", "alice", null), 403, "device_attestation_missing");
        assertThat(upstream.heads()).isEmpty();
        assertThat(checks(Source.ATTESTATION, Result.MISSING)).isEqualTo(before + 1);

        assertThat(get("/profile", "alice", null).statusCode()).as("a route without a device requirement").isEqualTo(200);
    }

    @Test
    void anotherUsersDeviceIsRefused() throws Exception {
        String bobs = mdm.sign(Attestations.claims("bob", Instant.now()));

        assertRefused(get("/orders", "alice", bobs), 403, "device_subject_mismatch");
        assertRefused(get("/profile", "alice", bobs), 403, "device_subject_mismatch");
        assertThat(upstream.heads()).isEmpty();
    }

    @Test
    void forgedAndStaleAttestationsAreRefusedOnEveryRoute() throws Exception {
        String forged = Attestations.sign(Attestations.newKey("mdm-1"), Attestations.claims("alice", Instant.now()));
        String stale = mdm.sign(Attestations.claims("alice", Instant.now().minus(Duration.ofMinutes(6)))
                .expirationTime(Date.from(Instant.now().plusSeconds(600))));

        assertRefused(get("/profile", "alice", forged), 403, "device_attestation_invalid");
        assertRefused(get("/orders", "alice", stale), 403, "device_attestation_expired");
        assertThat(upstream.heads()).isEmpty();
        assertThat(gateway.gateway().metrics().scrape())
                .contains("zerogate_posture_checks_total{result=\"invalid\",source=\"attestation\"}")
                .contains("zerogate_posture_checks_total{result=\"unavailable\",source=\"lookup\"} 0.0");
    }

}
