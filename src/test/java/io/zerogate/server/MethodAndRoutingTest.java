package io.zerogate.server;

import static org.assertj.core.api.Assertions.assertThat;

import io.zerogate.testing.RunningGateway;
import io.zerogate.testing.TestUpstream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Answers that come from routing (404, 405, 403) and how HEAD responses are framed on the way back. */
class MethodAndRoutingTest {

    private static TestUpstream up;
    private static RunningGateway gw;

    @BeforeAll
    static void start() throws Exception {
        // Answers every request with a chunked body; a HEAD request gets the same head and no body at all.
        up = TestUpstream.start((socket, self) -> {
            InputStream in = socket.getInputStream();
            OutputStream out = socket.getOutputStream();
            while (true) {
                String head = self.readHead(in);
                if (head == null) {
                    return;
                }
                self.skipBody(head, in);
                String response = "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nTransfer-Encoding: chunked\r\n\r\n";
                if (!head.startsWith("HEAD ")) {
                    response += "5\r\nhello\r\n6\r\n world\r\n0\r\n\r\n";
                }
                out.write(response.getBytes(StandardCharsets.ISO_8859_1));
                out.flush();
            }
        });
        gw = RunningGateway.start("""
                services:
                  app:
                    targets: [%s]
                    tls: none
                routes:
                  - id: items
                    match: { methods: [GET, HEAD], path: "/items/{id}" }
                    service: app
                    public: true
                  - id: create
                    match: { methods: [POST], path: /items }
                    service: app
                    public: true
                  - id: admin
                    match: { path: /admin }
                    service: app
                """.formatted(up.target()));
    }

    @AfterAll
    static void stop() throws IOException {
        gw.close();
        up.close();
    }

    @BeforeEach
    void forgetEarlierTests() {
        up.heads().clear();
    }

    private static void assertProblem(RawResponse r, int status, String code) {
        assertThat(r.status()).as(r.raw()).isEqualTo(status);
        assertThat(r.problemCode()).isEqualTo(code);
        assertThat(r.header("content-type")).isEqualTo("application/problem+json");
        assertThat(r.header("cache-control")).isEqualTo("no-store");
        assertThat(r.header("content-length")).isEqualTo(String.valueOf(r.body().length()));
        assertThat(r.header("x-request-id")).matches("[0-9a-f]{32}").isEqualTo(r.problemRequestId());
        assertThat(r.body()).startsWith("{\"type\":\"urn:zerogate:problem:" + code + "\"");
    }

    @Test
    void noRouteIsAProblemAndTheConnectionStays() throws Exception {
        try (RawClient c = RawClient.open(gw)) {
            RawResponse r = c.send("GET /nothing/here HTTP/1.1\r\nHost: a\r\n\r\n").read();
            assertProblem(r, 404, "no_route");
            assertThat(r.header("connection")).isNull();
            assertThat(c.send("GET /items/1 HTTP/1.1\r\nHost: a\r\n\r\n").read().body()).isEqualTo("hello world");
        }
        assertThat(EchoUpstream.requestLine(up.nextHead())).isEqualTo("GET /items/1 HTTP/1.1");
        assertThat(up.heads()).isEmpty();
    }

    @Test
    void methodNotRoutedIsA405WithAllow() throws Exception {
        try (RawClient c = RawClient.open(gw)) {
            RawResponse r = c.send("DELETE /items/1 HTTP/1.1\r\nHost: a\r\n\r\n").read();
            assertProblem(r, 405, "method_not_allowed");
            assertThat(r.header("allow")).isEqualTo("GET, HEAD");
            RawResponse lower = c.send("get /items/1 HTTP/1.1\r\nHost: a\r\n\r\n").read();
            assertProblem(lower, 405, "method_not_allowed");
            RawResponse post = c.send("PUT /items HTTP/1.1\r\nHost: a\r\n\r\n").read();
            assertProblem(post, 405, "method_not_allowed");
            assertThat(post.header("allow")).isEqualTo("POST");
        }
        assertThat(up.heads()).isEmpty();
    }

    @Test
    void connectIsRefused() throws Exception {
        RawResponse r = RawResponse.parseOne(gw.exchange(
                "CONNECT a.example:443 HTTP/1.1\r\nHost: a.example:443\r\nConnection: close\r\n\r\n"));
        assertProblem(r, 405, "method_not_allowed");
        assertThat(up.heads()).isEmpty();
        assertThat(up.connections()).isZero();
    }

    @Test
    void connectWithATunnelledRequestBehindIt() throws Exception {
        // Bytes a client sends after CONNECT are read as the next request and checked like any other.
        try (RawClient c = RawClient.open(gw)) {
            c.send("CONNECT a.example:443 HTTP/1.1\r\nHost: a.example:443\r\n\r\nGET /admin HTTP/1.1\r\nHost: a\r\n\r\n");
            assertProblem(c.read(), 405, "method_not_allowed");
            assertProblem(c.read(), 403, "no_rule");
        }
        assertThat(up.heads()).isEmpty();
    }

    @Test
    void routeWithoutARuleIsForbidden() throws Exception {
        try (RawClient c = RawClient.open(gw)) {
            RawResponse r = c.send("GET /admin HTTP/1.1\r\nHost: a\r\n\r\n").read();
            assertProblem(r, 403, "no_rule");
            // Refused before anything was sent upstream, with no body to skip: the connection stays.
            assertThat(c.send("GET /items/2 HTTP/1.1\r\nHost: a\r\n\r\n").read().status()).isEqualTo(200);
        }
        assertThat(EchoUpstream.requestLine(up.nextHead())).isEqualTo("GET /items/2 HTTP/1.1");
        assertThat(up.heads()).isEmpty();
    }

    @Test
    void routeWithoutARuleIsForbiddenAndItsBodyIsNeverSent() throws Exception {
        RawResponse r = RawResponse.parseOne(gw.exchange("POST /admin HTTP/1.1\r\nHost: a\r\nContent-Length: 5\r\n\r\nhello"));
        assertProblem(r, 403, "no_rule");
        assertThat(r.announcesClose()).isTrue();
        assertThat(up.heads()).isEmpty();
    }

    @Test
    void headToAChunkedResponseGetsTheHeadOnlyAndTheConnectionStaysUsable() throws Exception {
        try (RawClient c = RawClient.open(gw)) {
            RawResponse head = c.send("HEAD /items/1 HTTP/1.1\r\nHost: a\r\n\r\n").readHeadResponse();
            assertThat(head.status()).isEqualTo(200);
            assertThat(head.raw()).endsWith("\r\n\r\n");
            // A stray terminating chunk would be read here in place of the next status line.
            RawResponse get = c.send("GET /items/1 HTTP/1.1\r\nHost: a\r\n\r\n").read();
            assertThat(get.status()).isEqualTo(200);
            assertThat(get.body()).isEqualTo("hello world");
            RawResponse again = c.send("HEAD /items/3 HTTP/1.1\r\nHost: a\r\n\r\nGET /items/4 HTTP/1.1\r\nHost: a\r\n\r\n")
                    .readHeadResponse();
            assertThat(again.status()).isEqualTo(200);
            assertThat(c.read().body()).isEqualTo("hello world");
        }
        assertThat(EchoUpstream.requestLine(up.nextHead())).isEqualTo("HEAD /items/1 HTTP/1.1");
        assertThat(EchoUpstream.requestLine(up.nextHead())).isEqualTo("GET /items/1 HTTP/1.1");
        assertThat(EchoUpstream.requestLine(up.nextHead())).isEqualTo("HEAD /items/3 HTTP/1.1");
        assertThat(EchoUpstream.requestLine(up.nextHead())).isEqualTo("GET /items/4 HTTP/1.1");
    }

    @Test
    void headToARefusedRouteGetsTheProblemHeadWithoutItsBody() throws Exception {
        try (RawClient c = RawClient.open(gw)) {
            RawResponse r = c.send("HEAD /nothing HTTP/1.1\r\nHost: a\r\n\r\n").readHeadResponse();
            assertThat(r.status()).isEqualTo(404);
            assertThat(r.header("content-type")).isEqualTo("application/problem+json");
            assertThat(Integer.parseInt(r.header("content-length"))).isPositive();
            RawResponse next = c.send("GET /items/5 HTTP/1.1\r\nHost: a\r\n\r\n").read();
            assertThat(next.status()).isEqualTo(200);
        }
        assertThat(EchoUpstream.requestLine(up.nextHead())).isEqualTo("GET /items/5 HTTP/1.1");
    }
}
