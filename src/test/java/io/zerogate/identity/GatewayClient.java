package io.zerogate.identity;

import io.zerogate.testing.RunningGateway;
import java.io.IOException;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.jspecify.annotations.Nullable;

/**
 * Sends one request with exactly the header fields a test names, over a fresh connection that the request
 * closes, and reads the whole response. Raw sockets rather than an HTTP library, so that a test can send what
 * libraries refuse to (two {@code Authorization} fields, a forged assertion header).
 */
final class GatewayClient {

    private static final Pattern CODE = Pattern.compile("\"code\":\"([a-z_]+)\"");

    private GatewayClient() {}

    /** A response, with header names lower-cased. */
    record Reply(int status, Map<String, List<String>> headers, String body) {

        @Nullable String header(String name) {
            List<String> values = headers.get(name.toLowerCase(Locale.ROOT));
            return values == null || values.isEmpty() ? null : values.get(0);
        }

        List<String> all(String name) {
            return headers.getOrDefault(name.toLowerCase(Locale.ROOT), List.of());
        }

        /** The reason code of a problem body, or null when the body has none. */
        @Nullable String code() {
            Matcher m = CODE.matcher(body);
            return m.find() ? m.group(1) : null;
        }

        String wwwAuthenticate() {
            return header("www-authenticate");
        }

        @Override
        public String toString() {
            return status + " " + headers + " " + body;
        }
    }

    /** A request head as the upstream received it, with header names lower-cased. */
    record Head(String method, String target, Map<String, List<String>> headers) {

        static Head parse(String raw) {
            String[] lines = raw.split("\r\n");
            String[] requestLine = lines[0].split(" ");
            return new Head(requestLine[0], requestLine[1], GatewayClient.headers(lines, 1));
        }

        @Nullable String header(String name) {
            List<String> values = headers.get(name.toLowerCase(Locale.ROOT));
            return values == null || values.isEmpty() ? null : values.get(0);
        }

        List<String> all(String name) {
            return headers.getOrDefault(name.toLowerCase(Locale.ROOT), List.of());
        }
    }

    /** {@code method target} on the gateway's data listener, with these header lines (as {@code "Name: value"}). */
    static Reply send(RunningGateway gateway, String method, String target, String... headerLines) throws IOException {
        try (Socket s = gateway.connect()) {
            return send(s, "127.0.0.1:" + gateway.port(), method, target, headerLines);
        }
    }

    static Reply get(RunningGateway gateway, String target, String... headerLines) throws IOException {
        return send(gateway, "GET", target, headerLines);
    }

    /** Sends one request on an open connection (plain or TLS) and reads the response until the server closes. */
    static Reply send(Socket socket, String host, String method, String target, String... headerLines) throws IOException {
        StringBuilder request = new StringBuilder(method).append(' ').append(target).append(" HTTP/1.1\r\n")
                .append("Host: ").append(host).append("\r\n");
        for (String line : headerLines) {
            request.append(line).append("\r\n");
        }
        request.append("Connection: close\r\n\r\n");
        OutputStream out = socket.getOutputStream();
        out.write(request.toString().getBytes(StandardCharsets.ISO_8859_1));
        out.flush();
        return parse(new String(socket.getInputStream().readAllBytes(), StandardCharsets.UTF_8));
    }

    /**
     * Sends one request on a connection that stays open for the next one, and reads exactly one response, whose
     * body must be framed by {@code Content-Length}.
     */
    static Reply sendKeepingOpen(Socket socket, String host, String method, String target, String... headerLines)
            throws IOException {
        StringBuilder request = new StringBuilder(method).append(' ').append(target).append(" HTTP/1.1\r\n")
                .append("Host: ").append(host).append("\r\n");
        for (String line : headerLines) {
            request.append(line).append("\r\n");
        }
        request.append("\r\n");
        OutputStream out = socket.getOutputStream();
        out.write(request.toString().getBytes(StandardCharsets.ISO_8859_1));
        out.flush();
        java.io.InputStream in = socket.getInputStream();
        StringBuilder head = new StringBuilder();
        while (head.length() < 4 || !head.substring(head.length() - 4).equals("\r\n\r\n")) {
            int c = in.read();
            if (c < 0) {
                throw new IOException("connection closed inside a response head: " + head);
            }
            head.append((char) c);
        }
        Reply headOnly = parse(head.toString());
        String length = headOnly.header("content-length");
        if (length == null) {
            throw new AssertionError("a keep-alive response without Content-Length: " + headOnly);
        }
        byte[] body = in.readNBytes(Integer.parseInt(length));
        return new Reply(headOnly.status(), headOnly.headers(), new String(body, StandardCharsets.UTF_8));
    }

    private static Reply parse(String raw) {
        int end = raw.indexOf("\r\n\r\n");
        if (!raw.startsWith("HTTP/1.1 ") || end < 0) {
            throw new AssertionError("not an HTTP/1.1 response: " + raw);
        }
        String[] lines = raw.substring(0, end).split("\r\n");
        int status = Integer.parseInt(lines[0].substring(9, 12));
        return new Reply(status, GatewayClient.headers(lines, 1), raw.substring(end + 4));
    }

    private static Map<String, List<String>> headers(String[] lines, int from) {
        Map<String, List<String>> headers = new LinkedHashMap<>();
        for (int i = from; i < lines.length; i++) {
            int colon = lines[i].indexOf(':');
            if (colon <= 0) {
                continue;
            }
            headers.computeIfAbsent(lines[i].substring(0, colon).strip().toLowerCase(Locale.ROOT), k -> new ArrayList<>())
                    .add(lines[i].substring(colon + 1).strip());
        }
        return headers;
    }
}
