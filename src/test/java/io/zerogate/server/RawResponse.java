package io.zerogate.server;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
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
 * One HTTP/1.1 response as a client read it off the wire, framed the way a client must frame it (by the
 * request method, the status, Content-Length or chunked coding). Parsing is deliberately strict: any byte
 * out of place fails the test rather than being skipped.
 *
 * @param headers lower-case names, values in arrival order
 * @param raw     every byte of the response, ISO-8859-1
 */
record RawResponse(int status, Map<String, List<String>> headers, String body, String raw) {

    private static final Pattern CODE = Pattern.compile("\"code\":\"([a-z_]+)\"");
    private static final Pattern REQUEST_ID = Pattern.compile("\"request_id\":\"([0-9a-f]+)\"");

    /** The single value of {@code name}, or null; fails when the field appears more than once. */
    @Nullable String header(String name) {
        List<String> values = headers.getOrDefault(name.toLowerCase(Locale.ROOT), List.of());
        if (values.size() > 1) {
            throw new AssertionError("header " + name + " appears " + values.size() + " times in\n" + raw);
        }
        return values.isEmpty() ? null : values.get(0);
    }

    List<String> headerValues(String name) {
        return headers.getOrDefault(name.toLowerCase(Locale.ROOT), List.of());
    }

    /** The {@code code} member of a problem+json body, or null when the body has none. */
    @Nullable String problemCode() {
        Matcher m = CODE.matcher(body);
        return m.find() ? m.group(1) : null;
    }

    /** The {@code request_id} member of a problem+json body, or null. */
    @Nullable String problemRequestId() {
        Matcher m = REQUEST_ID.matcher(body);
        return m.find() ? m.group(1) : null;
    }

    boolean announcesClose() {
        String c = header("connection");
        return c != null && c.equalsIgnoreCase("close");
    }

    /** Parses every response in {@code wire}, which must hold nothing else. */
    static List<RawResponse> parseAll(String wire) throws IOException {
        InputStream in = new ByteArrayInputStream(wire.getBytes(StandardCharsets.ISO_8859_1));
        List<RawResponse> all = new ArrayList<>();
        while (true) {
            in.mark(1);
            if (in.read() < 0) {
                return all;
            }
            in.reset();
            all.add(read(in, false));
        }
    }

    /** Parses exactly one response that makes up all of {@code wire}. */
    static RawResponse parseOne(String wire) throws IOException {
        List<RawResponse> all = parseAll(wire);
        if (all.size() != 1) {
            throw new AssertionError("expected exactly one response, got " + all.size() + ":\n" + wire);
        }
        return all.get(0);
    }

    /**
     * Reads one response.
     *
     * @param toHead the request was HEAD: the response has no body whatever its headers say
     */
    static RawResponse read(InputStream in, boolean toHead) throws IOException {
        ByteArrayOutputStream raw = new ByteArrayOutputStream();
        String statusLine = line(in, raw);
        if (!statusLine.matches("HTTP/1\\.1 \\d{3} .*")) {
            throw new AssertionError("not a status line: " + statusLine);
        }
        int status = Integer.parseInt(statusLine.substring(9, 12));
        Map<String, List<String>> headers = new LinkedHashMap<>();
        for (String h = line(in, raw); !h.isEmpty(); h = line(in, raw)) {
            int colon = h.indexOf(':');
            if (colon <= 0) {
                throw new AssertionError("not a header line: " + h);
            }
            headers.computeIfAbsent(h.substring(0, colon).toLowerCase(Locale.ROOT), k -> new ArrayList<>())
                    .add(h.substring(colon + 1).strip());
        }
        ByteArrayOutputStream body = new ByteArrayOutputStream();
        List<String> te = headers.getOrDefault("transfer-encoding", List.of());
        List<String> cl = headers.getOrDefault("content-length", List.of());
        boolean bodyless = toHead || status / 100 == 1 || status == 204 || status == 304;
        if (!te.isEmpty() && !cl.isEmpty()) {
            throw new AssertionError("response has both Transfer-Encoding and Content-Length:\n" + raw);
        }
        if (!bodyless) {
            if (!te.isEmpty()) {
                if (te.size() != 1 || !te.get(0).equalsIgnoreCase("chunked")) {
                    throw new AssertionError("unexpected Transfer-Encoding " + te);
                }
                while (true) {
                    int size = Integer.parseInt(line(in, raw), 16);
                    if (size == 0) {
                        if (!line(in, raw).isEmpty()) {
                            throw new AssertionError("trailers are not expected");
                        }
                        break;
                    }
                    copy(in, size, raw, body);
                    if (!line(in, raw).isEmpty()) {
                        throw new AssertionError("chunk data not followed by CRLF");
                    }
                }
            } else if (!cl.isEmpty()) {
                if (cl.size() != 1) {
                    throw new AssertionError("several Content-Length fields " + cl);
                }
                copy(in, Integer.parseInt(cl.get(0)), raw, body);
            } else {
                // Close-delimited.
                byte[] rest = in.readAllBytes();
                raw.writeBytes(rest);
                body.writeBytes(rest);
            }
        }
        return new RawResponse(status, headers, body.toString(StandardCharsets.ISO_8859_1),
                raw.toString(StandardCharsets.ISO_8859_1));
    }

    private static void copy(InputStream in, int n, ByteArrayOutputStream raw, ByteArrayOutputStream body) throws IOException {
        byte[] b = in.readNBytes(n);
        if (b.length != n) {
            throw new EOFException("body ended after " + b.length + " of " + n + " bytes");
        }
        raw.writeBytes(b);
        body.writeBytes(b);
    }

    /** One CRLF-terminated line without the CRLF; a bare LF fails. */
    private static String line(InputStream in, ByteArrayOutputStream raw) throws IOException {
        StringBuilder sb = new StringBuilder();
        int c;
        while ((c = in.read()) >= 0) {
            raw.write(c);
            if (c == '\n') {
                int n = sb.length();
                if (n == 0 || sb.charAt(n - 1) != '\r') {
                    throw new AssertionError("bare LF in response: " + sb);
                }
                return sb.substring(0, n - 1);
            }
            sb.append((char) c);
        }
        throw new EOFException("connection ended inside a line: '" + sb + "'");
    }
}
