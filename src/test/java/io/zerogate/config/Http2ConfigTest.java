package io.zerogate.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

import io.zerogate.testing.TestPki;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The listener's {@code http2} key and {@code limits.max_concurrent_streams}: defaults, values and errors with their line. */
class Http2ConfigTest {

    @TempDir
    static Path dir;

    @BeforeAll
    static void files() throws Exception {
        TestPki.server(TestPki.rootCa("ca")).write(dir, "server");
    }

    private static GatewayConfig load(String body) throws Exception {
        Path file = dir.resolve("gateway.yaml");
        Files.writeString(file, "version: 1\n" + body + "services: {}\nroutes: []\n");
        return ConfigLoader.load(file);
    }

    private static ConfigException refused(String body) {
        Throwable t = catchThrowable(() -> load(body));
        assertThat(t).isInstanceOf(ConfigException.class);
        return (ConfigException) t;
    }

    private static final String TLS = """
                tls:
                  certificate: server.crt
                  private_key: server.key
            """;

    @Test
    void http2IsOnForTlsListenersAndOffForPlainOnesUnlessSaid() throws Exception {
        GatewayConfig c = load("""
                listeners:
                  - name: tls-default
                    address: 127.0.0.1:0
                """ + TLS + """
                  - name: tls-off
                    address: 127.0.0.1:0
                    http2: false
                """ + TLS + """
                  - name: plain-default
                    address: 127.0.0.1:0
                  - name: plain-h2c
                    address: 127.0.0.1:0
                    http2: true
                """);
        List<ListenerConfig> l = c.listeners();
        assertThat(l).extracting(ListenerConfig::name).containsExactly("tls-default", "tls-off", "plain-default", "plain-h2c");
        assertThat(l).extracting(ListenerConfig::http2).containsExactly(true, false, false, true);
        assertThat(c.limits().maxConcurrentStreams()).isEqualTo(100);
    }

    @Test
    void http2TakesOnlyABoolean() {
        ConfigException e = refused("""
                listeners:
                  - address: 127.0.0.1:0
                    http2: yes
                """);
        assertThat(e.line()).isEqualTo(4);
        assertThat(e.keyPath()).isEqualTo("listeners[0].http2");
        assertThat(e.getMessage()).startsWith(dir.resolve("gateway.yaml") + ":4: listeners[0].http2: ");
    }

    @Test
    void maxConcurrentStreamsIsBounded() throws Exception {
        assertThat(load("""
                listeners: [{ address: 127.0.0.1:0 }]
                limits: { max_concurrent_streams: 250 }
                """).limits().maxConcurrentStreams()).isEqualTo(250);
        for (String bad : new String[] {"0", "1001", "many"}) {
            ConfigException e = refused("""
                    listeners: [{ address: 127.0.0.1:0 }]
                    limits:
                      max_concurrent_streams: %s
                    """.formatted(bad));
            assertThat(e.line()).as(bad).isEqualTo(4);
            assertThat(e.keyPath()).isEqualTo("limits.max_concurrent_streams");
        }
    }

    @Test
    void theStreamResetBoundHasDefaultsAndIsChecked() throws Exception {
        GatewayConfig defaults = load("listeners: [{ address: 127.0.0.1:0 }]\n");
        assertThat(defaults.limits().maxStreamResets()).isEqualTo(200);
        assertThat(defaults.limits().streamResetWindow()).isEqualTo(java.time.Duration.ofSeconds(10));
        GatewayConfig set = load("""
                listeners: [{ address: 127.0.0.1:0 }]
                limits: { max_stream_resets: 50, stream_reset_window: 30s }
                """);
        assertThat(set.limits().maxStreamResets()).isEqualTo(50);
        assertThat(set.limits().streamResetWindow()).isEqualTo(java.time.Duration.ofSeconds(30));
        ConfigException zero = refused("""
                listeners: [{ address: 127.0.0.1:0 }]
                limits:
                  max_stream_resets: 0
                """);
        assertThat(zero.line()).isEqualTo(4);
        assertThat(zero.keyPath()).isEqualTo("limits.max_stream_resets");
        ConfigException longWindow = refused("""
                listeners: [{ address: 127.0.0.1:0 }]
                limits:
                  stream_reset_window: 1h
                """);
        assertThat(longWindow.keyPath()).isEqualTo("limits.stream_reset_window");
        assertThat(longWindow.getMessage()).contains("is too long (expected: at most 10m)");
    }

    @Test
    void anUnknownListenerKeyNamesHttp2AmongTheAllowed() {
        ConfigException e = refused("""
                listeners:
                  - address: 127.0.0.1:0
                    h2: true
                """);
        assertThat(e.line()).isEqualTo(4);
        assertThat(e.problem()).isEqualTo("unknown key 'h2' (allowed: name, address, tls, http2)");
    }
}
