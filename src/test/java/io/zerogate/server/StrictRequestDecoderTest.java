package io.zerogate.server;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.DecoderException;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.util.ReferenceCounted;
import io.zerogate.chain.ReasonCode;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The strict decoder on its own. Input is fed in small pieces, down to one byte at a time, since the head
 * scan has to carry its state (a CR at the end of one read, a line start) from one read to the next.
 */
class StrictRequestDecoderTest {

    private final AtomicLong now = new AtomicLong(1_000);
    private final EmbeddedChannel channel = new EmbeddedChannel(new StrictRequestDecoder(512, 1024, now::get));
    private final StrictRequestDecoder decoder = channel.pipeline().get(StrictRequestDecoder.class);
    /** Every ref-counted message taken from the channel; each is released when read. */
    private final List<ReferenceCounted> released = new ArrayList<>();

    @AfterEach
    void nothingLeaked() {
        assertThat(channel.finishAndReleaseAll()).as("messages left in the channel").isFalse();
        for (ReferenceCounted m : released) {
            assertThat(m.refCnt()).as("reference count of %s", m).isZero();
        }
    }

    /** Writes {@code text} in pieces of {@code piece} bytes; returns the refusal that stopped it, if any. */
    private @Nullable MalformedRequestException feed(String text, int piece) {
        byte[] bytes = text.getBytes(StandardCharsets.ISO_8859_1);
        for (int i = 0; i < bytes.length; i += piece) {
            try {
                channel.writeInbound(Unpooled.copiedBuffer(bytes, i, Math.min(piece, bytes.length - i)));
            } catch (DecoderException e) {
                assertThat(e.getCause()).isInstanceOf(MalformedRequestException.class);
                // Whatever is left is discarded without another error.
                channel.writeInbound(Unpooled.copiedBuffer(bytes, i, bytes.length - i));
                return (MalformedRequestException) e.getCause();
            }
        }
        return null;
    }

    /** What came out of the decoder so far, as text: "GET /x", "content:abc", "last". Contents are released. */
    private List<String> drained() {
        List<String> out = new ArrayList<>();
        Object o;
        while ((o = channel.readInbound()) != null) {
            if (o instanceof HttpRequest r) {
                out.add(r.decoderResult().isFailure() ? "invalid: " + r.decoderResult().cause().getMessage()
                        : r.method() + " " + r.uri());
            }
            if (o instanceof HttpContent c) {
                // A refused head comes as one full request (head and empty body); describe it once.
                if (!(o instanceof HttpRequest)) {
                    String text = c.content().toString(StandardCharsets.ISO_8859_1);
                    if (c.decoderResult().isFailure()) {
                        out.add("invalid content");
                    } else if (!text.isEmpty()) {
                        out.add("content:" + text);
                    }
                    if (o instanceof LastHttpContent) {
                        out.add("last");
                    }
                }
                // The shared empty last content is never freed; everything else must be.
                if (c != LastHttpContent.EMPTY_LAST_CONTENT) {
                    released.add(c);
                }
                c.release();
            }
        }
        return merged(out);
    }

    /** Joins adjacent content pieces so that assertions do not depend on how input was split. */
    private static List<String> merged(List<String> parts) {
        List<String> out = new ArrayList<>();
        for (String p : parts) {
            int last = out.size() - 1;
            if (p.startsWith("content:") && last >= 0 && out.get(last).startsWith("content:")) {
                out.set(last, out.get(last) + p.substring("content:".length()));
            } else {
                out.add(p);
            }
        }
        return out;
    }

    @ParameterizedTest
    @ValueSource(ints = {1, 2, 3, 7, 1000})
    void validRequestInAnySplit(int piece) {
        assertThat(feed("GET /x HTTP/1.1\r\nHost: a\r\nX-A: caf\u00e9\r\n\r\n", piece)).isNull();
        assertThat(drained()).containsExactly("GET /x", "last");
    }

    @ParameterizedTest
    @ValueSource(ints = {1, 4, 1000})
    void fixedLengthBodyThatLooksLikeAnObsFoldIsNotScanned(int piece) {
        String body = "\r\n folded\r\n\tx\u0000\r\r\u007f\n";
        assertThat(feed("POST /x HTTP/1.1\r\nHost: a\r\nContent-Length: " + body.length() + "\r\n\r\n" + body, piece)).isNull();
        assertThat(drained()).containsExactly("POST /x", "content:" + body, "last");
    }

    @ParameterizedTest
    @ValueSource(ints = {1, 1000})
    void chunkedBodyThatLooksLikeAHeadIsNotScanned(int piece) {
        String data = " x: y\r\n\u0000\r";
        assertThat(feed("POST /x HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n"
                + Integer.toHexString(data.length()) + "\r\n" + data + "\r\n0\r\n\r\n", piece)).isNull();
        assertThat(drained()).containsExactly("POST /x", "content:" + data, "last");
    }

    @ParameterizedTest
    @ValueSource(ints = {1, 5, 1000})
    void secondHeadAfterAFixedLengthBodyIsScanned(int piece) {
        MalformedRequestException e = feed("POST /x HTTP/1.1\r\nHost: a\r\nContent-Length: 3\r\n\r\nabc"
                + "GET /y HTTP/1.1\r\nHost: a\r\n folded\r\n\r\n", piece);
        assertThat(e).isNotNull();
        assertThat(e.reason()).isEqualTo(ReasonCode.INVALID_HEADER);
        assertThat(drained()).containsExactly("POST /x", "content:abc", "last");
    }

    @ParameterizedTest
    @ValueSource(ints = {1, 1000})
    void secondHeadAfterAChunkedBodyIsScanned(int piece) {
        MalformedRequestException e = feed("POST /x HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n0\r\n\r\n"
                + "GET /y HTTP/1.1\nHost: a\r\n\r\n", piece);
        assertThat(e).isNotNull();
        assertThat(e.reason()).isEqualTo(ReasonCode.MALFORMED_REQUEST);
        assertThat(drained()).containsExactly("POST /x", "content:abc", "last");
    }

    @ParameterizedTest
    @ValueSource(ints = {1, 1000})
    void secondHeadAfterABodylessRequestIsScanned(int piece) {
        MalformedRequestException e = feed("GET /x HTTP/1.1\r\nHost: a\r\n\r\nGET /y HTTP/1.1\r\nHost: a\r\nX: \u0001\r\n\r\n", piece);
        assertThat(e).isNotNull();
        assertThat(e.reason()).isEqualTo(ReasonCode.INVALID_HEADER);
        assertThat(drained()).containsExactly("GET /x", "last");
    }

    @Test
    void pipelinedValidHeadsAllPass() {
        String one = "GET /a HTTP/1.1\r\nHost: a\r\n\r\n";
        String two = "POST /b HTTP/1.1\r\nHost: a\r\nContent-Length: 2\r\n\r\nhi";
        assertThat(feed(one + two + one, 1)).isNull();
        assertThat(drained()).containsExactly("GET /a", "last", "POST /b", "content:hi", "last", "GET /a", "last");
    }

    @ParameterizedTest
    @ValueSource(strings = {
            "GET /x HTTP/1.1\r\nHost: a\r\nX-A: 1\r\n folded\r\n\r\n",
            "GET /x HTTP/1.1\r\nHost: a\r\nX-A: 1\r\n\tfolded\r\n\r\n",
            "GET /x HTTP/1.1\r\n Host: a\r\n\r\n",
            "GET /x HTTP/1.1\r\nHost: a\r\nX-\u0000: 1\r\n\r\n",
            "GET /x HTTP/1.1\r\nHost: a\r\nX-A: 1\u007f\r\n\r\n",
            "GET /x HTTP/1.1\r\nHost: a\r\nX-A: \u000b1\r\n\r\n",
    })
    void headerLineRefusals(String head) {
        MalformedRequestException e = feed(head, 1);
        assertThat(e).isNotNull();
        assertThat(e.reason()).isEqualTo(ReasonCode.INVALID_HEADER);
        assertThat(drained()).isEmpty();
    }

    @ParameterizedTest
    @ValueSource(strings = {
            " GET /x HTTP/1.1\r\nHost: a\r\n\r\n",
            "GET  /x HTTP/1.1\r\nHost: a\r\n\r\n",
            "GET /x\tHTTP/1.1\r\nHost: a\r\n\r\n",
            "GET /x\u0000 HTTP/1.1\r\nHost: a\r\n\r\n",
            "GET /x HTTP/1.1\nHost: a\r\n\r\n",
            "GET /x HTTP/1.1\rHost: a\r\n\r\n",
            "GET /x HTTP/1.1\r\nHost: a\r\n\n",
            "GET /x HTTP/1.1\r\nHost: a\r\r\n\r\n",
            "GET /x HTTP/1.1\r\nHost: a\nX: 1\r\n\r\n",
    })
    void lineStructureRefusals(String head) {
        MalformedRequestException e = feed(head, 1);
        assertThat(e).isNotNull();
        assertThat(e.reason()).isEqualTo(ReasonCode.MALFORMED_REQUEST);
        assertThat(drained()).isEmpty();
    }

    @Test
    void crAtTheEndOfOneReadAndLfAtTheStartOfTheNext() {
        for (String piece : List.of("GET /x HTTP/1.1\r", "\nHost: a\r", "\n\r", "\n")) {
            channel.writeInbound(Unpooled.copiedBuffer(piece, StandardCharsets.ISO_8859_1));
        }
        assertThat(drained()).containsExactly("GET /x", "last");
    }

    @Test
    void crAtTheEndOfOneReadAndSomethingElseAtTheStartOfTheNext() {
        channel.writeInbound(Unpooled.copiedBuffer("GET /x HTTP/1.1\r\nHost: a\r", StandardCharsets.ISO_8859_1));
        MalformedRequestException e = feed("X: 1\r\n\r\n", 100);
        assertThat(e).isNotNull();
        assertThat(e.getMessage()).isEqualTo("bare CR in request head");
        assertThat(drained()).isEmpty();
    }

    @Test
    void emptyLinesBeforeTheRequestLineAreToleratedAndStartNoHead() {
        assertThat(feed("\r\n\r\n", 1)).isNull();
        assertThat(decoder.isHeadPending()).isFalse();
        assertThat(feed("GET /x HTTP/1.1\r\nHost: a\r\n\r\n", 1)).isNull();
        assertThat(drained()).containsExactly("GET /x", "last");
    }

    @Test
    void lowerCaseProtocolNameIsRefused() {
        MalformedRequestException e = feed("GET /x http/1.1\r\nHost: a\r\n\r\n", 1000);
        assertThat(e).isNotNull();
        assertThat(e.reason()).isEqualTo(ReasonCode.MALFORMED_REQUEST);
        assertThat(drained()).isEmpty();
    }

    @Test
    void repeatedContentLengthInHttp10IsRefused() {
        MalformedRequestException e = feed("POST /x HTTP/1.0\r\nContent-Length: 1\r\ncontent-length: 1\r\n\r\nab", 1000);
        assertThat(e).isNotNull();
        assertThat(e.reason()).isEqualTo(ReasonCode.AMBIGUOUS_FRAMING);
        assertThat(e.getMessage()).isEqualTo("Content-Length field repeated");
        assertThat(drained()).isEmpty();
    }

    @Test
    void contentLengthCountStartsAgainForEachRequest() {
        String one = "POST /x HTTP/1.0\r\nContent-Length: 1\r\n\r\na";
        assertThat(feed(one + one, 1)).isNull();
        assertThat(drained()).containsExactly("POST /x", "content:a", "last", "POST /x", "content:a", "last");
    }

    @Test
    void headPendingTimeCountsFromTheFirstByteOfEachHead() {
        assertThat(decoder.headPendingNanos()).isEqualTo(-1);
        now.set(2_000);
        feed("POST /x HTTP/1.1\r\n", 1);
        now.set(2_500);
        assertThat(decoder.isHeadPending()).isTrue();
        assertThat(decoder.headPendingNanos()).isEqualTo(500);
        feed("Host: a\r\nContent-Length: 2\r\n\r\n", 3);
        // Body bytes are not a head.
        assertThat(decoder.headPendingNanos()).isEqualTo(-1);
        feed("h", 1);
        assertThat(decoder.isHeadPending()).isFalse();
        feed("i", 1);
        now.set(9_000);
        feed("G", 1);
        now.set(9_100);
        assertThat(decoder.headPendingNanos()).isEqualTo(100);
        feed("ET / HTTP/1.1\r\nHost: a\r\n\r\n", 1);
        assertThat(decoder.isHeadPending()).isFalse();
        assertThat(drained()).containsExactly("POST /x", "content:hi", "last", "GET /", "last");
    }

    @Test
    void afterARefusalEverythingIsDiscardedUntilTheEnd() {
        assertThat(feed("GET /x HTTP/1.1\r\nHost: a\r\nX-A: 1\r\n folded\r\n", 1)).isNotNull();
        // Neither more bytes nor the end of the connection produce anything further.
        assertThat(feed("\r\nGET /y HTTP/1.1\r\nHost: a\r\n\r\n", 1)).isNull();
        channel.close();
        assertThat(drained()).isEmpty();
    }
}
