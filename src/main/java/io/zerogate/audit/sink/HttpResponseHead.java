package io.zerogate.audit.sink;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.util.List;
import java.util.concurrent.Flow;

/**
 * Reads a whole response body, so the connection can be used again, but keeps only its first bytes: a collector
 * can answer with as much as it likes without costing the gateway more than that.
 */
final class HttpResponseHead implements Flow.Subscriber<List<ByteBuffer>> {

    private final int keep;
    private final ByteArrayOutputStream kept = new ByteArrayOutputStream();

    HttpResponseHead(int keep) {
        this.keep = keep;
    }

    @Override
    public void onSubscribe(Flow.Subscription subscription) {
        subscription.request(Long.MAX_VALUE);
    }

    @Override
    public void onNext(List<ByteBuffer> buffers) {
        for (ByteBuffer b : buffers) {
            int n = Math.min(b.remaining(), keep - kept.size());
            if (n > 0) {
                byte[] chunk = new byte[n];
                b.get(chunk);
                kept.write(chunk, 0, n);
            }
        }
    }

    @Override
    public void onError(Throwable error) {
        // The response future fails with the same error; nothing is kept for it.
    }

    @Override
    public void onComplete() {
    }

    byte[] bytes() {
        return kept.toByteArray();
    }
}
