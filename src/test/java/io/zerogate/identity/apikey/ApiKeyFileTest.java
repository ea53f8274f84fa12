package io.zerogate.identity.apikey;

import io.zerogate.testing.MutableClock;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.zerogate.config.Secret;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

class ApiKeyFileTest {

    private static final Instant NOW = Instant.parse("2025-06-01T10:00:00Z");
    private static final String HASH = "hmac-sha256:" + "A".repeat(43);

    @TempDir
    Path dir;

    private final ApiKeyMint mint = new ApiKeyMint(new Secret("k8JmVq2rX7tYw4Zp9sLc3Nd6Fh1Gb5Ra"), new SecureRandom(),
            new MutableClock(NOW));

    @Test
    void entriesSurviveAWriteAndARead() throws Exception {
        ApiKeyEntry plain = new ApiKeyEntry("abcdefghijkl", "billing \"batch\" é", Set.of("b", "a:read"), NOW, null, false, HASH);
        ApiKeyEntry expiring = new ApiKeyEntry("mnopqrstuv23", "ops", Set.of(), NOW, NOW.plusSeconds(60), true, HASH);
        Path file = dir.resolve("keys.jsonl");

        ApiKeyFile.write(file, List.of(plain, expiring));

        assertThat(ApiKeyFile.read(file)).containsExactly(plain, expiring);
        assertThat(Files.readAllLines(file)).containsExactly(
                "{\"id\":\"abcdefghijkl\",\"owner\":\"billing \\\"batch\\\" é\",\"scopes\":[\"a:read\",\"b\"],"
                        + "\"created\":\"2025-06-01T10:00:00Z\",\"expires\":null,\"disabled\":false,\"hash\":\"" + HASH + "\"}",
                "{\"id\":\"mnopqrstuv23\",\"owner\":\"ops\",\"scopes\":[],\"created\":\"2025-06-01T10:00:00Z\","
                        + "\"expires\":\"2025-06-01T10:01:00Z\",\"disabled\":true,\"hash\":\"" + HASH + "\"}");
        try (Stream<Path> files = Files.list(dir)) {
            assertThat(files).as("no temporary file is left behind").containsExactly(file);
        }
    }

    @Test
    void blankLinesCrlfAndAnAbsentExpiryAreAccepted() throws Exception {
        String line = "{\"id\":\"abcdefghijkl\",\"owner\":\"o\",\"scopes\":[\"s\"],\"created\":\"2025-06-01T10:00:00Z\","
                + "\"disabled\":false,\"hash\":\"" + HASH + "\"}";

        List<ApiKeyEntry> entries = ApiKeyFile.parse(Path.of("k"), "\r\n" + line + "\r\n\n");

        assertThat(entries).containsExactly(new ApiKeyEntry("abcdefghijkl", "o", Set.of("s"), NOW, null, false, HASH));
        assertThat(ApiKeyFile.parse(Path.of("k"), "")).isEmpty();
    }

    static Stream<Arguments> badLines() {
        String created = "\"created\":\"2025-06-01T10:00:00Z\"";
        String rest = "\"owner\":\"o\",\"scopes\":[]," + created + ",\"disabled\":false,\"hash\":\"" + HASH + "\"";
        String trailing = "{\"id\":\"abcdefghijkl\"," + rest + "} {}";
        return Stream.of(
                Arguments.of("[]", "expected a JSON object"),
                Arguments.of("{\"id\":", "not valid JSON (column 7)"),
                Arguments.of(trailing, "not valid JSON (column " + (trailing.lastIndexOf('{') + 1) + ")"),
                Arguments.of("{\"id\":\"abcdefghijkl\",\"id\":\"abcdefghijkm\"," + rest + "}", "a member appears more than once"),
                Arguments.of("{\"id\":\"abcdefghijkl\",\"extra\":1," + rest + "}",
                        "unknown member 'extra' (expected: [created, disabled, expires, hash, id, owner, scopes])"),
                Arguments.of("{\"id\":\"ABCDEFGHIJKL\"," + rest + "}", "id: expected a string of 12 characters of a-z 2-7"),
                Arguments.of("{\"id\":7," + rest + "}", "id: expected a string of 12 characters of a-z 2-7"),
                Arguments.of("{\"id\":\"abcdefghijkl\"," + rest.replace("\"owner\":\"o\"", "\"owner\":\"\"") + "}",
                        "key abcdefghijkl: owner: expected 1 to 200 characters, not all blank"),
                Arguments.of("{\"id\":\"abcdefghijkl\"," + rest.replace("\"scopes\":[]", "\"scopes\":\"a b\"") + "}",
                        "key abcdefghijkl: scopes: expected an array of strings"),
                Arguments.of("{\"id\":\"abcdefghijkl\"," + rest.replace("\"scopes\":[]", "\"scopes\":[\"a b\"]") + "}",
                        "key abcdefghijkl: scope 'a b': expected printable ASCII without space, '\"' or '\\'"),
                Arguments.of("{\"id\":\"abcdefghijkl\"," + rest.replace(created, "\"created\":\"yesterday\"") + "}",
                        "key abcdefghijkl: created: expected an instant such as 2025-01-31T12:00:00Z"),
                Arguments.of("{\"id\":\"abcdefghijkl\",\"expires\":1700000000," + rest + "}",
                        "key abcdefghijkl: expires: expected an instant such as 2025-01-31T12:00:00Z"),
                Arguments.of("{\"id\":\"abcdefghijkl\"," + rest.replace("\"disabled\":false", "\"disabled\":\"no\"") + "}",
                        "key abcdefghijkl: disabled: expected true or false"),
                Arguments.of("{\"id\":\"abcdefghijkl\"," + rest.replace(HASH, "sha256:abc") + "}",
                        "key abcdefghijkl: hash does not start with 'hmac-sha256:'"),
                Arguments.of("{\"id\":\"abcdefghijkl\"," + rest.replace(HASH, "hmac-sha256:AAAA") + "}",
                        "key abcdefghijkl: hash has 3 bytes (expected: 32)"),
                Arguments.of("{\"id\":\"abcdefghijkl\"," + rest.replace(HASH, "hmac-sha256:" + "*".repeat(43)) + "}",
                        "key abcdefghijkl: hash is not base64url"));
    }

    @ParameterizedTest
    @MethodSource("badLines")
    void aBadLineIsNamedWithWhatIsWrong(String line, String problem) {
        String good = ApiKeyFile.format(List.of(new ApiKeyEntry("zzzzzzzzzzzz", "o", Set.of(), NOW, null, false, HASH)));

        assertThatThrownBy(() -> ApiKeyFile.parse(Path.of("keys.jsonl"), good + "\n" + line + "\n"))
                .isInstanceOf(ApiKeyFileException.class)
                .hasMessage("keys.jsonl:3: " + problem);
    }

    @Test
    void aDuplicateIdIsNamedAtItsSecondLine() {
        String line = ApiKeyFile.format(List.of(new ApiKeyEntry("abcdefghijkl", "o", Set.of(), NOW, null, false, HASH)));

        assertThatThrownBy(() -> ApiKeyFile.parse(Path.of("keys.jsonl"), line + line))
                .hasMessage("keys.jsonl:2: key abcdefghijkl appears more than once");
    }

    @Test
    void aFileThatIsNotUtf8IsRefused() throws Exception {
        Path file = dir.resolve("keys.jsonl");
        Files.write(file, new byte[] {'{', (byte) 0xff, '}'});

        assertThatThrownBy(() -> ApiKeyFile.read(file)).hasMessage(file + ": the key file is not valid UTF-8 text");
    }

    @Test
    void aBadUpdateLeavesTheFileAsItWas() throws Exception {
        Path file = dir.resolve("keys.jsonl");
        ApiKeyMint.Issued one = mint.create("a", Set.of(), null, List.of());
        ApiKeyFile.write(file, List.of(one.entry()));
        byte[] before = Files.readAllBytes(file);

        assertThatThrownBy(() -> ApiKeyFile.update(file, entries -> {
            entries.add(one.entry());
            return entries;
        })).hasMessage(file + ": key " + one.entry().id() + " appears more than once");
        assertThatThrownBy(() -> ApiKeyFile.update(file, entries -> {
            throw new IllegalStateException("no such key");
        })).isInstanceOf(IllegalStateException.class);

        assertThat(Files.readAllBytes(file)).isEqualTo(before);
    }

    @Test
    void concurrentUpdatesLoseNoEntry() throws Exception {
        Path file = dir.resolve("keys.jsonl");
        int threads = 4;
        int perThread = 10;
        ExecutorService pool = Executors.newFixedThreadPool(threads);
        CountDownLatch start = new CountDownLatch(1);
        List<Future<?>> done = new ArrayList<>();
        try {
            for (int t = 0; t < threads; t++) {
                String owner = "owner-" + t;
                done.add(pool.submit(() -> {
                    start.await();
                    for (int i = 0; i < perThread; i++) {
                        ApiKeyFile.update(file, entries -> {
                            entries.add(mint.create(owner, Set.of(), null, entries.stream().map(ApiKeyEntry::id).toList()).entry());
                            return entries;
                        });
                    }
                    return null;
                }));
            }
            start.countDown();
            for (Future<?> f : done) {
                f.get(30, TimeUnit.SECONDS);
            }
        } finally {
            pool.shutdownNow();
        }

        assertThat(ApiKeyFile.read(file)).hasSize(threads * perThread);
        assertThat(new String(Files.readAllBytes(file), StandardCharsets.UTF_8).lines()).hasSize(threads * perThread);
    }
}
