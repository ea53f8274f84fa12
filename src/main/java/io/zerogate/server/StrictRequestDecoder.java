package io.zerogate.server;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.http.HttpDecoderConfig;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpMessage;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpRequestDecoder;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.util.AsciiString;
import io.zerogate.chain.ReasonCode;
import java.util.List;

/**
 * Netty's request decoder in its strictest configuration (CRLF only, no duplicate Content-Length,
 * Content-Length with Transfer-Encoding refused), plus a scan of every request head for what it still
 * tolerates: obs-fold continuation lines, bare CR, control bytes and request-line separators other than
 * one SP. It also refuses what Netty normalises away: a lower-case protocol name and a repeated
 * Content-Length in HTTP/1.0. The scan looks at each head byte once and never at body bytes. After a
 * refusal every further byte is discarded: the connection is closing.
 */
final class StrictRequestDecoder extends HttpRequestDecoder {

    private boolean inHead = true;
    private boolean headComplete;
    private boolean failed;
    /** Bytes past the reader index that the scan has already seen. */
    private int scannedAhead;
    private boolean atLineStart = true;
    private boolean sawCr;
    private boolean sawContent;
    private boolean previousWasSpace;
    private int lineIndex;
    /** Content-Length fields seen in the current head. */
    private int contentLengthFields;
    private final java.util.function.LongSupplier nanoClock;
    private long headStartNanos;

    StrictRequestDecoder(int maxRequestLine, int maxHeaderSize, java.util.function.LongSupplier nanoClock) {
        super(new HttpDecoderConfig()
                .setMaxInitialLineLength(maxRequestLine)
                .setMaxHeaderSize(maxHeaderSize)
                .setMaxChunkSize(65536)
                .setValidateHeaders(true)
                .setStrictLineParsing(true)
                .setAllowDuplicateContentLengths(false)
                .setUseRfc9112TransferEncoding(true)
                .setAllowPartialChunks(true));
        this.nanoClock = nanoClock;
    }

    /** How long the pending request head has been arriving, or -1 when none is pending. */
    long headPendingNanos() {
        return isHeadPending() ? nanoClock.getAsLong() - headStartNanos : -1;
    }

    /** True when part of a request head has arrived but not all of it. */
    boolean isHeadPending() {
        return inHead && sawContent;
    }

    @Override
    protected void decode(ChannelHandlerContext ctx, ByteBuf buffer, List<Object> out) throws Exception {
        if (failed) {
            buffer.skipBytes(buffer.readableBytes());
            return;
        }
        if (inHead && !headComplete) {
            try {
                scanHead(buffer);
            } catch (MalformedRequestException e) {
                failed = true;
                buffer.skipBytes(buffer.readableBytes());
                throw e;
            }
        }
        int before = out.size();
        int readerBefore = buffer.readerIndex();
        super.decode(ctx, buffer, out);
        scannedAhead = Math.max(0, scannedAhead - (buffer.readerIndex() - readerBefore));
        for (int i = before, n = out.size(); i < n; i++) {
            Object o = out.get(i);
            if (o instanceof HttpRequest) {
                inHead = false;
            }
            if (o instanceof LastHttpContent) {
                startNextHead();
            }
        }
    }

    @Override
    protected void decodeLast(ChannelHandlerContext ctx, ByteBuf in, List<Object> out) throws Exception {
        if (failed) {
            // Refused already: the end of the connection is not a second, truncated request.
            in.skipBytes(in.readableBytes());
            return;
        }
        super.decodeLast(ctx, in, out);
    }

    private void startNextHead() {
        inHead = true;
        headComplete = false;
        scannedAhead = 0;
        atLineStart = true;
        sawCr = false;
        sawContent = false;
        previousWasSpace = false;
        lineIndex = 0;
    }

    @Override
    protected HttpMessage createMessage(String[] initialLine) throws Exception {
        // Netty upper-cases the version before checking it; the protocol name is case-sensitive (RFC 9112
        // section 2.3) and a back end may not share Netty's leniency.
        if (!initialLine[2].startsWith("HTTP/")) {
            throw new IllegalArgumentException("protocol name is not HTTP in upper case");
        }
        contentLengthFields = 0;
        return super.createMessage(initialLine);
    }

    @Override
    protected AsciiString splitHeaderName(byte[] sb, int start, int length) {
        AsciiString name = super.splitHeaderName(sb, start, length);
        // Netty refuses repeated Content-Length fields in HTTP/1.1 only; in HTTP/1.0 it keeps the first.
        if (name.length() == 14 && HttpHeaderNames.CONTENT_LENGTH.contentEqualsIgnoreCase(name) && ++contentLengthFields > 1) {
            throw new IllegalArgumentException("Content-Length field repeated");
        }
        return name;
    }

    private void scanHead(ByteBuf buffer) {
        int from = buffer.readerIndex() + scannedAhead;
        int to = buffer.writerIndex();
        for (int i = from; i < to; i++) {
            int b = buffer.getByte(i) & 0xFF;
            if (sawCr) {
                if (b != '\n') {
                    throw new MalformedRequestException(ReasonCode.MALFORMED_REQUEST, "bare CR in request head");
                }
                sawCr = false;
                if (atLineStart) {
                    if (sawContent) {
                        // The blank line that ends the head: what follows is body or the next request.
                        headComplete = true;
                        scannedAhead = i + 1 - buffer.readerIndex();
                        return;
                    }
                    // Empty lines before the request line are tolerated (RFC 9112 section 2.2).
                } else {
                    atLineStart = true;
                    lineIndex++;
                }
                continue;
            }
            if (b == '\r') {
                sawCr = true;
                continue;
            }
            if (b == '\n') {
                throw new MalformedRequestException(ReasonCode.MALFORMED_REQUEST, "bare LF in request head");
            }
            if ((b == ' ' || b == '\t') && atLineStart) {
                throw new MalformedRequestException(lineIndex > 0 ? ReasonCode.INVALID_HEADER : ReasonCode.MALFORMED_REQUEST,
                        lineIndex > 0 ? "obs-fold continuation line in header section" : "whitespace before request line");
            }
            if ((b < 0x20 && b != '\t') || b == 0x7F) {
                throw new MalformedRequestException(lineIndex > 0 ? ReasonCode.INVALID_HEADER : ReasonCode.MALFORMED_REQUEST,
                        "control byte 0x" + Integer.toHexString(b) + " in request head");
            }
            if (lineIndex == 0) {
                // Netty splits the request line on any run of SP/HT; other parsers split on each SP. Only
                // the one form everyone reads alike passes: single spaces.
                if (b == '\t' || (b == ' ' && previousWasSpace)) {
                    throw new MalformedRequestException(ReasonCode.MALFORMED_REQUEST, "request line separator other than one SP");
                }
                previousWasSpace = b == ' ';
            }
            atLineStart = false;
            if (!sawContent) {
                sawContent = true;
                headStartNanos = nanoClock.getAsLong();
            }
        }
        scannedAhead = to - buffer.readerIndex();
    }
}
