package io.zerogate.server;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http2.DefaultHttp2Headers;
import io.netty.handler.codec.http2.Http2Headers;
import io.zerogate.chain.ReasonCode;
import org.junit.jupiter.api.Test;

/**
 * The HTTP/2 to HTTP/1.1 head conversion on its own, with header blocks Netty's decoder would already have
 * refused in part: the conversion must refuse them too, whatever the decoder lets through.
 */
class Http2RequestHeadTest {

    private static Http2Headers block(String... fields) {
        Http2Headers h = new DefaultHttp2Headers(false);
        for (int i = 0; i < fields.length; i += 2) {
            h.add(fields[i], fields[i + 1]);
        }
        return h;
    }

    private static Http2Headers get(String... extra) {
        Http2Headers h = block(":method", "GET", ":scheme", "https", ":authority", "api.example.com", ":path", "/a?b=c");
        for (int i = 0; i < extra.length; i += 2) {
            h.add(extra[i], extra[i + 1]);
        }
        return h;
    }

    private static HttpRequest converted(Http2Headers h, boolean endStream) {
        Http2RequestHead.Result r = Http2RequestHead.convert(h, endStream);
        assertThat(r).isInstanceOf(Http2RequestHead.Converted.class);
        return ((Http2RequestHead.Converted) r).request();
    }

    private static void refused(Http2Headers h, boolean endStream, ReasonCode reason, String detail) {
        Http2RequestHead.Result r = Http2RequestHead.convert(h, endStream);
        assertThat(r).isInstanceOf(Http2RequestHead.Malformed.class);
        Http2RequestHead.Malformed m = (Http2RequestHead.Malformed) r;
        assertThat(m.reason()).isEqualTo(reason);
        assertThat(m.detail()).contains(detail);
    }

    @Test
    void pseudoHeaderFieldsBecomeTheRequestLineAndHost() {
        HttpRequest req = converted(get("accept", "*/*"), true);
        assertThat(req.method().name()).isEqualTo("GET");
        assertThat(req.uri()).isEqualTo("/a?b=c");
        assertThat(req.protocolVersion().text()).isEqualTo("HTTP/1.1");
        HttpHeaders h = req.headers();
        assertThat(h.getAll("host")).containsExactly("api.example.com");
        assertThat(h.get("accept")).isEqualTo("*/*");
        assertThat(h.names()).allMatch(n -> !n.startsWith(":"));
        assertThat(h.contains("transfer-encoding")).isFalse();
        assertThat(h.contains("content-length")).isFalse();
    }

    @Test
    void aBodyWithoutContentLengthIsChunkedUpstreamAndOneWithItKeepsIt() {
        Http2Headers post = block(":method", "POST", ":scheme", "https", ":authority", "api.example.com", ":path", "/u");
        assertThat(converted(post, false).headers().getAll("transfer-encoding")).containsExactly("chunked");
        Http2Headers sized = block(":method", "POST", ":scheme", "https", ":authority", "api.example.com", ":path", "/u",
                "content-length", "12");
        Http2RequestHead.Converted c = (Http2RequestHead.Converted) Http2RequestHead.convert(sized, false);
        assertThat(c.contentLength()).isEqualTo(12);
        assertThat(c.request().headers().getAll("content-length")).containsExactly("12");
        assertThat(c.request().headers().contains("transfer-encoding")).isFalse();
    }

    @Test
    void cookiesAreJoinedAndTeTrailersIsDropped() {
        HttpRequest req = converted(get("cookie", "a=1", "cookie", "b=2", "te", "trailers"), true);
        assertThat(req.headers().getAll("cookie")).containsExactly("a=1; b=2");
        assertThat(req.headers().contains("te")).isFalse();
    }

    @Test
    void hostAloneIsTheAuthorityAndAMatchingHostIsKeptOnce() {
        HttpRequest hostOnly = converted(block(":method", "GET", ":scheme", "http", ":path", "/", "host", "h.example"), true);
        assertThat(hostOnly.headers().getAll("host")).containsExactly("h.example");
        HttpRequest both = converted(get("host", "API.example.com"), true);
        assertThat(both.headers().getAll("host")).containsExactly("api.example.com");
    }

    @Test
    void connectionSpecificFieldsAreMalformed() {
        for (String name : new String[] {"connection", "keep-alive", "proxy-connection", "transfer-encoding", "upgrade"}) {
            refused(get(name, "x"), true, ReasonCode.MALFORMED_REQUEST, "connection-specific field " + name);
        }
        refused(get("te", "gzip"), true, ReasonCode.MALFORMED_REQUEST, "TE other than trailers");
        refused(get("te", "trailers, gzip"), true, ReasonCode.MALFORMED_REQUEST, "TE other than trailers");
    }

    @Test
    void controlBytesUpperCaseNamesAndPaddedValuesAreRefused() {
        refused(get("x-a", "a\r\nx-injected: 1"), true, ReasonCode.INVALID_HEADER, "CR, LF or NUL");
        refused(get("x-a", "a\nb"), true, ReasonCode.INVALID_HEADER, "CR, LF or NUL");
        refused(get("x-a", "a\u0000b"), true, ReasonCode.INVALID_HEADER, "CR, LF or NUL");
        refused(get("x-a", "a\u0001b"), true, ReasonCode.INVALID_HEADER, "control byte");
        refused(get("x-a", " a"), true, ReasonCode.INVALID_HEADER, "whitespace");
        refused(get("X-Upper", "a"), true, ReasonCode.INVALID_HEADER, "invalid field name 'X-Upper'");
        refused(get("x a", "a"), true, ReasonCode.INVALID_HEADER, "invalid field name");
        refused(get("x-a\r\nx-b", "a"), true, ReasonCode.INVALID_HEADER, "invalid field name 'x-a??x-b'");
        refused(block(":method", "GET", ":scheme", "http", ":authority", "a\r\nb", ":path", "/"), true,
                ReasonCode.INVALID_HEADER, "':authority'");
        refused(block(":method", "GET", ":scheme", "http", ":authority", "a", ":path", "/x\r\nHost: b"), true,
                ReasonCode.INVALID_HEADER, "':path'");
    }

    @Test
    void pseudoHeaderMisuseIsMalformed() {
        refused(block(":method", "GET", ":scheme", "http", ":authority", "a"), true, ReasonCode.MALFORMED_REQUEST, "missing :path");
        refused(block(":scheme", "http", ":authority", "a", ":path", "/"), true, ReasonCode.MALFORMED_REQUEST, "missing :method");
        refused(block(":method", "GET", ":authority", "a", ":path", "/"), true, ReasonCode.MALFORMED_REQUEST, "missing :scheme");
        refused(block(":method", "GET", ":method", "POST", ":scheme", "http", ":authority", "a", ":path", "/"), true,
                ReasonCode.MALFORMED_REQUEST, "repeated :method");
        refused(block(":method", "GET", ":scheme", "http", ":authority", "a", ":path", "/", ":path", "/admin"), true,
                ReasonCode.MALFORMED_REQUEST, "repeated :path");
        refused(block(":method", "GET", ":scheme", "http", ":authority", "a", ":authority", "b", ":path", "/"), true,
                ReasonCode.MALFORMED_REQUEST, "repeated :authority");
        refused(get(":status", "200"), true, ReasonCode.MALFORMED_REQUEST, "pseudo-header field ':status'");
        refused(get(":protocol", "websocket"), true, ReasonCode.MALFORMED_REQUEST, "pseudo-header field ':protocol'");
        refused(block(":method", "G ET", ":scheme", "http", ":authority", "a", ":path", "/"), true,
                ReasonCode.MALFORMED_REQUEST, "invalid :method");
        refused(block(":method", "GET", ":scheme", "ftp", ":authority", "a", ":path", "/"), true,
                ReasonCode.MALFORMED_REQUEST, "unsupported :scheme");
        refused(block(":method", "CONNECT", ":authority", "a:443"), true, ReasonCode.METHOD_NOT_ALLOWED, "CONNECT");
    }

    @Test
    void theTargetMustBeOriginFormAndTheAuthorityValidAndAgreed() {
        refused(block(":method", "GET", ":scheme", "http", ":authority", "a", ":path", "http://b/x"), true,
                ReasonCode.PATH_REJECTED, "origin-form");
        refused(block(":method", "GET", ":scheme", "http", ":authority", "a", ":path", ""), true,
                ReasonCode.PATH_REJECTED, "origin-form");
        refused(get("host", "other.example.com"), true, ReasonCode.HOST_REJECTED, ":authority and host disagree");
        refused(get("host", "a", "host", "a"), true, ReasonCode.HOST_REJECTED, "repeated host");
        refused(block(":method", "GET", ":scheme", "http", ":path", "/"), true, ReasonCode.HOST_REJECTED, "neither");
        refused(block(":method", "GET", ":scheme", "http", ":authority", "user@a", ":path", "/"), true,
                ReasonCode.HOST_REJECTED, "invalid :authority");
    }

    @Test
    void contentLengthMustBeOneNumberAndAgreeWithTheEndOfTheStream() {
        refused(get("content-length", "1, 1"), false, ReasonCode.AMBIGUOUS_FRAMING, "invalid content-length");
        refused(get("content-length", "-1"), false, ReasonCode.AMBIGUOUS_FRAMING, "invalid content-length");
        refused(get("content-length", "1", "content-length", "1"), false, ReasonCode.AMBIGUOUS_FRAMING, "repeated");
        refused(get("content-length", "5"), true, ReasonCode.AMBIGUOUS_FRAMING, "on a request without a body");
        assertThat(converted(get("content-length", "0"), true).headers().get("content-length")).isEqualTo("0");
    }
}
