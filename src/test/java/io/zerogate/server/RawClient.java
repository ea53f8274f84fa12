package io.zerogate.server;

import io.zerogate.testing.RunningGateway;
import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;

/** A client connection that writes exact bytes and reads responses one at a time, as a client must. */
final class RawClient implements AutoCloseable {

    private final Socket socket;
    private final InputStream in;
    private final OutputStream out;

    private RawClient(Socket socket) throws IOException {
        this.socket = socket;
        this.socket.setSoTimeout(5_000);
        this.in = new BufferedInputStream(socket.getInputStream());
        this.out = socket.getOutputStream();
    }

    static RawClient open(RunningGateway gateway) throws IOException {
        return new RawClient(gateway.connect());
    }

    /** Writes the text as ISO-8859-1 bytes, in one write. */
    RawClient send(String raw) throws IOException {
        out.write(raw.getBytes(StandardCharsets.ISO_8859_1));
        out.flush();
        return this;
    }

    RawResponse read() throws IOException {
        return RawResponse.read(in, false);
    }

    /** Reads the response to a HEAD request: a head and no body. */
    RawResponse readHeadResponse() throws IOException {
        return RawResponse.read(in, true);
    }

    /** Waits for the peer to close the connection; fails if it sends anything more or stays open. */
    void assertClosedByPeer() throws IOException {
        int b;
        try {
            b = in.read();
        } catch (SocketTimeoutException e) {
            throw new AssertionError("the gateway kept the connection open");
        } catch (IOException e) {
            // A reset is a close too.
            return;
        }
        if (b >= 0) {
            byte[] rest = in.readNBytes(in.available());
            throw new AssertionError("expected the connection to close, got more bytes: "
                    + (char) b + new String(rest, StandardCharsets.ISO_8859_1));
        }
    }

    /** Fails when the peer sends or closes within {@code millis}. */
    void assertStaysOpenFor(int millis) throws IOException {
        socket.setSoTimeout(millis);
        try {
            int b = in.read();
            throw new AssertionError(b < 0 ? "the gateway closed the connection" : "unexpected byte " + (char) b);
        } catch (SocketTimeoutException expected) {
            // still open and silent
        } finally {
            socket.setSoTimeout(5_000);
        }
    }

    /** Everything the peer sends until it closes. */
    String readUntilClosed() throws IOException {
        return new String(in.readAllBytes(), StandardCharsets.ISO_8859_1);
    }

    @Override
    public void close() throws IOException {
        socket.close();
    }
}
