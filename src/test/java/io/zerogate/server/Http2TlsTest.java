package io.zerogate.server;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.bootstrap.Bootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.nio.NioSocketChannel;
import io.netty.handler.codec.http2.DefaultHttp2Headers;
import io.netty.handler.codec.http2.DefaultHttp2HeadersFrame;
import io.netty.handler.codec.http2.Http2DataFrame;
import io.netty.handler.codec.http2.Http2FrameCodecBuilder;
import io.netty.handler.codec.http2.Http2HeadersFrame;
import io.netty.handler.codec.http2.Http2MultiplexHandler;
import io.netty.handler.codec.http2.Http2StreamChannel;
import io.netty.handler.codec.http2.Http2StreamChannelBootstrap;
import io.netty.handler.ssl.ApplicationProtocolConfig;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import io.netty.util.ReferenceCountUtil;
import io.zerogate.cli.CertificateMint;
import io.zerogate.testing.RunningGateway;
import io.zerogate.testing.TestPki;
import io.zerogate.testing.TestUpstream;
import io.zerogate.testing.Wire;
import java.io.BufferedInputStream;
import java.io.ByteArrayOutputStream;
import java.io.InputStream;
import java.io.PipedInputStream;
import java.io.PipedOutputStream;
import java.net.InetAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.KeyStore;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.TrustManagerFactory;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * HTTP/2 over TLS: ALPN picks {@code h2} when the client offers it and the listener has HTTP/2 on, and
 * {@code http/1.1} otherwise; many streams share one connection, each with its own response, a denied stream
 * among them; a large request body moves at the pace of the upstream.
 */
@Timeout(120)
class Http2TlsTest {

    @TempDir
    static Path dir;

    private static final CertificateMint.Issued CA = TestPki.rootCa("h2-ca");
    private static final CertificateMint.Issued SERVER = TestPki.server(CA);

    private static EchoUpstream upstream;
    private static RunningGateway h2;
    private static RunningGateway h1only;
    private final ExecutorService threads = Executors.newCachedThreadPool();

    @BeforeAll
    static void start() throws Exception {
        Path[] files = SERVER.write(dir, "server");
        upstream = EchoUpstream.start();
        String rest = """
                services:
                  app:
                    targets: [%s]
                    tls: none
                routes:
                  - id: open
                    match: { path: "/open/{rest...}" }
                    service: app
                    public: true
                  - id: closed
                    match: { path: "/closed" }
                    service: app
                """.formatted(upstream.target());
        String tls = """
                    tls:
                      certificate: "%s"
                      private_key: "%s"
                """.formatted(files[0], files[1]);
        h2 = RunningGateway.start("listeners:\n  - name: public\n    address: 127.0.0.1:0\n" + tls + rest);
        h1only = RunningGateway.start("listeners:\n  - name: public\n    address: 127.0.0.1:0\n    http2: false\n" + tls + rest);
    }

    @AfterAll
    static void stop() throws Exception {
        h2.close();
        h1only.close();
        upstream.close();
    }

    @BeforeEach
    void clear() {
        upstream.clear();
    }

    @org.junit.jupiter.api.AfterEach
    void stopThreads() {
        threads.shutdownNow();
    }

    private static SSLContext trusting() throws Exception {
        KeyStore trust = KeyStore.getInstance("PKCS12");
        trust.load(null, null);
        trust.setCertificateEntry("ca", CA.certificate());
        TrustManagerFactory tmf = TrustManagerFactory.getInstance("PKIX");
        tmf.init(trust);
        SSLContext ctx = SSLContext.getInstance("TLS");
        ctx.init(null, tmf.getTrustManagers(), null);
        return ctx;
    }

    private static SSLSocket connect(int port, String... alpn) throws Exception {
        SSLSocket s = (SSLSocket) trusting().getSocketFactory().createSocket(InetAddress.getLoopbackAddress(), port);
        s.setSoTimeout(10_000);
        SSLParameters p = s.getSSLParameters();
        p.setApplicationProtocols(alpn);
        s.setSSLParameters(p);
        s.startHandshake();
        return s;
    }

    private static HttpClient client() throws Exception {
        return HttpClient.newBuilder().version(HttpClient.Version.HTTP_2).sslContext(trusting()).build();
    }

    @Test
    void alpnPicksH2AndTheUpstreamGetsAnHttp11RequestWithTheHttpsScheme() throws Exception {
        try (HttpClient client = client()) {
            HttpResponse<String> res = client.send(HttpRequest.newBuilder(URI.create("https://127.0.0.1:" + h2.port() + "/open/x?y=1"))
                    .header("x-custom", "v").build(), HttpResponse.BodyHandlers.ofString());
            assertThat(res.version()).isEqualTo(HttpClient.Version.HTTP_2);
            assertThat(res.statusCode()).isEqualTo(200);
            assertThat(res.headers().firstValue("x-echo-line")).hasValue("GET /open/x?y=1 HTTP/1.1");
        }
        String head = upstream.nextHead();
        assertThat(head).startsWith("GET /open/x?y=1 HTTP/1.1\r\n")
                .containsIgnoringCase("\r\nhost: 127.0.0.1:" + h2.port() + "\r\n")
                .containsIgnoringCase("\r\nx-custom: v\r\n")
                .containsIgnoringCase("\r\nx-forwarded-proto: https\r\n")
                .doesNotContainIgnoringCase("x-http2")
                .doesNotContainIgnoringCase("\r\nconnection:")
                .doesNotContainIgnoringCase("\r\nupgrade:");
        assertThat(upstream.heads()).isEmpty();
    }

    @Test
    void alpnPicksHttp11ForAClientThatOffersOnlyThat() throws Exception {
        try (SSLSocket both = connect(h2.port(), "h2", "http/1.1")) {
            assertThat(both.getApplicationProtocol()).isEqualTo("h2");
        }
        try (SSLSocket s = connect(h2.port(), "http/1.1")) {
            assertThat(s.getApplicationProtocol()).isEqualTo("http/1.1");
            RawResponse res = TlsClient.request(s, "GET", "/open/one", "localhost", true);
            assertThat(res.status()).isEqualTo(200);
        }
        assertThat(EchoUpstream.requestLine(upstream.nextHead())).isEqualTo("GET /open/one HTTP/1.1");
    }

    @Test
    void aListenerWithHttp2OffSpeaksHttp11Only() throws Exception {
        try (SSLSocket s = connect(h1only.port(), "h2", "http/1.1")) {
            assertThat(s.getApplicationProtocol()).isNotEqualTo("h2");
        }
        try (HttpClient client = client()) {
            HttpResponse<String> res = client.send(HttpRequest.newBuilder(URI.create("https://127.0.0.1:" + h1only.port() + "/open/old"))
                    .build(), HttpResponse.BodyHandlers.ofString());
            assertThat(res.version()).isEqualTo(HttpClient.Version.HTTP_1_1);
            assertThat(res.statusCode()).isEqualTo(200);
        }
        assertThat(EchoUpstream.requestLine(upstream.nextHead())).isEqualTo("GET /open/old HTTP/1.1");
    }

    @Test
    void fiftyConcurrentStreamsOnOneConnectionEachGetTheirOwnResponse() throws Exception {
        int n = 50;
        try (H2Wire wire = H2Wire.start(connect(h2.port(), "h2"))) {
            for (int i = 0; i < n; i++) {
                wire.headers(1 + 2 * i, true, ":method", "GET", ":scheme", "https", ":authority", "localhost",
                        ":path", "/open/s" + i);
            }
            for (int i = 0; i < n; i++) {
                H2Wire.Reply r = wire.reply(1 + 2 * i);
                assertThat(r.status()).isEqualTo(200);
                assertThat(r.header("x-echo-line")).isEqualTo("GET /open/s" + i + " HTTP/1.1");
            }
        }
        List<String> lines = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            lines.add(EchoUpstream.requestLine(upstream.nextHead()));
        }
        assertThat(lines).hasSize(n).doesNotHaveDuplicates().allMatch(l -> l.matches("GET /open/s\\d+ HTTP/1\\.1"));
    }

    /** One stream's answer as Netty's client saw it. */
    private record StreamResult(int status, String body) {}

    @Test
    void nettysClientMultiplexesStreamsOneDeniedTheOthersServed() throws Exception {
        List<String> paths = List.of("/open/a", "/closed", "/open/b", "/missing", "/open/c");
        EventLoopGroup group = new MultiThreadIoEventLoopGroup(1, NioIoHandler.newFactory());
        try {
            SslContext ssl = SslContextBuilder.forClient()
                    .trustManager(CA.certificate())
                    .applicationProtocolConfig(new ApplicationProtocolConfig(ApplicationProtocolConfig.Protocol.ALPN,
                            ApplicationProtocolConfig.SelectorFailureBehavior.NO_ADVERTISE,
                            ApplicationProtocolConfig.SelectedListenerFailureBehavior.ACCEPT, "h2"))
                    .build();
            int port = h2.port();
            Channel connection = new Bootstrap().group(group).channel(NioSocketChannel.class)
                    .handler(new ChannelInitializer<Channel>() {
                        @Override
                        protected void initChannel(Channel ch) {
                            ch.pipeline().addLast(ssl.newHandler(ch.alloc(), "localhost", port),
                                    Http2FrameCodecBuilder.forClient().build(),
                                    new Http2MultiplexHandler(new ChannelInboundHandlerAdapter()));
                        }
                    })
                    .connect(InetAddress.getLoopbackAddress(), port).sync().channel();
            List<CompletableFuture<StreamResult>> results = new ArrayList<>();
            for (String path : paths) {
                CompletableFuture<StreamResult> result = new CompletableFuture<>();
                Http2StreamChannel stream = new Http2StreamChannelBootstrap(connection)
                        .handler(new ResponseCollector(result)).open().sync().getNow();
                stream.writeAndFlush(new DefaultHttp2HeadersFrame(new DefaultHttp2Headers()
                        .method("GET").scheme("https").authority("localhost").path(path), true));
                results.add(result);
            }
            List<StreamResult> got = new ArrayList<>();
            for (CompletableFuture<StreamResult> r : results) {
                got.add(r.get(10, TimeUnit.SECONDS));
            }
            assertThat(got).extracting(StreamResult::status).containsExactly(200, 403, 200, 404, 200);
            assertThat(got.get(1).body()).contains("\"code\":\"no_rule\"");
            assertThat(got.get(3).body()).contains("\"code\":\"no_route\"");
            assertThat(connection.isActive()).isTrue();
            connection.close().sync();
        } finally {
            group.shutdownGracefully(0, 1, TimeUnit.SECONDS).sync();
        }
        List<String> lines = List.of(EchoUpstream.requestLine(upstream.nextHead()), EchoUpstream.requestLine(upstream.nextHead()),
                EchoUpstream.requestLine(upstream.nextHead()));
        assertThat(lines).containsExactlyInAnyOrder("GET /open/a HTTP/1.1", "GET /open/b HTTP/1.1", "GET /open/c HTTP/1.1");
        h2.awaitRequestCount("closed", 403, "no_rule", 1);
        h2.awaitRequestCount("-", 404, "no_route", 1);
    }

    /** Collects one stream's status and body, releasing every frame. */
    private static final class ResponseCollector extends ChannelInboundHandlerAdapter {

        private final CompletableFuture<StreamResult> result;
        private final ByteArrayOutputStream body = new ByteArrayOutputStream();
        private int status = -1;

        ResponseCollector(CompletableFuture<StreamResult> result) {
            this.result = result;
        }

        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            try {
                boolean end = false;
                if (msg instanceof Http2HeadersFrame h) {
                    CharSequence s = h.headers().status();
                    if (s != null && status < 0) {
                        status = Integer.parseInt(s.toString());
                    }
                    end = h.isEndStream();
                } else if (msg instanceof Http2DataFrame d) {
                    ByteBuf b = d.content();
                    byte[] bytes = new byte[b.readableBytes()];
                    b.readBytes(bytes);
                    body.writeBytes(bytes);
                    end = d.isEndStream();
                }
                if (end) {
                    result.complete(new StreamResult(status, body.toString(StandardCharsets.UTF_8)));
                }
            } finally {
                ReferenceCountUtil.release(msg);
            }
        }

        @Override
        public void channelInactive(ChannelHandlerContext ctx) {
            result.completeExceptionally(new IllegalStateException("stream closed before its response ended"));
        }
    }

    @Test
    void aLargeBodyMovesAtThePaceOfTheUpstream() throws Exception {
        long bodySize = 64L << 20;
        CountDownLatch startReading = new CountDownLatch(1);
        Wire.Tally received = new Wire.Tally();
        try (TestUpstream slow = TestUpstream.start((socket, u) -> {
                 socket.setReceiveBufferSize(64 * 1024);
                 InputStream in = new BufferedInputStream(socket.getInputStream(), 64 * 1024);
                 String head = Wire.readHead(in);
                 if (!startReading.await(60, TimeUnit.SECONDS)) {
                     return;
                 }
                 long n = Wire.readBody(head, in, received, false);
                 Wire.write(socket.getOutputStream(), "HTTP/1.1 200 OK\r\nContent-Length: " + Long.toString(n).length()
                         + "\r\n\r\n" + n);
             });
             RunningGateway gw = RunningGateway.start("""
                     listeners:
                       - name: public
                         address: 127.0.0.1:0
                         tls:
                           certificate: "%s"
                           private_key: "%s"
                     services:
                       slow:
                         targets: [%s]
                         tls: none
                     routes:
                       - id: upload
                         match: { path: /upload }
                         service: slow
                         public: true
                     """.formatted(dir.resolve("server.crt"), dir.resolve("server.key"), slow.target()));
             HttpClient client = client()) {
            AtomicLong sent = new AtomicLong();
            PipedInputStream body = new PipedInputStream(64 * 1024);
            PipedOutputStream source = new PipedOutputStream(body);
            Future<?> producer = threads.submit(() -> {
                try (source) {
                    Wire.writeGenerated(source, bodySize, false, sent);
                }
                return null;
            });
            CompletableFuture<HttpResponse<String>> response = client.sendAsync(
                    HttpRequest.newBuilder(URI.create("https://127.0.0.1:" + gw.port() + "/upload"))
                            .POST(HttpRequest.BodyPublishers.fromPublisher(HttpRequest.BodyPublishers.ofInputStream(() -> body), bodySize))
                            .build(),
                    HttpResponse.BodyHandlers.ofString());

            long stalledAt = BackpressureTest.awaitPlateau(sent::get);
            System.out.printf("slow upstream behind HTTP/2: client stalled after %d KiB of %d MiB%n", stalledAt >> 10, bodySize >> 20);
            assertThat(producer).isNotDone();
            assertThat(response).isNotDone();
            assertThat(stalledAt).isLessThan(32L << 20);

            startReading.countDown();
            HttpResponse<String> res = response.get(60, TimeUnit.SECONDS);
            assertThat(res.version()).isEqualTo(HttpClient.Version.HTTP_2);
            assertThat(res.statusCode()).isEqualTo(200);
            assertThat(res.body()).isEqualTo(Long.toString(bodySize));
            assertThat(received.crc()).isEqualTo(Wire.generatedCrc(bodySize));
            producer.get(10, TimeUnit.SECONDS);
        }
    }
}
