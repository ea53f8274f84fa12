package io.zerogate.server;

import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpResponseEncoder;
import io.netty.handler.codec.http.HttpStatusClass;

/**
 * Response encoder that knows when the response answers a HEAD request, so that a chunked HEAD response
 * is written without a body (not even the terminating chunk).
 */
final class GatewayResponseEncoder extends HttpResponseEncoder {

    private boolean answeringHead;

    /** Set before writing the head of each final response. */
    void answeringHead(boolean head) {
        answeringHead = head;
    }

    @Override
    protected boolean isContentAlwaysEmpty(HttpResponse msg) {
        if (msg.status().codeClass() == HttpStatusClass.INFORMATIONAL) {
            return super.isContentAlwaysEmpty(msg);
        }
        return answeringHead || super.isContentAlwaysEmpty(msg);
    }
}
