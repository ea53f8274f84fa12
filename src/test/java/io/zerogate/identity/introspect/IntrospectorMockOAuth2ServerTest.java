package io.zerogate.identity.introspect;

import static org.assertj.core.api.Assertions.assertThat;

import io.zerogate.chain.ReasonCode;
import io.zerogate.config.IntrospectionConfig;
import io.zerogate.config.IssuerConfig;
import io.zerogate.config.Secret;
import io.zerogate.identity.Subject;
import io.zerogate.identity.Verification;
import java.net.InetAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import no.nav.security.mock.oauth2.MockOAuth2Server;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The introspector against a real OAuth 2 server's introspection endpoint. */
class IntrospectorMockOAuth2ServerTest {

    private static MockOAuth2Server server;
    private static HttpClient http;
    private static Introspector introspector;
    private static String issuer;

    @BeforeAll
    static void start() {
        server = new MockOAuth2Server();
        server.start(InetAddress.getLoopbackAddress(), 0);
        http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).connectTimeout(Duration.ofSeconds(2)).build();
        issuer = server.issuerUrl("corp").toString();
        IntrospectionConfig introspection = new IntrospectionConfig(URI.create(issuer + "/introspect"), "gateway",
                new Secret("gateway-secret"), IntrospectionConfig.ClientAuth.CLIENT_SECRET_BASIC, Duration.ofSeconds(5),
                Duration.ofMinutes(5), 100);
        // This server writes aud in its introspection answers as the text of a list ("[orders-api]") rather than
        // as a string or an array, so that text is the audience accepted here.
        IssuerConfig config = new IssuerConfig("corp", issuer, Set.of("[orders-api]"), Set.of("RS256"), null, null,
                Duration.ofSeconds(30), Duration.ofHours(1), List.of(), null, "scope", "roles", Duration.ofMinutes(5),
                Duration.ofSeconds(30), Duration.ofHours(1), Duration.ofSeconds(5), introspection, 1);
        introspector = new Introspector(config, http, Clock.systemUTC());
    }

    @AfterAll
    static void stop() {
        http.close();
        server.shutdown();
    }

    private static Verification introspect(String token) throws Exception {
        return introspector.introspect(token).toCompletableFuture().get(10, TimeUnit.SECONDS);
    }

    @Test
    void aTokenTheServerIssuedIsActive() throws Exception {
        String token = server.issueToken("corp", "alice", "orders-api", Map.of("scope", "orders:read orders:write"))
                .serialize();

        Verification v = introspect(token);

        assertThat(v).isInstanceOfSatisfying(Verification.Accepted.class, a -> {
            assertThat(a.subject().id()).isEqualTo("alice");
            assertThat(a.subject().kind()).isEqualTo(Subject.Kind.USER);
            assertThat(a.subject().issuer()).isEqualTo("corp");
            assertThat(a.subject().scopes()).containsExactlyInAnyOrder("orders:read", "orders:write");
            assertThat(a.subject().claims()).containsEntry("iss", issuer).containsKey("jti");
            // This server leaves exp out of its answers, so the answer carries no expiry of its own.
            assertThat(a.expiresAt()).isNull();
        });
    }

    @Test
    void aTokenForAnotherAudienceIsRefused() throws Exception {
        String token = server.issueToken("corp", "alice", "payments-api", Map.of("scope", "orders:read")).serialize();

        Verification v = introspect(token);

        assertThat(v).isInstanceOfSatisfying(Verification.Refused.class,
                r -> assertThat(r.reason()).isEqualTo(ReasonCode.TOKEN_AUDIENCE_REJECTED));
    }

    @Test
    void aTokenOfAnotherIssuerIsInactive() throws Exception {
        String token = server.issueToken("other", "alice", "orders-api", Map.of("scope", "orders:read")).serialize();

        Verification v = introspect(token);

        assertThat(v).isInstanceOfSatisfying(Verification.Refused.class,
                r -> assertThat(r.reason()).isEqualTo(ReasonCode.TOKEN_INACTIVE));
    }
}
