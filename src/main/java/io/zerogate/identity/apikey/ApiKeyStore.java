package io.zerogate.identity.apikey;

import io.zerogate.chain.ReasonCode;
import io.zerogate.config.ApiKeysConfig;
import io.zerogate.config.Secret;
import io.zerogate.identity.Authentication;
import io.zerogate.identity.Subject;
import io.zerogate.identity.TokenBinding;
import io.zerogate.identity.Verification;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.FileTime;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The API keys the gateway accepts, loaded from the key file (see {@link ApiKeyFile}) and kept current: a
 * background thread checks the file's modification time, size and identity and reloads it when any changes.
 * A file that cannot be read or holds a bad entry is logged and ignored; the last good set stays in force.
 *
 * <p>{@link #authenticate} is cheap (one HMAC and a map lookup) and never blocks, so it may run on an event
 * loop. The whole presented key is hashed and compared in constant time even when the id is unknown.
 */
public final class ApiKeyStore implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(ApiKeyStore.class);
    private static final Duration DEFAULT_POLL_INTERVAL = Duration.ofSeconds(2);
    // Hashed in place of a stored hash when the id is unknown, so that both paths cost the same.
    private static final byte[] NO_HASH = new byte[32];

    private final Path file;
    private final KeyHasher hasher;
    private final Clock clock;
    private final ScheduledExecutorService poller;
    private final Object reloadLock = new Object();

    private volatile Map<String, Loaded> keys;
    private @Nullable FileStamp stamp;
    private @Nullable String lastProblem;

    private ApiKeyStore(Path file, KeyHasher hasher, Clock clock, Map<String, Loaded> keys, @Nullable FileStamp stamp) {
        this.file = file;
        this.hasher = hasher;
        this.clock = clock;
        this.keys = keys;
        this.stamp = stamp;
        this.poller = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "zerogate-api-keys");
            t.setDaemon(true);
            return t;
        });
    }

    /**
     * Loads the configured key file and starts watching it.
     *
     * @throws ApiKeyFileException      when the file cannot be read or holds a bad entry
     * @throws IllegalArgumentException when the hash key is shorter than 16 bytes
     */
    public static ApiKeyStore open(ApiKeysConfig config, Clock clock) throws ApiKeyFileException {
        return open(config.file(), config.hashKey(), clock, DEFAULT_POLL_INTERVAL);
    }

    static ApiKeyStore open(Path file, Secret hashKey, Clock clock, Duration pollInterval) throws ApiKeyFileException {
        Objects.requireNonNull(file, "file");
        Objects.requireNonNull(clock, "clock");
        if (pollInterval.isNegative() || pollInterval.isZero()) {
            throw new IllegalArgumentException("pollInterval: " + pollInterval + " (expected: > 0)");
        }
        KeyHasher hasher = new KeyHasher(hashKey);
        FileStamp stamp = FileStamp.of(file);
        Map<String, Loaded> keys = index(ApiKeyFile.read(file));
        ApiKeyStore store = new ApiKeyStore(file, hasher, clock, keys, stamp);
        long nanos = pollInterval.toNanos();
        store.poller.scheduleWithFixedDelay(store::poll, nanos, nanos, TimeUnit.NANOSECONDS);
        LOG.info("loaded {} API keys from {}", keys.size(), file);
        return store;
    }

    /**
     * Checks a presented key.
     *
     * @return the key's subject, or {@link ReasonCode#API_KEY_REJECTED} with a detail that names the key id at
     *         most, never the secret
     */
    public Verification authenticate(String presented) {
        KeyText.Parsed parsed = KeyText.parse(presented);
        if (parsed.id() == null) {
            return Verification.refused(ReasonCode.API_KEY_REJECTED, "malformed API key: " + parsed.problem());
        }
        String id = parsed.id();
        byte[] actual = hasher.hash(presented);
        Loaded key = keys.get(id);
        boolean matches = KeyHasher.matches(key == null ? NO_HASH : key.hash, actual);
        if (key == null) {
            return Verification.refused(ReasonCode.API_KEY_REJECTED, "unknown API key id " + id);
        }
        if (!matches) {
            return Verification.refused(ReasonCode.API_KEY_REJECTED, "API key " + id + ": wrong secret");
        }
        // State is told only to a caller that proved it holds the key.
        ApiKeyEntry entry = key.entry;
        Instant now = clock.instant();
        return switch (entry.state(now)) {
            case DISABLED -> Verification.refused(ReasonCode.API_KEY_REJECTED, "API key " + id + " is revoked");
            case EXPIRED -> Verification.refused(ReasonCode.API_KEY_REJECTED, "API key " + id + " expired at " + entry.expires());
            case ACTIVE -> new Verification.Accepted(key.subject, entry.expires());
        };
    }

    /** How many keys are loaded, whatever their state. */
    public int size() {
        return keys.size();
    }

    /**
     * Reloads the file when its modification time, size or identity changed since the last look.
     *
     * @return true when a new set of keys is now in force
     */
    boolean reloadIfChanged() {
        synchronized (reloadLock) {
            FileStamp current;
            try {
                current = FileStamp.of(file);
            } catch (ApiKeyFileException e) {
                reject(null, e);
                return false;
            }
            if (current.equals(stamp)) {
                return false;
            }
            stamp = current;
            try {
                Map<String, Loaded> loaded = index(ApiKeyFile.read(file));
                keys = loaded;
                lastProblem = null;
                LOG.info("reloaded {} API keys from {}", loaded.size(), file);
                return true;
            } catch (ApiKeyFileException e) {
                reject(current, e);
                return false;
            }
        }
    }

    @Override
    public void close() {
        poller.shutdownNow();
        try {
            poller.awaitTermination(5, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private void poll() {
        try {
            reloadIfChanged();
        } catch (RuntimeException e) {
            // The poller must outlive a failure; the keys in force stay in force.
            LOG.error("checking the API key file {} failed; keeping the {} keys in force", file, keys.size(), e);
        }
    }

    private void reject(@Nullable FileStamp current, ApiKeyFileException e) {
        stamp = current;
        // A missing or broken file is reported once, not on every poll.
        if (!e.getMessage().equals(lastProblem)) {
            lastProblem = e.getMessage();
            LOG.error("API key file rejected, keeping the {} keys in force: {}", keys.size(), e.getMessage());
        }
    }

    private static Map<String, Loaded> index(List<ApiKeyEntry> entries) {
        Map<String, Loaded> byId = new HashMap<>();
        for (ApiKeyEntry e : entries) {
            Subject subject = new Subject(e.id(), Subject.Kind.API_KEY, null, e.scopes(), Set.of(),
                    Map.of("owner", e.owner()), Authentication.NONE, TokenBinding.NONE);
            byId.put(e.id(), new Loaded(e, KeyHasher.decode(e.hash()), subject));
        }
        return Map.copyOf(byId);
    }

    /** An entry with its decoded hash and its ready-made subject. */
    private record Loaded(ApiKeyEntry entry, byte[] hash, Subject subject) {}

    /** What identifies one version of the file without reading it. */
    private record FileStamp(FileTime modified, long size, @Nullable Object fileKey) {

        static FileStamp of(Path file) throws ApiKeyFileException {
            try {
                BasicFileAttributes a = Files.readAttributes(file, BasicFileAttributes.class);
                return new FileStamp(a.lastModifiedTime(), a.size(), a.fileKey());
            } catch (NoSuchFileException e) {
                throw new ApiKeyFileException(file, 0, "no such file", e);
            } catch (IOException e) {
                throw new ApiKeyFileException(file, 0, "cannot read the key file's attributes (" + e.getClass().getSimpleName() + ")", e);
            }
        }
    }
}
