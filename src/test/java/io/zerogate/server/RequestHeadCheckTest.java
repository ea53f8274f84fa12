package io.zerogate.server;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.handler.codec.DecoderResult;
import io.netty.handler.codec.http.DefaultHttpRequest;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.TooLongHttpHeaderException;
import io.netty.handler.codec.http.TooLongHttpLineException;
import io.zerogate.chain.ReasonCode;
import io.zerogate.http.PathNormaliser;
import org.junit.jupiter.api.Test;

/** The request-head checks as a function: each refusal with its reason and whether framing was lost. */
class RequestHeadCheckTest {

    private static HttpRequest request(HttpVersion version, HttpMethod method, String uri, String... headers) {
        HttpRequest r = new DefaultHttpRequest(version, method, uri);
        for (int i = 0; i < headers.length; i += 2) {
            r.headers().add(headers[i], headers[i + 1]);
        }
        return r;
    }

    private static HttpRequest get(String uri, String... headers) {
        return request(HttpVersion.HTTP_1_1, HttpMethod.GET, uri, headers);
    }

    private static ReasonCode lost(HttpRequest r) {
        RequestHeadCheck.Verdict v = RequestHeadCheck.check(r, 100);
        assertThat(v).isInstanceOf(RequestHeadCheck.FramingLost.class);
        return ((RequestHeadCheck.FramingLost) v).deny().reason();
    }

    private static ReasonCode refused(HttpRequest r) {
        RequestHeadCheck.Verdict v = RequestHeadCheck.check(r, 100);
        assertThat(v).isInstanceOf(RequestHeadCheck.Refused.class);
        return ((RequestHeadCheck.Refused) v).deny().reason();
    }

    @Test
    void anOrdinaryRequestIsAcceptedWithItsFacts() {
        RequestHeadCheck.Verdict v = RequestHeadCheck.check(
                get("/a/./b/../c?x=1", "Host", "API.example.com:8080", "Content-Length", "3", "Expect", "100-continue"), 100);
        assertThat(v).isEqualTo(new RequestHeadCheck.Accepted("GET", "api.example.com", "API.example.com:8080",
                new PathNormaliser.Ok("/a/c", "x=1"), true, true));
    }

    @Test
    void decoderFailuresAreMappedToTheirReason() {
        HttpRequest line = get("/", "Host", "a");
        line.setDecoderResult(DecoderResult.failure(new TooLongHttpLineException("too long")));
        assertThat(lost(line)).isEqualTo(ReasonCode.URI_TOO_LONG);
        HttpRequest head = get("/", "Host", "a");
        head.setDecoderResult(DecoderResult.failure(new TooLongHttpHeaderException("too large")));
        assertThat(lost(head)).isEqualTo(ReasonCode.HEADERS_TOO_LARGE);
        HttpRequest framing = get("/", "Host", "a");
        framing.setDecoderResult(DecoderResult.failure(new IllegalArgumentException("Multiple Content-Length values found")));
        assertThat(lost(framing)).isEqualTo(ReasonCode.AMBIGUOUS_FRAMING);
        HttpRequest name = get("/", "Host", "a");
        name.setDecoderResult(DecoderResult.failure(new IllegalArgumentException("a header name cannot contain ' content-length'")));
        assertThat(lost(name)).isEqualTo(ReasonCode.INVALID_HEADER);
    }

    @Test
    void tooManyHeaderFieldsAreRefused() {
        assertThat(RequestHeadCheck.check(get("/", "Host", "a", "X-1", "1", "X-2", "2"), 2))
                .isInstanceOfSatisfying(RequestHeadCheck.FramingLost.class,
                        f -> assertThat(f.deny().reason()).isEqualTo(ReasonCode.HEADERS_TOO_LARGE));
    }

    @Test
    void transferEncodingMustBeExactlyChunkedAndIsForwardedInOneSpelling() {
        assertThat(lost(get("/", "Host", "a", "Transfer-Encoding", "gzip, chunked"))).isEqualTo(ReasonCode.AMBIGUOUS_FRAMING);
        assertThat(lost(get("/", "Host", "a", "Transfer-Encoding", "chunked", "Transfer-Encoding", "chunked")))
                .isEqualTo(ReasonCode.AMBIGUOUS_FRAMING);
        HttpRequest upper = get("/", "Host", "a", "Transfer-Encoding", "CHUNKED");
        assertThat(RequestHeadCheck.check(upper, 100)).isInstanceOf(RequestHeadCheck.Accepted.class);
        assertThat(upper.headers().get("Transfer-Encoding")).isEqualTo("chunked");
    }

    @Test
    void hostRules() {
        assertThat(lost(get("/"))).isEqualTo(ReasonCode.HOST_REJECTED);
        assertThat(lost(get("/", "Host", "a", "Host", "b"))).isEqualTo(ReasonCode.HOST_REJECTED);
        assertThat(lost(get("/", "Host", "user@a"))).isEqualTo(ReasonCode.HOST_REJECTED);
        assertThat(RequestHeadCheck.check(request(HttpVersion.HTTP_1_0, HttpMethod.GET, "/"), 100))
                .isInstanceOfSatisfying(RequestHeadCheck.Accepted.class, a -> assertThat(a.host()).isEmpty());
    }

    @Test
    void absoluteFormMustAgreeWithHost() {
        assertThat(RequestHeadCheck.check(get("http://a.example/x", "Host", "a.example"), 100))
                .isInstanceOfSatisfying(RequestHeadCheck.Accepted.class, a -> assertThat(a.target().path()).isEqualTo("/x"));
        assertThat(lost(get("http://b.example/x", "Host", "a.example"))).isEqualTo(ReasonCode.HOST_REJECTED);
        assertThat(lost(get("ftp://a.example/x", "Host", "a.example"))).isEqualTo(ReasonCode.PATH_REJECTED);
        assertThat(lost(get("*", "Host", "a.example"))).isEqualTo(ReasonCode.PATH_REJECTED);
    }

    @Test
    void refusalsThatKeepTheFramingSayWhetherABodyFollows() {
        RequestHeadCheck.Verdict v = RequestHeadCheck.check(request(HttpVersion.HTTP_1_1, HttpMethod.CONNECT, "a:443",
                "Host", "a", "Content-Length", "5"), 100);
        assertThat(v).isEqualTo(new RequestHeadCheck.Refused(((RequestHeadCheck.Refused) v).deny(), true));
        assertThat(((RequestHeadCheck.Refused) v).deny().reason()).isEqualTo(ReasonCode.METHOD_NOT_ALLOWED);
        assertThat(refused(get("/a%2fb", "Host", "a"))).isEqualTo(ReasonCode.PATH_REJECTED);
        assertThat(refused(get("/", "Host", "a", "Expect", "something-else"))).isEqualTo(ReasonCode.EXPECTATION_FAILED);
    }

    @Test
    void anHttp10ExpectationIsIgnored() {
        assertThat(RequestHeadCheck.check(request(HttpVersion.HTTP_1_0, HttpMethod.POST, "/", "Expect", "100-continue",
                "Content-Length", "1"), 100))
                .isInstanceOfSatisfying(RequestHeadCheck.Accepted.class, a -> assertThat(a.expectContinue()).isFalse());
    }

    @Test
    void otherProtocolVersionsAreRefused() {
        assertThat(lost(request(HttpVersion.valueOf("HTTP/1.2"), HttpMethod.GET, "/", "Host", "a")))
                .isEqualTo(ReasonCode.MALFORMED_REQUEST);
    }
}
