package io.zerogate.state;

import io.lettuce.core.RedisClient;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.api.sync.RedisCommands;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * A real redis-server for tests: started on a free loopback port without persistence, stopped after. A
 * machine without redis-server fails the tests that need it (with a message saying so) instead of skipping
 * them.
 */
public final class RedisServer implements AutoCloseable {

    private static final long START_BOUND_MILLIS = 10_000;

    private final Path binary;
    private final List<String> arguments;
    private final int port;
    private final Path directory;
    private volatile Process process;
    private volatile Thread killOnExit;
    private RedisClient inspector;
    private StatefulRedisConnection<String, String> inspection;

    /** The arguments of one server, given its free port and its own temporary directory. */
    @FunctionalInterface
    public interface Arguments {
        List<String> of(int port, Path directory) throws IOException;
    }

    private RedisServer(Path binary, List<String> arguments, int port, Path directory) {
        this.binary = binary;
        this.arguments = arguments;
        this.port = port;
        this.directory = directory;
    }

    /** A plain server without persistence. */
    public static RedisServer start() throws IOException, InterruptedException {
        return start((port, directory) -> List.of("--port", Integer.toString(port), "--bind", "127.0.0.1",
                "--save", "", "--appendonly", "no", "--dir", directory.toString()));
    }

    /** A server started with the given arguments (which must make it listen on 127.0.0.1 at the port). */
    public static RedisServer start(Arguments arguments) throws IOException, InterruptedException {
        Path binary = binary();
        IOException last = null;
        // The free port is found by binding and releasing it; another process may take it in between.
        for (int attempt = 0; attempt < 3; attempt++) {
            Path directory = Files.createTempDirectory("zerogate-redis");
            int port = freePort();
            RedisServer server = new RedisServer(binary, arguments.of(port, directory), port, directory);
            try {
                server.launch();
                return server;
            } catch (IOException e) {
                last = e;
                server.close();
            }
        }
        throw last;
    }

    private void launch() throws IOException, InterruptedException {
        List<String> command = new ArrayList<>();
        command.add(binary.toString());
        command.addAll(arguments);
        process = new ProcessBuilder(command)
                .redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(directory.resolve("redis.log").toFile()))
                .start();
        killOnExit = new Thread(process::destroyForcibly);
        Runtime.getRuntime().addShutdownHook(killOnExit);
        awaitPing();
    }

    /** Kills the server and starts it again on the same port, empty (as after a crash without persistence). */
    public void restart() throws IOException, InterruptedException {
        kill();
        Runtime.getRuntime().removeShutdownHook(killOnExit);
        launch();
    }

    private static Path binary() {
        String path = System.getenv("PATH");
        List<Path> candidates = Stream.concat(
                        path == null ? Stream.empty() : Stream.of(path.split(":")).map(dir -> Paths.get(dir, "redis-server")),
                        Stream.of(Paths.get("/usr/bin/redis-server")))
                .toList();
        for (Path candidate : candidates) {
            if (Files.isExecutable(candidate)) {
                return candidate;
            }
        }
        throw new AssertionError("redis-server is not installed (looked on PATH and at /usr/bin/redis-server): "
                + "the Redis state store is tested against a real Redis; install it, e.g. apt-get install redis-server");
    }

    private static int freePort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return socket.getLocalPort();
        }
    }

    private void awaitPing() throws IOException, InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(START_BOUND_MILLIS);
        while (System.nanoTime() < deadline) {
            if (!process.isAlive()) {
                throw new IOException("redis-server exited with " + process.exitValue() + ": " + log());
            }
            if (ping()) {
                return;
            }
            Thread.sleep(10);
        }
        throw new IOException("redis-server did not answer PING within " + START_BOUND_MILLIS + " ms: " + log());
    }

    /** True when the server answers PING now. */
    public boolean ping() {
        try (Socket socket = new Socket()) {
            socket.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), 500);
            socket.setSoTimeout(500);
            OutputStream out = socket.getOutputStream();
            out.write("PING\r\n".getBytes(StandardCharsets.US_ASCII));
            out.flush();
            var in = new BufferedReader(new InputStreamReader(socket.getInputStream(), StandardCharsets.US_ASCII));
            return "+PONG".equals(in.readLine());
        } catch (IOException e) {
            return false;
        }
    }

    public int port() {
        return port;
    }

    public URI uri() {
        return URI.create("redis://127.0.0.1:" + port);
    }

    /** Freezes the server (SIGSTOP): connections stay open, nothing is answered. */
    public void pause() throws IOException, InterruptedException {
        signal("STOP");
    }

    /** Lets a paused server run again (SIGCONT). */
    public void resume() throws IOException, InterruptedException {
        signal("CONT");
    }

    private void signal(String name) throws IOException, InterruptedException {
        Process kill = new ProcessBuilder("kill", "-" + name, Long.toString(process.pid())).inheritIO().start();
        if (!kill.waitFor(5, TimeUnit.SECONDS) || kill.exitValue() != 0) {
            throw new IOException("kill -" + name + " " + process.pid() + " failed");
        }
    }

    /** Kills the server at once (SIGKILL), as a crash would, and waits until it is gone. */
    public void kill() throws InterruptedException {
        process.destroyForcibly();
        process.waitFor(10, TimeUnit.SECONDS);
    }

    /** Commands to look at the server's contents directly, on a connection of the test's own. */
    public synchronized RedisCommands<String, String> inspect() {
        if (inspector == null) {
            inspector = RedisClient.create(uri().toString());
            inspection = inspector.connect();
        }
        return inspection.sync();
    }

    public Path directory() {
        return directory;
    }

    String log() {
        try {
            return Files.readString(directory.resolve("redis.log"));
        } catch (IOException e) {
            return "(no log: " + e + ")";
        }
    }

    @Override
    public void close() throws InterruptedException {
        synchronized (this) {
            if (inspector != null) {
                inspection.close();
                inspector.shutdown(java.time.Duration.ZERO, java.time.Duration.ofSeconds(2));
            }
        }
        if (process == null) {
            deleteDirectory();
            return;
        }
        try {
            Runtime.getRuntime().removeShutdownHook(killOnExit);
        } catch (IllegalStateException e) {
            // The JVM is exiting: the hook kills the server.
        }
        if (process.isAlive()) {
            try {
                resume();
            } catch (IOException e) {
                // It is killed next either way.
            }
            kill();
        }
        deleteDirectory();
    }

    private void deleteDirectory() {
        try (Stream<Path> files = Files.walk(directory)) {
            files.sorted(Comparator.reverseOrder()).forEach(file -> file.toFile().delete());
        } catch (IOException e) {
            // A temporary directory left behind is harmless.
        }
    }

    /**
     * A redis-server for the tests of one class, registered with {@code @RegisterExtension} on a static field: started
     * before the class's first test and stopped after its last.
     */
    public static final class PerClass implements BeforeAllCallback, AfterAllCallback {

        private RedisServer server;

        @Override
        public void beforeAll(ExtensionContext context) throws Exception {
            server = RedisServer.start();
        }

        @Override
        public void afterAll(ExtensionContext context) throws Exception {
            if (server != null) {
                server.close();
                server = null;
            }
        }

        private RedisServer running() {
            if (server == null) {
                throw new IllegalStateException("the class's redis-server runs only while its tests do");
            }
            return server;
        }

        public URI uri() {
            return running().uri();
        }

        public RedisCommands<String, String> inspect() {
            return running().inspect();
        }

        public void pause() throws IOException, InterruptedException {
            running().pause();
        }

        public void resume() throws IOException, InterruptedException {
            running().resume();
        }
    }
}
