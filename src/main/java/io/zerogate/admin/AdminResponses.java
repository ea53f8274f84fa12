package io.zerogate.admin;

import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import java.nio.charset.StandardCharsets;

/** The admin listener's answers: text, JSON, and RFC 9457 problems for refusals. */
final class AdminResponses {

    static final String JSON = "application/json";
    static final String PLAIN = "text/plain";

    private AdminResponses() {}

    /**
     * An RFC 9457 problem; {@code detail} says what to do about it and never holds a credential.
     *
     * @param type   {@code urn:zerogate:problem:<code>}
     */
    record Problem(String type, String title, int status, String code, String detail) {

        Problem(HttpResponseStatus status, String code, String detail) {
            this("urn:zerogate:problem:" + code, status.reasonPhrase(), status.code(), code, detail);
        }
    }

    static FullHttpResponse text(HttpResponseStatus status, String body, String type) {
        byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
        FullHttpResponse r = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, status, Unpooled.wrappedBuffer(bytes));
        r.headers().set(HttpHeaderNames.CONTENT_TYPE, type).setInt(HttpHeaderNames.CONTENT_LENGTH, bytes.length)
                .set(HttpHeaderNames.CACHE_CONTROL, "no-store");
        return r;
    }

    static FullHttpResponse json(HttpResponseStatus status, Object value) {
        return text(status, RecordJson.render(value) + "\n", JSON);
    }

    static FullHttpResponse problem(HttpResponseStatus status, String code, String detail) {
        return text(status, RecordJson.render(new Problem(status, code, detail)) + "\n", "application/problem+json");
    }

    static void send(ChannelHandlerContext ctx, FullHttpResponse res, boolean keepAlive) {
        HttpUtil.setKeepAlive(res, keepAlive);
        var f = ctx.writeAndFlush(res);
        if (!keepAlive) {
            f.addListener(ChannelFutureListener.CLOSE);
        }
    }
}
