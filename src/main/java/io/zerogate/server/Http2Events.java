package io.zerogate.server;

/** What the HTTP/2 side of the client listeners reports for metrics. Called on event loops: must not block. */
public interface Http2Events {

    /**
     * A client reset streams faster than allowed (the "rapid reset" attack, CVE-2023-44487) and its connection
     * was closed with {@code GOAWAY}.
     *
     * @param listener the listener's name
     */
    void resetFloodClosed(String listener);
}
