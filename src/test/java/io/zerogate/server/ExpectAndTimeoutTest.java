package io.zerogate.server;

import static io.zerogate.server.EchoUpstream.headerValues;
import static io.zerogate.server.EchoUpstream.requestLine;
import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** {@code Expect: 100-continue}, and the request-head and idle timeouts of a client connection. */
class ExpectAndTimeoutTest {

    private static final long HEAD_TIMEOUT_MS = 300;
    private static final long IDLE_TIMEOUT_MS = 600;

    @RegisterExtension
    static final EchoGateway env = EchoGateway.serving(target -> """
                    timeouts: { request_header: %dms, idle: %dms }
                    services:
                      app:
                        targets: [%s]
                        tls: none
                    routes:
                      - id: upload
                        match: { path: /upload }
                        service: app
                        public: true
                      - id: admin
                        match: { path: /admin }
                        service: app
                    """.formatted(HEAD_TIMEOUT_MS, IDLE_TIMEOUT_MS, target));

    // ---- Expect --------------------------------------------------------------------------------------------

    @Test
    void continueComesBeforeTheBodyIsSentAndTheUpstreamNeverSeesExpect() throws Exception {
        try (RawClient c = RawClient.open(env.gateway())) {
            RawResponse interim = c.send("POST /upload HTTP/1.1\r\nHost: a\r\nContent-Length: 5\r\nExpect: 100-continue\r\n\r\n")
                    .read();
            assertThat(interim.raw()).isEqualTo("HTTP/1.1 100 Continue\r\n\r\n");
            RawResponse r = c.send("hello").read();
            assertThat(r.status()).isEqualTo(200);
            assertThat(r.body()).isEqualTo("hello");
            // The connection stays usable, and a request without Expect gets no interim response.
            RawResponse next = c.send("POST /upload HTTP/1.1\r\nHost: a\r\nContent-Length: 2\r\n\r\nhi").read();
            assertThat(next.status()).isEqualTo(200);
            assertThat(next.body()).isEqualTo("hi");
        }
        String head = env.upstream().nextHead();
        assertThat(requestLine(head)).isEqualTo("POST /upload HTTP/1.1");
        assertThat(headerValues(head, "expect")).isEmpty();
        assertThat(env.upstream().nextBody()).isEqualTo("hello");
        assertThat(env.upstream().nextHead()).doesNotContainIgnoringCase("expect");
        assertThat(env.upstream().nextBody()).isEqualTo("hi");
    }

    @Test
    void continueWithAChunkedBody() throws Exception {
        try (RawClient c = RawClient.open(env.gateway())) {
            RawResponse interim = c.send("POST /upload HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n"
                    + "Expect: 100-Continue\r\n\r\n").read();
            assertThat(interim.status()).isEqualTo(100);
            RawResponse r = c.send("3\r\nabc\r\n0\r\n\r\n").read();
            assertThat(r.status()).isEqualTo(200);
            assertThat(r.body()).isEqualTo("abc");
        }
        assertThat(headerValues(env.upstream().nextHead(), "expect")).isEmpty();
        assertThat(env.upstream().nextBody()).isEqualTo("abc");
    }

    @Test
    void deniedRequestGetsTheFinalAnswerInsteadOfContinueAndTheConnectionCloses() throws Exception {
        int connectionsBefore = env.upstream().connections();
        try (RawClient c = RawClient.open(env.gateway())) {
            RawResponse r = c.send("POST /admin HTTP/1.1\r\nHost: a\r\nContent-Length: 5\r\nExpect: 100-continue\r\n\r\n").read();
            assertThat(r.status()).isEqualTo(403);
            assertThat(r.problemCode()).isEqualTo("no_rule");
            assertThat(r.announcesClose()).isTrue();
            c.assertClosedByPeer();
        }
        assertThat(env.upstream().connections()).isEqualTo(connectionsBefore);
    }

    @Test
    void unroutedRequestGetsTheFinalAnswerInsteadOfContinue() throws Exception {
        try (RawClient c = RawClient.open(env.gateway())) {
            RawResponse r = c.send("PUT /nothing HTTP/1.1\r\nHost: a\r\nContent-Length: 5\r\nExpect: 100-continue\r\n\r\n").read();
            assertThat(r.status()).isEqualTo(404);
            assertThat(r.problemCode()).isEqualTo("no_route");
            assertThat(r.announcesClose()).isTrue();
            c.assertClosedByPeer();
        }
    }

    @Test
    void otherExpectationIsA417() throws Exception {
        try (RawClient c = RawClient.open(env.gateway())) {
            RawResponse r = c.send("POST /upload HTTP/1.1\r\nHost: a\r\nContent-Length: 5\r\nExpect: something-else\r\n\r\n").read();
            assertThat(r.status()).isEqualTo(417);
            assertThat(r.problemCode()).isEqualTo("expectation_failed");
            // The body was never asked for and its bytes may still come: the connection cannot be reused.
            assertThat(r.announcesClose()).isTrue();
            c.assertClosedByPeer();
        }
    }

    @Test
    void otherExpectationWithoutABodyKeepsTheConnection() throws Exception {
        try (RawClient c = RawClient.open(env.gateway())) {
            RawResponse r = c.send("GET /upload HTTP/1.1\r\nHost: a\r\nExpect: 100-continue, x\r\n\r\n").read();
            assertThat(r.status()).isEqualTo(417);
            assertThat(r.problemCode()).isEqualTo("expectation_failed");
            assertThat(c.send("GET /upload HTTP/1.1\r\nHost: a\r\n\r\n").read().status()).isEqualTo(200);
        }
        assertThat(requestLine(env.upstream().nextHead())).isEqualTo("GET /upload HTTP/1.1");
    }

    @Test
    void continueExpectationInHttp10IsIgnored() throws Exception {
        try (RawClient c = RawClient.open(env.gateway())) {
            RawResponse r = c.send("POST /upload HTTP/1.0\r\nContent-Length: 5\r\nExpect: 100-continue\r\n\r\nhello").read();
            assertThat(r.status()).isEqualTo(200);
            assertThat(r.body()).isEqualTo("hello");
            c.assertClosedByPeer();
        }
        assertThat(headerValues(env.upstream().nextHead(), "expect")).isEmpty();
        assertThat(env.upstream().nextBody()).isEqualTo("hello");
    }

    // ---- timeouts --------------------------------------------------------------------------------------------

    @Test
    void partialHeadIsAnswered408AfterTheHeadTimeout() throws Exception {
        try (RawClient c = RawClient.open(env.gateway())) {
            long start = System.nanoTime();
            c.send("GET /upload HTTP/1.1\r\nHo");
            RawResponse r = c.read();
            long waited = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
            assertThat(r.status()).isEqualTo(408);
            assertThat(r.problemCode()).isEqualTo("request_timeout");
            assertThat(r.announcesClose()).isTrue();
            assertThat(waited).isGreaterThanOrEqualTo(HEAD_TIMEOUT_MS - 50);
            c.assertClosedByPeer();
        }
    }

    @Test
    void trickledHeadDoesNotResetTheHeadTimeout() throws Exception {
        String head = "GET /upload HTTP/1.1\r\nHost: a\r\nX-Slow: " + "s".repeat(200) + "\r\n\r\n";
        try (Socket s = env.gateway().connect()) {
            OutputStream out = s.getOutputStream();
            CountDownLatch answered = new CountDownLatch(1);
            Thread writer = new Thread(() -> {
                try {
                    for (int i = 0; i < head.length() && answered.getCount() > 0; i++) {
                        out.write(head.charAt(i));
                        out.flush();
                        answered.await(20, TimeUnit.MILLISECONDS);
                    }
                } catch (IOException | InterruptedException e) {
                    // the gateway closed the connection
                }
            });
            long start = System.nanoTime();
            writer.start();
            InputStream in = s.getInputStream();
            RawResponse r = RawResponse.read(in, false);
            answered.countDown();
            long waited = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
            assertThat(r.status()).isEqualTo(408);
            // A whole head at this pace would take over 4 s; the deadline counts from the first byte.
            assertThat(waited).isBetween(HEAD_TIMEOUT_MS - 50, 2_000L);
            writer.join(5_000);
        }
    }

    @Test
    void connectionThatNeverSendsAByteIsClosedQuietlyAtTheIdleTimeout() throws Exception {
        try (RawClient c = RawClient.open(env.gateway())) {
            long start = System.nanoTime();
            assertThat(c.readUntilClosed()).isEmpty();
            long waited = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
            assertThat(waited).isGreaterThanOrEqualTo(IDLE_TIMEOUT_MS - 50);
        }
    }

    @Test
    void idleKeepAliveConnectionIsClosedQuietlyAfterAResponse() throws Exception {
        try (RawClient c = RawClient.open(env.gateway())) {
            assertThat(c.send("GET /upload HTTP/1.1\r\nHost: a\r\n\r\n").read().status()).isEqualTo(200);
            long start = System.nanoTime();
            assertThat(c.readUntilClosed()).isEmpty();
            long waited = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
            assertThat(waited).isGreaterThanOrEqualTo(IDLE_TIMEOUT_MS - 50);
        }
        assertThat(requestLine(env.upstream().nextHead())).isEqualTo("GET /upload HTTP/1.1");
    }

    @Test
    void emptyLinesBeforeARequestDoNotStartTheHeadTimeout() throws Exception {
        try (RawClient c = RawClient.open(env.gateway())) {
            c.send("\r\n\r\n");
            // No head has begun: no 408, only the quiet idle close.
            assertThat(c.readUntilClosed()).isEmpty();
        }
    }
}
