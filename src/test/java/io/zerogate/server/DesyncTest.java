package io.zerogate.server;

import static org.assertj.core.api.Assertions.assertThat;

import io.zerogate.testing.RunningGateway;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Attempts to make the gateway and the upstream disagree about where one request ends and the next begins
 * (CL.TE, TE.CL, bodies that hold a request, malformed chunked bodies). The upstream counts the request
 * heads it reads; after each attempt a canary request proves what, if anything, was left on the upstream
 * connection: the canary must be the next head the upstream reads.
 */
class DesyncTest {

    private static final String HIDDEN = "GET /admin HTTP/1.1\r\nHost: a\r\n\r\n";

    private static EchoUpstream up;
    private static RunningGateway gw;

    @BeforeAll
    static void start() throws Exception {
        up = EchoUpstream.start();
        gw = RunningGateway.start("""
                services:
                  app:
                    targets: [%s]
                    tls: none
                routes:
                  - id: public
                    match: { path: "/public/{x}" }
                    service: app
                    public: true
                  - id: canary
                    match: { path: /canary }
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
        up.clear();
    }

    /** Sends a canary on a new connection and returns every request line the upstream read, canary last. */
    private static List<String> requestLinesUpToCanary() throws Exception {
        try (RawClient c = RawClient.open(gw)) {
            RawResponse r = c.send("GET /canary HTTP/1.1\r\nHost: a\r\n\r\n").read();
            assertThat(r.status()).isEqualTo(200);
        }
        List<String> lines = new ArrayList<>();
        String line;
        do {
            line = EchoUpstream.requestLine(up.nextHead());
            lines.add(line);
        } while (!line.equals("GET /canary HTTP/1.1"));
        return lines;
    }

    // ---- a request hidden in a body stays a body ---------------------------------------------------------

    @Test
    void requestInsideAContentLengthBodyIsForwardedAsBody() throws Exception {
        try (RawClient c = RawClient.open(gw)) {
            RawResponse r = c.send("POST /public/a HTTP/1.1\r\nHost: a\r\nContent-Length: " + HIDDEN.length() + "\r\n\r\n" + HIDDEN)
                    .read();
            assertThat(r.status()).isEqualTo(200);
            assertThat(r.body()).isEqualTo(HIDDEN);
            c.assertStaysOpenFor(100);
        }
        assertThat(up.nextBody()).isEqualTo(HIDDEN);
        assertThat(requestLinesUpToCanary()).containsExactly("POST /public/a HTTP/1.1", "GET /canary HTTP/1.1");
    }

    @Test
    void requestInsideAChunkIsForwardedAsBody() throws Exception {
        try (RawClient c = RawClient.open(gw)) {
            RawResponse r = c.send("POST /public/a HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n"
                    + Integer.toHexString(HIDDEN.length()) + "\r\n" + HIDDEN + "\r\n0\r\n\r\n").read();
            assertThat(r.status()).isEqualTo(200);
            assertThat(r.body()).isEqualTo(HIDDEN);
        }
        String head = up.nextHead();
        assertThat(EchoUpstream.headerValues(head, "transfer-encoding")).containsExactly("chunked");
        assertThat(EchoUpstream.headerValues(head, "content-length")).isEmpty();
        assertThat(up.nextBody()).isEqualTo(HIDDEN);
        assertThat(requestLinesUpToCanary()).containsExactly("GET /canary HTTP/1.1");
    }

    @ParameterizedTest
    @ValueSource(strings = {"chunked", "Chunked", "CHUNKED", "\t chunked \t"})
    void chunkedIsForwardedInItsOneCanonicalSpelling(String value) throws Exception {
        // An upstream that matched "chunked" case-sensitively would read this body as the next request.
        try (RawClient c = RawClient.open(gw)) {
            RawResponse r = c.send("POST /public/a HTTP/1.1\r\nHost: a\r\nTransfer-Encoding:" + value + "\r\n\r\n"
                    + "5\r\nhello\r\n0\r\n\r\n").read();
            assertThat(r.status()).isEqualTo(200);
            assertThat(r.body()).isEqualTo("hello");
        }
        String head = up.nextHead();
        assertThat(EchoUpstream.headerValues(head, "transfer-encoding")).containsExactly("chunked");
        assertThat(up.nextBody()).isEqualTo("hello");
    }

    // ---- bytes after the body are a new request, checked on their own -------------------------------------

    @Test
    void bytesBeyondTheContentLengthAreTheNextRequestAndAreRoutedOnTheirOwn() throws Exception {
        try (RawClient c = RawClient.open(gw)) {
            c.send("POST /public/a HTTP/1.1\r\nHost: a\r\nContent-Length: 5\r\n\r\nhello" + HIDDEN);
            RawResponse first = c.read();
            assertThat(first.status()).isEqualTo(200);
            assertThat(first.body()).isEqualTo("hello");
            RawResponse second = c.read();
            assertThat(second.status()).isEqualTo(403);
            assertThat(second.problemCode()).isEqualTo("no_rule");
        }
        assertThat(up.nextBody()).isEqualTo("hello");
        assertThat(requestLinesUpToCanary()).containsExactly("POST /public/a HTTP/1.1", "GET /canary HTTP/1.1");
    }

    @Test
    void bytesAfterTheLastChunkAreTheNextRequestAndAreRoutedOnTheirOwn() throws Exception {
        try (RawClient c = RawClient.open(gw)) {
            c.send("POST /public/a HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\n\r\n" + HIDDEN);
            RawResponse first = c.read();
            assertThat(first.status()).isEqualTo(200);
            assertThat(first.body()).isEqualTo("hello");
            RawResponse second = c.read();
            assertThat(second.status()).isEqualTo(403);
            assertThat(second.problemCode()).isEqualTo("no_rule");
        }
        assertThat(up.nextBody()).isEqualTo("hello");
        assertThat(requestLinesUpToCanary()).containsExactly("POST /public/a HTTP/1.1", "GET /canary HTTP/1.1");
    }

    // ---- classic CL.TE and TE.CL payloads ------------------------------------------------------------------

    @Test
    void clTe() throws Exception {
        // A front end that believes Content-Length forwards all of it; one that believes chunked stops at 0.
        String smuggled = "0\r\n\r\nGET /admin HTTP/1.1\r\nX: ";
        String wire = gw.exchange("POST /public/a HTTP/1.1\r\nHost: a\r\nContent-Length: " + smuggled.length()
                + "\r\nTransfer-Encoding: chunked\r\n\r\n" + smuggled);
        RawResponse r = RawResponse.parseOne(wire);
        assertThat(r.status()).isEqualTo(400);
        assertThat(r.problemCode()).isEqualTo("ambiguous_framing");
        assertThat(r.announcesClose()).isTrue();
        assertThat(requestLinesUpToCanary()).containsExactly("GET /canary HTTP/1.1");
    }

    @Test
    void teCl() throws Exception {
        String chunk = "GET /admin HTTP/1.1\r\nHost: a\r\nContent-Length: 10\r\n\r\nx=";
        String wire = gw.exchange("POST /public/a HTTP/1.1\r\nHost: a\r\nContent-Length: 4\r\nTransfer-Encoding: chunked\r\n\r\n"
                + Integer.toHexString(chunk.length()) + "\r\n" + chunk + "\r\n0\r\n\r\n");
        RawResponse r = RawResponse.parseOne(wire);
        assertThat(r.status()).isEqualTo(400);
        assertThat(r.problemCode()).isEqualTo("ambiguous_framing");
        assertThat(r.announcesClose()).isTrue();
        assertThat(requestLinesUpToCanary()).containsExactly("GET /canary HTTP/1.1");
    }

    // ---- malformed chunked bodies ---------------------------------------------------------------------------

    /** Chunked bodies that go wrong after a valid first chunk ({@code 5\r\nhello\r\n}). */
    @ParameterizedTest
    @ValueSource(strings = {
            "zz\r\nhello\r\n0\r\n\r\n",                 // not hex
            "-1\r\nhello\r\n0\r\n\r\n",                 // signed
            "ffffffffffffffffff\r\nhello\r\n0\r\n\r\n", // overflows
            "0x5\r\nhello\r\n0\r\n\r\n",                // hex prefix
            "5 x\r\nhello\r\n0\r\n\r\n",                // junk after the size
            "5;a\u0001b\r\nhello\r\n0\r\n\r\n",         // control byte in an extension
            "5;a=\"open\r\nhello\r\n0\r\n\r\n",        // unterminated quoted extension value
            "\r\nhello\r\n0\r\n\r\n",                   // empty size
            "5\nhello\r\n0\r\n\r\n",                    // bare LF after the size
            "5\r\nhelloX0\r\n\r\n",                     // data not followed by CRLF
            "5\r\nhello\n0\r\n\r\n",                    // data followed by a bare LF
            "5\r\nhelloworld\r\n0\r\n\r\n",             // more data than the size
    })
    void malformedChunkIsRefusedAndNothingCompleteReachesTheUpstream(String rest) throws Exception {
        String head = "POST /public/a HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n";
        try (RawClient c = RawClient.open(gw)) {
            c.send(head + "5\r\nhello\r\n");
            // The head is streamed on as soon as the chain allows it; wait until the upstream has it.
            assertThat(EchoUpstream.requestLine(up.nextHead())).isEqualTo("POST /public/a HTTP/1.1");
            c.send(rest);
            RawResponse r = c.read();
            assertThat(r.status()).isEqualTo(400);
            assertThat(r.problemCode()).isEqualTo("ambiguous_framing");
            assertThat(r.announcesClose()).isTrue();
            c.assertClosedByPeer();
        }
        // The upstream connection was cut mid-body: no complete request, no second request.
        assertThat(requestLinesUpToCanary()).containsExactly("GET /canary HTTP/1.1");
        assertThat(up.nextBody()).as("the canary's body").isEmpty();
        assertThat(up.bodies()).as("complete bodies besides the canary's").isEmpty();
    }

    @ParameterizedTest
    @ValueSource(strings = {"zz\r\n", "-1\r\n", "ffffffffffffffffff\r\n", "5;\u0001\r\n", "5\r\nhelloX0\r\n\r\n"})
    void malformedChunkInTheSameWriteAsTheHeadIsRefused(String body) throws Exception {
        String wire = gw.exchange("POST /public/a HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n" + body
                + HIDDEN);
        RawResponse r = RawResponse.parseOne(wire);
        assertThat(r.status()).isEqualTo(400);
        assertThat(r.problemCode()).isEqualTo("ambiguous_framing");
        assertThat(r.announcesClose()).isTrue();
        List<String> lines = new ArrayList<>(requestLinesUpToCanary());
        // The cut request travels on another upstream connection than the canary, so the upstream may read its
        // head after the canary's: collect what still arrives until the upstream has been quiet for a moment, so
        // that nothing of this request spills into the next test.
        for (String late; (late = up.heads().poll(300, java.util.concurrent.TimeUnit.MILLISECONDS)) != null; ) {
            lines.add(EchoUpstream.requestLine(late));
        }
        // The head may have been streamed before the bad chunk was read; never a complete request, never the
        // hidden one.
        assertThat(lines).contains("GET /canary HTTP/1.1").doesNotContain("GET /admin HTTP/1.1");
        assertThat(lines).filteredOn(l -> !l.equals("GET /canary HTTP/1.1")).allMatch(l -> l.equals("POST /public/a HTTP/1.1"));
        assertThat(up.nextBody()).as("the canary's body").isEmpty();
        assertThat(up.bodies()).isEmpty();
    }
}
