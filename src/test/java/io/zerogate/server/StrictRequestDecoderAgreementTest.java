package io.zerogate.server;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpDecoderConfig;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpRequestDecoder;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.util.ReferenceCountUtil;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.function.Supplier;
import org.junit.jupiter.api.Test;

/**
 * The gateway's request decoder reads every well-formed request exactly as Netty's own decoder in its strictest
 * configuration does: the same method, target, version, header fields in order, body bytes and message
 * boundaries, whatever the split of the input into reads. Requests come from a seeded generator that varies
 * what parsers commonly disagree on: field-name case, whitespace around values, empty values, obs-text, repeated
 * fields, chunk extensions, trailers, leading empty lines and pipelining.
 */
class StrictRequestDecoderAgreementTest {

    private static final int MAX_LINE = 4096;
    private static final int MAX_HEADERS = 8192;

    @Test
    void generatedRequestsDecodeAsNettyDecodesThem() {
        Random random = new Random(20261124L);
        for (int i = 0; i < 400; i++) {
            StringBuilder input = new StringBuilder();
            int requests = 1 + random.nextInt(3);
            for (int r = 0; r < requests; r++) {
                input.append(request(random));
            }
            String text = input.toString();
            List<String> expected = decode(text, text.length(), () -> new HttpRequestDecoder(new HttpDecoderConfig()
                    .setMaxInitialLineLength(MAX_LINE)
                    .setMaxHeaderSize(MAX_HEADERS)
                    .setStrictLineParsing(true)
                    .setAllowDuplicateContentLengths(false)
                    .setUseRfc9112TransferEncoding(true)));
            for (int piece : new int[] {1, 2, 5, 13, text.length()}) {
                List<String> actual = decode(text, piece, () -> new StrictRequestDecoder(MAX_LINE, MAX_HEADERS, System::nanoTime));
                assertThat(actual).as("input in pieces of %d bytes:%n%s", piece, text).isEqualTo(expected);
            }
        }
    }

    private static final String[] METHODS = {"GET", "POST", "PUT", "DELETE", "PATCH", "OPTIONS", "HEAD", "PURGE", "M-SEARCH"};
    private static final String[] TARGETS = {"/", "/a", "/orders/42?x=1&y=%20", "/caf%C3%A9", "/a/../b//c", "*",
            "http://example.com/x?q", "/\u00e9t\u00e9", "/p;m=1", "/%2F?#frag"};
    private static final String[] NAMES = {"Host", "host", "HOST", "X-Custom", "x-a", "Accept", "User-Agent", "Cookie",
            "X-Forwarded-For", "Forwarded", "!#$%&'*+-.^_`|~09azAZ", "Via", "Trailer"};
    private static final String[] VALUES = {"a", "", "  padded\t ", "caf\u00e9", "1, 2, 3", "\"quoted\"", "a\tb", "x".repeat(300),
            "\u00ff\u0080", "text/html;q=0.9"};

    private static String request(Random random) {
        StringBuilder b = new StringBuilder();
        if (random.nextInt(10) == 0) {
            b.append("\r\n");
        }
        String method = METHODS[random.nextInt(METHODS.length)];
        b.append(method).append(' ').append(TARGETS[random.nextInt(TARGETS.length)]).append(' ')
                .append(random.nextInt(5) == 0 ? "HTTP/1.0" : "HTTP/1.1").append("\r\n");
        int fields = random.nextInt(8);
        for (int i = 0; i < fields; i++) {
            b.append(NAMES[random.nextInt(NAMES.length)]).append(':').append(random.nextBoolean() ? " " : "")
                    .append(VALUES[random.nextInt(VALUES.length)]).append("\r\n");
        }
        boolean http11 = b.indexOf("HTTP/1.1") > 0;
        switch (random.nextInt(4)) {
            case 0 -> b.append("\r\n");
            case 1 -> {
                String body = body(random);
                b.append(random.nextBoolean() ? "Content-Length: " : "content-length:").append(body.length()).append("\r\n\r\n")
                        .append(body);
            }
            case 2 -> {
                if (http11) {
                    b.append("Transfer-Encoding: ").append(random.nextBoolean() ? "chunked" : "Chunked").append("\r\n\r\n");
                    int chunks = random.nextInt(4);
                    for (int i = 0; i < chunks; i++) {
                        String data = body(random) + "x";
                        b.append(Integer.toHexString(data.length()));
                        if (random.nextInt(4) == 0) {
                            b.append(random.nextBoolean() ? ";name" : " ; n=v;q=\"a \\\" b\"");
                        }
                        b.append("\r\n").append(data).append("\r\n");
                    }
                    b.append(random.nextBoolean() ? "0" : "000").append("\r\n");
                    if (random.nextInt(3) == 0) {
                        b.append("X-Trailer: t\r\n");
                    }
                    b.append("\r\n");
                } else {
                    b.append("\r\n");
                }
            }
            default -> b.append("Content-Length: 0\r\n\r\n");
        }
        return b.toString();
    }

    private static String body(Random random) {
        String[] bodies = {"", "hello", "\r\n\r\nGET / HTTP/1.1\r\n\r\n", "0\r\n\r\n", "\u0000\u00ff", "b".repeat(1000)};
        return bodies[random.nextInt(bodies.length)];
    }

    /** What a decoder makes of {@code text} fed in pieces: one line per message part. */
    private static List<String> decode(String text, int piece, Supplier<io.netty.channel.ChannelHandler> decoder) {
        EmbeddedChannel channel = new EmbeddedChannel(decoder.get());
        byte[] bytes = text.getBytes(StandardCharsets.ISO_8859_1);
        List<String> out = new ArrayList<>();
        StringBuilder body = new StringBuilder();
        for (int i = 0; i < bytes.length; i += piece) {
            channel.writeInbound(Unpooled.copiedBuffer(bytes, i, Math.min(piece, bytes.length - i)));
            Object o;
            while ((o = channel.readInbound()) != null) {
                try {
                    if (o instanceof HttpRequest r) {
                        assertThat(r.decoderResult().isSuccess()).as("decoded %s", r).isTrue();
                        StringBuilder head = new StringBuilder(r.method() + " " + r.uri() + " " + r.protocolVersion());
                        for (Map.Entry<String, String> field : r.headers()) {
                            head.append("\n  ").append(field.getKey()).append(": [").append(field.getValue()).append(']');
                        }
                        out.add(head.toString());
                    }
                    if (o instanceof HttpContent c) {
                        assertThat(c.decoderResult().isSuccess()).as("decoded content").isTrue();
                        body.append(c.content().toString(StandardCharsets.ISO_8859_1));
                        if (o instanceof LastHttpContent) {
                            out.add("body [" + body + "]");
                            body.setLength(0);
                        }
                    }
                } finally {
                    ReferenceCountUtil.release(o);
                }
            }
        }
        assertThat(body).as("body bytes after the last message").isEmpty();
        channel.finishAndReleaseAll();
        return out;
    }
}
