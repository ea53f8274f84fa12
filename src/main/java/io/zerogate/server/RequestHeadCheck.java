package io.zerogate.server;

import io.netty.handler.codec.TooLongFrameException;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.TooLongHttpHeaderException;
import io.netty.handler.codec.http.TooLongHttpLineException;
import io.zerogate.chain.Decision;
import io.zerogate.chain.ReasonCode;
import io.zerogate.http.PathNormaliser;
import java.util.List;
import java.util.Locale;
import org.jspecify.annotations.Nullable;

/**
 * The checks a decoded request head must pass before it is routed: decoder failures, header count,
 * version, framing, method, Host and the request target. A refusal says whether the connection's framing
 * can still be trusted.
 */
final class RequestHeadCheck {

    private static final String EXPECT_CONTINUE = "100-continue";

    private RequestHeadCheck() {}

    /** What the check concluded. */
    sealed interface Verdict permits Accepted, Refused, FramingLost {}

    /**
     * The head may be routed.
     *
     * @param host           lower-case host without port ("" when an HTTP/1.0 request named none)
     * @param hostHeader     the Host field as sent, or null
     * @param target         the normalised path and the raw query
     * @param bodyFollows    a body is announced (chunked or a positive Content-Length)
     * @param expectContinue the client waits for 100 Continue before sending its body
     */
    record Accepted(String method, String host, @Nullable String hostHeader, PathNormaliser.Ok target,
                    boolean bodyFollows, boolean expectContinue) implements Verdict {}

    /** Refused, but the message framing is intact: the connection may stay when no body follows. */
    record Refused(Decision.Deny deny, boolean bodyFollows) implements Verdict {}

    /** Refused, and the framing cannot be trusted: the connection closes after the answer. */
    record FramingLost(Decision.Deny deny) implements Verdict {}

    /**
     * Checks a request head. A {@code Transfer-Encoding: chunked} field is rewritten to the one spelling
     * every back end reads as chunked.
     */
    static Verdict check(HttpRequest request, int maxHeaderCount) {
        if (request.decoderResult().isFailure()) {
            return new FramingLost(decoderFailure(request.decoderResult().cause()));
        }
        HttpHeaders headers = request.headers();
        if (headers.size() > maxHeaderCount) {
            return new FramingLost(Decision.deny(ReasonCode.HEADERS_TOO_LARGE,
                    headers.size() + " header fields (limit " + maxHeaderCount + ")"));
        }
        boolean bodyFollows = HttpUtil.isTransferEncodingChunked(request) || HttpUtil.getContentLength(request, 0L) > 0;
        HttpVersion version = request.protocolVersion();
        if (version.majorVersion() != 1 || version.minorVersion() > 1) {
            return new FramingLost(Decision.deny(ReasonCode.MALFORMED_REQUEST, "unsupported protocol version " + version));
        }
        List<String> te = headers.getAll(HttpHeaderNames.TRANSFER_ENCODING);
        if (!te.isEmpty()) {
            if (te.size() != 1 || !te.get(0).equalsIgnoreCase("chunked")) {
                return new FramingLost(Decision.deny(ReasonCode.AMBIGUOUS_FRAMING, "Transfer-Encoding other than exactly chunked"));
            }
            // Forwarded in the one spelling every back end reads as chunked ("Chunked" is not, to some).
            headers.set(HttpHeaderNames.TRANSFER_ENCODING, HttpHeaderValues.CHUNKED);
        }
        String method = request.method().name();
        if (request.method() == HttpMethod.CONNECT) {
            return new Refused(Decision.deny(ReasonCode.METHOD_NOT_ALLOWED, "CONNECT is not proxied"), bodyFollows);
        }
        // Host: exactly one in HTTP/1.1 (RFC 9112 section 3.2); absolute-form must agree with it.
        List<String> hosts = headers.getAll(HttpHeaderNames.HOST);
        if (hosts.size() > 1 || (hosts.isEmpty() && version.minorVersion() == 1)) {
            return new FramingLost(Decision.deny(ReasonCode.HOST_REJECTED, hosts.size() + " Host header fields"));
        }
        String hostHeader = hosts.isEmpty() ? null : hosts.get(0);
        String host = hostHeader == null ? "" : Authority.host(hostHeader);
        if (host == null) {
            return new FramingLost(Decision.deny(ReasonCode.HOST_REJECTED, "invalid Host header"));
        }
        String target = request.uri();
        if (target.isEmpty() || target.charAt(0) != '/') {
            int schemeEnd = target.indexOf("://");
            String s = schemeEnd > 0 ? target.substring(0, schemeEnd).toLowerCase(Locale.ROOT) : "";
            if (!s.equals("http") && !s.equals("https")) {
                return new FramingLost(Decision.deny(ReasonCode.PATH_REJECTED, "request target is not origin-form or absolute-form"));
            }
            int pathStart = target.indexOf('/', schemeEnd + 3);
            String authority = target.substring(schemeEnd + 3, pathStart < 0 ? target.length() : pathStart);
            String absoluteHost = Authority.host(authority);
            if (absoluteHost == null || hostHeader == null || !authority.equalsIgnoreCase(hostHeader)) {
                return new FramingLost(Decision.deny(ReasonCode.HOST_REJECTED, "absolute-form authority does not match Host"));
            }
            target = pathStart < 0 ? "/" : target.substring(pathStart);
        }
        PathNormaliser.Result normalised = PathNormaliser.normalise(target);
        if (!(normalised instanceof PathNormaliser.Ok ok)) {
            PathNormaliser.Rejected rejected = (PathNormaliser.Rejected) normalised;
            return new Refused(Decision.deny(ReasonCode.PATH_REJECTED, rejected.reason().name()), bodyFollows);
        }
        String expect = headers.get(HttpHeaderNames.EXPECT);
        boolean expectContinue = false;
        if (expect != null) {
            if (!expect.equalsIgnoreCase(EXPECT_CONTINUE)) {
                return new Refused(Decision.deny(ReasonCode.EXPECTATION_FAILED, "unsupported expectation"), bodyFollows);
            }
            // An HTTP/1.0 client knows no interim responses: its 100-continue is ignored (RFC 9110 section 10.1.1).
            expectContinue = version.minorVersion() == 1;
        }
        return new Accepted(method, host, hostHeader, ok, bodyFollows, expectContinue);
    }

    /** The reason code for a head Netty's decoder could not read. */
    static Decision.Deny decoderFailure(Throwable cause) {
        if (cause instanceof MalformedRequestException m) {
            return Decision.deny(m.reason(), m.getMessage());
        }
        if (cause instanceof TooLongHttpLineException) {
            return Decision.deny(ReasonCode.URI_TOO_LONG, "request line too long");
        }
        if (cause instanceof TooLongHttpHeaderException || cause instanceof TooLongFrameException) {
            return Decision.deny(ReasonCode.HEADERS_TOO_LARGE, "header section too large");
        }
        String message = String.valueOf(cause.getMessage()).toLowerCase(Locale.ROOT);
        // Netty's header validation quotes the offending name, which the client chose: classify it before
        // looking for framing words that name could contain.
        if (message.startsWith("a header name") || message.startsWith("a header value") || message.startsWith("empty headers")) {
            return Decision.deny(ReasonCode.INVALID_HEADER, cause.getClass().getSimpleName() + ": " + cause.getMessage());
        }
        if (message.contains("content-length") || message.contains("transfer-encoding") || message.contains("transfer coding")
                || message.contains("chunk")) {
            return Decision.deny(ReasonCode.AMBIGUOUS_FRAMING, cause.getClass().getSimpleName() + ": " + cause.getMessage());
        }
        if (message.contains("header") || message.contains("separator") || message.contains("colon")) {
            return Decision.deny(ReasonCode.INVALID_HEADER, cause.getClass().getSimpleName() + ": " + cause.getMessage());
        }
        return Decision.deny(ReasonCode.MALFORMED_REQUEST, cause.getClass().getSimpleName() + ": " + cause.getMessage());
    }
}
