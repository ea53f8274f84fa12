package io.zerogate.config;

/**
 * Bounds on what a client may send before the gateway refuses it.
 *
 * @param maxRequestLineBytes  longest request line (414 beyond it)
 * @param maxHeaderBytes       largest header section (431 beyond it); for HTTP/2 also the advertised
 *                             {@code SETTINGS_MAX_HEADER_LIST_SIZE}
 * @param maxHeaderCount       most header fields in one request (431 beyond it)
 * @param maxConcurrentStreams most HTTP/2 streams open at once on one connection
 *                             ({@code SETTINGS_MAX_CONCURRENT_STREAMS}); further ones are refused
 */
public record ServerLimits(int maxRequestLineBytes, int maxHeaderBytes, int maxHeaderCount, int maxConcurrentStreams) {

    /** Limits with the default of 100 concurrent HTTP/2 streams. */
    public ServerLimits(int maxRequestLineBytes, int maxHeaderBytes, int maxHeaderCount) {
        this(maxRequestLineBytes, maxHeaderBytes, maxHeaderCount, 100);
    }
}
