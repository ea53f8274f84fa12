package io.zerogate.server;

import io.netty.handler.codec.http.DefaultHttpHeaders;
import io.netty.handler.codec.http.DefaultHttpRequest;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http2.Http2Headers;
import io.zerogate.chain.ReasonCode;
import io.zerogate.http.FieldSyntax;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.jspecify.annotations.Nullable;

/**
 * Turns the header block of an HTTP/2 request into the HTTP/1.1 request head the rest of the gateway reads and
 * the upstream receives. HTTP/2 has no request line and no framing fields, so a translation that trusts the
 * client lets it inject what HTTP/1.1 would have refused ("h2 downgrade" smuggling). Everything that could
 * change how an HTTP/1.1 back end frames or routes the message is refused here (RFC 9113 sections 8.2 and 8.3):
 * connection-specific fields, {@code TE} other than {@code trailers}, CR, LF, NUL and other control bytes,
 * upper-case or otherwise invalid names, misused or missing pseudo-header fields, {@code :authority} and
 * {@code host} that disagree, and an invalid {@code content-length}.
 */
final class Http2RequestHead {

    private static final String METHOD = ":method";
    private static final String SCHEME = ":scheme";
    private static final String AUTHORITY = ":authority";
    private static final String PATH = ":path";

    private Http2RequestHead() {}

    /** What the conversion concluded. */
    sealed interface Result permits Converted, Malformed {}

    /**
     * The request head to route and forward.
     *
     * @param contentLength the announced body length, or -1 when none was announced
     */
    record Converted(HttpRequest request, long contentLength) implements Result {}

    /** The header block is not an acceptable request; nothing of it may be forwarded. */
    record Malformed(ReasonCode reason, String detail) implements Result {}

    /**
     * Converts one request header block.
     *
     * @param endStream the HEADERS frame ended the stream: the request has no body
     */
    static Result convert(Http2Headers block, boolean endStream) {
        String method = null;
        String scheme = null;
        String authority = null;
        String path = null;
        String host = null;
        String contentLength = null;
        List<String> cookies = new ArrayList<>(0);
        HttpHeaders headers = new DefaultHttpHeaders();
        for (Map.Entry<CharSequence, CharSequence> field : block) {
            String name = field.getKey().toString();
            String value = field.getValue().toString();
            Malformed bad = checkValue(name, value);
            if (bad != null) {
                return bad;
            }
            if (!name.isEmpty() && name.charAt(0) == ':') {
                switch (name) {
                    case METHOD -> {
                        if (method != null) {
                            return malformed(ReasonCode.MALFORMED_REQUEST, "repeated :method");
                        }
                        method = value;
                    }
                    case SCHEME -> {
                        if (scheme != null) {
                            return malformed(ReasonCode.MALFORMED_REQUEST, "repeated :scheme");
                        }
                        scheme = value;
                    }
                    case AUTHORITY -> {
                        if (authority != null) {
                            return malformed(ReasonCode.MALFORMED_REQUEST, "repeated :authority");
                        }
                        authority = value;
                    }
                    case PATH -> {
                        if (path != null) {
                            return malformed(ReasonCode.MALFORMED_REQUEST, "repeated :path");
                        }
                        path = value;
                    }
                    default -> {
                        // :protocol (extended CONNECT) and response or unknown pseudo-header fields.
                        return malformed(ReasonCode.MALFORMED_REQUEST, "pseudo-header field " + printable(name) + " not allowed");
                    }
                }
                continue;
            }
            if (!isLowerCaseToken(name)) {
                return malformed(ReasonCode.INVALID_HEADER, "invalid field name " + printable(name)
                        + " (HTTP/2 field names are lower-case tokens)");
            }
            switch (name) {
                case "connection", "keep-alive", "proxy-connection", "transfer-encoding", "upgrade" -> {
                    return malformed(ReasonCode.MALFORMED_REQUEST, "connection-specific field " + name + " in an HTTP/2 request");
                }
                case "te" -> {
                    if (!value.equals("trailers")) {
                        return malformed(ReasonCode.MALFORMED_REQUEST, "TE other than trailers in an HTTP/2 request");
                    }
                    // Hop-by-hop: it says what the client accepts on this connection, not the upstream's.
                    continue;
                }
                case "host" -> {
                    if (host != null) {
                        return malformed(ReasonCode.HOST_REJECTED, "repeated host");
                    }
                    host = value;
                    continue;
                }
                case "content-length" -> {
                    if (contentLength != null) {
                        return malformed(ReasonCode.AMBIGUOUS_FRAMING, "repeated content-length");
                    }
                    contentLength = value;
                }
                case "cookie" -> {
                    // HTTP/2 may split cookies into several fields; HTTP/1.1 wants one (RFC 9113 section 8.2.3).
                    cookies.add(value);
                    continue;
                }
                default -> { }
            }
            headers.add(name, value);
        }
        if (method == null) {
            return malformed(ReasonCode.MALFORMED_REQUEST, "missing :method");
        }
        if (!isToken(method)) {
            return malformed(ReasonCode.MALFORMED_REQUEST, "invalid :method");
        }
        if (method.equals("CONNECT")) {
            return malformed(ReasonCode.METHOD_NOT_ALLOWED, "CONNECT is not proxied");
        }
        if (scheme == null || path == null) {
            return malformed(ReasonCode.MALFORMED_REQUEST, scheme == null ? "missing :scheme" : "missing :path");
        }
        if (!scheme.equals("https") && !scheme.equals("http")) {
            return malformed(ReasonCode.MALFORMED_REQUEST, "unsupported :scheme");
        }
        if (path.isEmpty() || path.charAt(0) != '/') {
            return malformed(ReasonCode.PATH_REJECTED, "the :path is not origin-form");
        }
        String effectiveHost = authority != null ? authority : host;
        if (authority != null && host != null && !authority.equalsIgnoreCase(host)) {
            return malformed(ReasonCode.HOST_REJECTED, ":authority and host disagree");
        }
        if (effectiveHost == null) {
            return malformed(ReasonCode.HOST_REJECTED, "neither :authority nor host");
        }
        if (Authority.host(effectiveHost) == null) {
            return malformed(ReasonCode.HOST_REJECTED, "invalid :authority");
        }
        long length = -1;
        if (contentLength != null) {
            length = FieldSyntax.contentLength(contentLength);
            if (length < 0) {
                return malformed(ReasonCode.AMBIGUOUS_FRAMING, "invalid content-length");
            }
            if (endStream && length != 0) {
                return malformed(ReasonCode.AMBIGUOUS_FRAMING, "content-length " + length + " on a request without a body");
            }
        }
        headers.set(HttpHeaderNames.HOST, effectiveHost);
        if (!cookies.isEmpty()) {
            headers.set(HttpHeaderNames.COOKIE, String.join("; ", cookies));
        }
        if (!endStream && length < 0) {
            // The body's end is the end of the stream; to an HTTP/1.1 upstream that takes chunked framing.
            headers.set(HttpHeaderNames.TRANSFER_ENCODING, HttpHeaderValues.CHUNKED);
        }
        HttpRequest request = new DefaultHttpRequest(HttpVersion.HTTP_1_1, HttpMethod.valueOf(method), path, headers);
        return new Converted(request, length);
    }

    private static @Nullable Malformed checkValue(String name, String value) {
        for (int i = 0, n = value.length(); i < n; i++) {
            char c = value.charAt(i);
            if (c == '\r' || c == '\n' || c == 0) {
                return malformed(ReasonCode.INVALID_HEADER, "CR, LF or NUL in the value of " + printable(name));
            }
            if ((c < 0x20 && c != '\t') || c == 0x7F) {
                return malformed(ReasonCode.INVALID_HEADER, "control byte in the value of " + printable(name));
            }
        }
        if (!value.isEmpty() && (isBlank(value.charAt(0)) || isBlank(value.charAt(value.length() - 1)))) {
            return malformed(ReasonCode.INVALID_HEADER, "leading or trailing whitespace in the value of " + printable(name));
        }
        return null;
    }

    private static boolean isBlank(char c) {
        return c == ' ' || c == '\t';
    }

    private static boolean isLowerCaseToken(String name) {
        if (name.isEmpty()) {
            return false;
        }
        for (int i = 0; i < name.length(); i++) {
            char c = name.charAt(i);
            if ((c >= 'A' && c <= 'Z') || !isTokenChar(c)) {
                return false;
            }
        }
        return true;
    }

    private static boolean isToken(String s) {
        if (s.isEmpty()) {
            return false;
        }
        for (int i = 0; i < s.length(); i++) {
            if (!isTokenChar(s.charAt(i))) {
                return false;
            }
        }
        return true;
    }

    /** tchar of RFC 9110 section 5.6.2. */
    private static boolean isTokenChar(char c) {
        if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')) {
            return true;
        }
        return "!#$%&'*+-.^_`|~".indexOf(c) >= 0;
    }

    /** A client-chosen name, made safe for a log line: at most 64 characters, control bytes as '?'. */
    private static String printable(String name) {
        StringBuilder sb = new StringBuilder(Math.min(name.length(), 64) + 2).append('\'');
        for (int i = 0; i < name.length() && i < 64; i++) {
            char c = name.charAt(i);
            sb.append(c < 0x20 || c >= 0x7F ? '?' : c);
        }
        return sb.append('\'').toString();
    }

    private static Malformed malformed(ReasonCode reason, String detail) {
        return new Malformed(reason, detail);
    }
}
