package io.zerogate.upstream;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.ByteToMessageDecoder;
import io.netty.handler.codec.DecoderResult;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.DefaultHttpContent;
import io.netty.handler.codec.http.DefaultHttpHeadersFactory;
import io.netty.handler.codec.http.DefaultHttpResponse;
import io.netty.handler.codec.http.DefaultLastHttpContent;
import io.netty.handler.codec.http.EmptyHttpHeaders;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpHeadersFactory;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.util.AsciiString;
import io.zerogate.http.FieldSyntax;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.jspecify.annotations.Nullable;

/**
 * Decodes the responses of an upstream connection, one line at a time, each line checked as it is parsed.
 * What an upstream sends reaches the client, so nothing that could split or smuggle a response passes: a CR
 * inside a line, a control byte other than HTAB, a field name that is not a token, obs-fold, several or
 * invalid Content-Length fields, Content-Length beside Transfer-Encoding, Transfer-Encoding in HTTP/1.0, an
 * invalid chunk. Such a response becomes a failed message, which the
 * exchange answers with 502. Two leniencies of RFC 9112 for recipients are kept, since servers in the field
 * rely on them: a bare LF may end a line, and whitespace between a field name and its colon is removed.
 * <p>
 * Framing follows RFC 9112 section 6.3: no body for a HEAD request or a 1xx, 204 or 304 status; chunked when
 * the last transfer coding is {@code chunked}; otherwise read to the
 * end of the connection when a transfer coding is named; else the Content-Length; else to the end of the
 * connection. After a 101 the bytes that follow are passed on as they are. Response trailers are checked and
 * dropped. A body that arrived whole with its head comes as one full response. One exchange runs at a time on
 * a connection, so the decoder only needs to know whether the request in flight is a HEAD.
 */
final class ResponseDecoder extends ByteToMessageDecoder {

    private static final HttpHeadersFactory HEADERS = DefaultHttpHeadersFactory.headersFactory().withValidation(false);
    /** One shared instance of each common field name ({@link FieldSyntax#COMMON_NAMES}), instead of a copy per head. */
    private static final AsciiString[] COMMON_NAMES = FieldSyntax.COMMON_NAMES.stream().map(AsciiString::cached)
            .toArray(AsciiString[]::new);

    private static final int HEAD = 0;
    private static final int FIXED_BODY = 1;
    private static final int UNTIL_CLOSE = 2;
    private static final int CHUNK_SIZE = 3;
    private static final int CHUNK_DATA = 4;
    private static final int CHUNK_END = 5;
    private static final int TRAILERS = 6;
    private static final int UPGRADED = 7;
    private static final int FAILED = 8;

    private static final int MAX_STATUS_LINE = 8192;
    private static final int MAX_CHUNK_SIZE_DIGITS = 15;

    private final int maxHeaderSize;
    private boolean headInFlight;

    private int state = HEAD;
    private byte[] line = new byte[256];
    private int searched;

    private @Nullable HttpVersion version;
    private @Nullable HttpResponseStatus status;
    private @Nullable HttpHeaders headers;
    private int headerBytes;
    private int contentLengthFields;
    private @Nullable String contentLength;
    private @Nullable String lastTransferEncoding;
    private long remaining;

    ResponseDecoder(int maxHeaderSize) {
        this.maxHeaderSize = maxHeaderSize;
    }

    /** The request now in flight; the response to a HEAD has no body whatever its framing fields say. */
    void requestSent(HttpMethod method) {
        headInFlight = method == HttpMethod.HEAD;
    }

    @Override
    protected void decode(ChannelHandlerContext ctx, ByteBuf in, List<Object> out) {
        try {
            while (in.isReadable()) {
                switch (state) {
                    case HEAD -> {
                        if (!readHeadLine(in, out)) {
                            return;
                        }
                    }
                    case FIXED_BODY -> {
                        int n = (int) Math.min(in.readableBytes(), remaining);
                        remaining -= n;
                        if (remaining == 0) {
                            out.add(new DefaultLastHttpContent(in.readRetainedSlice(n), EmptyHttpHeaders.INSTANCE));
                            state = HEAD;
                        } else {
                            out.add(new DefaultHttpContent(in.readRetainedSlice(n)));
                        }
                    }
                    case UNTIL_CLOSE -> out.add(new DefaultHttpContent(in.readRetainedSlice(in.readableBytes())));
                    case CHUNK_SIZE -> {
                        int length = nextLine(in, MAX_STATUS_LINE);
                        if (length < 0) {
                            return;
                        }
                        long size = chunkSize(lineContent(length));
                        state = size == 0 ? TRAILERS : CHUNK_DATA;
                        remaining = size;
                    }
                    case CHUNK_DATA -> {
                        int n = (int) Math.min(in.readableBytes(), remaining);
                        out.add(new DefaultHttpContent(in.readRetainedSlice(n)));
                        remaining -= n;
                        if (remaining == 0) {
                            state = CHUNK_END;
                        }
                    }
                    case CHUNK_END -> {
                        int length = nextLine(in, 0);
                        if (length < 0) {
                            return;
                        }
                        if (lineContent(length) != 0) {
                            throw new Malformed("chunk data not followed by a line end");
                        }
                        state = CHUNK_SIZE;
                    }
                    case TRAILERS -> {
                        int length = nextLine(in, maxHeaderSize - headerBytes);
                        if (length < 0) {
                            return;
                        }
                        int n = lineContent(length);
                        if (n == 0) {
                            headerBytes = 0;
                            state = HEAD;
                            out.add(LastHttpContent.EMPTY_LAST_CONTENT);
                        } else {
                            colonOfField(n);
                            headerBytes += n;
                        }
                    }
                    case UPGRADED -> out.add(in.readRetainedSlice(in.readableBytes()));
                    default -> in.skipBytes(in.readableBytes());
                }
            }
        } catch (Malformed e) {
            boolean inHead = state == HEAD;
            state = FAILED;
            in.skipBytes(in.readableBytes());
            if (inHead) {
                out.add(invalidResponse(e));
            } else {
                DefaultLastHttpContent failed = new DefaultLastHttpContent(Unpooled.EMPTY_BUFFER, EmptyHttpHeaders.INSTANCE);
                failed.setDecoderResult(DecoderResult.failure(e));
                out.add(failed);
            }
        }
    }

    @Override
    protected void decodeLast(ChannelHandlerContext ctx, ByteBuf in, List<Object> out) throws Exception {
        super.decodeLast(ctx, in, out);
        if (state == UNTIL_CLOSE) {
            // The end of the connection is the end of this body.
            out.add(LastHttpContent.EMPTY_LAST_CONTENT);
            state = HEAD;
        } else if (state == HEAD && status != null) {
            out.add(invalidResponse(new Malformed("connection closed before the response head ended")));
            state = FAILED;
        }
        // A fixed-length or chunked body cut short produces nothing: the exchange sees the connection close.
    }

    private static DefaultFullHttpResponse invalidResponse(Exception cause) {
        DefaultFullHttpResponse invalid = new DefaultFullHttpResponse(HttpVersion.HTTP_1_0,
                HttpResponseStatus.BAD_GATEWAY, Unpooled.EMPTY_BUFFER);
        invalid.setDecoderResult(DecoderResult.failure(cause));
        return invalid;
    }

    // ---- head ---------------------------------------------------------------------------------------------

    /** Reads one line of the head; false when it has not fully arrived. */
    private boolean readHeadLine(ByteBuf in, List<Object> out) {
        boolean statusLine = status == null;
        int length = nextLine(in, statusLine ? MAX_STATUS_LINE : maxHeaderSize - headerBytes);
        if (length < 0) {
            return false;
        }
        int n = lineContent(length);
        if (statusLine) {
            if (n > 0) {
                parseStatusLine(n);
            }
        } else if (n == 0) {
            endHead(in, out);
        } else {
            headerBytes += n;
            addHeader(n);
        }
        return true;
    }

    /** Copies the next line, without its LF, into {@link #line}; -1 when it is not complete yet. */
    private int nextLine(ByteBuf in, int limit) {
        int start = in.readerIndex();
        int end = in.writerIndex();
        int lf = in.indexOf(start + searched, end, (byte) '\n');
        if (lf < 0) {
            searched = end - start;
            if (searched > limit + 1) {
                throw tooLong();
            }
            return -1;
        }
        searched = 0;
        int length = lf - start;
        if (length - 1 > limit) {
            throw tooLong();
        }
        if (line.length < length) {
            line = new byte[Math.max(length, line.length * 2)];
        }
        in.getBytes(start, line, 0, length);
        in.readerIndex(lf + 1);
        return length;
    }

    private Malformed tooLong() {
        return new Malformed(state != HEAD ? "chunk line or trailer section too long"
                : status == null ? "status line too long" : "response head too large");
    }

    /** The line's length without a final CR, once no CR or control byte is found before it. */
    private int lineContent(int length) {
        byte[] l = line;
        int n = length > 0 && l[length - 1] == '\r' ? length - 1 : length;
        for (int i = 0; i < n; i++) {
            if (FieldSyntax.lineByte(l[i]) != FieldSyntax.ALLOWED) {
                throw new Malformed("control byte 0x" + Integer.toHexString(l[i] & 0xFF) + " in response head");
            }
        }
        return n;
    }

    private void parseStatusLine(int n) {
        byte[] l = line;
        // HTTP-version SP 3DIGIT SP [ reason-phrase ]; a missing SP after the code is tolerated.
        if (n < 12 || l[0] != 'H' || l[1] != 'T' || l[2] != 'T' || l[3] != 'P' || l[4] != '/' || l[5] != '1'
                || l[6] != '.' || (l[7] != '1' && l[7] != '0') || l[8] != ' ') {
            throw new Malformed("status line is not HTTP/1.1 or HTTP/1.0");
        }
        int code = 0;
        for (int i = 9; i < 12; i++) {
            if (l[i] < '0' || l[i] > '9') {
                throw new Malformed("status code is not three digits");
            }
            code = code * 10 + (l[i] - '0');
        }
        if (code < 100 || (n > 12 && l[12] != ' ')) {
            throw new Malformed("invalid status code");
        }
        version = l[7] == '1' ? HttpVersion.HTTP_1_1 : HttpVersion.HTTP_1_0;
        HttpResponseStatus standard = HttpResponseStatus.valueOf(code);
        int reason = Math.min(n, 13);
        status = sameReason(standard.reasonPhrase(), l, reason, n) ? standard
                : new HttpResponseStatus(code, new String(l, reason, n - reason, StandardCharsets.ISO_8859_1));
        headers = HEADERS.newHeaders();
    }

    private static boolean sameReason(String phrase, byte[] l, int from, int to) {
        if (phrase.length() != to - from) {
            return false;
        }
        for (int i = 0; i < phrase.length(); i++) {
            if (phrase.charAt(i) != (l[from + i] & 0xFF)) {
                return false;
            }
        }
        return true;
    }

    private void addHeader(int n) {
        int colon = colonOfField(n);
        byte[] l = line;
        int nameEnd = colon;
        while (FieldSyntax.isBlank(l[nameEnd - 1])) {
            nameEnd--;
        }
        String value = FieldSyntax.fieldValue(l, colon + 1, n);
        if (FieldSyntax.namedIgnoringCase(l, nameEnd, "content-length")) {
            contentLengthFields++;
            contentLength = value;
        } else if (FieldSyntax.namedIgnoringCase(l, nameEnd, "transfer-encoding")) {
            lastTransferEncoding = value;
        }
        HttpHeaders h = headers;
        if (h == null) {
            throw new IllegalStateException("header field before the status line");
        }
        int common = FieldSyntax.commonName(l, nameEnd);
        h.add(common >= 0 ? COMMON_NAMES[common] : new AsciiString(l, 0, nameEnd, true), value);
    }

    /** The colon after the field name on a line of {@code n} bytes; SP/HTAB may stand between the two. */
    private int colonOfField(int n) {
        byte[] l = line;
        if (FieldSyntax.isBlank(l[0])) {
            throw new Malformed("obs-fold continuation line in response head");
        }
        int i = 0;
        while (i < n && FieldSyntax.isTokenChar(l[i])) {
            i++;
        }
        int nameEnd = i;
        while (i < n && FieldSyntax.isBlank(l[i])) {
            i++;
        }
        if (nameEnd == 0 || i == n || l[i] != ':') {
            throw new Malformed("header field line without a token name and a colon");
        }
        return i;
    }

    /** The blank line: decide the framing of the body and hand the head on. */
    private void endHead(ByteBuf in, List<Object> out) {
        HttpVersion v = version;
        HttpResponseStatus s = status;
        HttpHeaders h = headers;
        if (v == null || s == null || h == null) {
            throw new IllegalStateException("end of head before the status line");
        }
        int code = s.code();
        boolean interim = code < 200;
        boolean bodyless = interim || code == 204 || code == 304 || headInFlight;
        if (!interim) {
            headInFlight = false;
        }
        long length = -1;
        boolean chunked = false;
        if (!bodyless) {
            String te = lastTransferEncoding;
            if (te != null) {
                if (contentLengthFields > 0) {
                    // RFC 9112 section 6.1 lets a recipient refuse this; its framing is what desync attacks are made of.
                    throw new Malformed("both Content-Length and Transfer-Encoding");
                }
                if (v == HttpVersion.HTTP_1_0) {
                    throw new Malformed("Transfer-Encoding in an HTTP/1.0 response");
                }
                chunked = lastCodingIsChunked(te);
            } else if (contentLengthFields > 1) {
                throw new Malformed("several Content-Length fields");
            } else if (contentLengthFields == 1) {
                length = decimal(contentLength);
            }
        }
        resetHead();
        if (length > 0 && in.readableBytes() >= length) {
            // The whole body came with the head: one message, which the client's encoder writes in one buffer.
            out.add(new DefaultFullHttpResponse(v, s, in.readRetainedSlice((int) length), h, EmptyHttpHeaders.INSTANCE));
            return;
        }
        out.add(new DefaultHttpResponse(v, s, h));
        if (bodyless) {
            out.add(LastHttpContent.EMPTY_LAST_CONTENT);
            if (code == 101) {
                state = UPGRADED;
            }
        } else if (chunked) {
            state = CHUNK_SIZE;
        } else if (length == 0) {
            out.add(LastHttpContent.EMPTY_LAST_CONTENT);
        } else if (length > 0) {
            state = FIXED_BODY;
            remaining = length;
        } else {
            state = UNTIL_CLOSE;
        }
    }

    private static boolean lastCodingIsChunked(String te) {
        int comma = te.lastIndexOf(',');
        return te.substring(comma + 1).strip().equalsIgnoreCase("chunked");
    }

    private static long decimal(@Nullable String value) {
        long n = value == null ? -1 : FieldSyntax.contentLength(value);
        if (n < 0) {
            throw new Malformed("Content-Length is not a decimal number");
        }
        return n;
    }

    private void resetHead() {
        version = null;
        status = null;
        headers = null;
        headerBytes = 0;
        contentLengthFields = 0;
        contentLength = null;
        lastTransferEncoding = null;
    }

    // ---- chunked body -------------------------------------------------------------------------------------

    /** The size on a chunk-size line: hex digits, then nothing or extensions (which are not interpreted). */
    private long chunkSize(int n) {
        byte[] l = line;
        int i = FieldSyntax.hexDigits(l, n);
        if (i == 0 || i > MAX_CHUNK_SIZE_DIGITS) {
            throw new Malformed(i == 0 ? "chunk size is not a hex number" : "chunk size too large");
        }
        long size = FieldSyntax.hexValue(l, i);
        while (i < n && FieldSyntax.isBlank(l[i])) {
            i++;
        }
        if (i < n && l[i] != ';') {
            throw new Malformed("chunk size followed by something other than an extension");
        }
        return size;
    }

    /** A response the gateway will not relay. */
    static final class Malformed extends RuntimeException {

        private static final long serialVersionUID = 1L;

        Malformed(String detail) {
            super(detail, null, false, false);
        }
    }
}
