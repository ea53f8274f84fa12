package io.zerogate.identity;

import io.zerogate.testing.Closing;
import static org.assertj.core.api.Assertions.assertThat;

import com.nimbusds.jwt.JWTClaimsSet;
import io.zerogate.cli.Main;
import io.zerogate.config.Secret;
import io.zerogate.identity.apikey.ApiKeyEntry;
import io.zerogate.identity.apikey.ApiKeyFile;
import io.zerogate.identity.apikey.ApiKeyMint;
import io.zerogate.testing.Await;
import io.zerogate.testing.RunningGateway;
import io.zerogate.testing.TestUpstream;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * API keys through a real gateway: keys minted into a key file the gateway reads, presented in the header (and,
 * where a route allows it, in the query), refused when wrong, unknown, revoked or expired, and never passed on to
 * the service. Also the {@code zerogate apikey} command against a real configuration file.
 */
@Timeout(60)
class ApiKeyGatewayTest {

    private static final String HASH_KEY = "api-key-gateway-test-hash-key-0123456789";
    private static final String KEY_CHALLENGE = "ApiKey realm=\"zerogate\", header=\"X-Api-Key\"";

    @TempDir
    static Path dir;

    private static TestIssuer issuer;
    private static TestUpstream upstream;
    private static RunningGateway gateway;
    private static Path keyFile;
    private static ApiKeyMint mint;
    private static ApiKeyMint.Issued good;
    private static ApiKeyMint.Issued writer;
    private static ApiKeyMint.Issued revoked;
    private static ApiKeyMint.Issued expired;
    private static ApiKeyMint.Issued revokedLater;
    private static ApiKeyMint.Issued unknown;

    @BeforeAll
    static void start() throws Exception {
        issuer = TestIssuer.start();
        upstream = TestUpstream.fixed("ok");
        keyFile = dir.resolve("keys.jsonl");
        mint = new ApiKeyMint(new Secret(HASH_KEY), new SecureRandom(), Clock.systemUTC());
        List<String> taken = new ArrayList<>();
        good = mint(taken, "billing-batch", Set.of("orders:read"));
        writer = mint(taken, "order-writer", Set.of("orders:read", "orders:write"));
        revoked = mint(taken, "former-partner", Set.of("orders:read"));
        revokedLater = mint(taken, "partner-to-revoke", Set.of("orders:read"));
        ApiKeyMint.Issued toExpire = mint(taken, "old-batch", Set.of("orders:read"));
        ApiKeyEntry e = toExpire.entry();
        Instant longAgo = Instant.now().minus(Duration.ofDays(30));
        expired = new ApiKeyMint.Issued(toExpire.key(),
                new ApiKeyEntry(e.id(), e.owner(), e.scopes(), longAgo, longAgo.plus(Duration.ofDays(1)), false, e.hash()));
        // A key made with the right hash key that the file never listed.
        unknown = mint(taken, "stranger", Set.of("orders:read"));
        ApiKeyFile.write(keyFile, List.of(good.entry(), writer.entry(), revoked.entry().revoked(), revokedLater.entry(),
                expired.entry()));

        gateway = RunningGateway.start("""
                identity:
                  issuers:
                    - name: corp
                      issuer: %1$s
                      audiences: [orders-api]
                      jwks_uri: %2$s
                  api_keys: { file: "%3$s", hash_key: "%4$s" }
                services:
                  orders:
                    targets: [%5$s]
                    tls: none
                routes:
                  - id: keys
                    match: { path: /keys }
                    service: orders
                    authenticate: [api_key]
                  - id: mixed
                    match: { path: /mixed }
                    service: orders
                    authenticate: [corp, api_key]
                  - id: tokens
                    match: { path: /tokens }
                    service: orders
                    authenticate: [corp]
                  - id: query
                    match: { path: /query }
                    service: orders
                    authenticate: { methods: [api_key], api_key_query: key }
                  - id: scoped
                    match: { path: /scoped }
                    service: orders
                    authenticate: [api_key]
                    require: { scopes: [orders:write] }
                """.formatted(TestIssuer.ISSUER, issuer.jwksUri(), keyFile, HASH_KEY, upstream.target()));
    }

    private static ApiKeyMint.Issued mint(List<String> taken, String owner, Set<String> scopes) {
        ApiKeyMint.Issued issued = mint.create(owner, scopes, null, taken);
        taken.add(issued.entry().id());
        return issued;
    }

    @AfterAll
    static void stop() throws Exception {
        Closing.all(gateway, upstream, issuer);
    }

    @BeforeEach
    void forgetEarlierRequests() {
        upstream.heads().clear();
    }

    private static String header(ApiKeyMint.Issued key) {
        return "X-Api-Key: " + key.key();
    }

    private static GatewayClient.Head forwarded() throws InterruptedException {
        String head = upstream.nextHead();
        assertThat(head).as("request head at the upstream").isNotNull();
        return GatewayClient.Head.parse(head);
    }

    private static void rejectedOnKeyOnlyRoute(String key) throws Exception {
        GatewayClient.Reply r = GatewayClient.get(gateway, "/keys", "X-Api-Key: " + key);
        assertThat(r.status()).as(r.toString()).isEqualTo(401);
        assertThat(r.code()).isEqualTo("api_key_rejected");
        assertThat(r.all("www-authenticate")).containsExactly(KEY_CHALLENGE);
        assertThat(r.body()).doesNotContain(key);
        assertThat(upstream.heads()).isEmpty();
    }

    @Test
    void aValidKeyInTheHeaderIsAcceptedAndNotPassedOn() throws Exception {
        GatewayClient.Reply r = GatewayClient.get(gateway, "/keys", header(good));

        assertThat(r.status()).as(r.toString()).isEqualTo(200);
        String raw = upstream.nextHead();
        assertThat(raw).doesNotContain(good.key());
        GatewayClient.Head head = GatewayClient.Head.parse(raw);
        assertThat(head.all("x-api-key")).isEmpty();
        JWTClaimsSet assertion = AssertionCheck.verified(gateway, head, "orders");
        assertThat(assertion.getSubject()).isEqualTo(good.entry().id());
        assertThat(assertion.getStringClaim("kind")).isEqualTo("api_key");
        assertThat(assertion.getStringClaim("scope")).isEqualTo("orders:read");
    }

    @Test
    void aKeyIsAcceptedOnARouteThatAlsoTakesTokens() throws Exception {
        GatewayClient.Reply r = GatewayClient.get(gateway, "/mixed", header(writer));

        assertThat(r.status()).isEqualTo(200);
        GatewayClient.Head head = forwarded();
        assertThat(head.all("x-api-key")).isEmpty();
        assertThat(AssertionCheck.verified(gateway, head, "orders").getSubject()).isEqualTo(writer.entry().id());
    }

    @Test
    void aKeyWithAWrongSecretIsRejected() throws Exception {
        String key = good.key();
        char last = key.charAt(key.length() - 1);
        rejectedOnKeyOnlyRoute(key.substring(0, key.length() - 1) + (last == 'a' ? 'b' : 'a'));
    }

    @Test
    void aKeyTheFileDoesNotListIsRejected() throws Exception {
        rejectedOnKeyOnlyRoute(unknown.key());
    }

    @Test
    void aRevokedKeyIsRejected() throws Exception {
        rejectedOnKeyOnlyRoute(revoked.key());
    }

    @Test
    void anExpiredKeyIsRejected() throws Exception {
        rejectedOnKeyOnlyRoute(expired.key());
    }

    @Test
    void somethingThatIsNotAKeyIsRejected() throws Exception {
        rejectedOnKeyOnlyRoute("not-a-key");
    }

    @Test
    void aKeyRevokedWhileTheGatewayRunsIsRejectedOnceTheFileChanges() throws Exception {
        assertThat(GatewayClient.get(gateway, "/keys", header(revokedLater)).status()).isEqualTo(200);
        upstream.heads().clear();

        ApiKeyFile.update(keyFile, entries -> {
            entries.replaceAll(e -> e.id().equals(revokedLater.entry().id()) ? e.revoked() : e);
            return entries;
        });

        Await.until("the revocation is read", Duration.ofSeconds(15),
                () -> status("/keys", header(revokedLater)) == 401);
        upstream.heads().clear();
        rejectedOnKeyOnlyRoute(revokedLater.key());
        assertThat(GatewayClient.get(gateway, "/keys", header(good)).status()).as("other keys still work").isEqualTo(200);
    }

    private static int status(String target, String... headers) {
        try {
            return GatewayClient.get(gateway, target, headers).status();
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    @Test
    void aBadKeyOnARouteThatAlsoTakesTokensIsChallengedForABearerToken() throws Exception {
        GatewayClient.Reply r = GatewayClient.get(gateway, "/mixed", header(unknown));

        assertThat(r.status()).isEqualTo(401);
        assertThat(r.code()).isEqualTo("api_key_rejected");
        assertThat(r.wwwAuthenticate()).isEqualTo("Bearer realm=\"zerogate\", error=\"invalid_token\"");
    }

    @Test
    void aRouteForTokensDoesNotTakeKeys() throws Exception {
        GatewayClient.Reply r = GatewayClient.get(gateway, "/tokens", header(good));

        assertThat(r.status()).isEqualTo(401);
        assertThat(r.code()).isEqualTo("credential_not_accepted");
        assertThat(r.wwwAuthenticate()).isEqualTo("Bearer realm=\"zerogate\", error=\"invalid_request\"");
        assertThat(upstream.heads()).isEmpty();
    }

    @Test
    void aRouteForKeysDoesNotTakeTokens() throws Exception {
        String token = issuer.sign(TestIssuer.claims("alice", "orders-api").build());

        GatewayClient.Reply r = GatewayClient.get(gateway, "/keys", "Authorization: Bearer " + token);

        assertThat(r.status()).isEqualTo(401);
        assertThat(r.code()).isEqualTo("credential_not_accepted");
        assertThat(r.all("www-authenticate")).containsExactly(KEY_CHALLENGE);
    }

    @Test
    void withoutAnyCredentialAKeyOnlyRouteAsksForTheKeyHeader() throws Exception {
        GatewayClient.Reply r = GatewayClient.get(gateway, "/keys");

        assertThat(r.status()).isEqualTo(401);
        assertThat(r.code()).isEqualTo("credential_missing");
        assertThat(r.all("www-authenticate")).containsExactly(KEY_CHALLENGE);
    }

    @Test
    void aKeyInTheQueryIsNotACredentialUnlessTheRouteSaysSo() throws Exception {
        for (String target : List.of("/keys?api_key=" + good.key(), "/keys?key=" + good.key(), "/keys?x-api-key=" + good.key())) {
            GatewayClient.Reply r = GatewayClient.get(gateway, target);
            assertThat(r.status()).as(target).isEqualTo(401);
            assertThat(r.code()).isEqualTo("credential_missing");
        }
        assertThat(upstream.heads()).isEmpty();
    }

    @Test
    void aKeyInTheQueryOfARouteThatAllowsItIsAcceptedAndRemovedFromTheForwardedUrl() throws Exception {
        assertThat(GatewayClient.get(gateway, "/query?key=" + good.key() + "&page=2").status()).isEqualTo(200);
        GatewayClient.Head first = forwarded();
        assertThat(first.target()).isEqualTo("/query?page=2");
        assertThat(AssertionCheck.verified(gateway, first, "orders").getSubject()).isEqualTo(good.entry().id());

        assertThat(GatewayClient.get(gateway, "/query?page=3&key=" + good.key()).status()).isEqualTo(200);
        assertThat(forwarded().target()).isEqualTo("/query?page=3");

        assertThat(GatewayClient.get(gateway, "/query?key=" + good.key()).status()).isEqualTo(200);
        GatewayClient.Head only = forwarded();
        assertThat(only.target()).isEqualTo("/query");
        assertThat(only.all("x-api-key")).isEmpty();
    }

    @Test
    void aKeyInTheHeaderOfARouteThatAllowsTheQueryIsAcceptedToo() throws Exception {
        assertThat(GatewayClient.get(gateway, "/query?page=1", header(good)).status()).isEqualTo(200);
        GatewayClient.Head head = forwarded();
        assertThat(head.target()).isEqualTo("/query?page=1");
        assertThat(head.all("x-api-key")).isEmpty();
    }

    @Test
    void aKeyInTheHeaderAndInTheQueryIsAmbiguous() throws Exception {
        GatewayClient.Reply r = GatewayClient.get(gateway, "/query?key=" + good.key(), header(good));

        assertThat(r.status()).isEqualTo(400);
        assertThat(r.code()).isEqualTo("credential_ambiguous");
        assertThat(upstream.heads()).isEmpty();
    }

    @Test
    void aKeyWithoutTheRoutesScopeIsForbidden() throws Exception {
        GatewayClient.Reply r = GatewayClient.get(gateway, "/scoped", header(good));
        assertThat(r.status()).isEqualTo(403);
        assertThat(r.code()).isEqualTo("insufficient_scope");
        assertThat(upstream.heads()).isEmpty();

        assertThat(GatewayClient.get(gateway, "/scoped", header(writer)).status()).isEqualTo(200);
    }

    /** One run of the {@code zerogate} command line: exit code and standard output. */
    private record Run(int exit, String out) {}

    private static synchronized Run zerogate(String... args) {
        PrintStream original = System.out;
        ByteArrayOutputStream captured = new ByteArrayOutputStream();
        try (PrintStream out = new PrintStream(captured, true, StandardCharsets.UTF_8)) {
            System.setOut(out);
            int exit = Main.execute(args);
            out.flush();
            return new Run(exit, captured.toString(StandardCharsets.UTF_8));
        } finally {
            System.setOut(original);
        }
    }

    @Test
    void theApikeyCommandManagesTheKeysOfARunningGatewayFromItsConfigurationFile() throws Exception {
        Path cliDir = Files.createDirectory(dir.resolve("cli"));
        Path keys = cliDir.resolve("gateway-keys.jsonl");
        Path config = cliDir.resolve("gateway.yaml");
        Files.writeString(config, """
                version: 1
                listeners:
                  - name: public
                    address: 127.0.0.1:0
                admin:
                  address: 127.0.0.1:0
                identity:
                  api_keys: { file: gateway-keys.jsonl, hash_key: "%s" }
                services:
                  orders:
                    targets: [%s]
                    tls: none
                routes:
                  - id: keys
                    match: { path: /keys }
                    service: orders
                    authenticate: [api_key]
                """.formatted(HASH_KEY, upstream.target()));

        Run created = zerogate("apikey", "create", "--config", config.toString(), "--owner", "cli-batch",
                "--scope", "orders:read", "--expires", "30d");
        assertThat(created.exit()).isZero();
        String key = created.out().strip();
        assertThat(key).startsWith("zg_");
        assertThat(Files.readString(keys)).doesNotContain(key).contains("cli-batch");

        try (RunningGateway g = RunningGateway.startWatching(config, 1)) {
            GatewayClient.Reply ok = GatewayClient.get(g, "/keys", "X-Api-Key: " + key);
            assertThat(ok.status()).as(ok.toString()).isEqualTo(200);
            GatewayClient.Head head = forwarded();
            assertThat(head.all("x-api-key")).isEmpty();
            String id = AssertionCheck.verified(g, head, "orders").getSubject();

            Run listed = zerogate("apikey", "list", "--config", config.toString());
            assertThat(listed.exit()).isZero();
            assertThat(listed.out()).contains(id).contains("cli-batch").contains("active").doesNotContain(key);

            Run revokedRun = zerogate("apikey", "revoke", "--config", config.toString(), id);
            assertThat(revokedRun.exit()).isZero();
            Await.until("the gateway reads the revocation", Duration.ofSeconds(15), () -> {
                try {
                    return GatewayClient.get(g, "/keys", "X-Api-Key: " + key).status() == 401;
                } catch (Exception e) {
                    throw new IllegalStateException(e);
                }
            });
            GatewayClient.Reply refused = GatewayClient.get(g, "/keys", "X-Api-Key: " + key);
            assertThat(refused.code()).isEqualTo("api_key_rejected");
        }
    }

    private static long keyFileWatchers() {
        return Thread.getAllStackTraces().keySet().stream()
                .filter(t -> t.isAlive() && t.getName().equals("zerogate-api-keys"))
                .count();
    }

    @Test
    void aRejectedReloadLeavesNoKeyFileWatcherBehind() throws Exception {
        Path notAKey = Files.writeString(dir.resolve("not-a-key.pem"), "this is not a PEM key\n");
        String yaml = """
                identity:
                  api_keys: { file: "%s", hash_key: "%s", header: %s }
                  %s
                services:
                  orders: { targets: [%s], tls: none }
                routes:
                  - id: keys
                    match: { path: /keys }
                    service: orders
                    authenticate: [api_key]
                """;
        try (RunningGateway g = RunningGateway.start(yaml.formatted(keyFile, HASH_KEY, "X-Api-Key", "", upstream.target()))) {
            long watchers = keyFileWatchers();

            // Another header opens another key store; the assertion key cannot be read, so the whole reload fails.
            String rejected = yaml.formatted(keyFile, HASH_KEY, "X-Key", "assertion: { key_file: \"" + notAKey + "\" }",
                    upstream.target());
            for (int attempt = 0; attempt < 3; attempt++) {
                org.assertj.core.api.Assertions.assertThatExceptionOfType(io.zerogate.config.ConfigException.class)
                        .isThrownBy(() -> g.gateway().reload(io.zerogate.config.ConfigLoader.parse("test.yaml",
                                RunningGateway.document(rejected), name -> null)));
            }

            // A closed store's thread ends just after its executor reports termination: allow it that moment.
            io.zerogate.testing.Await.until("key file watchers back to " + watchers + " after three rejected reloads",
                    java.time.Duration.ofSeconds(5), () -> keyFileWatchers() == watchers);

            // The identity section builds; a service's TLS client context then cannot be (no server name in SNI form).
            Path ca = io.zerogate.testing.TestPki.rootCa("upstream-ca").writeCertificate(dir, "upstream-ca");
            String badService = yaml.formatted(keyFile, HASH_KEY, "X-Key", "", upstream.target()).replace("routes:",
                    "  tls-orders:\n    targets: [\"https://bad_name.test:8443\"]\n    tls: { ca: \"" + ca + "\" }\nroutes:");
            for (int attempt = 0; attempt < 3; attempt++) {
                org.assertj.core.api.Assertions.assertThatExceptionOfType(io.zerogate.config.ConfigException.class)
                        .isThrownBy(() -> g.gateway().reload(io.zerogate.config.ConfigLoader.parse("test.yaml",
                                RunningGateway.document(badService), name -> null)));
            }
            io.zerogate.testing.Await.until("key file watchers back to " + watchers + " after three more rejected reloads",
                    java.time.Duration.ofSeconds(5), () -> keyFileWatchers() == watchers);
            assertThat(GatewayClient.get(g, "/keys", header(good)).status()).as("the last good configuration").isEqualTo(200);
        }
    }
}
