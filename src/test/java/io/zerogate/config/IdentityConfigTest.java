package io.zerogate.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import java.net.URI;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

class IdentityConfigTest {

    private static final String SECRET = "0123456789abcdef0123456789abcdef";
    private static final Map<String, String> ENV = Map.of("HS", SECRET, "SHORT", "tooshort");

    private static final String HEAD = """
            version: 1
            listeners: [{ address: 127.0.0.1:0 }]
            services:
              orders: { targets: [http://127.0.0.1:9], tls: none }
            """;

    private static GatewayConfig parse(String body) throws ConfigException {
        return ConfigLoader.parse("gateway.yaml", HEAD + body, ENV::get);
    }

    private static ConfigException refused(String body) {
        return catchThrowableOfType(ConfigException.class, () -> parse(body));
    }

    private static final String CORP = """
            identity:
              issuers:
                - name: corp
                  issuer: https://sso.example.com/realms/corp
                  audiences: [orders-api]
            """;

    @Test
    void anIssuerWithDefaults() throws Exception {
        GatewayConfig c = parse(CORP + """
                routes:
                  - id: read
                    match: { path: "/orders/{id}" }
                    service: orders
                    authenticate: [corp]
                """);
        IssuerConfig corp = c.identity().issuer("corp");
        assertThat(corp).isNotNull();
        assertThat(corp.algorithms()).containsExactlyInAnyOrder("RS256", "PS256", "ES256");
        assertThat(corp.jwksUri()).isNull();
        assertThat(corp.discoveryUri()).isEqualTo(URI.create("https://sso.example.com/realms/corp/.well-known/openid-configuration"));
        assertThat(corp.maxTokenLifetime()).isEqualTo(Duration.ofHours(1));
        assertThat(corp.clockSkew()).isEqualTo(Duration.ofSeconds(30));
        assertThat(corp.scopeClaim()).isEqualTo("scope");
        assertThat(corp.hmacSecret()).isNull();
        assertThat(c.identity().tokenCacheSize()).isEqualTo(10_000);
        assertThat(c.identity().assertion()).isEqualTo(AssertionConfig.DEFAULT);
        assertThat(c.state().store()).isEqualTo(StateConfig.Store.LOCAL);
        assertThat(c.state().dataDir()).isEqualTo(java.nio.file.Path.of("").toAbsolutePath().resolve("data"));
        RouteConfig route = c.routes().get(0);
        assertThat(route.authenticate()).isEqualTo(new RouteAuthentication(List.of("corp"), false, null));
        assertThat(route.require()).isEqualTo(RouteRequirements.NONE);
    }

    @Test
    void everyIssuerKeyIsBound() throws Exception {
        GatewayConfig c = parse("""
                identity:
                  token_cache_size: 0
                  issuers:
                    - name: corp
                      issuer: corp-idp
                      audiences: [a, b]
                      algorithms: [ES256, HS256]
                      jwks_uri: http://127.0.0.1:8081/jwks
                      hmac_secret: ${env:HS}
                      clock_skew: 10s
                      max_token_lifetime: 15m
                      required_claims: [email]
                      token_type: at+jwt
                      scope_claim: scp
                      roles_claim: realm_access.roles
                      jwks: { refresh: 1m, cooldown: 5s, max_staleness: 2h, timeout: 1s }
                      introspection:
                        endpoint: https://sso.example.com/introspect
                        client_id: gateway
                        client_secret: ${env:HS}
                        client_auth: client_secret_post
                        timeout: 500ms
                        cache_max_ttl: 1m
                        cache_size: 5
                routes: []
                """);
        IssuerConfig corp = c.identity().issuers().get(0);
        assertThat(corp.issuer()).isEqualTo("corp-idp");
        assertThat(corp.audiences()).containsExactlyInAnyOrder("a", "b");
        assertThat(corp.jwksUri()).isEqualTo(URI.create("http://127.0.0.1:8081/jwks"));
        assertThat(corp.hmacSecret()).isEqualTo(new Secret(SECRET));
        assertThat(corp.hmacSecret().toString()).doesNotContain(SECRET);
        assertThat(corp.requiredClaims()).containsExactly("email");
        assertThat(corp.tokenType()).isEqualTo("at+jwt");
        assertThat(corp.rolesClaim()).isEqualTo("realm_access.roles");
        assertThat(corp.jwksRefresh()).isEqualTo(Duration.ofMinutes(1));
        assertThat(corp.jwksCooldown()).isEqualTo(Duration.ofSeconds(5));
        assertThat(corp.jwksMaxStaleness()).isEqualTo(Duration.ofHours(2));
        assertThat(corp.fetchTimeout()).isEqualTo(Duration.ofSeconds(1));
        IntrospectionConfig in = corp.introspection();
        assertThat(in.clientAuth()).isEqualTo(IntrospectionConfig.ClientAuth.CLIENT_SECRET_POST);
        assertThat(in.timeout()).isEqualTo(Duration.ofMillis(500));
        assertThat(in.cacheSize()).isEqualTo(5);
        assertThat(c.identity().tokenCacheSize()).isZero();
    }

    @Test
    void routeAuthenticationAndRequirements() throws Exception {
        GatewayConfig c = parse("""
                identity:
                  issuers:
                    - { name: corp, issuer: "https://sso.example.com", audiences: [x] }
                  api_keys: { file: keys.json, hash_key: "${env:HS}", header: X-Key }
                state: { store: redis, uri: "redis://127.0.0.1:6379/2" }
                routes:
                  - id: transfer
                    match: { path: /transfers }
                    service: orders
                    authenticate: { methods: [corp, api_key], forward_credentials: true, api_key_query: key }
                    require: { scopes: [pay, read], mfa: true, acr: [gold], max_auth_age: 5m, bound_token: dpop }
                """);
        RouteConfig route = c.routes().get(0);
        assertThat(route.authenticate()).isEqualTo(new RouteAuthentication(List.of("corp", "api_key"), true, "key"));
        assertThat(route.require()).isEqualTo(new RouteRequirements(false, Set.of("pay", "read"), true, List.of("gold"),
                Duration.ofMinutes(5), RouteRequirements.BoundToken.DPOP));
        assertThat(c.identity().apiKeys().header()).isEqualTo("X-Key");
        assertThat(c.identity().apiKeys().file().getFileName().toString()).isEqualTo("keys.json");
        assertThat(c.state()).isEqualTo(StateConfig.redis(URI.create("redis://127.0.0.1:6379/2")));
    }

    @Test
    void algorithmNoneIsRefusedWithItsLine() {
        ConfigException e = refused(CORP.replace("audiences: [orders-api]", "audiences: [orders-api]\n      algorithms: [RS256, none]")
                + "routes: []\n");
        assertThat(e.getMessage()).contains("'none' is never accepted");
        assertThat(e.line()).isEqualTo(10);
    }

    @Test
    void hmacNeedsASecretAndASecretNeedsHmac() {
        assertThat(refused(CORP.replace("audiences: [orders-api]", "audiences: [orders-api]\n      algorithms: [HS256]")
                + "routes: []\n").getMessage()).contains("HS algorithms need hmac_secret");
        assertThat(refused(CORP.replace("audiences: [orders-api]", "audiences: [orders-api]\n      hmac_secret: ${env:HS}")
                + "routes: []\n").getMessage()).contains("only used with an HS256");
        ConfigException shortSecret = refused(CORP.replace("audiences: [orders-api]",
                "audiences: [orders-api]\n      algorithms: [HS256]\n      hmac_secret: ${env:SHORT}") + "routes: []\n");
        assertThat(shortSecret.getMessage()).contains("shorter than 32 bytes").doesNotContain("tooshort");
    }

    @Test
    void keysAreNeverFetchedOverPlainHttpToAnotherHost() {
        assertThat(refused(CORP.replace("https://sso.example.com/realms/corp", "http://sso.example.com/realms/corp")
                + "routes: []\n").getMessage()).contains("plain http to a non-loopback host");
        assertThat(refused(CORP.replace("audiences: [orders-api]", "audiences: [orders-api]\n      jwks_uri: http://10.0.0.1/jwks")
                + "routes: []\n").getMessage()).contains("plain http to a non-loopback host");
        assertThat(refused(CORP.replace("https://sso.example.com/realms/corp", "https://user:pw@sso.example.com")
                + "routes: []\n").getMessage()).contains("without credentials");
    }

    @Test
    void anIssuerNamedByNoOneOrUnknownIsRefused() {
        ConfigException e = refused(CORP + """
                routes:
                  - id: read
                    match: { path: /x }
                    service: orders
                    authenticate: [partners]
                """);
        assertThat(e.getMessage()).contains("unknown issuer 'partners' (known: corp; or api_key)");
        assertThat(e.line()).isEqualTo(14);
    }

    @Test
    void apiKeyOnARouteNeedsApiKeysConfigured() {
        assertThat(refused(CORP + """
                routes:
                  - { id: read, match: { path: /x }, service: orders, authenticate: [api_key] }
                """).getMessage()).contains("api_key needs identity.api_keys");
    }

    @Test
    void requirementsNeedAuthenticationAndPublicExcludesIt() {
        assertThat(refused(CORP + """
                routes:
                  - { id: read, match: { path: /x }, service: orders, public: true, require: { scopes: [a] } }
                """).getMessage()).contains("the route needs authenticate");
        assertThat(refused(CORP + """
                routes:
                  - { id: read, match: { path: /x }, service: orders, public: true, authenticate: [corp] }
                """).getMessage()).contains("a public route does not authenticate");
    }

    @Test
    void acrValuesThatWouldBreakTheChallengeAreRefused() {
        assertThat(refused(CORP + """
                routes:
                  - { id: read, match: { path: /x }, service: orders, authenticate: [corp], require: { acr: ["a\\"b"] } }
                """).getMessage()).contains("is not a plain acr value");
    }

    @Test
    void twoIntrospectingIssuersOnOneRouteAreAmbiguous() {
        String issuers = """
                identity:
                  issuers:
                    - name: a
                      issuer: https://a.example.com
                      audiences: [x]
                      introspection: { endpoint: https://a.example.com/i, client_id: g, client_secret: s }
                    - name: b
                      issuer: https://b.example.com
                      audiences: [x]
                      introspection: { endpoint: https://b.example.com/i, client_id: g, client_secret: s }
                """;
        assertThat(refused(issuers + """
                routes:
                  - { id: read, match: { path: /x }, service: orders, authenticate: [a, b] }
                """).getMessage()).contains("both introspect opaque tokens");
    }

    @Test
    void reservedHeadersCannotCarryKeysOrAssertions() {
        assertThat(refused("""
                identity:
                  api_keys: { file: keys.json, hash_key: "${env:HS}", header: Authorization }
                routes: []
                """).getMessage()).contains("a header the gateway itself interprets");
        assertThat(refused("""
                identity:
                  assertion: { header: "Bad Header" }
                routes: []
                """).getMessage()).contains("is not a header field name");
    }

    @Test
    void unknownKeysAndStoresAreRefused() {
        assertThat(refused(CORP.replace("audiences: [orders-api]", "audiences: [orders-api]\n      jwks_url: https://x")
                + "routes: []\n").keyPath()).isEqualTo("identity.issuers[0].jwks_url");
        assertThat(refused("state: { store: memcached }\nroutes: []\n").getMessage()).contains("unknown store 'memcached'");
        assertThat(refused("state: { store: redis, uri: http://x }\nroutes: []\n").getMessage()).contains("is not a Redis URI");
        assertThat(refused("state: { store: local, uri: redis://x:1 }\nroutes: []\n").getMessage()).contains("only used with store: redis");
    }

    @Test
    void duplicateAndReservedIssuerNames() {
        assertThat(refused("""
                identity:
                  issuers:
                    - { name: corp, issuer: "https://a.example.com", audiences: [x] }
                    - { name: corp, issuer: "https://b.example.com", audiences: [x] }
                routes: []
                """).getMessage()).contains("duplicate issuer name 'corp'");
        assertThat(refused("""
                identity:
                  issuers:
                    - { name: api_key, issuer: "https://a.example.com", audiences: [x] }
                routes: []
                """).getMessage()).contains("reserved for API keys");
    }
}
