package io.zerogate.testing;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A scriptable upstream on a real loopback socket: each accepted connection is handed to a handler that
 * reads and writes raw bytes, so tests control exactly what the gateway receives and sends back.
 * The request heads it reads are recorded for assertions.
 */
public final class TestUpstream implements AutoCloseable {

    /** Serves one connection. */
    @FunctionalInterface
    public interface ConnectionHandler {
        void serve(Socket socket, TestUpstream upstream) throws Exception;
    }

    private final ServerSocket server;
    private final ExecutorService threads = Executors.newCachedThreadPool(r -> {
        Thread t = new Thread(r, "test-upstream");
        t.setDaemon(true);
        return t;
    });
    private final BlockingQueue<String> heads = new LinkedBlockingQueue<>();
    private final AtomicInteger connections = new AtomicInteger();
    private final List<Socket> open = new ArrayList<>();
    private volatile ConnectionHandler handler;

    private TestUpstream(ConnectionHandler handler) throws IOException {
        this.server = new ServerSocket(0, 128, InetAddress.getLoopbackAddress());
        this.handler = handler;
        threads.submit(this::acceptLoop);
    }

    public static TestUpstream start(ConnectionHandler handler) throws IOException {
        return new TestUpstream(handler);
    }

    /** An upstream that answers every request on a keep-alive connection with 200 and {@code body}. */
    public static TestUpstream fixed(String body) throws IOException {
        return start((socket, up) -> {
            InputStream in = socket.getInputStream();
            OutputStream out = socket.getOutputStream();
            while (true) {
                String head = up.readHead(in);
                if (head == null) {
                    return;
                }
                up.skipBody(head, in);
                byte[] b = body.getBytes(StandardCharsets.UTF_8);
                out.write(("HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: " + b.length + "\r\n\r\n")
                        .getBytes(StandardCharsets.ISO_8859_1));
                out.write(b);
                out.flush();
            }
        });
    }

    public void setHandler(ConnectionHandler handler) {
        this.handler = handler;
    }

    public int port() {
        return server.getLocalPort();
    }

    public String target() {
        return "http://127.0.0.1:" + port();
    }

    /** Connections accepted so far. */
    public int connections() {
        return connections.get();
    }

    /** The next request head the upstream read, waiting up to 5 s; null when none came. */
    public String nextHead() throws InterruptedException {
        return heads.poll(5, TimeUnit.SECONDS);
    }

    public BlockingQueue<String> heads() {
        return heads;
    }

    /** Reads one request head (through the blank line), records it and returns it; null at end of stream. */
    public String readHead(InputStream in) throws IOException {
        StringBuilder sb = new StringBuilder();
        int c;
        while ((c = in.read()) >= 0) {
            sb.append((char) c);
            int n = sb.length();
            if (n >= 4 && sb.charAt(n - 4) == '\r' && sb.charAt(n - 3) == '\n' && sb.charAt(n - 2) == '\r' && sb.charAt(n - 1) == '\n') {
                String head = sb.toString();
                heads.add(head);
                return head;
            }
        }
        return null;
    }

    /** Reads and discards the body the head announces (Content-Length or chunked); returns its length. */
    public long skipBody(String head, InputStream in) throws IOException {
        String lower = head.toLowerCase(java.util.Locale.ROOT);
        int cl = lower.indexOf("\r\ncontent-length:");
        if (cl >= 0) {
            int end = lower.indexOf("\r\n", cl + 2);
            long len = Long.parseLong(lower.substring(cl + 17, end).strip());
            long left = len;
            byte[] buf = new byte[65536];
            while (left > 0) {
                int r = in.read(buf, 0, (int) Math.min(buf.length, left));
                if (r < 0) {
                    throw new IOException("body ended early");
                }
                left -= r;
            }
            return len;
        }
        if (lower.contains("\r\ntransfer-encoding: chunked")) {
            long total = 0;
            while (true) {
                String line = readLine(in);
                long size = Long.parseLong(line.split(";")[0].strip(), 16);
                if (size == 0) {
                    while (!readLine(in).isEmpty()) {
                        // trailers
                    }
                    return total;
                }
                long left = size;
                byte[] buf = new byte[65536];
                while (left > 0) {
                    int r = in.read(buf, 0, (int) Math.min(buf.length, left));
                    if (r < 0) {
                        throw new IOException("chunk ended early");
                    }
                    left -= r;
                }
                total += size;
                readLine(in);
            }
        }
        return 0;
    }

    private static String readLine(InputStream in) throws IOException {
        StringBuilder sb = new StringBuilder();
        int c;
        while ((c = in.read()) >= 0) {
            if (c == '\n') {
                int n = sb.length();
                return n > 0 && sb.charAt(n - 1) == '\r' ? sb.substring(0, n - 1) : sb.toString();
            }
            sb.append((char) c);
        }
        throw new IOException("stream ended in a line");
    }

    private void acceptLoop() {
        while (!server.isClosed()) {
            try {
                Socket s = server.accept();
                // Handlers write a head and a body separately; Nagle would hold the body for a delayed ACK.
                s.setTcpNoDelay(true);
                connections.incrementAndGet();
                synchronized (open) {
                    open.add(s);
                }
                ConnectionHandler h = handler;
                threads.submit(() -> {
                    try (s) {
                        h.serve(s, this);
                    } catch (Exception e) {
                        // a connection the test or the gateway closed
                    }
                });
            } catch (IOException e) {
                return;
            }
        }
    }

    @Override
    public void close() throws IOException {
        server.close();
        synchronized (open) {
            for (Socket s : open) {
                try {
                    s.close();
                } catch (IOException ignored) {
                    // already closed
                }
            }
        }
        threads.shutdownNow();
    }
}
