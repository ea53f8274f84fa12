package io.zerogate.identity;

import static org.assertj.core.api.Assertions.assertThat;

import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.crypto.ECDSAVerifier;
import com.nimbusds.jose.jwk.ECKey;
import com.nimbusds.jose.jwk.JWK;
import com.nimbusds.jose.jwk.JWKSet;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.SignedJWT;
import io.zerogate.testing.RunningGateway;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;

/**
 * Checks the identity assertion an upstream received the way a service would: with the public keys the
 * gateway's admin listener publishes, and nothing else.
 */
final class AssertionCheck {

    static final String HEADER = "zerogate-identity";

    private AssertionCheck() {}

    /** The admin listener's JWK set of the assertion keys. */
    static JWKSet publishedKeys(RunningGateway gateway) throws Exception {
        try (HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build()) {
            HttpResponse<String> response = http.send(HttpRequest.newBuilder(
                            URI.create("http://127.0.0.1:" + gateway.adminPort() + "/.well-known/jwks.json"))
                    .timeout(Duration.ofSeconds(5)).build(), HttpResponse.BodyHandlers.ofString());
            assertThat(response.statusCode()).isEqualTo(200);
            return JWKSet.parse(response.body());
        }
    }

    /**
     * Verifies the assertion in {@code head} against the published keys and checks what every assertion must
     * say: the gateway as issuer, the service as audience, the request id of the forwarded request, a 60 s life.
     */
    static JWTClaimsSet verified(RunningGateway gateway, GatewayClient.Head head, String service) throws Exception {
        assertThat(head.all(HEADER)).as("assertion headers the upstream received").hasSize(1);
        SignedJWT jwt = SignedJWT.parse(head.header(HEADER));
        assertThat(jwt.getHeader().getAlgorithm()).isEqualTo(JWSAlgorithm.ES256);
        JWK key = publishedKeys(gateway).getKeyByKeyId(jwt.getHeader().getKeyID());
        assertThat(key).as("published key with the assertion's kid").isNotNull();
        assertThat(key.isPrivate()).isFalse();
        assertThat(jwt.verify(new ECDSAVerifier((ECKey) key))).as("assertion signature").isTrue();
        JWTClaimsSet claims = jwt.getJWTClaimsSet();
        assertThat(claims.getIssuer()).isEqualTo("zerogate");
        assertThat(claims.getAudience()).containsExactly(service);
        assertThat(claims.getStringClaim("rid")).isEqualTo(head.header("x-request-id")).isNotBlank();
        assertThat(claims.getExpirationTime().getTime() - claims.getIssueTime().getTime()).isEqualTo(60_000L);
        assertThat(claims.getJWTID()).isNotBlank();
        return claims;
    }
}
