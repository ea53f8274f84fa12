package io.zerogate.server;

import static io.zerogate.server.EchoUpstream.requestLine;
import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** Several requests on one connection: order, refusals in between, and when the connection ends. */
class KeepAliveAndPipeliningTest {

    @RegisterExtension
    static final EchoGateway env = EchoGateway.serving(target -> """
                    services:
                      app:
                        targets: [%s]
                        tls: none
                    routes:
                      - id: items
                        match: { path: "/items/{id}" }
                        service: app
                        public: true
                      - id: admin
                        match: { path: /admin }
                        service: app
                    """.formatted(target));

    private static String get(String path) {
        return "GET " + path + " HTTP/1.1\r\nHost: a\r\n\r\n";
    }

    @Test
    void pipelinedRequestsAreAnsweredInOrder() throws Exception {
        try (RawClient c = RawClient.open(env.gateway())) {
            c.send(get("/items/1") + "POST /items/2 HTTP/1.1\r\nHost: a\r\nContent-Length: 3\r\n\r\nabc" + get("/items/3"));
            RawResponse first = c.read();
            RawResponse second = c.read();
            RawResponse third = c.read();
            assertThat(first.header("x-echo-line")).isEqualTo("GET /items/1 HTTP/1.1");
            assertThat(second.header("x-echo-line")).isEqualTo("POST /items/2 HTTP/1.1");
            assertThat(second.body()).isEqualTo("abc");
            assertThat(third.header("x-echo-line")).isEqualTo("GET /items/3 HTTP/1.1");
            c.assertStaysOpenFor(100);
        }
        assertThat(requestLine(env.upstream().nextHead())).isEqualTo("GET /items/1 HTTP/1.1");
        assertThat(requestLine(env.upstream().nextHead())).isEqualTo("POST /items/2 HTTP/1.1");
        assertThat(requestLine(env.upstream().nextHead())).isEqualTo("GET /items/3 HTTP/1.1");
    }

    @Test
    void refusalAndThenAValidRequestOnOneConnection() throws Exception {
        try (RawClient c = RawClient.open(env.gateway())) {
            RawResponse notFound = c.send(get("/nothing")).read();
            assertThat(notFound.status()).isEqualTo(404);
            assertThat(notFound.problemCode()).isEqualTo("no_route");
            RawResponse ok = c.send(get("/items/1")).read();
            assertThat(ok.status()).isEqualTo(200);
            assertThat(ok.header("x-echo-line")).isEqualTo("GET /items/1 HTTP/1.1");
        }
        assertThat(requestLine(env.upstream().nextHead())).isEqualTo("GET /items/1 HTTP/1.1");
    }

    @Test
    void pipelinedRefusalsAndValidRequestsInterleave() throws Exception {
        try (RawClient c = RawClient.open(env.gateway())) {
            c.send(get("/nothing") + get("/items/1") + get("/admin") + get("/a/../../x") + get("/items/2"));
            assertThat(c.read().problemCode()).isEqualTo("no_route");
            assertThat(c.read().header("x-echo-line")).isEqualTo("GET /items/1 HTTP/1.1");
            assertThat(c.read().problemCode()).isEqualTo("no_rule");
            assertThat(c.read().problemCode()).isEqualTo("path_rejected");
            assertThat(c.read().header("x-echo-line")).isEqualTo("GET /items/2 HTTP/1.1");
        }
        assertThat(requestLine(env.upstream().nextHead())).isEqualTo("GET /items/1 HTTP/1.1");
        assertThat(requestLine(env.upstream().nextHead())).isEqualTo("GET /items/2 HTTP/1.1");
    }

    @Test
    void malformedRequestBehindAValidOneIsAnsweredAfterItThenTheConnectionCloses() throws Exception {
        try (RawClient c = RawClient.open(env.gateway())) {
            c.send(get("/items/1") + "GET /items/2 HTTP/1.1\r\nHost: a\r\nX-A: 1\r\n folded\r\n\r\n" + get("/items/3"));
            RawResponse ok = c.read();
            assertThat(ok.status()).isEqualTo(200);
            assertThat(ok.header("x-echo-line")).isEqualTo("GET /items/1 HTTP/1.1");
            RawResponse bad = c.read();
            assertThat(bad.status()).isEqualTo(400);
            assertThat(bad.problemCode()).isEqualTo("invalid_header");
            assertThat(bad.announcesClose()).isTrue();
            c.assertClosedByPeer();
        }
        assertThat(requestLine(env.upstream().nextHead())).isEqualTo("GET /items/1 HTTP/1.1");
    }

    @Test
    void malformedChunkedBodyBehindAValidRequest() throws Exception {
        try (RawClient c = RawClient.open(env.gateway())) {
            c.send(get("/items/1") + "POST /items/2 HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n" + get("/items/3"));
            assertThat(c.read().status()).isEqualTo(200);
            RawResponse bad = c.read();
            assertThat(bad.status()).isEqualTo(400);
            assertThat(bad.problemCode()).isEqualTo("ambiguous_framing");
            c.assertClosedByPeer();
        }
        assertThat(requestLine(env.upstream().nextHead())).isEqualTo("GET /items/1 HTTP/1.1");
        // The second request's head may have been streamed before its body broke; never its end, never the third.
        String maybe = env.upstream().heads().poll();
        if (maybe != null) {
            assertThat(requestLine(maybe)).isEqualTo("POST /items/2 HTTP/1.1");
        }
        assertThat(env.upstream().nextBody()).isEmpty();
        assertThat(env.upstream().bodies()).isEmpty();
    }

    @Test
    void refusedRequestWithAnUnreadBodyClosesTheConnection() throws Exception {
        try (RawClient c = RawClient.open(env.gateway())) {
            RawResponse r = c.send("POST /nothing HTTP/1.1\r\nHost: a\r\nContent-Length: 5\r\n\r\nhello" + get("/items/1")).read();
            assertThat(r.status()).isEqualTo(404);
            assertThat(r.announcesClose()).isTrue();
            c.assertClosedByPeer();
        }
    }

    @Test
    void http10WithoutKeepAliveIsAnsweredAndClosed() throws Exception {
        try (RawClient c = RawClient.open(env.gateway())) {
            RawResponse r = c.send("GET /items/1 HTTP/1.0\r\n\r\n").read();
            assertThat(r.status()).isEqualTo(200);
            assertThat(r.announcesClose()).isTrue();
            c.assertClosedByPeer();
        }
        assertThat(requestLine(env.upstream().nextHead())).isEqualTo("GET /items/1 HTTP/1.1");
    }

    @Test
    void http10WithKeepAliveStaysOpen() throws Exception {
        try (RawClient c = RawClient.open(env.gateway())) {
            RawResponse first = c.send("GET /items/1 HTTP/1.0\r\nConnection: keep-alive\r\n\r\n").read();
            assertThat(first.status()).isEqualTo(200);
            assertThat(first.header("connection")).isEqualToIgnoringCase("keep-alive");
            RawResponse refused = c.send("GET /nothing HTTP/1.0\r\nConnection: keep-alive\r\n\r\n").read();
            assertThat(refused.status()).isEqualTo(404);
            assertThat(refused.header("connection")).isEqualToIgnoringCase("keep-alive");
            RawResponse last = c.send("GET /items/2 HTTP/1.0\r\n\r\n").read();
            assertThat(last.status()).isEqualTo(200);
            assertThat(last.announcesClose()).isTrue();
            c.assertClosedByPeer();
        }
        assertThat(requestLine(env.upstream().nextHead())).isEqualTo("GET /items/1 HTTP/1.1");
        assertThat(requestLine(env.upstream().nextHead())).isEqualTo("GET /items/2 HTTP/1.1");
    }

    @Test
    void connectionCloseFromAnHttp11Client() throws Exception {
        try (RawClient c = RawClient.open(env.gateway())) {
            RawResponse r = c.send("GET /items/1 HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n" + get("/items/2")).read();
            assertThat(r.status()).isEqualTo(200);
            assertThat(r.announcesClose()).isTrue();
            c.assertClosedByPeer();
        }
        assertThat(requestLine(env.upstream().nextHead())).isEqualTo("GET /items/1 HTTP/1.1");
    }
}
