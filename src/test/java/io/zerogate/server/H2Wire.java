package io.zerogate.server;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.handler.codec.http2.DefaultHttp2HeadersDecoder;
import io.netty.handler.codec.http2.Http2Exception;
import io.netty.handler.codec.http2.Http2Headers;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.OutputStream;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.jspecify.annotations.Nullable;

/**
 * A raw HTTP/2 client for tests: writes exactly the frames a test asks for (header blocks as HPACK literals,
 * so any name or value can be sent, however malformed), and reads the server's frames, decoding response
 * header blocks with Netty's HPACK decoder. It answers SETTINGS with an ACK and otherwise leaves flow control
 * to the test (its requests stay within the default windows).
 */
final class H2Wire implements AutoCloseable {

    static final int DATA = 0;
    static final int HEADERS = 1;
    static final int RST_STREAM = 3;
    static final int SETTINGS = 4;
    static final int PING = 6;
    static final int GOAWAY = 7;
    static final int WINDOW_UPDATE = 8;
    static final int CONTINUATION = 9;

    static final int END_STREAM = 0x1;
    static final int ACK = 0x1;
    static final int END_HEADERS = 0x4;
    static final int PADDED = 0x8;
    static final int PRIORITY_FLAG = 0x20;

    private static final byte[] PREFACE = "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n".getBytes(StandardCharsets.US_ASCII);

    /** One frame as read. */
    record Frame(int type, int flags, int streamId, byte[] payload) {}

    /**
     * What the server answered on one stream: a response, or a reset (status -1), and the interim (1xx)
     * statuses before it.
     */
    record Reply(int status, @Nullable Http2Headers headers, byte[] body, long resetCode, List<Integer> interim) {

        String header(String name) {
            CharSequence v = headers == null ? null : headers.get(name);
            return v == null ? null : v.toString();
        }

        String bodyText() {
            return new String(body, StandardCharsets.UTF_8);
        }

        boolean wasReset() {
            return resetCode >= 0;
        }
    }

    private static final class Pending {
        int status = -1;
        Http2Headers headers;
        final ByteArrayOutputStream body = new ByteArrayOutputStream();
        long reset = -1;
        boolean done;
        final List<Integer> interim = new ArrayList<>();
    }

    private final Socket socket;
    private final DataInputStream in;
    private final OutputStream out;
    private final DefaultHttp2HeadersDecoder hpack = new DefaultHttp2HeadersDecoder(false);
    private final Map<Integer, Pending> streams = new HashMap<>();
    private long goAwayCode = -1;
    private int goAwayLastStream = -1;
    private final Map<Integer, Long> settings = new HashMap<>();

    private H2Wire(Socket socket) throws IOException {
        this.socket = socket;
        this.in = new DataInputStream(socket.getInputStream());
        this.out = new java.io.BufferedOutputStream(socket.getOutputStream(), 64 * 1024);
    }

    /** Sends the connection preface and an empty SETTINGS frame on an open socket (plain or TLS). */
    static H2Wire start(Socket socket) throws IOException {
        socket.setSoTimeout(10_000);
        H2Wire w = new H2Wire(socket);
        w.out.write(PREFACE);
        w.frame(SETTINGS, 0, 0, new byte[0]);
        w.out.flush();
        return w;
    }

    Socket socket() {
        return socket;
    }

    /** A HEADERS frame with END_HEADERS; fields are name, value pairs sent as they are. */
    H2Wire headers(int stream, boolean endStream, String... fields) throws IOException {
        frame(HEADERS, END_HEADERS | (endStream ? END_STREAM : 0), stream, block(fields));
        out.flush();
        return this;
    }

    /** A GET with the usual pseudo-header fields for {@code path} on localhost, plus {@code extra} fields. */
    H2Wire get(int stream, String path, String... extra) throws IOException {
        String[] fields = new String[8 + extra.length];
        String[] base = {":method", "GET", ":scheme", "http", ":authority", "localhost", ":path", path};
        System.arraycopy(base, 0, fields, 0, 8);
        System.arraycopy(extra, 0, fields, 8, extra.length);
        return headers(stream, true, fields);
    }

    H2Wire data(int stream, byte[] bytes, boolean endStream) throws IOException {
        frame(DATA, endStream ? END_STREAM : 0, stream, bytes);
        out.flush();
        return this;
    }

    H2Wire reset(int stream, long code) throws IOException {
        frame(RST_STREAM, 0, stream, new byte[] {(byte) (code >>> 24), (byte) (code >>> 16), (byte) (code >>> 8), (byte) code});
        return this;
    }

    void flush() throws IOException {
        out.flush();
    }

    /** Writes one frame (not flushed). */
    void frame(int type, int flags, int stream, byte[] payload) throws IOException {
        int n = payload.length;
        out.write(new byte[] {(byte) (n >>> 16), (byte) (n >>> 8), (byte) n, (byte) type, (byte) flags,
                (byte) (stream >>> 24), (byte) (stream >>> 16), (byte) (stream >>> 8), (byte) stream});
        out.write(payload);
    }

    /** HPACK literal header fields without indexing, names and values as raw bytes. */
    static byte[] block(String... fields) {
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        for (int i = 0; i < fields.length; i += 2) {
            b.write(0);
            string(b, fields[i]);
            string(b, fields[i + 1]);
        }
        return b.toByteArray();
    }

    private static void string(ByteArrayOutputStream b, String s) {
        byte[] bytes = s.getBytes(StandardCharsets.ISO_8859_1);
        int n = bytes.length;
        if (n < 127) {
            b.write(n);
        } else {
            b.write(127);
            n -= 127;
            while (n >= 128) {
                b.write((n & 0x7F) | 0x80);
                n >>>= 7;
            }
            b.write(n);
        }
        b.writeBytes(bytes);
    }

    /** Reads frames until {@code stream} has its final response or a reset. */
    Reply reply(int stream) throws IOException {
        Pending p = streams.computeIfAbsent(stream, k -> new Pending());
        while (!p.done) {
            if (next() == null) {
                throw new EOFException("connection closed before stream " + stream + " ended"
                        + (goAwayCode >= 0 ? " (GOAWAY " + goAwayCode + ")" : ""));
            }
        }
        return new Reply(p.status, p.headers, p.body.toByteArray(), p.reset, List.copyOf(p.interim));
    }

    /** Reads until the server closes the connection; true when it did within the read timeout. */
    boolean awaitClose() throws IOException {
        try {
            while (next() != null) {
                // keep reading
            }
            return true;
        } catch (SocketTimeoutException e) {
            return false;
        } catch (IOException e) {
            // A reset connection is a closed one.
            return true;
        }
    }

    long goAwayCode() {
        return goAwayCode;
    }

    int goAwayLastStream() {
        return goAwayLastStream;
    }

    /** A setting the server sent, or null. */
    @Nullable Long setting(int id) {
        return settings.get(id);
    }

    /** Reads frames until the server's first SETTINGS frame has arrived. */
    void awaitSettings() throws IOException {
        while (settings.isEmpty()) {
            if (next() == null) {
                throw new EOFException("connection closed before SETTINGS");
            }
        }
    }

    /** Reads and handles one frame; null at the end of the stream. */
    @Nullable Frame next() throws IOException {
        byte[] head = new byte[9];
        try {
            in.readFully(head);
        } catch (EOFException e) {
            return null;
        }
        int length = ((head[0] & 0xFF) << 16) | ((head[1] & 0xFF) << 8) | (head[2] & 0xFF);
        int type = head[3] & 0xFF;
        int flags = head[4] & 0xFF;
        int stream = ((head[5] & 0x7F) << 24) | ((head[6] & 0xFF) << 16) | ((head[7] & 0xFF) << 8) | (head[8] & 0xFF);
        byte[] payload = new byte[length];
        in.readFully(payload);
        Frame f = new Frame(type, flags, stream, payload);
        handle(f);
        return f;
    }

    private void handle(Frame f) throws IOException {
        switch (f.type()) {
            case SETTINGS -> {
                if ((f.flags() & ACK) == 0) {
                    byte[] p = f.payload();
                    for (int i = 0; i + 6 <= p.length; i += 6) {
                        int id = ((p[i] & 0xFF) << 8) | (p[i + 1] & 0xFF);
                        long v = ((long) (p[i + 2] & 0xFF) << 24) | ((p[i + 3] & 0xFF) << 16) | ((p[i + 4] & 0xFF) << 8) | (p[i + 5] & 0xFF);
                        settings.put(id, v);
                    }
                    frame(SETTINGS, ACK, 0, new byte[0]);
                    out.flush();
                }
            }
            case GOAWAY -> {
                byte[] p = f.payload();
                goAwayLastStream = ((p[0] & 0x7F) << 24) | ((p[1] & 0xFF) << 16) | ((p[2] & 0xFF) << 8) | (p[3] & 0xFF);
                goAwayCode = ((long) (p[4] & 0xFF) << 24) | ((p[5] & 0xFF) << 16) | ((p[6] & 0xFF) << 8) | (p[7] & 0xFF);
            }
            case RST_STREAM -> {
                Pending p = streams.computeIfAbsent(f.streamId(), k -> new Pending());
                byte[] b = f.payload();
                p.reset = ((long) (b[0] & 0xFF) << 24) | ((b[1] & 0xFF) << 16) | ((b[2] & 0xFF) << 8) | (b[3] & 0xFF);
                p.done = true;
            }
            case HEADERS -> headers(f);
            case DATA -> {
                Pending p = streams.computeIfAbsent(f.streamId(), k -> new Pending());
                byte[] b = f.payload();
                int from = 0;
                int to = b.length;
                if ((f.flags() & PADDED) != 0) {
                    from = 1;
                    to -= b[0] & 0xFF;
                }
                p.body.write(b, from, to - from);
                if ((f.flags() & END_STREAM) != 0) {
                    p.done = true;
                }
            }
            default -> { }
        }
    }

    private void headers(Frame f) throws IOException {
        byte[] b = f.payload();
        int from = 0;
        int to = b.length;
        if ((f.flags() & PADDED) != 0) {
            from = 1;
            to -= b[0] & 0xFF;
        }
        if ((f.flags() & PRIORITY_FLAG) != 0) {
            from += 5;
        }
        ByteArrayOutputStream block = new ByteArrayOutputStream();
        block.write(b, from, to - from);
        int flags = f.flags();
        while ((flags & END_HEADERS) == 0) {
            Frame c = next();
            if (c == null || c.type() != CONTINUATION) {
                throw new IOException("header block not continued");
            }
            block.writeBytes(c.payload());
            flags = c.flags();
        }
        Http2Headers decoded;
        ByteBuf buf = Unpooled.wrappedBuffer(block.toByteArray());
        try {
            decoded = hpack.decodeHeaders(f.streamId(), buf);
        } catch (Http2Exception e) {
            throw new IOException("undecodable response headers", e);
        } finally {
            buf.release();
        }
        Pending p = streams.computeIfAbsent(f.streamId(), k -> new Pending());
        CharSequence status = decoded.status();
        if (status != null && p.status < 0) {
            int s = Integer.parseInt(status.toString());
            if (s >= 200) {
                p.status = s;
                p.headers = decoded;
            } else {
                p.interim.add(s);
            }
        }
        if ((f.flags() & END_STREAM) != 0) {
            p.done = true;
        }
    }

    @Override
    public void close() throws IOException {
        socket.close();
    }
}
