package io.zerogate.upstream;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelHandler;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpDecoderConfig;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpResponseDecoder;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.util.ReferenceCountUtil;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.function.Supplier;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The upstream response decoder: well-formed responses decode exactly as Netty's response decoder decodes
 * them, in any split of the input; framing per status and request method; and what must never be relayed
 * to a client becomes a failed message.
 */
class ResponseDecoderTest {

    private static final int MAX_HEAD = 8192;

    /** Decodes {@code text} fed in pieces of {@code piece} bytes: one line per message part. */
    private static List<String> decode(ChannelHandler decoder, String text, int piece, boolean close) {
        EmbeddedChannel channel = new EmbeddedChannel(decoder);
        byte[] bytes = text.getBytes(StandardCharsets.ISO_8859_1);
        List<String> out = new ArrayList<>();
        StringBuilder body = new StringBuilder();
        for (int i = 0; i < bytes.length; i += piece) {
            channel.writeInbound(Unpooled.copiedBuffer(bytes, i, Math.min(piece, bytes.length - i)));
            drain(channel, out, body);
        }
        if (close) {
            channel.finish();
            drain(channel, out, body);
        }
        if (body.length() > 0) {
            out.add("unfinished body [" + body + "]");
        }
        channel.finishAndReleaseAll();
        return out;
    }

    private static void drain(EmbeddedChannel channel, List<String> out, StringBuilder body) {
        Object o;
        while ((o = channel.readInbound()) != null) {
            try {
                if (o instanceof HttpResponse r) {
                    if (r.decoderResult().isFailure()) {
                        out.add("invalid: " + r.decoderResult().cause().getMessage());
                        continue;
                    }
                    StringBuilder head = new StringBuilder(r.protocolVersion() + " " + r.status().code() + " ["
                            + r.status().reasonPhrase() + "]");
                    for (Map.Entry<String, String> field : r.headers()) {
                        head.append("\n  ").append(field.getKey()).append(": [").append(field.getValue()).append(']');
                    }
                    out.add(head.toString());
                }
                if (o instanceof HttpContent c) {
                    if (c.decoderResult().isFailure()) {
                        out.add("invalid body: " + c.decoderResult().cause().getMessage());
                        body.setLength(0);
                        continue;
                    }
                    body.append(c.content().toString(StandardCharsets.ISO_8859_1));
                    if (o instanceof LastHttpContent) {
                        out.add("body [" + body + "]");
                        body.setLength(0);
                    }
                } else if (o instanceof ByteBuf raw) {
                    out.add("raw [" + raw.toString(StandardCharsets.ISO_8859_1) + "]");
                }
            } finally {
                ReferenceCountUtil.release(o);
            }
        }
    }

    private static List<String> ours(String text, int piece, boolean close) {
        return decode(new ResponseDecoder(MAX_HEAD), text, piece, close);
    }

    private static final String[] STATUS_LINES = {"HTTP/1.1 200 OK", "HTTP/1.1 200 Fine", "HTTP/1.0 200 OK",
            "HTTP/1.1 404 Not Found", "HTTP/1.1 201 ", "HTTP/1.1 500 Internal Server Error", "HTTP/1.1 299 Custom \u00e9",
            "HTTP/1.1 302 Found"};
    private static final String[] NAMES = {"Content-Type", "content-type", "Server", "Set-Cookie", "X-A", "Cache-Control",
            "!#$%&'*+-.^_`|~09azAZ", "Connection", "Date"};
    private static final String[] VALUES = {"a", "", "  padded\t ", "caf\u00e9", "1, 2", "\"q\"", "a\tb", "x".repeat(200)};

    @Test
    void generatedResponsesDecodeAsNettyDecodesThem() {
        Random random = new Random(11_24L);
        for (int i = 0; i < 400; i++) {
            StringBuilder input = new StringBuilder();
            int responses = 1 + random.nextInt(3);
            for (int r = 0; r < responses; r++) {
                input.append(response(random));
            }
            String text = input.toString();
            Supplier<ChannelHandler> netty = () -> new HttpResponseDecoder(new HttpDecoderConfig()
                    .setMaxInitialLineLength(MAX_HEAD).setMaxHeaderSize(MAX_HEAD));
            List<String> expected = decode(netty.get(), text, text.length(), false);
            for (int piece : new int[] {1, 3, 11, text.length()}) {
                assertThat(ours(text, piece, false)).as("input in pieces of %d bytes:%n%s", piece, text).isEqualTo(expected);
            }
        }
    }

    private static String response(Random random) {
        StringBuilder b = new StringBuilder(STATUS_LINES[random.nextInt(STATUS_LINES.length)]).append("\r\n");
        int fields = random.nextInt(6);
        for (int i = 0; i < fields; i++) {
            b.append(NAMES[random.nextInt(NAMES.length)]).append(':').append(random.nextBoolean() ? " " : "")
                    .append(VALUES[random.nextInt(VALUES.length)]).append("\r\n");
        }
        String[] bodies = {"", "hello", "HTTP/1.1 200 OK\r\n\r\n", "\u0000\u00ff\r\n", "b".repeat(700)};
        String body = bodies[random.nextInt(bodies.length)];
        if (random.nextBoolean() || b.indexOf("HTTP/1.0") == 0) {
            b.append("Content-Length: ").append(body.length()).append("\r\n\r\n").append(body);
        } else {
            b.append(random.nextBoolean() ? "Transfer-Encoding: chunked" : "transfer-encoding: gzip, chunked").append("\r\n\r\n");
            if (!body.isEmpty()) {
                b.append(Integer.toHexString(body.length())).append(random.nextBoolean() ? ";ext=1" : "").append("\r\n")
                        .append(body).append("\r\n");
            }
            b.append("0\r\n").append(random.nextBoolean() ? "X-Trailer: t\r\n" : "").append("\r\n");
        }
        return b.toString();
    }

    @Test
    void noBodyForHeadRequestsOrForStatusesThatNeverHaveOne() {
        ResponseDecoder decoder = new ResponseDecoder(MAX_HEAD);
        decoder.requestSent(HttpMethod.HEAD);
        String next = "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok";
        assertThat(decode(decoder, "HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\n" + next, 1, false))
                .containsExactly("HTTP/1.1 200 [OK]\n  Content-Length: [5]", "body []",
                        "HTTP/1.1 200 [OK]\n  Content-Length: [2]", "body [ok]");
        for (String status : List.of("204 No Content", "304 Not Modified", "100 Continue", "103 Early Hints")) {
            assertThat(ours("HTTP/1.1 " + status + "\r\nContent-Length: 5\r\n\r\n" + next, 1000, false))
                    .as(status).hasSize(4).endsWith("HTTP/1.1 200 [OK]\n  Content-Length: [2]", "body [ok]");
        }
    }

    @Test
    void aBodyThatCameWithItsHeadIsOneFullResponse() {
        EmbeddedChannel channel = new EmbeddedChannel(new ResponseDecoder(MAX_HEAD));
        channel.writeInbound(Unpooled.copiedBuffer("HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nokHTTP/1.1 200 OK\r\nContent-Length: 4\r\n\r\nha",
                StandardCharsets.ISO_8859_1));
        Object whole = channel.readInbound();
        assertThat(whole).isInstanceOf(io.netty.handler.codec.http.FullHttpResponse.class);
        assertThat(((HttpContent) whole).content().toString(StandardCharsets.ISO_8859_1)).isEqualTo("ok");
        ReferenceCountUtil.release(whole);
        // The next body is still arriving: its head comes alone, the body follows in parts.
        Object head = channel.readInbound();
        assertThat(head).isInstanceOf(HttpResponse.class).isNotInstanceOf(HttpContent.class);
        Object part = channel.readInbound();
        assertThat(part).isInstanceOf(HttpContent.class).isNotInstanceOf(LastHttpContent.class);
        ReferenceCountUtil.release(part);
        channel.writeInbound(Unpooled.copiedBuffer("!!", StandardCharsets.ISO_8859_1));
        Object last = channel.readInbound();
        assertThat(last).isInstanceOf(LastHttpContent.class);
        ReferenceCountUtil.release(last);
        assertThat(channel.finishAndReleaseAll()).isFalse();
    }

    @Test
    void anInterimResponseLeavesTheHeadRequestItAnswers() {
        ResponseDecoder decoder = new ResponseDecoder(MAX_HEAD);
        decoder.requestSent(HttpMethod.HEAD);
        assertThat(decode(decoder, "HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\n", 1000, false))
                .containsExactly("HTTP/1.1 100 [Continue]", "body []", "HTTP/1.1 200 [OK]\n  Content-Length: [5]", "body []");
    }

    @Test
    void bytesAfterASwitchPassAsTheyAre() {
        assertThat(ours("HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\n\r\n\u0081\u0002hi", 1000, false))
                .containsExactly("HTTP/1.1 101 [Switching Protocols]\n  Upgrade: [websocket]", "body []", "raw [\u0081\u0002hi]");
    }

    @Test
    void withoutLengthTheBodyRunsToTheEndOfTheConnection() {
        assertThat(ours("HTTP/1.1 200 OK\r\n\r\nall of it\r\n\r\nHTTP/1.1 200 OK\r\n\r\n", 4, true))
                .containsExactly("HTTP/1.1 200 [OK]", "body [all of it\r\n\r\nHTTP/1.1 200 OK\r\n\r\n]");
        // A transfer coding other than chunked last leaves the end of the connection as the only delimiter.
        assertThat(ours("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked, gzip\r\n\r\n2\r\nok\r\n0\r\n\r\n", 1000, true))
                .containsExactly("HTTP/1.1 200 [OK]\n  Transfer-Encoding: [chunked, gzip]", "body [2\r\nok\r\n0\r\n\r\n]");
    }

    @Test
    void aCutOffBodyEndsWithoutItsLastPart() {
        assertThat(ours("HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nshort", 1000, true))
                .containsExactly("HTTP/1.1 200 [OK]\n  Content-Length: [10]", "unfinished body [short]");
        assertThat(ours("HTTP/1.1 200 OK\r\nContent-Length: 10\r\n", 1000, true))
                .containsExactly("invalid: connection closed before the response head ended");
    }

    @Test
    void leniencyForRecipients() {
        // A bare LF ends a line, and whitespace before a colon is removed (RFC 9112 sections 2.2 and 5.1).
        assertThat(ours("HTTP/1.1 200 OK\nX-A : 1\nContent-Length: 2\n\nok", 1, false))
                .containsExactly("HTTP/1.1 200 [OK]\n  X-A: [1]\n  Content-Length: [2]", "body [ok]");
        assertThat(ours("\r\nHTTP/1.1 200\r\nContent-Length: 0\r\n\r\n", 1000, false))
                .containsExactly("HTTP/1.1 200 []\n  Content-Length: [0]", "body []");
    }

    @ParameterizedTest
    @ValueSource(strings = {
            "HTTP/1.1 200 OK\r\nX-A: 1\r\n folded\r\n\r\n",
            "HTTP/1.1 200 OK\r\nX-A: 1\rSet-Cookie: a=b\r\n\r\n",
            "HTTP/1.1 200 OK\r\nX-A: 1\u0000\r\n\r\n",
            "HTTP/1.1 200 OK\r\nX-A: \u007f\r\n\r\n",
            "HTTP/1.1 200 OK\r\nX A: 1\r\n\r\n",
            "HTTP/1.1 200 OK\r\n: 1\r\n\r\n",
            "HTTP/1.1 200 OK\r\nNoColon\r\n\r\n",
            "HTTP/1.1 200 OK\r\nContent-Length: 2\r\nContent-Length: 2\r\n\r\nok",
            "HTTP/1.1 200 OK\r\nContent-Length: 2, 2\r\n\r\nok",
            "HTTP/1.1 200 OK\r\nContent-Length: -1\r\n\r\nok",
            "HTTP/1.1 200 OK\r\nContent-Length: 2\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n",
            "HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip\r\nContent-Length: 2\r\n\r\nok",
            "HTTP/1.0 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n",
            "HTTP/1.1 200 OK\r\nContent-Length: 99999999999999999999\r\n\r\nok",
            "HTTP/2 200 OK\r\n\r\n",
            "http/1.1 200 OK\r\n\r\n",
            "HTTP/1.1 20 OK\r\n\r\n",
            "HTTP/1.1 2000 OK\r\n\r\n",
            "HTTP/1.1 099 Low\r\n\r\n",
            "HTTP/1.1  200 OK\r\n\r\n",
            "SSH-2.0-OpenSSH_9.2\r\n\r\n",
    })
    void responsesThatAreNeverRelayed(String response) {
        List<String> out = ours(response, 1, false);
        assertThat(out).as("%s", response).hasSize(1);
        assertThat(out.get(0)).startsWith("invalid: ");
    }

    @Test
    void aHeadOverTheLimitIsRefusedBeforeItEnds() {
        assertThat(decode(new ResponseDecoder(100), "HTTP/1.1 200 OK\r\nX-Big: " + "b".repeat(200), 1000, false))
                .containsExactly("invalid: response head too large");
        assertThat(ours("HTTP/1.1 200 " + "r".repeat(MAX_HEAD), 1000, false)).containsExactly("invalid: status line too long");
    }

    @ParameterizedTest
    @ValueSource(strings = {"zz\r\nhello\r\n0\r\n\r\n", "\r\nhello\r\n0\r\n\r\n", "5 x\r\nhello\r\n0\r\n\r\n",
            "ffffffffffffffffff\r\nhello\r\n0\r\n\r\n", "5\r\nhelloX0\r\n\r\n", "5\r\nhello\r\n0\r\nbad trailer\r\n\r\n"})
    void aBrokenChunkEndsTheBodyAsAFailure(String chunks) {
        List<String> out = ours("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n" + chunks
                + "HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n", 1, false);
        assertThat(out.get(0)).isEqualTo("HTTP/1.1 200 [OK]\n  Transfer-Encoding: [chunked]");
        assertThat(out.get(out.size() - 1)).startsWith("invalid body: ");
        assertThat(out.stream().filter(s -> s.startsWith("HTTP/"))).as("nothing after the failure is decoded").hasSize(1);
    }
}
