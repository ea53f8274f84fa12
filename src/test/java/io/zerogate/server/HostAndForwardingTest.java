package io.zerogate.server;

import static io.zerogate.server.EchoUpstream.headerValues;
import static io.zerogate.server.EchoUpstream.requestLine;
import static org.assertj.core.api.Assertions.assertThat;

import io.netty.handler.codec.http.DefaultHttpHeaders;
import io.netty.handler.codec.http.HttpHeaders;
import io.zerogate.chain.ClientAddress;
import io.zerogate.network.CidrSet;
import io.zerogate.testing.RunningGateway;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Host validation and host routing, the forwarding headers the upstream receives from trusted and untrusted
 * peers, the request id, and removal of hop-by-hop fields.
 */
class HostAndForwardingTest {

    private static EchoUpstream app;
    private static EchoUpstream api;
    private static RunningGateway gw;
    private static RunningGateway behindProxy;

    private static final String ROUTES = """
            services:
              app:
                targets: [%s]
                tls: none
              api:
                targets: [%s]
                tls: none
            routes:
              - id: api-who
                match: { host: api.example.com, path: /who }
                service: api
                public: true
              - id: wild-who
                match: { host: "*.example.net", path: /who }
                service: api
                public: true
              - id: root
                match: { path: / }
                service: app
                public: true
              - id: open
                match: { path: "/{rest...}" }
                service: app
                public: true
            """;

    @BeforeAll
    static void start() throws Exception {
        app = EchoUpstream.start();
        api = EchoUpstream.start();
        gw = RunningGateway.start(ROUTES.formatted(app.target(), api.target()));
        behindProxy = RunningGateway.start("trusted_proxies: [127.0.0.1/32]\n" + ROUTES.formatted(app.target(), api.target()));
    }

    @AfterAll
    static void stop() throws IOException {
        behindProxy.close();
        gw.close();
        api.close();
        app.close();
    }

    @BeforeEach
    void forgetEarlierTests() {
        app.clear();
        api.clear();
    }

    @AfterEach
    void noOtherRequestReachedAnUpstream() {
        assertThat(app.heads()).isEmpty();
        assertThat(api.heads()).isEmpty();
    }

    private static RawResponse send(RunningGateway g, String raw) throws IOException {
        return RawResponse.parseOne(g.exchange(raw));
    }

    private static void assertRefused(RawResponse r, String code) {
        assertThat(r.status()).as(r.raw()).isEqualTo(400);
        assertThat(r.problemCode()).isEqualTo(code);
        assertThat(r.announcesClose()).isTrue();
    }

    // ---- Host -------------------------------------------------------------------------------------------

    @Test
    void missingHostInHttp11() throws IOException {
        assertRefused(send(gw, "GET /x HTTP/1.1\r\n\r\n"), "host_rejected");
    }

    @Test
    void missingHostInHttp10IsAllowedAndTheUpstreamGetsItsOwnAuthority() throws Exception {
        RawResponse r = send(gw, "GET /x HTTP/1.0\r\n\r\n");
        assertThat(r.status()).isEqualTo(200);
        String head = app.nextHead();
        assertThat(requestLine(head)).isEqualTo("GET /x HTTP/1.1");
        assertThat(headerValues(head, "host")).containsExactly(app.target().substring("http://".length()));
        assertThat(headerValues(head, "x-forwarded-host")).isEmpty();
        assertThat(headerValues(head, "forwarded")).containsExactly("for=127.0.0.1;proto=http");
    }

    @Test
    void twoEqualHostFields() throws IOException {
        assertRefused(send(gw, "GET /x HTTP/1.1\r\nHost: a.example\r\nHost: a.example\r\n\r\n"), "host_rejected");
    }

    @Test
    void twoDifferentHostFields() throws IOException {
        assertRefused(send(gw, "GET /who HTTP/1.1\r\nHost: other.example\r\nHost: api.example.com\r\n\r\n"), "host_rejected");
    }

    @ParameterizedTest
    @ValueSource(strings = {"a b", "user@host", "user:pw@host", "host:99999", "host:65536", "host:", ":80", "host:80:80",
            "host:+80", "host:8o", "[::1", "[::1]x", "[::g]", "ho$t", "a/b", "a?b", "a#b", "a%2eb", "a.example, b.example",
            "", "api.example.com..", "..", "a..b", ".a.example", "\u00e9.example"})
    void invalidHost(String host) throws IOException {
        assertRefused(send(gw, "GET /x HTTP/1.1\r\nHost: " + host + "\r\n\r\n"), "host_rejected");
    }

    @ParameterizedTest
    @ValueSource(strings = {"a.example", "a.example:8080", "127.0.0.1", "127.0.0.1:1", "[::1]", "[::1]:443", "A-B.Example_x"})
    void validHostIsForwardedUnchanged(String host) throws Exception {
        RawResponse r = send(gw, "GET /x HTTP/1.1\r\nHost: " + host + "\r\nConnection: close\r\n\r\n");
        assertThat(r.status()).isEqualTo(200);
        assertThat(headerValues(app.nextHead(), "host")).containsExactly(host);
    }

    @Test
    void absoluteFormMatchingHostIsRoutedAsOriginForm() throws Exception {
        RawResponse r = send(gw, "GET http://a.example/x/../y?q=1 HTTP/1.1\r\nHost: a.example\r\nConnection: close\r\n\r\n");
        assertThat(r.status()).isEqualTo(200);
        String head = app.nextHead();
        assertThat(requestLine(head)).isEqualTo("GET /y?q=1 HTTP/1.1");
        assertThat(headerValues(head, "host")).containsExactly("a.example");
    }

    @Test
    void absoluteFormWithoutPathIsTheRoot() throws Exception {
        RawResponse r = send(gw, "GET HTTP://A.example HTTP/1.1\r\nHost: a.example\r\nConnection: close\r\n\r\n");
        assertThat(r.status()).isEqualTo(200);
        assertThat(requestLine(app.nextHead())).isEqualTo("GET / HTTP/1.1");
    }

    @Test
    void absoluteFormSelectsTheHostRouteItNames() throws Exception {
        RawResponse r = send(gw, "GET http://api.example.com/who HTTP/1.1\r\nHost: api.example.com\r\nConnection: close\r\n\r\n");
        assertThat(r.status()).isEqualTo(200);
        assertThat(requestLine(api.nextHead())).isEqualTo("GET /who HTTP/1.1");
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
            "http://api.example.com/who|a.example",
            "http://a.example/x|api.example.com",
            "http://a.example:8080/x|a.example",
            "http://a.example/x|a.example:8080",
            "http://user@a.example/x|a.example",
            "http://a.example@api.example.com/who|a.example",
            "http:///x|a.example",
            "http://a b/x|a.example",
    })
    void absoluteFormWhoseAuthorityDiffersFromHost(String target, String host) throws IOException {
        RawResponse r = send(gw, "GET " + target + " HTTP/1.1\r\nHost: " + host + "\r\n\r\n");
        assertThat(r.status()).isEqualTo(400);
        assertThat(r.problemCode()).isIn("host_rejected", "malformed_request");
        if (!target.contains(" ")) {
            assertThat(r.problemCode()).isEqualTo("host_rejected");
        }
        assertThat(r.announcesClose()).isTrue();
    }

    @Test
    void absoluteFormWithoutHost() throws IOException {
        assertRefused(send(gw, "GET http://a.example/x HTTP/1.1\r\n\r\n"), "host_rejected");
    }

    @ParameterizedTest
    @ValueSource(strings = {"api.example.com", "API.Example.COM", "api.example.com:8443", "Api.Example.Com:1",
            "api.example.com.", "x.example.net", "a.b.EXAMPLE.NET:80"})
    void hostRouteMatchesCaseInsensitivelyAndIgnoresThePort(String host) throws Exception {
        RawResponse r = send(gw, "GET /who HTTP/1.1\r\nHost: " + host + "\r\nConnection: close\r\n\r\n");
        assertThat(r.status()).isEqualTo(200);
        String head = api.nextHead();
        assertThat(requestLine(head)).isEqualTo("GET /who HTTP/1.1");
        assertThat(headerValues(head, "host")).containsExactly(host);
    }

    @ParameterizedTest
    @ValueSource(strings = {"other.example.com", "example.net", "api.example.com.evil", "apiXexample.com", "xapi.example.com"})
    void otherHostsFallToTheAnyHostRoute(String host) throws Exception {
        RawResponse r = send(gw, "GET /who HTTP/1.1\r\nHost: " + host + "\r\nConnection: close\r\n\r\n");
        assertThat(r.status()).isEqualTo(200);
        assertThat(requestLine(app.nextHead())).isEqualTo("GET /who HTTP/1.1");
    }

    // ---- forwarding headers ---------------------------------------------------------------------------------

    private static final String PLANTED = "X-Forwarded-For: 1.2.3.4\r\nX-Forwarded-For: 5.6.7.8, 9.9.9.9\r\n"
            + "X-Forwarded-Proto: https\r\nX-Forwarded-Host: evil.example\r\n"
            + "Forwarded: for=1.2.3.4;proto=https;host=evil.example\r\nForwarded: for=\"[2001:db8::1]\"\r\n"
            + "X-Real-IP: 6.6.6.6\r\nX-Original-URL: /admin\r\nX-Rewrite-URL: /admin\r\n";

    @Test
    void fromAnUntrustedPeerForwardingHeadersAreReplaced() throws Exception {
        RawResponse r = send(gw, "GET /x HTTP/1.1\r\nHost: a.example\r\n" + PLANTED + "Connection: close\r\n\r\n");
        assertThat(r.status()).isEqualTo(200);
        String head = app.nextHead();
        assertThat(headerValues(head, "x-forwarded-for")).containsExactly("127.0.0.1");
        assertThat(headerValues(head, "x-forwarded-proto")).containsExactly("http");
        assertThat(headerValues(head, "x-forwarded-host")).containsExactly("a.example");
        assertThat(headerValues(head, "forwarded")).containsExactly("for=127.0.0.1;proto=http;host=\"a.example\"");
        assertThat(headerValues(head, "x-real-ip")).containsExactly("127.0.0.1");
        assertThat(headerValues(head, "x-original-url")).isEmpty();
        assertThat(headerValues(head, "x-rewrite-url")).isEmpty();
    }

    @Test
    void fromAnUntrustedPeerWithoutHostThePlantedForwardedHostIsRemoved() throws Exception {
        RawResponse r = send(gw, "GET /x HTTP/1.0\r\nX-Forwarded-Host: evil.example\r\n\r\n");
        assertThat(r.status()).isEqualTo(200);
        assertThat(headerValues(app.nextHead(), "x-forwarded-host")).isEmpty();
    }

    @Test
    void fromATrustedProxyForwardingHeadersAreExtended() throws Exception {
        RawResponse r = send(behindProxy, "GET /x HTTP/1.1\r\nHost: a.example\r\n" + PLANTED + "Connection: close\r\n\r\n");
        assertThat(r.status()).isEqualTo(200);
        String head = app.nextHead();
        assertThat(headerValues(head, "x-forwarded-for")).containsExactly("1.2.3.4, 5.6.7.8, 9.9.9.9, 127.0.0.1");
        assertThat(headerValues(head, "x-forwarded-proto")).containsExactly("https");
        assertThat(headerValues(head, "x-forwarded-host")).containsExactly("evil.example");
        assertThat(headerValues(head, "forwarded")).containsExactly(
                "for=1.2.3.4;proto=https;host=evil.example, for=\"[2001:db8::1]\", for=127.0.0.1;proto=http;host=\"a.example\"");
        // Only the direct peer is a trusted proxy: the client is the right-most address it forwarded.
        assertThat(headerValues(head, "x-real-ip")).containsExactly("9.9.9.9");
        assertThat(headerValues(head, "x-original-url")).isEmpty();
    }

    @Test
    void fromATrustedProxyWithoutForwardingHeadersTheyAreCreated() throws Exception {
        RawResponse r = send(behindProxy, "GET /x HTTP/1.1\r\nHost: a.example\r\nConnection: close\r\n\r\n");
        assertThat(r.status()).isEqualTo(200);
        String head = app.nextHead();
        assertThat(headerValues(head, "x-forwarded-for")).containsExactly("127.0.0.1");
        assertThat(headerValues(head, "x-forwarded-proto")).containsExactly("http");
        assertThat(headerValues(head, "x-forwarded-host")).containsExactly("a.example");
    }

    @Test
    void clientBehindTrustedProxiesIsTheRightMostUntrustedAddress() {
        CidrSet trusted = CidrSet.of(List.of("127.0.0.1/32", "10.0.0.0/8"));
        InetSocketAddress peer = new InetSocketAddress(InetAddress.getLoopbackAddress(), 5555);
        HttpHeaders h = new DefaultHttpHeaders()
                .add("x-forwarded-for", "198.51.100.9, 203.0.113.7")
                .add("x-forwarded-for", "10.1.2.3, 10.0.0.1");
        ClientAddress a = ForwardedHeaders.clientAddress(new ClientAddress(peer, null), h, trusted);
        assertThat(a.forwarded()).isEqualTo(address("203.0.113.7"));

        HttpHeaders forwarded = new DefaultHttpHeaders()
                .add("forwarded", "for=198.51.100.9, for=\"[2001:db8::7]:443\";proto=https, for=10.0.0.1");
        assertThat(ForwardedHeaders.clientAddress(new ClientAddress(peer, null), forwarded, trusted).forwarded()).isEqualTo(address("2001:db8::7"));

        // A malformed entry stops the walk: the last trusted hop is all that is known.
        HttpHeaders garbage = new DefaultHttpHeaders().add("x-forwarded-for", "198.51.100.9, unknown, 10.0.0.1");
        assertThat(ForwardedHeaders.clientAddress(new ClientAddress(peer, null), garbage, trusted).forwarded()).isEqualTo(address("10.0.0.1"));

        // An untrusted peer's headers are ignored entirely.
        InetSocketAddress stranger = new InetSocketAddress(address("192.0.2.1"), 5555);
        ClientAddress connection = new ClientAddress(stranger, null);
        assertThat(ForwardedHeaders.clientAddress(connection, h, trusted)).as("the connection's own, shared by its requests")
                .isSameAs(connection);
        assertThat(connection.forwarded()).isNull();
        assertThat(connection.directText()).isEqualTo("192.0.2.1");
        assertThat(a.directText()).isEqualTo("127.0.0.1");
        InetSocketAddress v6 = new InetSocketAddress(address("2001:db8::1"), 443);
        assertThat(new ClientAddress(v6, null).directText()).isEqualTo(v6.getAddress().getHostAddress());
        assertThat(a).isEqualTo(new ClientAddress(peer, address("203.0.113.7"))).isNotEqualTo(new ClientAddress(peer, null));
        assertThat(a.hashCode()).isEqualTo(new ClientAddress(peer, address("203.0.113.7")).hashCode());
    }

    private static InetAddress address(String literal) {
        InetAddress a = ForwardedHeaders.literal(literal);
        assertThat(a).isNotNull();
        return a;
    }

    @Test
    void requestTrailersAreNotForwarded() throws Exception {
        // Fields the gateway controls in the head must not reach the upstream by the back door of a trailer.
        RawResponse r = send(gw, "POST /x HTTP/1.1\r\nHost: a.example\r\nTransfer-Encoding: chunked\r\nTrailer: X-Forwarded-For\r\n"
                + "Connection: close\r\n\r\n5\r\nhello\r\n0\r\nX-Forwarded-For: 6.6.6.6\r\nX-Request-Id: planted\r\n"
                + "Authorization: Bearer planted\r\n\r\n");
        assertThat(r.status()).isEqualTo(200);
        assertThat(headerValues(app.nextHead(), "x-forwarded-for")).containsExactly("127.0.0.1");
        assertThat(app.nextBody()).isEqualTo("hello");
        assertThat(app.trailers()).isEmpty();
    }

    @Test
    void requestIdFromTheClientIsReplaced() throws Exception {
        RawResponse r = send(gw, "GET /x HTTP/1.1\r\nHost: a.example\r\nX-Request-Id: planted\r\nx-request-id: again\r\n"
                + "Connection: close\r\n\r\n");
        assertThat(r.status()).isEqualTo(200);
        List<String> ids = headerValues(app.nextHead(), "x-request-id");
        assertThat(ids).hasSize(1);
        assertThat(ids.get(0)).matches("[0-9a-f]{32}");
        assertThat(r.header("x-request-id")).isEqualTo(ids.get(0));
    }

    // ---- hop-by-hop -------------------------------------------------------------------------------------------

    @Test
    void hopByHopFieldsAndFieldsNamedInConnectionAreRemoved() throws Exception {
        RawResponse r = send(gw, "GET /x HTTP/1.1\r\nHost: a.example\r\nConnection: close, X-Secret\r\nConnection: x-other\r\n"
                + "X-Secret: s\r\nX-Other: o\r\nKeep-Alive: timeout=5\r\nTE: trailers\r\nTrailer: X-T\r\n"
                + "Proxy-Connection: keep-alive\r\nProxy-Authorization: Basic Zm9vOmJhcg==\r\nUpgrade: websocket\r\n"
                + "X-Kept: yes\r\n\r\n");
        assertThat(r.status()).isEqualTo(200);
        assertThat(r.announcesClose()).isTrue();
        String head = app.nextHead();
        for (String name : List.of("connection", "x-secret", "x-other", "keep-alive", "te", "trailer", "proxy-connection",
                "proxy-authorization", "upgrade")) {
            assertThat(headerValues(head, name)).as(name).isEmpty();
        }
        assertThat(headerValues(head, "x-kept")).containsExactly("yes");
    }

    @Test
    void connectionNamingContentLengthKeepsTheFraming() throws Exception {
        RawResponse r = send(gw, "POST /x HTTP/1.1\r\nHost: a.example\r\nConnection: Content-Length, close\r\n"
                + "Content-Length: 5\r\n\r\nhello");
        assertThat(r.status()).isEqualTo(200);
        assertThat(r.body()).isEqualTo("hello");
        String head = app.nextHead();
        assertThat(headerValues(head, "content-length")).containsExactly("5");
        assertThat(app.nextBody()).isEqualTo("hello");
    }

    @Test
    void connectionNamingTransferEncodingKeepsTheFraming() throws Exception {
        RawResponse r = send(gw, "POST /x HTTP/1.1\r\nHost: a.example\r\nConnection: transfer-encoding, close\r\n"
                + "Transfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\n\r\n");
        assertThat(r.status()).isEqualTo(200);
        assertThat(headerValues(app.nextHead(), "transfer-encoding")).containsExactly("chunked");
        assertThat(app.nextBody()).isEqualTo("hello");
    }

    @Test
    void connectionNamingHostKeepsTheHost() throws Exception {
        RawResponse r = send(gw, "GET /who HTTP/1.1\r\nHost: api.example.com\r\nConnection: host, close\r\n\r\n");
        assertThat(r.status()).isEqualTo(200);
        assertThat(headerValues(api.nextHead(), "host")).containsExactly("api.example.com");
    }

    @Test
    void connectionNamingGatewayHeadersCannotRemoveThem() throws Exception {
        RawResponse r = send(gw, "GET /x HTTP/1.1\r\nHost: a.example\r\n"
                + "Connection: close, x-request-id, x-forwarded-for, x-forwarded-proto, forwarded\r\n\r\n");
        assertThat(r.status()).isEqualTo(200);
        String head = app.nextHead();
        assertThat(headerValues(head, "x-request-id")).hasSize(1);
        assertThat(headerValues(head, "x-forwarded-for")).containsExactly("127.0.0.1");
        assertThat(headerValues(head, "x-forwarded-proto")).containsExactly("http");
        assertThat(headerValues(head, "forwarded")).hasSize(1);
    }

    @Test
    void h2cUpgradeIsNotForwarded() throws Exception {
        // An h2c switch would turn the connection into a tunnel to the upstream that no later request on it
        // is checked against.
        RawResponse r = send(gw, "GET /x HTTP/1.1\r\nHost: a.example\r\nConnection: Upgrade, HTTP2-Settings, close\r\n"
                + "Upgrade: h2c\r\nHTTP2-Settings: AAMAAABkAARAAAAAAAIAAAAA\r\n\r\n");
        assertThat(r.status()).isEqualTo(200);
        String head = app.nextHead();
        assertThat(headerValues(head, "upgrade")).isEmpty();
        assertThat(headerValues(head, "http2-settings")).isEmpty();
        assertThat(headerValues(head, "connection")).isEmpty();
    }

    @Test
    void websocketUpgradeIsForwarded() throws Exception {
        RawResponse r = send(gw, "GET /x HTTP/1.1\r\nHost: a.example\r\nConnection: keep-alive, Upgrade\r\nUpgrade: websocket\r\n"
                + "Sec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nConnection: close\r\n\r\n");
        // The echo upstream does not switch, so the gateway relays its 200 as a plain response.
        assertThat(r.status()).isEqualTo(200);
        String head = app.nextHead();
        assertThat(headerValues(head, "upgrade")).containsExactly("websocket");
        assertThat(headerValues(head, "connection")).containsExactly("upgrade");
        assertThat(headerValues(head, "sec-websocket-key")).containsExactly("dGhlIHNhbXBsZSBub25jZQ==");
    }

    @Test
    void upgradeOnARequestWithABodyIsNotForwarded() throws Exception {
        RawResponse r = send(gw, "POST /x HTTP/1.1\r\nHost: a.example\r\nConnection: upgrade, close\r\nUpgrade: websocket\r\n"
                + "Content-Length: 2\r\n\r\nhi");
        assertThat(r.status()).isEqualTo(200);
        String head = app.nextHead();
        assertThat(headerValues(head, "upgrade")).isEmpty();
        assertThat(app.nextBody()).isEqualTo("hi");
    }
}
