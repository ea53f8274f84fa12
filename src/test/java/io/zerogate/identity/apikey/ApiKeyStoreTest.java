package io.zerogate.identity.apikey;

import io.zerogate.testing.MutableClock;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import com.tngtech.archunit.ArchConfiguration;
import com.tngtech.archunit.core.domain.JavaClass;
import com.tngtech.archunit.core.domain.JavaMethodCall;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import io.zerogate.chain.ReasonCode;
import io.zerogate.config.Secret;
import io.zerogate.identity.Authentication;
import io.zerogate.identity.Subject;
import io.zerogate.identity.TokenBinding;
import io.zerogate.identity.Verification;
import io.zerogate.testing.Await;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.slf4j.LoggerFactory;

class ApiKeyStoreTest {

    private static final Secret HASH_KEY = new Secret("k8JmVq2rX7tYw4Zp9sLc3Nd6Fh1Gb5Ra");
    private static final Instant START = Instant.parse("2025-06-01T10:00:00Z");
    /** A long poll interval: tests that are not about the poller drive reloads themselves. */
    private static final Duration MANUAL = Duration.ofHours(1);

    @TempDir
    Path dir;

    private final MutableClock clock = new MutableClock(START);
    private final ApiKeyMint mint = new ApiKeyMint(HASH_KEY, new SecureRandom(), clock);
    private final List<ApiKeyStore> stores = new ArrayList<>();
    private Path file;

    @BeforeEach
    void setUp() {
        file = dir.resolve("keys.jsonl");
    }

    @AfterEach
    void closeStores() {
        stores.forEach(ApiKeyStore::close);
    }

    private ApiKeyStore open(Duration poll) throws ApiKeyFileException {
        ApiKeyStore store = ApiKeyStore.open(file, HASH_KEY, clock, poll);
        stores.add(store);
        return store;
    }

    private ApiKeyMint.Issued issue(String owner, Set<String> scopes, Instant expires) throws ApiKeyFileException {
        ApiKeyMint.Issued[] issued = new ApiKeyMint.Issued[1];
        ApiKeyFile.update(file, entries -> {
            issued[0] = mint.create(owner, scopes, expires, entries.stream().map(ApiKeyEntry::id).toList());
            entries.add(issued[0].entry());
            return entries;
        });
        return issued[0];
    }

    private static String secretOf(String key) {
        return key.substring(KeyText.PREFIX.length() + KeyText.ID_LENGTH + 1);
    }

    private static Verification.Refused refused(Verification v) {
        assertThat(v).isInstanceOf(Verification.Refused.class);
        Verification.Refused r = (Verification.Refused) v;
        assertThat(r.reason()).isEqualTo(ReasonCode.API_KEY_REJECTED);
        return r;
    }

    @Test
    void anIssuedKeyAuthenticatesAsItsOwnSubject() throws Exception {
        Instant expires = START.plus(Duration.ofDays(30));
        ApiKeyMint.Issued issued = issue("billing-batch", Set.of("orders:read", "orders:write"), expires);
        ApiKeyStore store = open(MANUAL);

        Verification v = store.authenticate(issued.key());

        assertThat(v).isEqualTo(new Verification.Accepted(new Subject(issued.entry().id(), Subject.Kind.API_KEY, null,
                Set.of("orders:read", "orders:write"), Set.of(), Map.of("owner", "billing-batch"), Authentication.NONE,
                TokenBinding.NONE), expires));
        assertThat(issued.key()).matches("zg_[a-z2-7]{12}_[A-Za-z0-9_-]{43}");
        assertThat(Base64.getUrlDecoder().decode(secretOf(issued.key()))).hasSize(32);
        assertThat(store.size()).isEqualTo(1);
    }

    @Test
    void aKeyWithoutExpiryAcceptsWithoutOne() throws Exception {
        ApiKeyMint.Issued issued = issue("ops", Set.of(), null);
        ApiKeyStore store = open(MANUAL);
        clock.advance(Duration.ofDays(3650));

        assertThat(store.authenticate(issued.key())).isInstanceOfSatisfying(Verification.Accepted.class, a -> {
            assertThat(a.expiresAt()).isNull();
            assertThat(a.subject().scopes()).isEmpty();
        });
    }

    @Test
    void aWrongSecretIsRefusedWithoutQuotingIt() throws Exception {
        ApiKeyMint.Issued issued = issue("alice", Set.of(), null);
        ApiKeyStore store = open(MANUAL);
        String key = issued.key();
        char last = key.charAt(key.length() - 1);
        String forged = key.substring(0, key.length() - 1) + (last == 'A' ? 'B' : 'A');

        Verification.Refused r = refused(store.authenticate(forged));

        assertThat(r.detail()).isEqualTo("API key " + issued.entry().id() + ": wrong secret");
        assertThat(r.detail()).doesNotContain(secretOf(forged)).doesNotContain(secretOf(key));
    }

    @Test
    void anUnknownIdIsRefused() throws Exception {
        ApiKeyMint.Issued issued = issue("alice", Set.of(), null);
        ApiKeyStore store = open(MANUAL);
        String otherId = issued.entry().id().startsWith("a") ? "bbbbbbbbbbbb" : "aaaaaaaaaaaa";
        String presented = KeyText.format(otherId, secretOf(issued.key()));

        Verification.Refused r = refused(store.authenticate(presented));

        assertThat(r.detail()).isEqualTo("unknown API key id " + otherId);
    }

    @Test
    void aKeyHashedWithAnotherHashKeyIsRefused() throws Exception {
        ApiKeyMint other = new ApiKeyMint(new Secret("another-hash-key-of-32-bytes-xyz"), new SecureRandom(), clock);
        ApiKeyMint.Issued issued = other.create("mallory", Set.of("admin"), null, List.of());
        ApiKeyFile.write(file, List.of(issued.entry()));
        ApiKeyStore store = open(MANUAL);

        assertThat(refused(store.authenticate(issued.key())).detail()).endsWith(": wrong secret");
    }

    static Stream<String> malformed() {
        String secret = "A".repeat(43);
        return Stream.of(
                "",
                "zg_",
                "zg_abcdefghijkl",
                "zg_abcdefghijkl_",
                "zx_abcdefghijkl_" + secret,
                "ZG_abcdefghijkl_" + secret,
                "abcdefghijkl_" + secret,
                "zg_ABCDEFGHIJKL_" + secret,
                "zg_abcdefghijk1_" + secret,
                "zg_abcdefghijk_" + secret,
                "zg_abcdefghijklm_" + secret,
                "zg_abcdefghijkl_" + "A".repeat(42),
                "zg_abcdefghijkl_" + "A".repeat(42) + "=",
                "zg_abcdefghijkl_" + "A".repeat(42) + "+",
                "zg_abcdefghijkl_" + "A".repeat(42) + "/",
                "zg_abcdefghijkl_" + secret + " ",
                "zg_abcdefghijkl_" + secret + "\n",
                " zg_abcdefghijkl_" + secret,
                "Bearer zg_abcdefghijkl_" + secret,
                "zg_abcdefghijkl_" + secret + "é",
                "zg_abcdefghijkl_" + "A".repeat(129),
                "zg_abcdefghijkl_" + "A".repeat(100_000));
    }

    @ParameterizedTest
    @MethodSource("malformed")
    void malformedKeysAreRefusedWithoutQuotingThem(String presented) throws Exception {
        ApiKeyFile.write(file, List.of());
        ApiKeyStore store = open(MANUAL);

        Verification.Refused r = refused(store.authenticate(presented));

        assertThat(r.detail()).startsWith("malformed API key: ");
        assertThat(r.detail()).doesNotContain("AAAA");
    }

    @Test
    void anExpiredKeyIsRefusedFromItsExpiryOn() throws Exception {
        Instant expires = START.plus(Duration.ofHours(1));
        ApiKeyMint.Issued issued = issue("alice", Set.of(), expires);
        ApiKeyStore store = open(MANUAL);

        clock.advance(Duration.ofHours(1).minusNanos(1));
        assertThat(store.authenticate(issued.key())).isInstanceOf(Verification.Accepted.class);
        clock.advance(Duration.ofNanos(1));
        assertThat(refused(store.authenticate(issued.key())).detail())
                .isEqualTo("API key " + issued.entry().id() + " expired at 2025-06-01T11:00:00Z");
    }

    @Test
    void aDisabledKeyIsRefusedAndItsStateIsToldOnlyToItsHolder() throws Exception {
        ApiKeyMint.Issued issued = mint.create("alice", Set.of(), null, List.of());
        ApiKeyFile.write(file, List.of(issued.entry().revoked()));
        ApiKeyStore store = open(MANUAL);
        String key = issued.key();
        String forged = key.substring(0, key.length() - 1) + (key.endsWith("A") ? "B" : "A");

        assertThat(refused(store.authenticate(key)).detail()).isEqualTo("API key " + issued.entry().id() + " is revoked");
        assertThat(refused(store.authenticate(forged)).detail()).endsWith(": wrong secret");
    }

    @Test
    void aKeyRevokedInTheFileIsRefusedAfterTheReload() throws Exception {
        ApiKeyMint.Issued kept = issue("bob", Set.of(), null);
        ApiKeyMint.Issued revoked = issue("alice", Set.of(), null);
        ApiKeyStore store = open(MANUAL);
        assertThat(store.authenticate(revoked.key())).isInstanceOf(Verification.Accepted.class);

        ApiKeyFile.update(file, entries -> entries.stream()
                .map(e -> e.id().equals(revoked.entry().id()) ? e.revoked() : e).toList());

        assertThat(store.reloadIfChanged()).isTrue();
        assertThat(refused(store.authenticate(revoked.key())).detail()).endsWith(" is revoked");
        assertThat(store.authenticate(kept.key())).isInstanceOf(Verification.Accepted.class);
        assertThat(store.reloadIfChanged()).as("nothing changed since").isFalse();
    }

    @Test
    void secretsAreComparedInConstantTime() {
        // Only these two classes are read; the JDK classes they call are known by name, which is all that is checked.
        ArchConfiguration archUnit = ArchConfiguration.get();
        boolean resolve = archUnit.resolveMissingDependenciesFromClassPath();
        archUnit.setResolveMissingDependenciesFromClassPath(false);
        JavaClass hasher;
        JavaClass store;
        try {
            hasher = new ClassFileImporter().importClass(KeyHasher.class);
            store = new ClassFileImporter().importClass(ApiKeyStore.class);
        } finally {
            archUnit.setResolveMissingDependenciesFromClassPath(resolve);
        }

        assertThat(hasher.getMethod("matches", byte[].class, byte[].class).getMethodCallsFromSelf())
                .extracting(JavaMethodCall::getTarget)
                .anySatisfy(t -> {
                    assertThat(t.getOwner().getName()).isEqualTo(MessageDigest.class.getName());
                    assertThat(t.getName()).isEqualTo("isEqual");
                });
        assertThat(store.getMethod("authenticate", String.class).getMethodCallsFromSelf())
                .extracting(c -> c.getTarget().getOwner().getName() + "." + c.getTarget().getName())
                .contains(KeyHasher.class.getName() + ".matches")
                .doesNotContain(Arrays.class.getName() + ".equals", String.class.getName() + ".equals");
        // And the comparison gives the right answers.
        assertThat(KeyHasher.matches(new byte[] {1, 2, 3}, new byte[] {1, 2, 3})).isTrue();
        assertThat(KeyHasher.matches(new byte[] {1, 2, 3}, new byte[] {1, 2, 4})).isFalse();
    }

    @Test
    void theFileHoldsNeitherKeysNorSecretsNorTheHashKey() throws Exception {
        List<ApiKeyMint.Issued> issued = new ArrayList<>();
        for (int i = 0; i < 5; i++) {
            issued.add(issue("owner-" + i, Set.of("s" + i), i % 2 == 0 ? null : START.plus(Duration.ofDays(i))));
        }
        String text = Files.readString(file, StandardCharsets.UTF_8);

        assertThat(text.lines()).hasSize(5);
        for (ApiKeyMint.Issued i : issued) {
            String secret = secretOf(i.key());
            assertThat(text).doesNotContain(i.key()).doesNotContain(secret)
                    .doesNotContain(secret.substring(0, 16)).doesNotContain(secret.substring(27))
                    .contains(i.entry().id());
        }
        assertThat(text).doesNotContain(HASH_KEY.reveal());
        assertThat(issued.get(0).toString()).doesNotContain(issued.get(0).key());
        if (file.getFileSystem().supportedFileAttributeViews().contains("posix")) {
            assertThat(Files.getPosixFilePermissions(file))
                    .containsExactlyInAnyOrder(PosixFilePermission.OWNER_READ, PosixFilePermission.OWNER_WRITE);
        }
    }

    @Test
    void theBackgroundCheckPicksUpANewKey() throws Exception {
        issue("bob", Set.of(), null);
        ApiKeyStore store = open(Duration.ofMillis(10));
        ApiKeyMint.Issued added = issue("carol", Set.of("reports:read"), null);

        Await.until("the new key is accepted", Duration.ofSeconds(10),
                () -> store.authenticate(added.key()) instanceof Verification.Accepted);
        assertThat(store.size()).isEqualTo(2);
    }

    @Test
    void aCorruptFileKeepsTheLastGoodKeysAndIsLoggedWithItsLine() throws Exception {
        ApiKeyMint.Issued good = issue("bob", Set.of(), null);
        ApiKeyStore store = open(MANUAL);
        Logger logger = (Logger) LoggerFactory.getLogger(ApiKeyStore.class);
        ListAppender<ILoggingEvent> log = new ListAppender<>();
        log.start();
        logger.addAppender(log);
        try {
            Files.writeString(file, Files.readString(file) + "{\"id\": \"broken\n");

            assertThat(store.reloadIfChanged()).isFalse();
            assertThat(store.authenticate(good.key())).isInstanceOf(Verification.Accepted.class);
            assertThat(log.list).singleElement().satisfies(e -> {
                assertThat(e.getLevel()).isEqualTo(ch.qos.logback.classic.Level.ERROR);
                assertThat(e.getFormattedMessage()).contains(file + ":2: not valid JSON (column ");
            });
            assertThat(store.reloadIfChanged()).as("an unchanged bad file is not read again").isFalse();
            assertThat(log.list).hasSize(1);

            ApiKeyMint.Issued replacement = mint.create("dave", Set.of(), null, List.of());
            ApiKeyFile.write(file, List.of(replacement.entry()));
            assertThat(store.reloadIfChanged()).isTrue();
            assertThat(store.authenticate(replacement.key())).isInstanceOf(Verification.Accepted.class);
            assertThat(refused(store.authenticate(good.key())).detail()).startsWith("unknown API key id");
        } finally {
            logger.detachAppender(log);
        }
    }

    @Test
    void aDeletedFileKeepsTheLastGoodKeys() throws Exception {
        ApiKeyMint.Issued good = issue("bob", Set.of(), null);
        ApiKeyStore store = open(MANUAL);
        Files.delete(file);

        assertThat(store.reloadIfChanged()).isFalse();
        assertThat(store.authenticate(good.key())).isInstanceOf(Verification.Accepted.class);

        ApiKeyFile.write(file, List.of(good.entry().revoked()));
        assertThat(store.reloadIfChanged()).isTrue();
        assertThat(refused(store.authenticate(good.key())).detail()).endsWith(" is revoked");
    }

    @Test
    void aBadFileAtStartIsAnErrorNamingTheLine() throws Exception {
        ApiKeyMint.Issued good = mint.create("bob", Set.of(), null, List.of());
        Files.writeString(file, ApiKeyFile.format(List.of(good.entry())) + "\n{\"id\":\"abcdefghijkl\"}\n");

        assertThatThrownBy(() -> open(MANUAL)).isInstanceOf(ApiKeyFileException.class)
                .hasMessage(file + ":3: key abcdefghijkl: owner: expected a string")
                .satisfies(e -> assertThat(((ApiKeyFileException) e).line()).isEqualTo(3));
    }

    @Test
    void aMissingFileAtStartIsAnError() {
        assertThatThrownBy(() -> open(MANUAL)).isInstanceOf(ApiKeyFileException.class)
                .hasMessage(file + ": no such file");
    }

    @Test
    void aShortHashKeyIsRefused() throws Exception {
        ApiKeyFile.write(file, List.of());
        assertThatThrownBy(() -> ApiKeyStore.open(file, new Secret("too-short"), clock, MANUAL))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("hash key: 9 bytes (expected: at least 16)");
    }

    @Test
    void closeStopsTheBackgroundCheck() throws Exception {
        ApiKeyFile.write(file, List.of());
        ApiKeyStore store = open(Duration.ofMillis(5));
        store.close();

        Await.until("the key file poller has stopped", Duration.ofSeconds(5), () -> Thread.getAllStackTraces().keySet()
                .stream().noneMatch(t -> t.getName().equals("zerogate-api-keys") && t.isAlive()));
    }
}
