package io.zerogate.server;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.http.DefaultHttpContent;
import io.netty.handler.codec.http.DefaultHttpResponse;
import io.netty.handler.codec.http.DefaultLastHttpContent;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpVersion;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The response encoder writes a HEAD answer as a head only, even when it is framed as chunked. */
class GatewayResponseEncoderTest {

    private final GatewayResponseEncoder encoder = new GatewayResponseEncoder();
    private final EmbeddedChannel channel = new EmbeddedChannel(encoder);

    /** The body buffers handed to the encoder; each must be freed once its bytes are written or dropped. */
    private final List<ByteBuf> bodies = new ArrayList<>();

    @AfterEach
    void nothingLeaked() {
        assertThat(channel.finishAndReleaseAll()).as("bytes left unread").isFalse();
        for (ByteBuf b : bodies) {
            assertThat(b.refCnt()).as("reference count of a body buffer").isZero();
        }
    }

    private static HttpResponse chunkedOk() {
        HttpResponse r = new DefaultHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.OK);
        r.headers().set(HttpHeaderNames.TRANSFER_ENCODING, HttpHeaderValues.CHUNKED);
        return r;
    }

    private void writeChunkedResponse() {
        ByteBuf body = Unpooled.copiedBuffer("hello", StandardCharsets.US_ASCII);
        bodies.add(body);
        channel.writeOutbound(chunkedOk(), new DefaultHttpContent(body), new DefaultLastHttpContent());
    }

    /** Everything written so far, as text; every buffer read is released. */
    private String written() {
        StringBuilder sb = new StringBuilder();
        ByteBuf b;
        while ((b = channel.readOutbound()) != null) {
            sb.append(b.toString(StandardCharsets.ISO_8859_1));
            b.release();
        }
        return sb.toString();
    }

    @Test
    void chunkedAnswerToHeadHasNoBodyAndNoTerminatingChunk() {
        encoder.answeringHead(true);
        writeChunkedResponse();
        assertThat(written()).isEqualTo("HTTP/1.1 200 OK\r\ntransfer-encoding: chunked\r\n\r\n");
    }

    @Test
    void chunkedAnswerToGetIsFramed() {
        encoder.answeringHead(false);
        writeChunkedResponse();
        assertThat(written()).isEqualTo("HTTP/1.1 200 OK\r\ntransfer-encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\n\r\n");
    }

    @Test
    void headThenGetOnOneConnection() {
        encoder.answeringHead(true);
        writeChunkedResponse();
        encoder.answeringHead(false);
        writeChunkedResponse();
        assertThat(written()).isEqualTo("HTTP/1.1 200 OK\r\ntransfer-encoding: chunked\r\n\r\n"
                + "HTTP/1.1 200 OK\r\ntransfer-encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\n\r\n");
    }

    @Test
    void interimResponseBeforeAHeadAnswerIsUnaffected() {
        encoder.answeringHead(true);
        channel.writeOutbound(new DefaultHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.CONTINUE), new DefaultLastHttpContent());
        writeChunkedResponse();
        assertThat(written()).isEqualTo("HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 200 OK\r\ntransfer-encoding: chunked\r\n\r\n");
    }
}
