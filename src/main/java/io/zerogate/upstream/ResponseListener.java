package io.zerogate.upstream;

import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpResponse;
import org.jspecify.annotations.Nullable;

/**
 * Receives what a leased upstream connection reads. Called on the connection's event loop, which is the
 * event loop of the client connection the request came from. Ownership of every message passes to the
 * listener.
 */
public interface ResponseListener {

    /**
     * The head of a response. A full response (head and whole body in one message, also an {@link HttpContent})
     * is then passed to {@link #onResponseContent} as well; ownership passes once, with that second call.
     */
    void onResponseHead(HttpResponse response);

    void onResponseContent(HttpContent content);

    /** A read burst ended: a good moment to flush what was written downstream. */
    void onReadComplete();

    /** The upstream connection can take more request bytes again (or cannot). */
    void onWritabilityChanged(boolean writable);

    /** Bytes that arrived after a protocol switch (101), passed on raw. */
    void onUpgradedBytes(io.netty.buffer.ByteBuf bytes);

    /** The connection closed or failed while leased. */
    void onClosed(@Nullable Throwable cause);
}
