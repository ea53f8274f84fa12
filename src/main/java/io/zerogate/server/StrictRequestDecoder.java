package io.zerogate.server;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.ByteToMessageDecoder;
import io.netty.handler.codec.DecoderResult;
import io.netty.handler.codec.http.DefaultFullHttpRequest;
import io.netty.handler.codec.http.DefaultHttpContent;
import io.netty.handler.codec.http.DefaultHttpHeadersFactory;
import io.netty.handler.codec.http.DefaultHttpRequest;
import io.netty.handler.codec.http.DefaultLastHttpContent;
import io.netty.handler.codec.http.EmptyHttpHeaders;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpHeadersFactory;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.util.AsciiString;
import io.zerogate.chain.ReasonCode;
import io.zerogate.http.FieldSyntax;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.function.LongSupplier;
import org.jspecify.annotations.Nullable;

/**
 * The HTTP/1.1 request decoder of a client connection: one pass over each head line that both checks and
 * parses it, so that only the one form every reader interprets alike gets through (RFC 9112):
 * <ul>
 *   <li>lines end in CRLF; a bare CR or LF, a control byte other than HTAB in a field, DEL, or an obs-fold
 *       continuation line is refused;</li>
 *   <li>the request line is {@code method SP target SP HTTP/1.x} with single spaces, a token method and a
 *       protocol name in upper case; empty lines before it are skipped;</li>
 *   <li>a field name is a non-empty token directly followed by the colon; the value loses its surrounding
 *       SP/HTAB;</li>
 *   <li>framing: at most one Content-Length, a plain decimal number; Transfer-Encoding only as exactly one
 *       {@code chunked} in HTTP/1.1 and never together with Content-Length; chunk sizes are 1 to 15 hex
 *       digits, optionally followed by extensions, and every chunk ends in CRLF.</li>
 * </ul>
 * A refused head is thrown as a {@link MalformedRequestException}; a body whose framing breaks ends in a
 * failed {@link LastHttpContent}. Either way every further byte is discarded, since the connection is closing.
 * The request line is limited to {@code maxRequestLine} bytes and the header fields together to
 * {@code maxHeaderSize} bytes (both without line ends), before the line is complete. Request trailers are
 * checked like header fields and then dropped: the gateway forwards only the head it has checked.
 */
final class StrictRequestDecoder extends ByteToMessageDecoder {

    /** One shared instance of each common field name ({@link FieldSyntax#COMMON_NAMES}), instead of a copy per head. */
    private static final AsciiString[] COMMON_NAMES = FieldSyntax.COMMON_NAMES.stream().map(AsciiString::cached)
            .toArray(AsciiString[]::new);

    private static final HttpHeadersFactory HEADERS = DefaultHttpHeadersFactory.headersFactory().withValidation(false);

    private static final int HEAD = 0;
    private static final int FIXED_BODY = 1;
    private static final int CHUNK_SIZE = 2;
    private static final int CHUNK_DATA = 3;
    private static final int CHUNK_END = 4;
    private static final int TRAILERS = 5;
    private static final int FAILED = 6;

    /** Chunk sizes of more hex digits than this could overflow a long; no real body is that large. */
    private static final int MAX_CHUNK_SIZE_DIGITS = 15;
    private static final byte CR = '\r';
    private static final byte LF = '\n';

    private final int maxRequestLine;
    private final int maxHeaderSize;
    private final LongSupplier nanoClock;

    private int state = HEAD;
    /** The current line's bytes, CR included; grows up to the larger limit. */
    private byte[] line = new byte[256];
    /** Bytes of the current line, from the reader index, already searched for its LF. */
    private int searched;

    // The head being read.
    private boolean sawContent;
    private long headStartNanos;
    private @Nullable HttpMethod method;
    private @Nullable String target;
    private @Nullable HttpVersion version;
    private @Nullable HttpHeaders headers;
    private int headerBytes;
    private int contentLengthFields;
    private @Nullable String contentLength;
    private int transferEncodingFields;
    private @Nullable String transferEncoding;

    // The body being read.
    private long remaining;

    StrictRequestDecoder(int maxRequestLine, int maxHeaderSize, LongSupplier nanoClock) {
        this.maxRequestLine = maxRequestLine;
        this.maxHeaderSize = maxHeaderSize;
        this.nanoClock = nanoClock;
    }

    /** How long the pending request head has been arriving, or -1 when none is pending. */
    long headPendingNanos() {
        return isHeadPending() ? nanoClock.getAsLong() - headStartNanos : -1;
    }

    /** True when part of a request head has arrived but not all of it. */
    boolean isHeadPending() {
        return state == HEAD && sawContent;
    }

    @Override
    protected void decode(ChannelHandlerContext ctx, ByteBuf in, List<Object> out) {
        switch (state) {
            case HEAD -> {
                try {
                    readHead(in, out);
                } catch (MalformedRequestException e) {
                    state = FAILED;
                    in.skipBytes(in.readableBytes());
                    throw e;
                }
            }
            case FIXED_BODY -> readFixedBody(in, out);
            case CHUNK_SIZE, CHUNK_DATA, CHUNK_END, TRAILERS -> readChunked(in, out);
            default -> in.skipBytes(in.readableBytes());
        }
    }

    @Override
    protected void decodeLast(ChannelHandlerContext ctx, ByteBuf in, List<Object> out) throws Exception {
        if (state == FAILED) {
            // Refused already: the end of the connection is not a second, truncated request.
            in.skipBytes(in.readableBytes());
            return;
        }
        super.decodeLast(ctx, in, out);
        if (state == HEAD && method != null) {
            // The request line came but the head never ended: answered as a request that cannot be read.
            DefaultFullHttpRequest invalid = new DefaultFullHttpRequest(HttpVersion.HTTP_1_0, HttpMethod.GET, "/bad-request",
                    Unpooled.EMPTY_BUFFER);
            invalid.setDecoderResult(DecoderResult.failure(new MalformedRequestException(ReasonCode.MALFORMED_REQUEST,
                    "connection closed before the request head ended")));
            out.add(invalid);
            state = FAILED;
        }
        // A body cut short by the end of the connection produces nothing: the exchange sees the client leave.
    }

    // ---- head ---------------------------------------------------------------------------------------------

    private void readHead(ByteBuf in, List<Object> out) {
        while (state == HEAD && in.isReadable()) {
            if (!sawContent && in.getByte(in.readerIndex()) != CR) {
                sawContent = true;
                headStartNanos = nanoClock.getAsLong();
            }
            boolean requestLine = method == null;
            int length = requestLine
                    ? nextLine(in, maxRequestLine, ReasonCode.URI_TOO_LONG, "request line too long")
                    : nextLine(in, maxHeaderSize - headerBytes, ReasonCode.HEADERS_TOO_LARGE, "header section too large");
            if (length < 0) {
                return;
            }
            int n = lineContent(length, requestLine ? ReasonCode.MALFORMED_REQUEST : ReasonCode.INVALID_HEADER);
            if (requestLine) {
                if (n > 0) {
                    parseRequestLine(n);
                }
                // An empty line before the request line is tolerated (RFC 9112 section 2.2).
            } else if (n == 0) {
                endHead(out);
            } else {
                headerBytes += n;
                addHeader(n);
            }
        }
    }

    /**
     * Copies the next line into {@link #line} and consumes it with its LF. Returns the number of bytes before
     * the LF, or -1 when the line is not complete yet.
     */
    private int nextLine(ByteBuf in, int limit, ReasonCode tooLong, String tooLongDetail) {
        int start = in.readerIndex();
        int end = in.writerIndex();
        int lf = in.indexOf(start + searched, end, LF);
        if (lf < 0) {
            searched = end - start;
            // One byte more than the limit may be the CR of a line that is just within it.
            if (searched > limit + 1) {
                fail(tooLong, tooLongDetail);
            }
            return -1;
        }
        searched = 0;
        int length = lf - start;
        if (length - 1 > limit) {
            fail(tooLong, tooLongDetail);
        }
        if (line.length < length) {
            line = new byte[Math.max(length, Math.min(line.length * 2, Math.max(maxRequestLine, maxHeaderSize) + 2))];
        }
        in.getBytes(start, line, 0, length);
        in.readerIndex(lf + 1);
        return length;
    }

    /**
     * Checks a line of {@code length} bytes before its LF: no CR or control byte before the CR that must end
     * it. Returns the length without that CR.
     */
    private int lineContent(int length, ReasonCode controlByteReason) {
        boolean crlf = length > 0 && line[length - 1] == CR;
        int n = crlf ? length - 1 : length;
        byte[] l = line;
        for (int i = 0; i < n; i++) {
            byte cls = FieldSyntax.lineByte(l[i]);
            if (cls == FieldSyntax.CARRIAGE_RETURN) {
                fail(ReasonCode.MALFORMED_REQUEST, "bare CR in request head");
            } else if (cls == FieldSyntax.CONTROL) {
                fail(controlByteReason, "control byte 0x" + Integer.toHexString(l[i] & 0xFF) + " in request head");
            }
        }
        if (!crlf) {
            fail(ReasonCode.MALFORMED_REQUEST, "bare LF in request head");
        }
        return n;
    }

    private void parseRequestLine(int n) {
        byte[] l = line;
        if (l[0] == ' ' || l[0] == '\t') {
            fail(ReasonCode.MALFORMED_REQUEST, "whitespace before request line");
        }
        int first = -1;
        int second = -1;
        for (int i = 0; i < n; i++) {
            byte b = l[i];
            if (b == '\t' || (b == ' ' && l[i - 1] == ' ')) {
                // Some parsers split on runs of whitespace, others on each SP: only single spaces read alike.
                fail(ReasonCode.MALFORMED_REQUEST, "request line separator other than one SP");
            }
            if (b == ' ') {
                if (first < 0) {
                    first = i;
                } else if (second < 0) {
                    second = i;
                } else {
                    fail(ReasonCode.MALFORMED_REQUEST, "request line of more than three parts");
                }
            }
        }
        if (second < 0 || second == n - 1) {
            fail(ReasonCode.MALFORMED_REQUEST, "request line of fewer than three parts");
        }
        for (int i = 0; i < first; i++) {
            if (!FieldSyntax.isTokenChar(l[i])) {
                fail(ReasonCode.MALFORMED_REQUEST, "method is not a token");
            }
        }
        HttpVersion v = version(l, second + 1, n);
        if (v == null) {
            // Case matters in the protocol name (RFC 9112 section 2.3), and only 1.0 and 1.1 are HTTP/1.
            fail(ReasonCode.MALFORMED_REQUEST, "protocol version other than HTTP/1.1 or HTTP/1.0");
        }
        version = v;
        method = HttpMethod.valueOf(new String(l, 0, first, StandardCharsets.US_ASCII));
        target = new String(l, first + 1, second - first - 1, StandardCharsets.ISO_8859_1);
        headers = HEADERS.newHeaders();
    }

    private static @Nullable HttpVersion version(byte[] l, int from, int to) {
        if (to - from != 8 || l[from] != 'H' || l[from + 1] != 'T' || l[from + 2] != 'T' || l[from + 3] != 'P'
                || l[from + 4] != '/' || l[from + 5] != '1' || l[from + 6] != '.') {
            return null;
        }
        return switch (l[from + 7]) {
            case '1' -> HttpVersion.HTTP_1_1;
            case '0' -> HttpVersion.HTTP_1_0;
            default -> null;
        };
    }

    private void addHeader(int n) {
        int colon = fieldNameEnd(line, n);
        byte[] l = line;
        String value = FieldSyntax.fieldValue(l, colon + 1, n);
        if (FieldSyntax.namedIgnoringCase(l, colon, "content-length")) {
            contentLengthFields++;
            contentLength = value;
        } else if (FieldSyntax.namedIgnoringCase(l, colon, "transfer-encoding")) {
            transferEncodingFields++;
            transferEncoding = value;
        }
        HttpHeaders h = headers;
        if (h == null) {
            throw new IllegalStateException("header field before the request line");
        }
        int common = FieldSyntax.commonName(l, colon);
        h.add(common >= 0 ? COMMON_NAMES[common] : new AsciiString(l, 0, colon, true), value);
    }

    /** The index of the colon that ends the field name of a line of {@code n} bytes. */
    private static int fieldNameEnd(byte[] l, int n) {
        if (l[0] == ' ' || l[0] == '\t') {
            fail(ReasonCode.INVALID_HEADER, "obs-fold continuation line in header section");
        }
        for (int i = 0; i < n; i++) {
            int b = l[i] & 0xFF;
            if (b == ':') {
                if (i == 0) {
                    fail(ReasonCode.INVALID_HEADER, "empty header field name");
                }
                return i;
            }
            if (!FieldSyntax.isTokenChar((byte) b)) {
                fail(ReasonCode.INVALID_HEADER, b == ' ' || b == '\t' ? "whitespace between header field name and colon"
                        : "header field name is not a token");
            }
        }
        fail(ReasonCode.INVALID_HEADER, "header field line without a colon");
        return -1;
    }

    /** The blank line: decide the body's framing, then hand the head on. */
    private void endHead(List<Object> out) {
        HttpMethod m = method;
        String t = target;
        HttpVersion v = version;
        HttpHeaders h = headers;
        if (m == null || t == null || v == null || h == null) {
            throw new IllegalStateException("end of head before the request line");
        }
        boolean chunked = false;
        long length = 0;
        if (transferEncodingFields > 0) {
            if (contentLengthFields > 0) {
                fail(ReasonCode.AMBIGUOUS_FRAMING, "both Content-Length and Transfer-Encoding");
            }
            if (v == HttpVersion.HTTP_1_0) {
                // RFC 9112 section 6.1: the framing of an HTTP/1.0 message with Transfer-Encoding is faulty.
                fail(ReasonCode.AMBIGUOUS_FRAMING, "Transfer-Encoding in an HTTP/1.0 request");
            }
            String te = transferEncoding;
            if (transferEncodingFields > 1 || te == null || !te.equalsIgnoreCase("chunked")) {
                fail(ReasonCode.AMBIGUOUS_FRAMING, "Transfer-Encoding other than exactly chunked");
            }
            chunked = true;
        } else if (contentLengthFields > 1) {
            fail(ReasonCode.AMBIGUOUS_FRAMING, "Content-Length field repeated");
        } else if (contentLengthFields == 1) {
            length = decimal(contentLength);
        }
        out.add(new DefaultHttpRequest(v, m, t, h, false));
        resetHead();
        if (chunked) {
            state = CHUNK_SIZE;
        } else if (length > 0) {
            state = FIXED_BODY;
            remaining = length;
        } else {
            out.add(LastHttpContent.EMPTY_LAST_CONTENT);
        }
    }

    /** A Content-Length value: 1 to 18 decimal digits, nothing else. */
    private static long decimal(@Nullable String value) {
        long n = value == null ? -1 : FieldSyntax.contentLength(value);
        if (n < 0) {
            fail(ReasonCode.AMBIGUOUS_FRAMING, "Content-Length is not a decimal number");
        }
        return n;
    }

    private void resetHead() {
        state = HEAD;
        sawContent = false;
        method = null;
        target = null;
        version = null;
        headers = null;
        headerBytes = 0;
        contentLengthFields = 0;
        contentLength = null;
        transferEncodingFields = 0;
        transferEncoding = null;
    }

    private static void fail(ReasonCode reason, String detail) {
        throw new MalformedRequestException(reason, detail);
    }

    // ---- body ---------------------------------------------------------------------------------------------

    private void readFixedBody(ByteBuf in, List<Object> out) {
        int n = (int) Math.min(in.readableBytes(), remaining);
        if (n == 0) {
            return;
        }
        remaining -= n;
        if (remaining == 0) {
            out.add(new DefaultLastHttpContent(in.readRetainedSlice(n), EmptyHttpHeaders.INSTANCE));
            state = HEAD;
        } else {
            out.add(new DefaultHttpContent(in.readRetainedSlice(n)));
        }
    }

    private void readChunked(ByteBuf in, List<Object> out) {
        try {
            while (in.isReadable()) {
                switch (state) {
                    case CHUNK_SIZE -> {
                        int length = nextLine(in, maxRequestLine, ReasonCode.AMBIGUOUS_FRAMING, "chunk size line too long");
                        if (length < 0) {
                            return;
                        }
                        long size = chunkSize(lineContent(length, ReasonCode.AMBIGUOUS_FRAMING));
                        if (size == 0) {
                            state = TRAILERS;
                        } else {
                            remaining = size;
                            state = CHUNK_DATA;
                        }
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
                        if (in.getByte(in.readerIndex()) != CR) {
                            fail(ReasonCode.AMBIGUOUS_FRAMING, "chunk data not followed by CRLF");
                        }
                        if (in.readableBytes() < 2) {
                            return;
                        }
                        if (in.getByte(in.readerIndex() + 1) != LF) {
                            fail(ReasonCode.AMBIGUOUS_FRAMING, "chunk data not followed by CRLF");
                        }
                        in.skipBytes(2);
                        state = CHUNK_SIZE;
                    }
                    case TRAILERS -> {
                        int length = nextLine(in, maxHeaderSize - headerBytes, ReasonCode.AMBIGUOUS_FRAMING,
                                "trailer section too large");
                        if (length < 0) {
                            return;
                        }
                        int n = lineContent(length, ReasonCode.AMBIGUOUS_FRAMING);
                        if (n == 0) {
                            headerBytes = 0;
                            state = HEAD;
                            out.add(LastHttpContent.EMPTY_LAST_CONTENT);
                            return;
                        }
                        fieldNameEnd(line, n);
                        headerBytes += n;
                    }
                    default -> {
                        return;
                    }
                }
            }
        } catch (MalformedRequestException e) {
            state = FAILED;
            searched = 0;
            headerBytes = 0;
            in.skipBytes(in.readableBytes());
            DefaultLastHttpContent failed = new DefaultLastHttpContent(Unpooled.EMPTY_BUFFER, EmptyHttpHeaders.INSTANCE);
            failed.setDecoderResult(DecoderResult.failure(new MalformedRequestException(ReasonCode.AMBIGUOUS_FRAMING,
                    "chunked body: " + e.getMessage())));
            out.add(failed);
        }
    }

    /** The size on a chunk-size line of {@code n} bytes: hex digits, then nothing or chunk extensions. */
    private long chunkSize(int n) {
        byte[] l = line;
        int i = FieldSyntax.hexDigits(l, n);
        if (i == 0 || i > MAX_CHUNK_SIZE_DIGITS) {
            fail(ReasonCode.AMBIGUOUS_FRAMING, i == 0 ? "chunk size is not a hex number" : "chunk size too large");
        }
        long size = FieldSyntax.hexValue(l, i);
        checkChunkExtensions(l, i, n);
        return size;
    }

    /**
     * Checks {@code *( BWS ";" BWS name [ BWS "=" BWS value ] )} from {@code i} to {@code n} (RFC 9112 section
     * 7.1.1), where a name is a token and a value a token or a quoted string. Extensions are forwarded as part
     * of the body framing only by re-chunking, so they are checked rather than interpreted.
     */
    private static void checkChunkExtensions(byte[] l, int i, int n) {
        while (i < n) {
            i = skipBlanks(l, i, n);
            if (i == n || l[i] != ';') {
                fail(ReasonCode.AMBIGUOUS_FRAMING, "chunk size followed by something other than an extension");
            }
            i = skipBlanks(l, i + 1, n);
            int name = i;
            while (i < n && FieldSyntax.isTokenChar(l[i])) {
                i++;
            }
            if (i == name) {
                fail(ReasonCode.AMBIGUOUS_FRAMING, "chunk extension without a name");
            }
            int afterName = skipBlanks(l, i, n);
            if (afterName == n || l[afterName] != '=') {
                continue;
            }
            i = skipBlanks(l, afterName + 1, n);
            if (i < n && l[i] == '"') {
                i = quotedStringEnd(l, i + 1, n);
            } else {
                int value = i;
                while (i < n && FieldSyntax.isTokenChar(l[i])) {
                    i++;
                }
                if (i == value) {
                    fail(ReasonCode.AMBIGUOUS_FRAMING, "chunk extension without a value after '='");
                }
            }
        }
    }

    private static int skipBlanks(byte[] l, int i, int n) {
        while (i < n && (l[i] == ' ' || l[i] == '\t')) {
            i++;
        }
        return i;
    }

    /** The index after the closing quote of a quoted string whose content starts at {@code i}. */
    private static int quotedStringEnd(byte[] l, int i, int n) {
        while (i < n) {
            byte b = l[i];
            if (b == '"') {
                return i + 1;
            }
            i += b == '\\' ? 2 : 1;
        }
        fail(ReasonCode.AMBIGUOUS_FRAMING, "unterminated quoted string in chunk extension");
        return n;
    }
}
