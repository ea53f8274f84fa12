package io.zerogate.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.tuple;

import io.zerogate.config.ApiKeysConfig;
import io.zerogate.config.Secret;
import io.zerogate.identity.Verification;
import io.zerogate.identity.apikey.ApiKeyEntry;
import io.zerogate.identity.apikey.ApiKeyFile;
import io.zerogate.identity.apikey.ApiKeyStore;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

class ApiKeyCommandTest {

    private static final Instant NOW = Instant.parse("2025-06-01T10:00:00Z");
    private static final String HASH_KEY = "k8JmVq2rX7tYw4Zp9sLc3Nd6Fh1Gb5Ra";

    @TempDir
    Path dir;

    private final Map<String, String> env = Map.of("ZG_HASH_KEY", HASH_KEY, "SHORT_KEY", "short");

    /** One run of the command: exit code and what it printed. */
    private record Run(int exit, String out, String err) {}

    private Run run(Instant now, String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        CommandLine cli = new CommandLine(new ApiKeyCommand(env::get, Clock.fixed(now, ZoneOffset.UTC), new SecureRandom()));
        cli.setOut(new PrintWriter(out, true));
        cli.setErr(new PrintWriter(err, true));
        int exit = cli.execute(args);
        return new Run(exit, out.toString(), err.toString());
    }

    private Run run(String... args) {
        return run(NOW, args);
    }

    private Path keys() {
        return dir.resolve("keys.jsonl");
    }

    private String[] withFile(String... args) {
        String[] all = new String[args.length + 4];
        System.arraycopy(args, 0, all, 0, args.length);
        all[args.length] = "--file";
        all[args.length + 1] = keys().toString();
        all[args.length + 2] = "--hash-key-env";
        all[args.length + 3] = "ZG_HASH_KEY";
        return all;
    }

    private String create(String... args) {
        Run r = run(withFile(args));
        assertThat(r.exit()).as(r.err()).isZero();
        return r.out().strip();
    }

    private Verification authenticate(String key, Instant at) throws Exception {
        try (ApiKeyStore store = ApiKeyStore.open(new ApiKeysConfig(keys(), new Secret(HASH_KEY), "X-Api-Key"),
                Clock.fixed(at, ZoneOffset.UTC))) {
            return store.authenticate(key);
        }
    }

    @Test
    void createPrintsTheKeyOnceAndTheGatewayAcceptsIt() throws Exception {
        Run r = run(withFile("create", "--owner", "billing-batch", "--scope", "orders:read", "--scope", "orders:write"));

        assertThat(r.exit()).isZero();
        String key = r.out().strip();
        assertThat(r.out()).isEqualTo(key + System.lineSeparator());
        assertThat(key).matches("zg_[a-z2-7]{12}_[A-Za-z0-9_-]{43}");
        String id = key.substring(3, 15);
        assertThat(r.err()).contains("created API key " + id + " for billing-batch (scopes: orders:read,orders:write; expires: never)")
                .doesNotContain(key);
        assertThat(Files.readString(keys())).contains(id).doesNotContain(key).doesNotContain(key.substring(16));
        assertThat(authenticate(key, NOW)).isInstanceOfSatisfying(Verification.Accepted.class, a -> {
            assertThat(a.subject().id()).isEqualTo(id);
            assertThat(a.subject().scopes()).containsExactlyInAnyOrder("orders:read", "orders:write");
            assertThat(a.subject().claims()).isEqualTo(Map.of("owner", "billing-batch"));
            assertThat(a.expiresAt()).isNull();
        });
    }

    @Test
    void expiryIsALifetimeAnInstantOrADate() throws Exception {
        create("create", "--owner", "a", "--expires", "30d");
        create("create", "--owner", "b", "--expires", "12h");
        create("create", "--owner", "c", "--expires", "2027-01-01T00:00:00Z");
        create("create", "--owner", "d", "--expires", "2027-03-04");

        assertThat(ApiKeyFile.read(keys())).extracting(ApiKeyEntry::owner, ApiKeyEntry::expires).containsExactly(
                tuple("a", Instant.parse("2025-07-01T10:00:00Z")),
                tuple("b", Instant.parse("2025-06-01T22:00:00Z")),
                tuple("c", Instant.parse("2027-01-01T00:00:00Z")),
                tuple("d", Instant.parse("2027-03-04T00:00:00Z")));
    }

    @Test
    void aKeyCreatedWithAnExpiryStopsWorkingThen() throws Exception {
        String key = create("create", "--owner", "temp", "--expires", "1h");

        assertThat(authenticate(key, NOW.plusSeconds(3599))).isInstanceOf(Verification.Accepted.class);
        assertThat(authenticate(key, NOW.plusSeconds(3600))).isInstanceOf(Verification.Refused.class);
    }

    @Test
    void badCreateArgumentsAreUsageErrors() {
        assertThat(run(withFile("create")).exit()).isEqualTo(2);
        assertThat(run(withFile("create", "--owner", "a", "--expires", "soon"))).satisfies(r -> {
            assertThat(r.exit()).isEqualTo(2);
            assertThat(r.err()).contains("--expires soon: expected a lifetime such as 30d");
        });
        assertThat(run(withFile("create", "--owner", "a", "--expires", "2024-01-01T00:00:00Z"))).satisfies(r -> {
            assertThat(r.exit()).isEqualTo(2);
            assertThat(r.err()).contains("--expires 2024-01-01T00:00:00Z is not in the future");
        });
        assertThat(run(withFile("create", "--owner", "a", "--scope", "has space"))).satisfies(r -> {
            assertThat(r.exit()).isEqualTo(2);
            assertThat(r.err()).contains("scope 'has space': expected printable ASCII");
        });
        assertThat(run(withFile("create", "--owner", " "))).satisfies(r -> assertThat(r.exit()).isEqualTo(2));
        assertThat(run("create", "--owner", "a")).satisfies(r -> {
            assertThat(r.exit()).isEqualTo(2);
            assertThat(r.err()).contains("Missing the key file: give --config FILE, or --file PATH with --hash-key-env VARNAME");
        });
        assertThat(run("create", "--owner", "a", "--file", keys().toString())).satisfies(r -> {
            assertThat(r.exit()).isEqualTo(2);
            assertThat(r.err()).contains("--file needs --hash-key-env VARNAME to create keys");
        });
        assertThat(run(withFile("create", "--owner", "a", "--config", dir.resolve("gateway.yaml").toString()))).satisfies(r -> {
            assertThat(r.exit()).isEqualTo(2);
            assertThat(r.err()).contains("--config cannot be combined with --file or --hash-key-env");
        });
        assertThat(run("apikey").exit()).as("unknown subcommand").isEqualTo(2);
        assertThat(run().exit()).as("no subcommand").isEqualTo(2);
        assertThat(keys()).doesNotExist();
    }

    @Test
    void aMissingOrShortHashKeyFails() {
        Run unset = run("create", "--owner", "a", "--file", keys().toString(), "--hash-key-env", "NOT_SET");
        Run shortKey = run("create", "--owner", "a", "--file", keys().toString(), "--hash-key-env", "SHORT_KEY");

        assertThat(unset.exit()).isEqualTo(1);
        assertThat(unset.err()).isEqualTo("zerogate apikey: the environment variable NOT_SET (--hash-key-env) is not set"
                + System.lineSeparator());
        assertThat(shortKey.exit()).isEqualTo(1);
        assertThat(shortKey.err()).contains("hash key: 5 bytes (expected: at least 16)").doesNotContain("short");
        assertThat(keys()).doesNotExist();
    }

    @Test
    void listShowsEveryKeyWithItsStateAndNeverAHash() throws Exception {
        String active = create("create", "--owner", "alice", "--scope", "orders:read");
        String expiring = create("create", "--owner", "bob", "--expires", "1h");
        String revoked = create("create", "--owner", "carol", "--scope", "a", "--scope", "b");
        assertThat(run(withFile("revoke", revoked.substring(3, 15))).exit()).isZero();

        Run r = run(NOW.plusSeconds(7200), "list", "--file", keys().toString());

        assertThat(r.exit()).isZero();
        assertThat(r.err()).isEmpty();
        List<String> lines = r.out().lines().toList();
        assertThat(lines).hasSize(4);
        assertThat(lines.get(0)).matches("ID +OWNER +SCOPES +CREATED +EXPIRES +STATE");
        assertThat(lines.get(1)).matches(active.substring(3, 15) + " +alice +orders:read +2025-06-01T10:00:00Z +never +active");
        assertThat(lines.get(2)).matches(expiring.substring(3, 15) + " +bob +- +2025-06-01T10:00:00Z +2025-06-01T11:00:00Z +expired");
        assertThat(lines.get(3)).matches(revoked.substring(3, 15) + " +carol +a,b +2025-06-01T10:00:00Z +never +disabled");
        assertThat(r.out()).doesNotContain("hmac").doesNotContain(active.substring(16));
    }

    @Test
    void revokeDisablesTheKeyForTheGateway() throws Exception {
        String key = create("create", "--owner", "alice");
        String id = key.substring(3, 15);

        Run r = run("revoke", id, "--file", keys().toString());
        Run again = run("revoke", id, "--file", keys().toString());

        assertThat(r.exit()).isZero();
        assertThat(r.out()).isEqualTo("revoked API key " + id + " (alice)" + System.lineSeparator());
        assertThat(again.exit()).isZero();
        assertThat(again.out()).contains("was already revoked");
        assertThat(authenticate(key, NOW)).isInstanceOfSatisfying(Verification.Refused.class,
                v -> assertThat(v.detail()).endsWith(" is revoked"));
        assertThat(ApiKeyFile.read(keys())).singleElement().satisfies(e -> assertThat(e.disabled()).isTrue());
    }

    @Test
    void revokingAnUnknownKeyFailsAndChangesNothing() throws Exception {
        create("create", "--owner", "alice");
        byte[] before = Files.readAllBytes(keys());

        Run r = run("revoke", "zzzzzzzzzzzz", "--file", keys().toString());

        assertThat(r.exit()).isEqualTo(1);
        assertThat(r.err()).isEqualTo("zerogate apikey: no API key with id zzzzzzzzzzzz in " + keys() + System.lineSeparator());
        assertThat(Files.readAllBytes(keys())).isEqualTo(before);
    }

    @Test
    void listAndRevokeReportABadOrMissingFile() throws Exception {
        Run missing = run("list", "--file", keys().toString());
        Files.writeString(keys(), "not json\n");
        Run corrupt = run("revoke", "abcdefghijkl", "--file", keys().toString());

        assertThat(missing.exit()).isEqualTo(1);
        assertThat(missing.err()).contains(keys() + ": no such file");
        assertThat(corrupt.exit()).isEqualTo(1);
        assertThat(corrupt.err()).contains(keys() + ":1: not valid JSON");
        assertThat(Files.readString(keys())).isEqualTo("not json\n");
    }

    @Test
    void aConfigurationWithoutApiKeysIsAClearFailure() throws Exception {
        Path config = dir.resolve("gateway.yaml");
        Files.writeString(config, """
                version: 1
                listeners:
                  - name: public
                    address: 127.0.0.1:0
                admin: { enabled: false }
                services: {}
                routes: []
                """);

        Run r = run("list", "--config", config.toString());

        assertThat(r.exit()).isEqualTo(1);
        assertThat(r.err()).contains(config + ": no identity.api_keys section");
    }

    @Test
    void theCommandIsRegisteredUnderZerogate() throws Exception {
        create("create", "--owner", "alice");
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        PrintStream original = System.out;
        System.setOut(new PrintStream(out, true, StandardCharsets.UTF_8));
        int exit;
        try {
            exit = Main.execute("apikey", "list", "--file", keys().toString());
        } finally {
            System.setOut(original);
        }

        assertThat(exit).isZero();
        assertThat(out.toString(StandardCharsets.UTF_8)).contains("alice");
    }

    @Test
    void keysAreOnlyEverWrittenAsHashes() throws Exception {
        Set<String> issued = new HashSet<>();
        for (int i = 0; i < 3; i++) {
            issued.add(create("create", "--owner", "o" + i));
        }
        String text = Files.readString(keys());
        for (String key : issued) {
            assertThat(text).doesNotContain(key.substring(16));
        }
        assertThat(text).doesNotContain(HASH_KEY);
    }
}
