package io.zerogate.server;

import static org.assertj.core.api.Assertions.assertThat;

import io.zerogate.testing.RunningGateway;
import java.io.IOException;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Request heads whose framing or syntax an intermediary and a back end could read differently. Every one
 * must be answered with 400 (or 414/431) and {@code Connection: close}, the connection must end, and the
 * upstream must never even be connected to: a refusal here happens before routing.
 */
class SmugglingTest {

    private static EchoUpstream up;
    private static RunningGateway gw;

    @BeforeAll
    static void start() throws Exception {
        up = EchoUpstream.start();
        gw = RunningGateway.start("""
                limits: { max_request_line: 512, max_header_size: 1KiB, max_header_count: 20 }
                services:
                  app:
                    targets: [%s]
                    tls: none
                routes:
                  - id: root
                    match: { path: / }
                    service: app
                    public: true
                  - id: all
                    match: { path: "/{rest...}" }
                    service: app
                    public: true
                """.formatted(up.target()));
    }

    @AfterAll
    static void stop() throws IOException {
        gw.close();
        up.close();
    }

    private int connectionsBefore;

    @BeforeEach
    void forgetEarlierTests() {
        up.clear();
        connectionsBefore = up.connections();
    }

    @AfterEach
    void nothingReachedTheUpstream() {
        assertThat(up.connections() - connectionsBefore).as("upstream connections").isZero();
        assertThat(up.heads()).as("request heads the upstream received").isEmpty();
    }

    /** Sends {@code raw} on a fresh connection, which must come back as one refusal followed by a close. */
    private static RawResponse refused(String raw, int status, String code) throws IOException {
        // exchange() returns only once the gateway has closed the connection.
        RawResponse r = RawResponse.parseOne(gw.exchange(raw));
        assertThat(r.status()).as("status of\n%s", r.raw()).isEqualTo(status);
        assertThat(r.problemCode()).as("problem code of\n%s", r.raw()).isEqualTo(code);
        assertThat(r.header("content-type")).isEqualTo("application/problem+json");
        assertThat(r.announcesClose()).as("Connection: close in\n%s", r.raw()).isTrue();
        assertThat(r.header("x-request-id")).isNotNull().isEqualTo(r.problemRequestId());
        return r;
    }

    // ---- Content-Length and Transfer-Encoding -----------------------------------------------------------

    @Test
    void contentLengthWithTransferEncoding() throws IOException {
        refused("POST /x HTTP/1.1\r\nHost: a\r\nContent-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n",
                400, "ambiguous_framing");
    }

    @Test
    void transferEncodingBeforeContentLength() throws IOException {
        refused("POST /x HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\nContent-Length: 0\r\n\r\n0\r\n\r\n",
                400, "ambiguous_framing");
    }

    @Test
    void twoEqualContentLengths() throws IOException {
        refused("POST /x HTTP/1.1\r\nHost: a\r\nContent-Length: 5\r\nContent-Length: 5\r\n\r\nhello",
                400, "ambiguous_framing");
    }

    @Test
    void twoDifferentContentLengths() throws IOException {
        refused("POST /x HTTP/1.1\r\nHost: a\r\nContent-Length: 5\r\nContent-Length: 23\r\n\r\nhello",
                400, "ambiguous_framing");
    }

    @Test
    void contentLengthList() throws IOException {
        refused("POST /x HTTP/1.1\r\nHost: a\r\nContent-Length: 5, 5\r\n\r\nhello", 400, "ambiguous_framing");
    }

    @Test
    void twoDifferentContentLengthsInHttp10() throws IOException {
        refused("POST /x HTTP/1.0\r\nContent-Length: 5\r\nContent-Length: 23\r\n\r\nhello", 400, "ambiguous_framing");
    }

    @ParameterizedTest
    @ValueSource(strings = {"abc", "-1", "+5", "0x5", "5 5", "5.0", "", "99999999999999999999", "\t-0"})
    void contentLengthThatIsNotADecimalNumber(String value) throws IOException {
        refused("POST /x HTTP/1.1\r\nHost: a\r\nContent-Length: " + value + "\r\n\r\nhello", 400, "ambiguous_framing");
    }

    @ParameterizedTest
    @ValueSource(strings = {"gzip, chunked", "chunked, chunked", "chunked,chunked", "xchunked", "chunked, gzip",
            "identity", "chunked;q=1", "\"chunked\"", ""})
    void transferEncodingOtherThanExactlyChunked(String value) throws IOException {
        refused("POST /x HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: " + value + "\r\n\r\n0\r\n\r\n", 400, "ambiguous_framing");
    }

    @Test
    void twoTransferEncodingFields() throws IOException {
        refused("POST /x HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n",
                400, "ambiguous_framing");
    }

    @Test
    void transferEncodingFieldsThatCombineToGzipThenChunked() throws IOException {
        refused("POST /x HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: gzip\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n",
                400, "ambiguous_framing");
    }

    @Test
    void transferEncodingInHttp10() throws IOException {
        refused("POST /x HTTP/1.0\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n", 400, "ambiguous_framing");
    }

    @Test
    void transferEncodingHiddenAsAContinuationLine() throws IOException {
        refused("POST /x HTTP/1.1\r\nHost: a\r\nContent-Length: 5\r\n Transfer-Encoding: chunked\r\n\r\n0\r\n\r\n",
                400, "invalid_header");
    }

    @Test
    void transferEncodingWithSpaceBeforeColon() throws IOException {
        refused("POST /x HTTP/1.1\r\nHost: a\r\nContent-Length: 5\r\nTransfer-Encoding : chunked\r\n\r\n0\r\n\r\n",
                400, "invalid_header");
    }

    @Test
    void contentLengthWithTabBeforeColon() throws IOException {
        refused("POST /x HTTP/1.1\r\nHost: a\r\nContent-Length\t: 5\r\n\r\nhello", 400, "invalid_header");
    }

    @ParameterizedTest
    @ValueSource(strings = {"\u000bchunked", "\u000cchunked", "chunked\u0000", "\rchunked"})
    void transferEncodingWithControlBytesAsWhitespace(String value) throws IOException {
        String code = value.charAt(0) == '\r' ? "malformed_request" : "invalid_header";
        refused("POST /x HTTP/1.1\r\nHost: a\r\nContent-Length: 5\r\nTransfer-Encoding: " + value + "\r\n\r\n0\r\n\r\n",
                400, code);
    }

    @ParameterizedTest
    @ValueSource(strings = {"  chunked", "\tchunked", "chunked \t", "\u0085chunked", "\u00a0chunked"})
    void transferEncodingWithOtherWhitespaceBesideContentLength(String value) throws IOException {
        refused("POST /x HTTP/1.1\r\nHost: a\r\nContent-Length: 5\r\nTransfer-Encoding:" + value + "\r\n\r\n0\r\n\r\n",
                400, "ambiguous_framing");
    }

    // ---- line structure ------------------------------------------------------------------------------

    @Test
    void obsFoldWithSpace() throws IOException {
        refused("GET /x HTTP/1.1\r\nHost: a\r\nX-A: 1\r\n  folded\r\n\r\n", 400, "invalid_header");
    }

    @Test
    void obsFoldWithTab() throws IOException {
        refused("GET /x HTTP/1.1\r\nHost: a\r\nX-A: 1\r\n\tfolded\r\n\r\n", 400, "invalid_header");
    }

    @Test
    void whitespaceBetweenHeaderNameAndColon() throws IOException {
        refused("GET /x HTTP/1.1\r\nHost : a\r\n\r\n", 400, "invalid_header");
    }

    @Test
    void headerLineWithoutColon() throws IOException {
        refused("GET /x HTTP/1.1\r\nHost: a\r\nX-A\r\n\r\n", 400, "invalid_header");
    }

    @Test
    void emptyHeaderName() throws IOException {
        refused("GET /x HTTP/1.1\r\nHost: a\r\n: value\r\n\r\n", 400, "invalid_header");
    }

    @Test
    void crInsideAHeaderValue() throws IOException {
        refused("GET /x HTTP/1.1\r\nHost: a\r\nX-A: one\rX-B: two\r\n\r\n", 400, "malformed_request");
    }

    @Test
    void lfInsideAHeaderValue() throws IOException {
        refused("GET /x HTTP/1.1\r\nHost: a\r\nX-A: one\nTransfer-Encoding: chunked\r\n\r\n", 400, "malformed_request");
    }

    @Test
    void nulInsideAHeaderName() throws IOException {
        refused("GET /x HTTP/1.1\r\nHost: a\r\nX-\u0000A: 1\r\n\r\n", 400, "invalid_header");
    }

    @Test
    void nulInsideAHeaderValue() throws IOException {
        refused("GET /x HTTP/1.1\r\nHost: a\r\nX-A: 1\u00002\r\n\r\n", 400, "invalid_header");
    }

    @Test
    void deleteInsideAHeaderValue() throws IOException {
        refused("GET /x HTTP/1.1\r\nHost: a\r\nX-A: 1\u007f2\r\n\r\n", 400, "invalid_header");
    }

    @Test
    void bareLfAfterTheRequestLine() throws IOException {
        refused("GET /x HTTP/1.1\nHost: a\r\n\r\n", 400, "malformed_request");
    }

    @Test
    void bareLfAfterAHeader() throws IOException {
        refused("GET /x HTTP/1.1\r\nHost: a\nX-A: 1\r\n\r\n", 400, "malformed_request");
    }

    @Test
    void bareLfEverywhere() throws IOException {
        refused("GET /x HTTP/1.1\nHost: a\n\n", 400, "malformed_request");
    }

    @Test
    void bareLfEndingTheHead() throws IOException {
        refused("GET /x HTTP/1.1\r\nHost: a\r\n\n", 400, "malformed_request");
    }

    @Test
    void bareCrAfterTheRequestLine() throws IOException {
        refused("GET /x HTTP/1.1\rHost: a\r\n\r\n", 400, "malformed_request");
    }

    @Test
    void bareCrEndingTheHead() throws IOException {
        refused("GET /x HTTP/1.1\r\nHost: a\r\n\r\r\n", 400, "malformed_request");
    }

    @ParameterizedTest
    @ValueSource(strings = {"GET  /x HTTP/1.1", "GET /x  HTTP/1.1", "GET\t/x HTTP/1.1", "GET /x\tHTTP/1.1",
            " GET /x HTTP/1.1", "GET /x HTTP/1.1 ", "GET /x HTTP/1.1\t", "GET /a b HTTP/1.1", "GET /x", "GET",
            "GET\u000b/x HTTP/1.1"})
    void requestLineWithOddSpacing(String requestLine) throws IOException {
        refused(requestLine + "\r\nHost: a\r\n\r\n", 400, "malformed_request");
    }

    @ParameterizedTest
    @ValueSource(strings = {"http/1.1", "Http/1.1", "HTTP/1.2", "HTTP/2.0", "HTTP/0.9", "HTTP/1", "HTTP/1.1.1",
            "HTTP/01.1", "HTTPS/1.1", "FOO/1.1", "1.1", "HTTP/1.1x"})
    void unknownProtocolVersion(String version) throws IOException {
        refused("GET /x " + version + "\r\nHost: a\r\n\r\n", 400, "malformed_request");
    }

    // ---- sizes ------------------------------------------------------------------------------------------

    @Test
    void requestLineOverTheLimit() throws IOException {
        refused("GET /" + "a".repeat(600) + " HTTP/1.1\r\nHost: a\r\n\r\n", 414, "uri_too_long");
    }

    @Test
    void requestLineOverTheLimitWithoutAnEnd() throws IOException {
        // The gateway must not wait for a line end that never comes.
        try (RawClient c = RawClient.open(gw)) {
            c.send("GET /" + "a".repeat(600));
            RawResponse r = c.read();
            assertThat(r.status()).isEqualTo(414);
            assertThat(r.problemCode()).isEqualTo("uri_too_long");
            c.assertClosedByPeer();
        }
    }

    @Test
    void headerSectionOverTheLimit() throws IOException {
        refused("GET /x HTTP/1.1\r\nHost: a\r\nX-Big: " + "b".repeat(1100) + "\r\n\r\n", 431, "headers_too_large");
    }

    @Test
    void headerSectionOverTheLimitInManySmallFields() throws IOException {
        StringBuilder head = new StringBuilder("GET /x HTTP/1.1\r\nHost: a\r\n");
        for (int i = 0; i < 8; i++) {
            head.append("X-Field-").append(i).append(": ").append("v".repeat(150)).append("\r\n");
        }
        refused(head.append("\r\n").toString(), 431, "headers_too_large");
    }

    @Test
    void headerFieldsUpToTheLimitAreForwarded() throws Exception {
        try (EchoUpstream other = EchoUpstream.start();
             RunningGateway g = RunningGateway.start("""
                     limits: { max_header_count: 5 }
                     services:
                       app:
                         targets: [%s]
                         tls: none
                     routes:
                       - id: all
                         match: { path: "/{rest...}" }
                         service: app
                         public: true
                     """.formatted(other.target()))) {
            String fields = "GET /x HTTP/1.1\r\nHost: a\r\nX-1: 1\r\nX-2: 2\r\nX-3: 3\r\nConnection: close\r\n";
            assertThat(RawResponse.parseOne(g.exchange(fields + "\r\n")).status()).isEqualTo(200);
            assertThat(EchoUpstream.headerValues(other.nextHead(), "x-3")).containsExactly("3");
            RawResponse r = RawResponse.parseOne(g.exchange(fields + "X-4: 4\r\n\r\n"));
            assertThat(r.status()).isEqualTo(431);
            assertThat(r.problemCode()).isEqualTo("headers_too_large");
            assertThat(other.heads()).isEmpty();
        }
    }

    @Test
    void tooManyHeaderFields() throws IOException {
        StringBuilder head = new StringBuilder("GET /x HTTP/1.1\r\nHost: a\r\n");
        for (int i = 0; i < 20; i++) {
            head.append("X-").append(i).append(": 1\r\n");
        }
        refused(head.append("\r\n").toString(), 431, "headers_too_large");
    }
}
