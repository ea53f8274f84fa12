package io.zerogate.server;

import io.zerogate.config.ServerLimits;

import static org.assertj.core.api.Assertions.assertThat;

import io.zerogate.testing.RunningGateway;
import io.zerogate.testing.TestUpstream;
import java.io.InputStream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The rapid-reset attack (CVE-2023-44487): a client opens streams and cancels them at once, which costs it
 * nothing and frees the concurrent-stream slot, while each stream costs the gateway a chain run and an upstream
 * request. Past the bound the client gets GOAWAY with ENHANCE_YOUR_CALM, its connection ends, and the cut-off
 * is counted; a client that cancels now and then is served on.
 */
@Timeout(60)
class Http2RapidResetTest {

    private static final long CANCEL = 8;
    private static final long ENHANCE_YOUR_CALM = 11;

    private static TestUpstream silent;
    private static RunningGateway gw;

    @BeforeAll
    static void start() throws Exception {
        // Takes requests and never answers, so that every stream is still open when its reset arrives.
        silent = TestUpstream.start((socket, up) -> {
            InputStream in = socket.getInputStream();
            while (up.readHead(in) != null) {
                // keep reading heads until the gateway closes the connection
            }
        });
        gw = RunningGateway.start("""
                listeners:
                  - name: public
                    address: 127.0.0.1:0
                    http2: true
                services:
                  slow:
                    targets: [%s]
                    tls: none
                routes:
                  - id: slow
                    match: { path: "/slow/{rest...}" }
                    service: slow
                    public: true
                """.formatted(silent.target()));
    }

    @AfterAll
    static void stop() throws Exception {
        gw.close();
        silent.close();
    }

    private static double floods() {
        return gw.gateway().metrics().http2ResetFloods("public");
    }

    /** Opens {@code count} streams on a fresh connection and resets each at once; true when the gateway cut it off. */
    private static boolean resetting(RunningGateway gateway, int count) throws Exception {
        try (H2Wire h2 = H2Wire.start(gateway.connect())) {
            h2.awaitSettings();
            for (int i = 0; i < count; i++) {
                int stream = 1 + 2 * i;
                h2.frame(H2Wire.HEADERS, H2Wire.END_HEADERS | H2Wire.END_STREAM, stream, H2Wire.block(
                        ":method", "GET", ":scheme", "http", ":authority", "localhost", ":path", "/slow/" + i));
                h2.reset(stream, CANCEL);
            }
            h2.flush();
            return h2.awaitClose() && h2.goAwayCode() == ENHANCE_YOUR_CALM;
        }
    }

    @Test
    void theBoundIsTheConfiguredOne() throws Exception {
        try (RunningGateway strict = RunningGateway.start("""
                listeners:
                  - name: public
                    address: 127.0.0.1:0
                    http2: true
                limits: { max_stream_resets: 20, stream_reset_window: 10s }
                services:
                  slow:
                    targets: [%s]
                    tls: none
                routes:
                  - id: slow
                    match: { path: "/slow/{rest...}" }
                    service: slow
                    public: true
                """.formatted(silent.target()))) {
            assertThat(resetting(strict, 30)).as("30 resets against a bound of 20").isTrue();
            assertThat(strict.gateway().metrics().http2ResetFloods("public")).isEqualTo(1);
        }
    }

    @Test
    void aClientResettingStreamsFasterThanAllowedGetsGoAwayAndIsCounted() throws Exception {
        double before = floods();
        try (H2Wire h2 = H2Wire.start(gw.connect())) {
            h2.awaitSettings();
            int resets = ServerLimits.DEFAULT_MAX_STREAM_RESETS + 50;
            for (int i = 0; i < resets; i++) {
                int stream = 1 + 2 * i;
                h2.frame(H2Wire.HEADERS, H2Wire.END_HEADERS | H2Wire.END_STREAM, stream, H2Wire.block(
                        ":method", "GET", ":scheme", "http", ":authority", "localhost", ":path", "/slow/" + i));
                h2.reset(stream, CANCEL);
            }
            h2.flush();
            assertThat(h2.awaitClose()).as("connection closed").isTrue();
            assertThat(h2.goAwayCode()).isEqualTo(ENHANCE_YOUR_CALM);
        }
        assertThat(floods()).isEqualTo(before + 1);
    }

    @Test
    void aClientResettingSomeStreamsIsServedOn() throws Exception {
        double before = floods();
        try (H2Wire h2 = H2Wire.start(gw.connect())) {
            h2.awaitSettings();
            int resets = ServerLimits.DEFAULT_MAX_STREAM_RESETS / 2;
            for (int i = 0; i < resets; i++) {
                int stream = 1 + 2 * i;
                h2.frame(H2Wire.HEADERS, H2Wire.END_HEADERS | H2Wire.END_STREAM, stream, H2Wire.block(
                        ":method", "GET", ":scheme", "http", ":authority", "localhost", ":path", "/slow/" + i));
                h2.reset(stream, CANCEL);
            }
            h2.flush();
            int next = 1 + 2 * resets;
            h2.get(next, "/nowhere");
            H2Wire.Reply r = h2.reply(next);
            assertThat(r.status()).isEqualTo(404);
            assertThat(h2.goAwayCode()).isEqualTo(-1);
        }
        assertThat(floods()).isEqualTo(before);
    }
}
