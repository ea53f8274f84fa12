package io.zerogate.config;

import java.io.IOException;
import java.nio.file.ClosedWatchServiceException;
import java.nio.file.Path;
import java.nio.file.StandardWatchEventKinds;
import java.nio.file.WatchKey;
import java.nio.file.WatchService;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.Arrays;
import java.util.Objects;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Watches one configuration file and hands every new valid version to the caller, already compiled.
 *
 * <p>The file's directory is watched rather than the file, so that editors that write a new file and
 * rename it over the old one, and Kubernetes' symlink swaps of mounted ConfigMaps, are seen. A periodic
 * check of the content covers file systems without change notification. Bursts of events are merged,
 * and a reload happens only when the SHA-256 of the content differs from the last version seen.
 *
 * <p>A version that cannot be read, parsed or compiled goes to {@code onRejected}; the caller keeps
 * serving its last good snapshot. Callbacks run on the watcher's single daemon thread, never
 * concurrently, and never after {@link #close()} has returned.
 *
 * <p>Changes are detected relative to the content seen by {@link #start()}; start the watcher before
 * loading the initial configuration so that no change can slip in between.
 *
 * @param <T> what the caller serves from, such as a compiled snapshot
 */
public final class ConfigWatcher<T> implements AutoCloseable {

    /** Turns a validated configuration into what the caller serves from; throws to refuse it. */
    @FunctionalInterface
    public interface Compiler<T> {
        T compile(GatewayConfig config) throws ConfigException;
    }

    private static final Logger LOG = LoggerFactory.getLogger(ConfigWatcher.class);
    private static final Duration DEFAULT_CHECK_INTERVAL = Duration.ofSeconds(2);
    private static final Duration DEFAULT_QUIET_PERIOD = Duration.ofMillis(100);
    // Stands for "could not be read" so that a missing file is reported once, not on every check.
    private static final byte[] UNREADABLE = new byte[0];
    // A stream of events that never pauses must still lead to a reload eventually.
    private static final int MAX_QUIET_PERIODS_PER_BURST = 20;

    private final Path file;
    private final String source;
    private final Path directory;
    private final Compiler<T> compiler;
    private final Consumer<T> onReload;
    private final Consumer<ConfigException> onRejected;
    private final long checkIntervalNanos;
    private final long quietPeriodNanos;

    private final Object lock = new Object();
    private @Nullable Thread thread;
    private @Nullable WatchService watchService;
    private volatile boolean closed;
    // Only the watcher thread touches this after start(); Thread.start() publishes the initial value.
    private byte[] lastDigest = UNREADABLE;

    /**
     * @param file       the configuration file; messages name it as given
     * @param compile    turns each new valid version into what the caller serves from
     * @param onReload   receives each newly compiled version
     * @param onRejected receives the problem with each version that was refused
     */
    public ConfigWatcher(Path file, Compiler<T> compile, Consumer<T> onReload, Consumer<ConfigException> onRejected) {
        this(file, compile, onReload, onRejected, DEFAULT_CHECK_INTERVAL, DEFAULT_QUIET_PERIOD);
    }

    ConfigWatcher(Path file, Compiler<T> compile, Consumer<T> onReload, Consumer<ConfigException> onRejected,
            Duration checkInterval, Duration quietPeriod) {
        this.file = Objects.requireNonNull(file, "file");
        this.source = file.toString();
        this.directory = ConfigLoader.baseDirectory(file);
        this.compiler = Objects.requireNonNull(compile, "compile");
        this.onReload = Objects.requireNonNull(onReload, "onReload");
        this.onRejected = Objects.requireNonNull(onRejected, "onRejected");
        if (checkInterval.isNegative() || checkInterval.isZero()) {
            throw new IllegalArgumentException("checkInterval: " + checkInterval + " (expected: > 0)");
        }
        if (quietPeriod.isNegative()) {
            throw new IllegalArgumentException("quietPeriod: " + quietPeriod + " (expected: >= 0)");
        }
        this.checkIntervalNanos = checkInterval.toNanos();
        this.quietPeriodNanos = quietPeriod.toNanos();
    }

    /**
     * Records the file's current content as the baseline and starts watching. When the directory cannot
     * be watched, the periodic check alone detects changes.
     *
     * @throws IllegalStateException when already started or closed
     */
    public void start() {
        synchronized (lock) {
            if (closed) {
                throw new IllegalStateException("the watcher is closed");
            }
            if (thread != null) {
                throw new IllegalStateException("the watcher is already started");
            }
            lastDigest = digestOf(file);
            try {
                WatchService service = directory.getFileSystem().newWatchService();
                watchService = service;
                directory.register(service, StandardWatchEventKinds.ENTRY_CREATE,
                        StandardWatchEventKinds.ENTRY_MODIFY, StandardWatchEventKinds.ENTRY_DELETE);
            } catch (IOException | UnsupportedOperationException e) {
                LOG.warn("cannot watch {} ({}); checking it every {} ms instead", directory, e.toString(),
                        TimeUnit.NANOSECONDS.toMillis(checkIntervalNanos));
                closeWatchService();
            }
            Thread t = new Thread(this::run, "zerogate-config-watcher");
            t.setDaemon(true);
            thread = t;
            t.start();
        }
    }

    /** Stops watching and waits for a callback in progress to finish. Idempotent. */
    @Override
    public void close() {
        Thread t;
        synchronized (lock) {
            if (closed) {
                return;
            }
            closed = true;
            t = thread;
            closeWatchService();
        }
        if (t == null || t == Thread.currentThread()) {
            return;
        }
        t.interrupt();
        try {
            t.join();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** True while the watcher thread is alive (for tests). */
    boolean isRunning() {
        synchronized (lock) {
            return thread != null && thread.isAlive();
        }
    }

    private void run() {
        WatchService service;
        synchronized (lock) {
            service = watchService;
        }
        while (!closed) {
            try {
                if (awaitChange(service)) {
                    settle(service);
                }
                if (!closed) {
                    check();
                }
            } catch (InterruptedException | ClosedWatchServiceException e) {
                if (closed) {
                    return;
                }
                Thread.interrupted();
            } catch (RuntimeException e) {
                // The watcher must outlive any single failure; the next change is tried again.
                LOG.warn("configuration check of {} failed", source, e);
            }
        }
    }

    /** Waits for a directory event or for the next periodic check; true when an event came. */
    private boolean awaitChange(@Nullable WatchService service) throws InterruptedException {
        if (service == null) {
            TimeUnit.NANOSECONDS.sleep(checkIntervalNanos);
            return false;
        }
        WatchKey key = service.poll(checkIntervalNanos, TimeUnit.NANOSECONDS);
        if (key == null) {
            return false;
        }
        drain(key);
        return true;
    }

    /** Waits until the directory has been quiet for the quiet period, so a burst of writes is read once. */
    private void settle(WatchService service) throws InterruptedException {
        for (int i = 0; i < MAX_QUIET_PERIODS_PER_BURST; i++) {
            WatchKey key = service.poll(quietPeriodNanos, TimeUnit.NANOSECONDS);
            if (key == null) {
                return;
            }
            drain(key);
        }
    }

    private static void drain(WatchKey key) {
        // Any event in the directory may be the one that matters (a Kubernetes swap renames "..data",
        // not the file), so events are not filtered by name: the content hash decides.
        key.pollEvents();
        key.reset();
    }

    private void check() {
        byte[] bytes;
        try {
            bytes = ConfigLoader.read(file, source);
        } catch (ConfigException e) {
            if (lastDigest != UNREADABLE) {
                lastDigest = UNREADABLE;
                deliverRejected(e);
            }
            return;
        }
        byte[] digest = sha256(bytes);
        if (Arrays.equals(digest, lastDigest)) {
            return;
        }
        lastDigest = digest;
        T compiled;
        try {
            compiled = compiler.compile(ConfigLoader.parse(source, bytes, System::getenv, directory));
        } catch (ConfigException e) {
            deliverRejected(e);
            return;
        } catch (RuntimeException e) {
            // A compiler defect must not take the watcher down; the version is refused like any other.
            deliverRejected(new ConfigException(source, 0, "",
                    "the configuration could not be compiled (" + e.getClass().getName() + ")", e));
            return;
        }
        if (closed) {
            return;
        }
        try {
            onReload.accept(compiled);
        } catch (RuntimeException e) {
            LOG.warn("the reload callback for {} failed", source, e);
        }
    }

    private void deliverRejected(ConfigException problem) {
        if (closed) {
            return;
        }
        try {
            onRejected.accept(problem);
        } catch (RuntimeException e) {
            LOG.warn("the rejection callback for {} failed", source, e);
        }
    }

    private byte[] digestOf(Path path) {
        try {
            return sha256(ConfigLoader.read(path, source));
        } catch (ConfigException e) {
            return UNREADABLE;
        }
    }

    private void closeWatchService() {
        WatchService service = watchService;
        watchService = null;
        if (service != null) {
            try {
                service.close();
            } catch (IOException e) {
                LOG.debug("closing the watch service for {} failed", directory, e);
            }
        }
    }

    private static byte[] sha256(byte[] bytes) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(bytes);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every Java platform provides SHA-256", e);
        }
    }
}
