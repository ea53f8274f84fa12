package io.zerogate.config;

import java.time.Duration;

/**
 * Bounds on what a client may send before the gateway refuses it.
 *
 * @param maxRequestLineBytes  longest request line (414 beyond it)
 * @param maxHeaderBytes       largest header section (431 beyond it); for HTTP/2 also the advertised
 *                             {@code SETTINGS_MAX_HEADER_LIST_SIZE}
 * @param maxHeaderCount       most header fields in one request (431 beyond it)
 * @param maxConcurrentStreams most HTTP/2 streams open at once on one connection
 *                             ({@code SETTINGS_MAX_CONCURRENT_STREAMS}); further ones are refused
 * @param maxStreamResets      most HTTP/2 streams a client may reset within {@code streamResetWindow} before its
 *                             connection is closed (the rapid-reset attack)
 * @param streamResetWindow    the window {@code maxStreamResets} is counted over
 */
public record ServerLimits(int maxRequestLineBytes, int maxHeaderBytes, int maxHeaderCount, int maxConcurrentStreams,
                           int maxStreamResets, Duration streamResetWindow) {

    public static final int DEFAULT_MAX_STREAM_RESETS = 200;
    public static final Duration DEFAULT_STREAM_RESET_WINDOW = Duration.ofSeconds(10);

    public ServerLimits {
        if (maxStreamResets < 1) {
            throw new IllegalArgumentException("maxStreamResets: " + maxStreamResets + " (expected: >= 1)");
        }
        if (streamResetWindow.toNanos() / maxStreamResets < 1) {
            throw new IllegalArgumentException("streamResetWindow: " + streamResetWindow + " (expected: at least 1 ns per reset)");
        }
    }

    /** Limits with the default of 100 concurrent HTTP/2 streams and the default reset bound. */
    public ServerLimits(int maxRequestLineBytes, int maxHeaderBytes, int maxHeaderCount) {
        this(maxRequestLineBytes, maxHeaderBytes, maxHeaderCount, 100);
    }

    /** Limits with the default reset bound. */
    public ServerLimits(int maxRequestLineBytes, int maxHeaderBytes, int maxHeaderCount, int maxConcurrentStreams) {
        this(maxRequestLineBytes, maxHeaderBytes, maxHeaderCount, maxConcurrentStreams, DEFAULT_MAX_STREAM_RESETS,
                DEFAULT_STREAM_RESET_WINDOW);
    }
}
