package io.zerogate.testing;

import io.zerogate.Gateway;
import io.zerogate.admin.AdminTokens;
import io.zerogate.config.ConfigLoader;
import io.zerogate.config.GatewayConfig;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpRequest;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.jspecify.annotations.Nullable;

/**
 * A real gateway for integration tests, started from YAML text on loopback with port 0, plus raw-socket
 * helpers to send exact bytes. The YAML may use {@code LISTEN} for the data listener address.
 */
public final class RunningGateway implements AutoCloseable {

    /** The admin token of every gateway whose admin section {@link #document} adds. */
    public static final String ADMIN_TOKEN = "zgadmin_test-token-that-only-tests-use-0123456789";

    private final Gateway gateway;
    private final @Nullable Path file;

    private RunningGateway(Gateway gateway, @Nullable Path file) {
        this.gateway = gateway;
        this.file = file;
    }

    /** Starts a gateway whose config has one listener named {@code public} on 127.0.0.1:0 and the given rest. */
    public static RunningGateway start(String yamlBody) throws Exception {
        return start(yamlBody, 2);
    }

    public static RunningGateway start(String yamlBody, int eventLoops) throws Exception {
        GatewayConfig config = ConfigLoader.parse("test.yaml", document(yamlBody), name -> null);
        return new RunningGateway(Gateway.start(config, null, eventLoops), null);
    }

    /** Starts from a file that the gateway watches and reloads. */
    public static RunningGateway startWatching(Path file, int eventLoops) throws Exception {
        return new RunningGateway(Gateway.start(ConfigLoader.load(file), file, eventLoops), file);
    }

    /**
     * Prefixes the version, listener and admin sections unless the body has its own; the admin section accepts
     * {@link #ADMIN_TOKEN}.
     */
    public static String document(String yamlBody) {
        StringBuilder sb = new StringBuilder();
        if (!yamlBody.contains("version:")) {
            sb.append("version: 1\n");
        }
        if (!yamlBody.contains("listeners:")) {
            sb.append("listeners:\n  - name: public\n    address: 127.0.0.1:0\n");
        }
        if (!yamlBody.contains("admin:")) {
            sb.append("admin:\n  address: 127.0.0.1:0\n  tokens: [{ name: tests, sha256: ").append(AdminTokens.sha256(ADMIN_TOKEN))
                    .append(" }]\n");
        }
        return sb.append(yamlBody).toString();
    }

    public Gateway gateway() {
        return gateway;
    }

    public int port() {
        return gateway.listeners().get("public").getPort();
    }

    public InetSocketAddress address() {
        return new InetSocketAddress(InetAddress.getLoopbackAddress(), port());
    }

    public int adminPort() {
        return gateway.adminAddress().getPort();
    }

    /** A request to the admin listener that carries {@link #ADMIN_TOKEN}. */
    public HttpRequest.Builder admin(String path) {
        return HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + adminPort() + path))
                .header("Authorization", "Bearer " + ADMIN_TOKEN)
                .timeout(java.time.Duration.ofSeconds(10));
    }

    public String url(String path) {
        return "http://127.0.0.1:" + port() + path;
    }

    /** Opens a raw connection to the data listener with a read timeout. */
    public Socket connect() throws IOException {
        Socket s = new Socket(InetAddress.getLoopbackAddress(), port());
        s.setSoTimeout(10_000);
        return s;
    }

    /**
     * Sends the bytes on a fresh connection and reads until the gateway closes it (or 10 s pass).
     * Use with requests that end in {@code Connection: close} or that the gateway must refuse.
     */
    public String exchange(String raw) throws IOException {
        try (Socket s = connect()) {
            OutputStream out = s.getOutputStream();
            out.write(raw.getBytes(StandardCharsets.ISO_8859_1));
            out.flush();
            return readAll(s.getInputStream());
        }
    }

    public static String readAll(InputStream in) throws IOException {
        byte[] all = in.readAllBytes();
        return new String(all, StandardCharsets.ISO_8859_1);
    }

    /** The status code of the first response in {@code response}, or -1. */
    public static int status(String response) {
        if (!response.startsWith("HTTP/1.1 ") || response.length() < 12) {
            return -1;
        }
        return Integer.parseInt(response.substring(9, 12));
    }

    /**
     * Waits until the {@code public} listener has counted at least {@code expected} outcomes with these labels,
     * then checks it counted exactly that many. Outcomes are recorded just after the response is written, so
     * a client can be a moment ahead of the count.
     */
    public void awaitRequestCount(String route, int status, String decision, int expected) throws InterruptedException {
        Await.until(expected + " requests to " + route + " with " + status + " " + decision, java.time.Duration.ofSeconds(5),
                () -> gateway.metrics().requestCount("public", route, status, decision) >= expected);
        double counted = gateway.metrics().requestCount("public", route, status, decision);
        if (counted != expected) {
            throw new AssertionError("expected " + expected + " requests to " + route + " with " + status + " " + decision
                    + " but counted " + counted);
        }
    }

    @Override
    public void close() throws IOException {
        gateway.shutdown(java.time.Duration.ofSeconds(1));
        if (file != null) {
            Files.deleteIfExists(file);
        }
    }

    /** Small map helper for tests. */
    public static Map<String, String> map(String... kv) {
        java.util.LinkedHashMap<String, String> m = new java.util.LinkedHashMap<>();
        for (int i = 0; i < kv.length; i += 2) {
            m.put(kv[i], kv[i + 1]);
        }
        return m;
    }
}
