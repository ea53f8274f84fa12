package io.zerogate.identity.introspect;

import java.io.IOException;
import java.net.http.HttpResponse;
import java.nio.ByteBuffer;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Flow;
import org.jspecify.annotations.Nullable;

/**
 * Collects a response body up to a bound, and fails (cancelling the rest of the transfer) once it grows past it,
 * so that a misbehaving endpoint cannot make the gateway buffer without limit.
 */
public final class BoundedBody implements HttpResponse.BodySubscriber<byte[]> {

    private final int maxBytes;
    private final CompletableFuture<byte[]> body = new CompletableFuture<>();
    // Reactive Streams deliver signals one at a time, so these need no lock.
    private byte[] buffer = new byte[1024];
    private int length;
    private Flow.@Nullable Subscription subscription;
    private boolean done;

    private BoundedBody(int maxBytes) {
        this.maxBytes = maxBytes;
    }

    /** A body handler that bounds every response's body. */
    public static HttpResponse.BodyHandler<byte[]> handler(int maxBytes) {
        return info -> new BoundedBody(maxBytes);
    }

    @Override
    public CompletionStage<byte[]> getBody() {
        return body;
    }

    @Override
    public void onSubscribe(Flow.Subscription s) {
        subscription = s;
        s.request(Long.MAX_VALUE);
    }

    @Override
    public void onNext(List<ByteBuffer> items) {
        if (done) {
            return;
        }
        for (ByteBuffer item : items) {
            int n = item.remaining();
            if (n > maxBytes - length) {
                done = true;
                if (subscription != null) {
                    subscription.cancel();
                }
                body.completeExceptionally(new IOException("response body larger than " + maxBytes + " bytes"));
                return;
            }
            if (length + n > buffer.length) {
                buffer = Arrays.copyOf(buffer, Math.min(maxBytes, Math.max(buffer.length * 2, length + n)));
            }
            item.get(buffer, length, n);
            length += n;
        }
    }

    @Override
    public void onError(Throwable error) {
        done = true;
        body.completeExceptionally(error);
    }

    @Override
    public void onComplete() {
        if (!done) {
            done = true;
            body.complete(Arrays.copyOf(buffer, length));
        }
    }
}
