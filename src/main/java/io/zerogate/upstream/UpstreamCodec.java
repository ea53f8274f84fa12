package io.zerogate.upstream;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelPipeline;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpRequestEncoder;

/**
 * The HTTP/1.1 codec of an upstream connection, as two plain pipeline handlers: the gateway's own
 * {@link ResponseDecoder} and Netty's request encoder, which tells the decoder the method of each request it
 * writes. An upstream connection carries one exchange at a time, so that is all the decoder needs to know of
 * the requests. CONNECT is never forwarded; after a WebSocket switch the codec is removed ({@link #remove}).
 */
final class UpstreamCodec {

    static final String DECODER = "http-decoder";
    static final String ENCODER = "http-encoder";

    private UpstreamCodec() {}

    /** Adds the codec at the end of {@code pipeline}. */
    static void addTo(ChannelPipeline pipeline, int maxResponseHeadBytes) {
        ResponseDecoder decoder = new ResponseDecoder(maxResponseHeadBytes);
        pipeline.addLast(DECODER, decoder).addLast(ENCODER, new RequestEncoder(decoder));
    }

    /** Removes the codec: what follows on the connection is raw bytes. Bytes already read are passed on. */
    static void remove(ChannelPipeline pipeline) {
        pipeline.remove(ENCODER);
        pipeline.remove(DECODER);
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
