package io.zerogate.testing;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.util.ArrayList;
import java.util.List;

/** Upstream targets that fail in the two ways a connect can fail: refused at once, or never answered. */
public final class DeadTargets {

    private DeadTargets() {}

    /** A loopback port nothing listens on (it was free a moment ago), so a connect is refused. */
    public static int refusingPort() throws IOException {
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        }
    }

    public static String refusing() throws IOException {
        return "http://127.0.0.1:" + refusingPort();
    }

    /**
     * A listener whose accept queue is full: the kernel drops further SYNs instead of answering them, so a
     * connect neither succeeds nor fails until the connecting side gives up. Works on Linux, where a full
     * queue drops SYNs whatever {@code tcp_syncookies} says.
     */
    public static final class Unanswered implements AutoCloseable {
        private final ServerSocket server;
        private final List<Socket> fillers = new ArrayList<>();

        public Unanswered() throws IOException {
            server = new ServerSocket(0, 1, InetAddress.getLoopbackAddress());
            InetSocketAddress address = new InetSocketAddress(InetAddress.getLoopbackAddress(), server.getLocalPort());
            for (int i = 0; i < 16; i++) {
                Socket s = new Socket();
                try {
                    s.connect(address, 200);
                    fillers.add(s);
                } catch (SocketTimeoutException full) {
                    s.close();
                    return;
                }
            }
            close();
            throw new IOException("the accept queue never filled up");
        }

        public String target() {
            return "http://127.0.0.1:" + server.getLocalPort();
        }

        @Override
        public void close() throws IOException {
            for (Socket s : fillers) {
                s.close();
            }
            server.close();
        }
    }
}
