package io.zerogate.admin;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.buffer.ByteBuf;
import io.zerogate.audit.AuditRecord;
import io.zerogate.config.ConfigLoader;
import io.zerogate.config.GatewayConfig;
import io.zerogate.limits.LimitsStage;
import io.zerogate.server.Transport;
import io.zerogate.state.SharedState;
import io.zerogate.testing.Await;
import io.zerogate.testing.RunningGateway;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * {@code /admin/audit/tail} on a real admin listener: lines handed to the tail as the audit writer hands them arrive
 * as server-sent events in order, idle streams get heartbeats, a follower that stops reading is dropped while the
 * writer goes on and the others get every line, and followers beyond the bound are turned away.
 */
@Timeout(value = 1, unit = TimeUnit.MINUTES)
class AuditTailTest {

    private static final AuditRecord RECORD = new AuditRecord(Instant.parse("2026-01-01T00:00:00Z"), "req-1",
            "0af7651916cd43dd8448eb211c80319c", "public", "r", "GET", "example.com", "/r", "/r", "127.0.0.1", null, null,
            null, AuditRecord.Outcome.ALLOWED, null, null, null, List.of(), null, "127.0.0.1:9", 200, 0, 2, 100, 10, 50, Map.of());

    private SharedState state;
    private AuditTail tail;
    private AdminServer server;

    @BeforeEach
    void start() throws Exception {
        GatewayConfig config = ConfigLoader.parse("tail.yaml", RunningGateway.document("""
                services:
                  s: { targets: [http://127.0.0.1:9], tls: none }
                routes: []
                """), name -> null);
        state = SharedState.open(config.state(), Clock.systemUTC());
        GatewayMetrics metrics = new GatewayMetrics();
        LimitsStage limits = LimitsStage.compile(config, state, Clock.systemUTC(), System::nanoTime, metrics);
        tail = new AuditTail(2, 8, Duration.ofMillis(200));
        server = AdminServer.start(Transport.nio(), config.admin(), new AdminApi(metrics, () -> true, () -> limits,
                () -> "{\"keys\":[]}", () -> config, null, List::of, tail,
                new io.zerogate.network.LocalBlocks(java.time.Clock.systemUTC())));
    }

    @AfterEach
    void stop() {
        server.close();
        state.close();
    }

    /** One line of {@code size} bytes that names its position, as the audit writer would hand it over. */
    private static byte[] line(int seq, int size) {
        StringBuilder sb = new StringBuilder("{\"seq\":").append(seq).append(",\"pad\":\"");
        while (sb.length() < size - 2) {
            sb.append('x');
        }
        return sb.append("\"}").toString().getBytes(StandardCharsets.UTF_8);
    }

    /** A raw connection following the tail. */
    private static final class Follower implements AutoCloseable {

        private final Socket socket;
        private final BufferedReader in;

        Follower(int port, int receiveBuffer, @Nullable String token) throws IOException {
            socket = new Socket();
            if (receiveBuffer > 0) {
                socket.setReceiveBufferSize(receiveBuffer);
            }
            socket.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), 5_000);
            socket.setSoTimeout(10_000);
            OutputStream out = socket.getOutputStream();
            out.write(("GET /admin/audit/tail HTTP/1.1\r\nHost: admin\r\n"
                    + (token == null ? "" : "Authorization: Bearer " + token + "\r\n") + "\r\n").getBytes(StandardCharsets.US_ASCII));
            out.flush();
            in = new BufferedReader(new InputStreamReader(socket.getInputStream(), StandardCharsets.UTF_8));
        }

        String statusLine() throws IOException {
            return in.readLine();
        }

        /** The next line that starts with {@code prefix}, or null at the end of the stream. */
        @Nullable String next(String prefix) throws IOException {
            for (String l = in.readLine(); l != null; l = in.readLine()) {
                if (l.startsWith(prefix)) {
                    return l;
                }
            }
            return null;
        }

        @Override
        public void close() throws IOException {
            socket.close();
        }
    }

    @Test
    void linesArriveAsEventsInOrderAndIdleStreamsGetHeartbeats() throws Exception {
        try (Follower f = new Follower(server.address().getPort(), 0, RunningGateway.ADMIN_TOKEN)) {
            assertThat(f.statusLine()).isEqualTo("HTTP/1.1 200 OK");
            Await.until("the follower registered", Duration.ofSeconds(5), () -> tail.followers() == 1);
            for (int i = 1; i <= 3; i++) {
                tail.recorded(RECORD, line(i, 200));
            }
            for (int i = 1; i <= 3; i++) {
                assertThat(f.next("data: ")).isEqualTo("data: " + new String(line(i, 200), StandardCharsets.UTF_8));
            }
            assertThat(f.next(":")).isEqualTo(": heartbeat");
        }
        Await.until("the follower gone", Duration.ofSeconds(5), () -> tail.followers() == 0);
    }

    @Test
    void aFollowerThatStopsReadingIsDroppedAndTheWriterNeverWaits() throws Exception {
        int port = server.address().getPort();
        try (Follower stalled = new Follower(port, 4096, RunningGateway.ADMIN_TOKEN);
             Follower reading = new Follower(port, 0, RunningGateway.ADMIN_TOKEN)) {
            assertThat(reading.statusLine()).isEqualTo("HTTP/1.1 200 OK");
            Await.until("both followers registered", Duration.ofSeconds(5), () -> tail.followers() == 2);
            int fed = 0;
            long slowest = 0;
            while (tail.followers() == 2 && fed < 5_000) {
                fed++;
                long t0 = System.nanoTime();
                tail.recorded(RECORD, line(fed, 16 * 1024));
                slowest = Math.max(slowest, System.nanoTime() - t0);
                assertThat(reading.next("data: ")).startsWith("data: {\"seq\":" + fed + ",");
            }
            assertThat(tail.followers()).as("followers after %d lines", fed).isEqualTo(1);
            assertThat(Duration.ofNanos(slowest)).isLessThan(Duration.ofSeconds(1));
            for (int i = fed + 1; i <= fed + 3; i++) {
                tail.recorded(RECORD, line(i, 16 * 1024));
                assertThat(reading.next("data: ")).startsWith("data: {\"seq\":" + i + ",");
            }
            // What the stalled follower got before it was dropped is a gapless prefix, then its stream ends.
            List<String> got = new ArrayList<>();
            for (String l = stalled.next("data: "); l != null; l = stalled.next("data: ")) {
                got.add(l);
            }
            assertThat(got.size()).isLessThan(fed);
            for (int i = 0; i < got.size(); i++) {
                assertThat(got.get(i)).startsWith("data: {\"seq\":" + (i + 1) + ",");
            }
        }
    }

    @Test
    void followersBeyondTheBoundAreTurnedAwayAndStrangersRefused() throws Exception {
        int port = server.address().getPort();
        try (Follower one = new Follower(port, 0, RunningGateway.ADMIN_TOKEN);
             Follower two = new Follower(port, 0, RunningGateway.ADMIN_TOKEN)) {
            assertThat(one.statusLine()).isEqualTo("HTTP/1.1 200 OK");
            assertThat(two.statusLine()).isEqualTo("HTTP/1.1 200 OK");
            try (Follower three = new Follower(port, 0, RunningGateway.ADMIN_TOKEN)) {
                assertThat(three.statusLine()).isEqualTo("HTTP/1.1 503 Service Unavailable");
                assertThat(three.next("retry-after:")).isEqualTo("retry-after: 10");
                assertThat(three.next("{")).contains("\"code\":\"tail_busy\"");
            }
            try (Follower stranger = new Follower(port, 0, null)) {
                assertThat(stranger.statusLine()).isEqualTo("HTTP/1.1 401 Unauthorized");
            }
            assertThat(tail.followers()).isEqualTo(2);
        }
    }

    @Test
    void aLineWithALineBreakStaysOneEvent() {
        ByteBuf event = TailFollower.event("{\"a\":1}\r\n{\"b\":2}\n".getBytes(StandardCharsets.UTF_8));
        try {
            assertThat(event.toString(StandardCharsets.UTF_8)).isEqualTo("data: {\"a\":1}\ndata: {\"b\":2}\ndata: \n\n");
        } finally {
            event.release();
        }
        ByteBuf plain = TailFollower.event("{\"a\":1}".getBytes(StandardCharsets.UTF_8));
        try {
            assertThat(plain.toString(StandardCharsets.UTF_8)).isEqualTo("data: {\"a\":1}\n\n");
        } finally {
            plain.release();
        }
    }
}
