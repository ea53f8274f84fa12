package io.zerogate.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ConfigWatcherTest {

    // Long enough that a test relying on directory events cannot pass through the periodic check.
    private static final Duration NO_PERIODIC_CHECK = Duration.ofMinutes(10);
    private static final Duration QUIET = Duration.ofMillis(20);
    private static final long WAIT_SECONDS = 5;

    @TempDir
    Path dir;

    private final BlockingQueue<String> reloads = new LinkedBlockingQueue<>();
    private final BlockingQueue<ConfigException> rejections = new LinkedBlockingQueue<>();

    @Test
    void rewrittenFileIsReloaded() throws Exception {
        Path file = write(dir.resolve("gateway.yaml"), "v1");
        try (ConfigWatcher<String> watcher = watcher(file, NO_PERIODIC_CHECK)) {
            watcher.start();

            write(file, "v2");

            assertThat(reloads.poll(WAIT_SECONDS, TimeUnit.SECONDS)).isEqualTo("v2");
            assertThat(rejections).isEmpty();
        }
    }

    @Test
    void fileReplacedByRenameIsReloaded() throws Exception {
        Path file = write(dir.resolve("gateway.yaml"), "v1");
        try (ConfigWatcher<String> watcher = watcher(file, NO_PERIODIC_CHECK)) {
            watcher.start();

            Path next = write(dir.resolve(".gateway.yaml.swp"), "v2");
            Files.move(next, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);

            assertThat(reloads.poll(WAIT_SECONDS, TimeUnit.SECONDS)).isEqualTo("v2");
        }
    }

    @Test
    void kubernetesSymlinkSwapIsReloaded() throws Exception {
        // The layout of a mounted ConfigMap: the file links into "..data", which links to a versioned directory.
        write(Files.createDirectory(dir.resolve("..v1")).resolve("gateway.yaml"), "v1");
        write(Files.createDirectory(dir.resolve("..v2")).resolve("gateway.yaml"), "v2");
        Files.createSymbolicLink(dir.resolve("..data"), Path.of("..v1"));
        Path file = Files.createSymbolicLink(dir.resolve("gateway.yaml"), Path.of("..data/gateway.yaml"));
        try (ConfigWatcher<String> watcher = watcher(file, NO_PERIODIC_CHECK)) {
            watcher.start();

            Files.createSymbolicLink(dir.resolve("..data_tmp"), Path.of("..v2"));
            Files.move(dir.resolve("..data_tmp"), dir.resolve("..data"), StandardCopyOption.ATOMIC_MOVE);

            assertThat(reloads.poll(WAIT_SECONDS, TimeUnit.SECONDS)).isEqualTo("v2");
        }
    }

    @Test
    void periodicCheckSeesChangesTheDirectoryDoesNotReport() throws Exception {
        Path target = write(Files.createDirectory(dir.resolve("elsewhere")).resolve("real.yaml"), "v1");
        Path watched = Files.createDirectory(dir.resolve("watched"));
        Path file = Files.createSymbolicLink(watched.resolve("gateway.yaml"), target);
        try (ConfigWatcher<String> watcher = watcher(file, Duration.ofMillis(50))) {
            watcher.start();

            write(target, "v2");

            assertThat(reloads.poll(WAIT_SECONDS, TimeUnit.SECONDS)).isEqualTo("v2");
        }
    }

    @Test
    void unchangedContentIsNotReloaded() throws Exception {
        Path file = write(dir.resolve("gateway.yaml"), "v1");
        try (ConfigWatcher<String> watcher = watcher(file, Duration.ofMillis(20))) {
            watcher.start();

            write(file, "v1");
            write(dir.resolve("unrelated.txt"), "v9");
            write(file, "v2");

            assertThat(reloads.poll(WAIT_SECONDS, TimeUnit.SECONDS)).isEqualTo("v2");
            assertThat(reloads).isEmpty();
            assertThat(rejections).isEmpty();
        }
    }

    @Test
    void badContentIsRejectedAndTheWatcherCarriesOn() throws Exception {
        Path file = write(dir.resolve("gateway.yaml"), "v1");
        try (ConfigWatcher<String> watcher = watcher(file, NO_PERIODIC_CHECK)) {
            watcher.start();

            Files.writeString(file, "version: 2\n");
            ConfigException problem = rejections.poll(WAIT_SECONDS, TimeUnit.SECONDS);

            assertThat(problem).isNotNull();
            assertThat(problem.source()).isEqualTo(file.toString());
            assertThat(problem.line()).isEqualTo(1);
            assertThat(problem.problem()).isEqualTo("unsupported version 2 (expected: 1)");
            assertThat(reloads).isEmpty();

            write(file, "v3");

            assertThat(reloads.poll(WAIT_SECONDS, TimeUnit.SECONDS)).isEqualTo("v3");
            assertThat(rejections).isEmpty();
        }
    }

    @Test
    void compilerFailuresAreRejections() throws Exception {
        Path file = write(dir.resolve("gateway.yaml"), "v1");
        ConfigWatcher.Compiler<String> compiler = config -> {
            String id = config.routes().get(0).id();
            if (id.equals("refused")) {
                throw new ConfigException(config.source(), 7, "routes[0]", "refused by the compiler");
            }
            if (id.equals("broken")) {
                throw new IllegalStateException("defect");
            }
            return id;
        };
        try (ConfigWatcher<String> watcher = new ConfigWatcher<>(file, compiler, reloads::add, rejections::add,
                NO_PERIODIC_CHECK, QUIET)) {
            watcher.start();

            write(file, "refused");
            assertThat(rejections.poll(WAIT_SECONDS, TimeUnit.SECONDS).problem()).isEqualTo("refused by the compiler");
            write(file, "broken");
            assertThat(rejections.poll(WAIT_SECONDS, TimeUnit.SECONDS).problem())
                    .isEqualTo("the configuration could not be compiled (java.lang.IllegalStateException)");
            write(file, "v4");

            assertThat(reloads.poll(WAIT_SECONDS, TimeUnit.SECONDS)).isEqualTo("v4");
        }
    }

    @Test
    void fileThatAppearsLaterIsLoaded() throws Exception {
        Path file = dir.resolve("gateway.yaml");
        try (ConfigWatcher<String> watcher = watcher(file, NO_PERIODIC_CHECK)) {
            watcher.start();

            write(file, "v1");

            assertThat(reloads.poll(WAIT_SECONDS, TimeUnit.SECONDS)).isEqualTo("v1");
        }
    }

    @Test
    void closeStopsTheThread() throws Exception {
        Path file = write(dir.resolve("gateway.yaml"), "v1");
        ConfigWatcher<String> watcher = watcher(file, NO_PERIODIC_CHECK);
        watcher.start();
        assertThat(watcher.isRunning()).isTrue();

        watcher.close();

        assertThat(watcher.isRunning()).isFalse();
        watcher.close();
        assertThatThrownBy(watcher::start).isInstanceOf(IllegalStateException.class).hasMessage("the watcher is closed");
    }

    @Test
    void startTwiceIsRefused() throws Exception {
        Path file = write(dir.resolve("gateway.yaml"), "v1");
        try (ConfigWatcher<String> watcher = watcher(file, NO_PERIODIC_CHECK)) {
            watcher.start();

            assertThatThrownBy(watcher::start).isInstanceOf(IllegalStateException.class).hasMessage("the watcher is already started");
        }
    }

    private ConfigWatcher<String> watcher(Path file, Duration checkInterval) {
        return new ConfigWatcher<>(file, config -> config.routes().get(0).id(), reloads::add, rejections::add,
                checkInterval, QUIET);
    }

    /** Writes a valid document whose only route has the given id, which the test compiler returns. */
    private static Path write(Path file, String routeId) throws Exception {
        return Files.writeString(file, """
                version: 1
                listeners: [{ address: 127.0.0.1:0 }]
                services:
                  sample: { targets: [http://127.0.0.1:9000], tls: none }
                routes:
                  - id: %s
                    match: { path: / }
                    service: sample
                """.formatted(routeId));
    }
}
