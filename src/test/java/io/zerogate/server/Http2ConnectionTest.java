package io.zerogate.server;

import static org.assertj.core.api.Assertions.assertThat;

import io.zerogate.cli.CertificateMint;
import io.zerogate.testing.RunningGateway;
import io.zerogate.testing.TestPki;
import io.zerogate.testing.TestUpstream;
import io.zerogate.testing.Wire;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * What belongs to an HTTP/2 connection rather than to one stream: an idle connection and one that never says
 * which HTTP it speaks are closed, shutdown sends GOAWAY and lets the open stream finish, and the client
 * certificate of the connection is what every stream's chain sees.
 */
@Timeout(60)
class Http2ConnectionTest {

    private static final long NO_ERROR = 0;

    @TempDir
    static Path dir;

    private final ExecutorService threads = Executors.newCachedThreadPool();

    @AfterEach
    void stopThreads() {
        threads.shutdownNow();
    }

    private static String h2c(String target, String extra) {
        return """
                listeners:
                  - name: public
                    address: 127.0.0.1:0
                    http2: true
                %sservices:
                  app:
                    targets: [%s]
                    tls: none
                routes:
                  - id: open
                    match: { path: "/{rest...}" }
                    service: app
                    public: true
                """.formatted(extra, target);
    }

    @Test
    void anIdleConnectionIsClosedWithGoAway() throws Exception {
        try (EchoUpstream up = EchoUpstream.start();
             RunningGateway gw = RunningGateway.start(h2c(up.target(), "timeouts: { idle: 1s }\n"));
             H2Wire h2 = H2Wire.start(gw.connect())) {
            h2.get(1, "/once");
            assertThat(h2.reply(1).status()).isEqualTo(200);
            assertThat(h2.awaitClose()).as("closed after the idle timeout").isTrue();
            assertThat(h2.goAwayCode()).isEqualTo(NO_ERROR);
            assertThat(up.nextHead()).startsWith("GET /once HTTP/1.1\r\n");
        }
    }

    @Test
    void aConnectionThatNeverShowsItsProtocolIsClosedAfterTheHeadTimeout() throws Exception {
        try (EchoUpstream up = EchoUpstream.start();
             RunningGateway gw = RunningGateway.start(h2c(up.target(), "timeouts: { request_header: 1s }\n"));
             Socket silent = gw.connect();
             Socket partial = gw.connect()) {
            OutputStream out = partial.getOutputStream();
            out.write("PRI * HTTP/2.0\r\n".getBytes(StandardCharsets.US_ASCII));
            out.flush();
            assertThat(silent.getInputStream().read()).isEqualTo(-1);
            assertThat(partial.getInputStream().read()).isEqualTo(-1);
            assertThat(up.heads()).isEmpty();
        }
    }

    @Test
    void shutdownSendsGoAwayAndLetsTheOpenStreamFinish() throws Exception {
        CountDownLatch arrived = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        try (TestUpstream up = TestUpstream.start((socket, u) -> {
                 InputStream in = socket.getInputStream();
                 u.skipBody(u.readHead(in), in);
                 arrived.countDown();
                 release.await(30, TimeUnit.SECONDS);
                 Wire.write(socket.getOutputStream(), "HTTP/1.1 200 OK\r\nContent-Length: 4\r\n\r\ndone");
             });
             RunningGateway gw = RunningGateway.start(h2c(up.target(), ""));
             H2Wire h2 = H2Wire.start(gw.connect())) {
            h2.get(1, "/slow");
            assertThat(arrived.await(5, TimeUnit.SECONDS)).isTrue();
            Future<?> shutdown = threads.submit(() -> gw.gateway().shutdown(Duration.ofSeconds(5)));
            while (h2.goAwayCode() < 0) {
                assertThat(h2.next()).as("GOAWAY before the connection ends").isNotNull();
            }
            assertThat(h2.goAwayCode()).isEqualTo(NO_ERROR);
            assertThat(h2.goAwayLastStream()).isEqualTo(1);
            assertThat(shutdown).isNotDone();
            release.countDown();
            H2Wire.Reply r = h2.reply(1);
            assertThat(r.status()).isEqualTo(200);
            assertThat(r.bodyText()).isEqualTo("done");
            assertThat(h2.awaitClose()).isTrue();
            shutdown.get(5, TimeUnit.SECONDS);
            assertThat(gw.gateway().inFlight()).isZero();
        }
    }

    @Test
    void everyStreamSeesTheConnectionsClientCertificate() throws Exception {
        CertificateMint.Issued serverCa = TestPki.rootCa("h2-server-ca");
        CertificateMint.Issued clientCa = TestPki.rootCa("h2-client-ca");
        Path[] server = TestPki.server(serverCa).write(dir, "server");
        Path clientCaFile = clientCa.writeCertificate(dir, "client-ca");
        CertificateMint.Issued caller = TestPki.client(clientCa, "caller");
        try (EchoUpstream up = EchoUpstream.start();
             RunningGateway gw = RunningGateway.start("""
                     listeners:
                       - name: public
                         address: 127.0.0.1:0
                         tls:
                           certificate: "%s"
                           private_key: "%s"
                           client_auth: optional
                           client_ca: "%s"
                     services:
                       app:
                         targets: [%s]
                         tls: none
                     routes:
                       - id: cert
                         match: { path: /cert }
                         service: app
                         public: true
                         require: { client_certificate: true }
                     """.formatted(server[0], server[1], clientCaFile, up.target()))) {
            try (H2Wire h2 = H2Wire.start(TlsClient.presenting(serverCa, caller).offering("h2").connect(gw.port(), "localhost"))) {
                for (int stream = 1; stream <= 5; stream += 2) {
                    h2.headers(stream, true, ":method", "GET", ":scheme", "https", ":authority", "localhost", ":path", "/cert");
                    assertThat(h2.reply(stream).status()).as("stream %d", stream).isEqualTo(200);
                    assertThat(up.nextHead()).startsWith("GET /cert HTTP/1.1\r\n");
                }
            }
            try (H2Wire h2 = H2Wire.start(TlsClient.trusting(serverCa).offering("h2").connect(gw.port(), "localhost"))) {
                h2.headers(1, true, ":method", "GET", ":scheme", "https", ":authority", "localhost", ":path", "/cert");
                H2Wire.Reply r = h2.reply(1);
                assertThat(r.status()).isEqualTo(401);
                assertThat(r.bodyText()).contains("\"code\":\"client_certificate_required\"");
            }
            assertThat(up.heads()).isEmpty();
        }
    }
}
