package io.zerogate.upstream;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelPipeline;
import io.netty.handler.codec.http.HttpDecoderConfig;
import io.netty.handler.codec.http.HttpMessage;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpRequestEncoder;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpResponseDecoder;

/**
 * The HTTP/1.1 codec of an upstream connection, as two plain pipeline handlers. An upstream connection carries
 * one exchange at a time, so the decoder only needs to know whether the request in flight is a HEAD (whose
 * response has no body whatever its framing headers say). Netty's combined client codec tracks a queue of
 * methods for pipelining and routes every event through a wrapper; two handlers spare that on every read and
 * write. CONNECT is never forwarded, so no response switches the connection to raw bytes here; a WebSocket
 * switch removes the codec ({@link #remove}).
 */
final class UpstreamCodec {

    static final String DECODER = "http-decoder";
    static final String ENCODER = "http-encoder";

    private UpstreamCodec() {}

    /** Adds the codec at the end of {@code pipeline}. */
    static void addTo(ChannelPipeline pipeline, int maxResponseHeadBytes) {
        ResponseDecoder decoder = new ResponseDecoder(new HttpDecoderConfig()
                .setMaxInitialLineLength(8192)
                .setMaxHeaderSize(maxResponseHeadBytes)
                .setMaxChunkSize(65536));
        pipeline.addLast(DECODER, decoder).addLast(ENCODER, new RequestEncoder(decoder));
    }

    /** Removes the codec: what follows on the connection is raw bytes. Bytes already read are passed on. */
    static void remove(ChannelPipeline pipeline) {
        pipeline.remove(ENCODER);
        pipeline.remove(DECODER);
    }

    /** Decodes responses, knowing whether the request they answer was a HEAD. */
    static final class ResponseDecoder extends HttpResponseDecoder {

        private boolean headInFlight;

        ResponseDecoder(HttpDecoderConfig config) {
            super(config);
        }

        void requestSent(HttpMethod method) {
            headInFlight = method == HttpMethod.HEAD;
        }

        @Override
        protected boolean isContentAlwaysEmpty(HttpMessage msg) {
            int code = ((HttpResponse) msg).status().code();
            if (code >= 100 && code < 200) {
                // An interim response: the final one still answers the same request.
                return super.isContentAlwaysEmpty(msg);
            }
            boolean head = headInFlight;
            headInFlight = false;
            return head || super.isContentAlwaysEmpty(msg);
        }
    }

    /** Encodes requests and tells the decoder which method each one had. */
    static final class RequestEncoder extends HttpRequestEncoder {

        private final ResponseDecoder decoder;

        RequestEncoder(ResponseDecoder decoder) {
            this.decoder = decoder;
        }

        @Override
        protected void encodeInitialLine(ByteBuf buf, HttpRequest request) throws Exception {
            decoder.requestSent(request.method());
            super.encodeInitialLine(buf, request);
        }
    }
}
