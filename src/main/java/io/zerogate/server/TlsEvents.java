package io.zerogate.server;

/** What the client listeners' TLS reports for metrics. Called on event loops and the rotation thread: must not block. */
public interface TlsEvents {

    /**
     * A client's TLS handshake failed.
     *
     * @param listener the listener's name
     * @param reason   one of a small closed set, such as {@code certificate_untrusted} or {@code protocol}
     */
    void handshakeFailed(String listener, String reason);

    /**
     * A listener's TLS files changed on disk and were read again.
     *
     * @param applied true when new handshakes now use them, false when they could not be used and the previous
     *                ones stay in use
     */
    void certificatesReloaded(String listener, boolean applied);
}
