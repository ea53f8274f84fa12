package io.zerogate.server;

import io.zerogate.testing.TestUpstream;
import java.io.ByteArrayOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * An upstream that answers each request with 200, the request line in {@code X-Echo-Line} and the exact
 * body bytes it received (Content-Length or chunked) as its body. Heads are recorded by the underlying
 * {@link TestUpstream}; bodies here, so a test can check exactly what went through the gateway.
 */
final class EchoUpstream implements AutoCloseable {

    private final TestUpstream upstream;
    private final BlockingQueue<String> bodies = new LinkedBlockingQueue<>();
    private final BlockingQueue<String> trailers = new LinkedBlockingQueue<>();

    private EchoUpstream() throws IOException {
        this.upstream = TestUpstream.start((socket, up) -> {
            InputStream in = socket.getInputStream();
            OutputStream out = socket.getOutputStream();
            while (true) {
                String head = up.readHead(in);
                if (head == null) {
                    return;
                }
                String body = readBody(head, in);
                bodies.add(body);
                String requestLine = head.substring(0, head.indexOf("\r\n"));
                byte[] b = body.getBytes(StandardCharsets.ISO_8859_1);
                boolean headRequest = requestLine.startsWith("HEAD ");
                out.write(("HTTP/1.1 200 OK\r\nX-Echo-Line: " + requestLine + "\r\nContent-Length: " + b.length + "\r\n\r\n")
                        .getBytes(StandardCharsets.ISO_8859_1));
                if (!headRequest) {
                    out.write(b);
                }
                out.flush();
            }
        });
    }

    static EchoUpstream start() throws IOException {
        return new EchoUpstream();
    }

    String target() {
        return upstream.target();
    }

    TestUpstream raw() {
        return upstream;
    }

    BlockingQueue<String> heads() {
        return upstream.heads();
    }

    int connections() {
        return upstream.connections();
    }

    /** The next request head, waiting up to 5 s; fails when none arrives. */
    String nextHead() throws InterruptedException {
        String head = upstream.nextHead();
        if (head == null) {
            throw new AssertionError("the upstream received no request");
        }
        return head;
    }

    /** The next request body, waiting up to 5 s; fails when none arrives. */
    String nextBody() throws InterruptedException {
        String body = bodies.poll(5, TimeUnit.SECONDS);
        if (body == null) {
            throw new AssertionError("the upstream received no complete request body");
        }
        return body;
    }

    BlockingQueue<String> bodies() {
        return bodies;
    }

    /** Trailer field lines of chunked request bodies, as received. */
    BlockingQueue<String> trailers() {
        return trailers;
    }

    /** Forgets what earlier tests sent. */
    void clear() {
        upstream.heads().clear();
        bodies.clear();
        trailers.clear();
    }

    /** The values of {@code name} in a recorded head, in order (names compared case-insensitively). */
    static List<String> headerValues(String head, String name) {
        String prefix = name.toLowerCase(Locale.ROOT) + ":";
        return head.lines()
                .skip(1)
                .filter(l -> l.toLowerCase(Locale.ROOT).startsWith(prefix))
                .map(l -> l.substring(prefix.length()).strip())
                .toList();
    }

    /** The request line of a recorded head. */
    static String requestLine(String head) {
        return head.substring(0, head.indexOf("\r\n"));
    }

    private String readBody(String head, InputStream in) throws IOException {
        List<String> te = headerValues(head, "transfer-encoding");
        List<String> cl = headerValues(head, "content-length");
        if (!te.isEmpty() && !cl.isEmpty()) {
            throw new IOException("the gateway sent both Transfer-Encoding and Content-Length");
        }
        ByteArrayOutputStream body = new ByteArrayOutputStream();
        if (!te.isEmpty()) {
            while (true) {
                String sizeLine = line(in);
                int semicolon = sizeLine.indexOf(';');
                int size = Integer.parseInt(semicolon < 0 ? sizeLine : sizeLine.substring(0, semicolon), 16);
                if (size == 0) {
                    for (String trailer = line(in); !trailer.isEmpty(); trailer = line(in)) {
                        trailers.add(trailer);
                    }
                    break;
                }
                body.writeBytes(exactly(in, size));
                if (!line(in).isEmpty()) {
                    throw new IOException("chunk data not followed by CRLF");
                }
            }
        } else if (!cl.isEmpty()) {
            if (cl.size() != 1) {
                throw new IOException("the gateway sent several Content-Length fields");
            }
            body.writeBytes(exactly(in, Integer.parseInt(cl.get(0))));
        }
        return body.toString(StandardCharsets.ISO_8859_1);
    }

    private static byte[] exactly(InputStream in, int n) throws IOException {
        byte[] b = in.readNBytes(n);
        if (b.length != n) {
            throw new EOFException("request body ended early");
        }
        return b;
    }

    private static String line(InputStream in) throws IOException {
        StringBuilder sb = new StringBuilder();
        int c;
        while ((c = in.read()) >= 0) {
            if (c == '\n') {
                int n = sb.length();
                if (n == 0 || sb.charAt(n - 1) != '\r') {
                    throw new IOException("bare LF from the gateway");
                }
                return sb.substring(0, n - 1);
            }
            sb.append((char) c);
        }
        throw new EOFException("stream ended in a line");
    }

    @Override
    public void close() throws IOException {
        upstream.close();
    }
}
