package io.zerogate.server;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelDuplexHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelPromise;
import io.netty.handler.codec.DecoderResult;
import io.netty.handler.codec.http.DefaultHttpContent;
import io.netty.handler.codec.http.DefaultHttpRequest;
import io.netty.handler.codec.http.DefaultLastHttpContent;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.handler.codec.http2.DefaultHttp2ResetFrame;
import io.netty.handler.codec.http2.Http2CodecUtil;
import io.netty.handler.codec.http2.Http2DataFrame;
import io.netty.handler.codec.http2.Http2Error;
import io.netty.handler.codec.http2.Http2HeadersFrame;
import io.netty.handler.codec.http2.Http2ResetFrame;
import io.netty.util.ReferenceCountUtil;
import io.zerogate.chain.ReasonCode;

/**
 * The first handler of an HTTP/2 stream: turns the request's HEADERS and DATA frames into the HTTP/1.1 head
 * and body parts the {@link ProxyHandler} reads, through {@link Http2RequestHead}'s checks. The body must
 * add up to the announced {@code content-length}; a body that overruns it is cut before the excess reaches
 * the upstream, which would otherwise read it as a further request. A refused head still reaches the proxy
 * handler, as a request whose decoding failed, so that the client gets its problem response on this stream.
 *
 * <p>On the way out it notes when the response has ended, so that closing the stream afterwards, while the
 * client is still sending, resets it with {@code NO_ERROR} (RFC 9113 section 8.1) rather than {@code CANCEL}.
 * A stream the client reset is closed without resetting it back.
 */
final class Http2StreamAdapter extends ChannelDuplexHandler {

    private boolean headSeen;
    /** The client ended its side of the stream, or reset it. */
    private boolean inboundEnded;
    /** The response's last frame has been written. */
    private boolean outboundEnded;
    /** What follows from the client is dropped: its head was refused or its body broke its framing. */
    private boolean discarding;
    /** The announced body length, or -1. */
    private long contentLength = -1;
    private long received;

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (msg instanceof Http2HeadersFrame headers) {
            boolean end = headers.isEndStream();
            if (!headSeen) {
                headSeen = true;
                inboundEnded = end;
                head(ctx, headers, end);
            } else {
                // Trailers, which end the stream; they are not forwarded (see ProxyHandler).
                inboundEnded = true;
                if (!discarding) {
                    endOfBody(ctx, Unpooled.EMPTY_BUFFER);
                }
            }
        } else if (msg instanceof Http2DataFrame data) {
            boolean end = data.isEndStream();
            inboundEnded |= end;
            if (discarding) {
                data.release();
                return;
            }
            received += data.content().readableBytes();
            if (contentLength >= 0 && received > contentLength) {
                data.release();
                brokenBody(ctx, "more DATA than the content-length " + contentLength);
            } else if (end) {
                endOfBody(ctx, data.content());
            } else {
                // The frame gives its buffer to the message; nothing else refers to it.
                ctx.fireChannelRead(new DefaultHttpContent(data.content()));
            }
        } else {
            ReferenceCountUtil.release(msg);
        }
    }

    private void head(ChannelHandlerContext ctx, Http2HeadersFrame frame, boolean end) {
        Http2RequestHead.Result result = Http2RequestHead.convert(frame.headers(), end);
        if (result instanceof Http2RequestHead.Converted converted) {
            contentLength = converted.contentLength();
            ctx.fireChannelRead(converted.request());
            if (end) {
                ctx.fireChannelRead(LastHttpContent.EMPTY_LAST_CONTENT);
            }
            return;
        }
        Http2RequestHead.Malformed malformed = (Http2RequestHead.Malformed) result;
        discarding = true;
        HttpRequest refused = new DefaultHttpRequest(HttpVersion.HTTP_1_1, HttpMethod.GET, "/");
        refused.setDecoderResult(DecoderResult.failure(new MalformedRequestException(malformed.reason(), malformed.detail())));
        ctx.fireChannelRead(refused);
    }

    private void endOfBody(ChannelHandlerContext ctx, ByteBuf last) {
        if (contentLength >= 0 && received != contentLength) {
            last.release();
            brokenBody(ctx, received + " bytes of DATA where content-length announced " + contentLength);
            return;
        }
        ctx.fireChannelRead(new DefaultLastHttpContent(last));
    }

    private void brokenBody(ChannelHandlerContext ctx, String detail) {
        discarding = true;
        HttpContent failed = new DefaultLastHttpContent(Unpooled.EMPTY_BUFFER);
        failed.setDecoderResult(DecoderResult.failure(new MalformedRequestException(ReasonCode.AMBIGUOUS_FRAMING, detail)));
        ctx.fireChannelRead(failed);
    }

    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
        if (evt instanceof Http2ResetFrame) {
            inboundEnded = true;
            // Closed once the codec has marked the stream closed (later in this same read), so that the close
            // sends no RST_STREAM back: answering a reset with a reset is forbidden (RFC 9113 section 5.4.2).
            ctx.executor().execute(() -> ctx.channel().close());
            return;
        }
        ctx.fireUserEventTriggered(evt);
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        if (Http2CodecUtil.getEmbeddedHttp2Exception(cause) != null) {
            // A stream error the codec found (a body that overruns its content-length, for one): the multiplexer
            // resets the stream with its error code next, and the proxy handler learns of it as the stream closes.
            inboundEnded = true;
            return;
        }
        ctx.fireExceptionCaught(cause);
    }

    @Override
    public void write(ChannelHandlerContext ctx, Object msg, ChannelPromise promise) {
        if ((msg instanceof Http2HeadersFrame h && h.isEndStream()) || (msg instanceof Http2DataFrame d && d.isEndStream())) {
            outboundEnded = true;
        }
        ctx.write(msg, promise);
    }

    @Override
    public void close(ChannelHandlerContext ctx, ChannelPromise promise) {
        if (outboundEnded && !inboundEnded && ctx.channel().isActive()) {
            // The response is complete; the client may stop sending without treating it as a failure.
            inboundEnded = true;
            ctx.write(new DefaultHttp2ResetFrame(Http2Error.NO_ERROR));
            ctx.flush();
        }
        ctx.close(promise);
    }
}
