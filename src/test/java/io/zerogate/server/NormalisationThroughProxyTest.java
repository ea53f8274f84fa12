package io.zerogate.server;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The path the gateway routes on is the path the upstream receives. Targets that back ends resolve
 * differently from one another are refused before routing; the rest arrive in one canonical form.
 */
class NormalisationThroughProxyTest {

    @RegisterExtension
    static final EchoGateway env = EchoGateway.serving(target -> """
                    services:
                      app:
                        targets: [%s]
                        tls: none
                    routes:
                      - id: open
                        match: { path: "/{rest...}" }
                        service: app
                        public: true
                      - id: public-item
                        match: { path: "/public/{x}" }
                        service: app
                        public: true
                      - id: admin
                        match: { path: /admin }
                        service: app
                      - id: admin-sub
                        match: { path: "/admin/{rest...}" }
                        service: app
                    """.formatted(target));

    /** Sends a GET on its own connection and returns the one response. */
    private static RawResponse get(String target) throws IOException {
        return RawResponse.parseOne(env.gateway().exchange("GET " + target + " HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n"));
    }

    @ParameterizedTest(name = "{0} -> {1}")
    @CsvSource(delimiter = ' ', value = {
            "/a/../b /b",
            "/a/./b /a/b",
            "//a///b /a/b",
            "/a/b/.. /a/",
            "/a/b/. /a/b/",
            "/a/b/ /a/b/",
            "/%7euser /~user",
            "/%7Euser /~user",
            "/%41%2D%5f%2e%30 /A-_.0",
            "/a%3fb /a%3Fb",
            "/a%2cb /a%2Cb",
            "/caf%C3%A9 /caf%C3%A9",
    })
    void upstreamReceivesTheNormalisedPath(String sent, String forwarded) throws Exception {
        RawResponse r = get(sent);
        assertThat(r.status()).isEqualTo(200);
        assertThat(r.header("x-echo-line")).isEqualTo("GET " + forwarded + " HTTP/1.1");
        assertThat(EchoUpstream.requestLine(env.upstream().nextHead())).isEqualTo("GET " + forwarded + " HTTP/1.1");
    }

    @ParameterizedTest
    @ValueSource(strings = {"/x?b=2&a=1", "/x?q=%2f%2E%2e/..%5c&x=a/../b", "/x?", "/x?a=%7e&b=~", "/x?a=b?c", "/x?=&&="})
    void queryIsForwardedVerbatim(String target) throws Exception {
        RawResponse r = get(target);
        assertThat(r.status()).isEqualTo(200);
        assertThat(EchoUpstream.requestLine(env.upstream().nextHead())).isEqualTo("GET " + target + " HTTP/1.1");
    }

    @Test
    void pathIsNormalisedWhileTheQueryIsNot() throws Exception {
        RawResponse r = get("/a/../b%7e?c=/../%7e");
        assertThat(r.status()).isEqualTo(200);
        assertThat(EchoUpstream.requestLine(env.upstream().nextHead())).isEqualTo("GET /b~?c=/../%7e HTTP/1.1");
    }

    @ParameterizedTest
    @ValueSource(strings = {
            "/a%2fb", "/a%2Fb", "/a%5cb", "/a%5Cb", "/%2e%2e/x", "/%2E./x", "/.%2e/x", "/a/%2e/b", "/a%00b",
            "/..;/admin", "/public/..;/admin", "/public/admin;x", "/a;p=1/b", "/a/..;x=1/b", "/.;/admin", "/..%3b/admin", "/a/../../b", "/..",
            "/a\\b", "/a\\..\\admin", "/a%zzb", "/a%2", "/a%", "/a#frag", "/a?b#frag", "/a b", "/a\"b", "/a<b>",
            "/a{b}", "/a|b", "/a^b", "/a`b", "/caf\u00e9", "/caf\u00c3\u00a9", "/\u00ff", "/x?q=\u00e9", "/x?q=%zz",
    })
    void ambiguousTargetIsRefusedBeforeRouting(String target) throws Exception {
        String raw = "GET " + target + " HTTP/1.1\r\nHost: a\r\n\r\n";
        if (target.contains(" ")) {
            // A space in the target breaks the request line itself.
            RawResponse r = RawResponse.parseOne(env.gateway().exchange(raw));
            assertThat(r.status()).isEqualTo(400);
            assertThat(r.problemCode()).isEqualTo("malformed_request");
            return;
        }
        try (RawClient c = RawClient.open(env.gateway())) {
            RawResponse r = c.send(raw).read();
            assertThat(r.status()).as(r.raw()).isEqualTo(400);
            assertThat(r.problemCode()).isEqualTo("path_rejected");
            assertThat(r.header("content-type")).isEqualTo("application/problem+json");
            // A bad target with no body leaves the framing intact: the connection stays usable.
            RawResponse next = c.send("GET /ok HTTP/1.1\r\nHost: a\r\n\r\n").read();
            assertThat(next.status()).isEqualTo(200);
        }
        assertThat(EchoUpstream.requestLine(env.upstream().nextHead())).isEqualTo("GET /ok HTTP/1.1");
    }

    @ParameterizedTest
    @ValueSource(strings = {"/public/..%2fadmin", "/public/..%2Fadmin", "/public/%2e%2e/admin", "/public/..%5cadmin",
            "/public/..;/admin", "/public/%2e%2e%2fadmin", "/public/.%2e/admin", "/public/x/%2E%2E/%2E%2E/admin"})
    void routeBypassThroughThePublicRouteIsRefused(String target) throws Exception {
        RawResponse r = get(target);
        assertThat(r.status()).isEqualTo(400);
        assertThat(r.problemCode()).isEqualTo("path_rejected");
    }

    @Test
    void plainDotSegmentsResolveBeforeRoutingSoTheAdminRuleApplies() throws Exception {
        RawResponse r = get("/public/../admin");
        assertThat(r.status()).isEqualTo(403);
        assertThat(r.problemCode()).isEqualTo("no_rule");
        RawResponse deeper = get("/public/x/./../../admin/users");
        assertThat(deeper.status()).isEqualTo(403);
        assertThat(deeper.problemCode()).isEqualTo("no_rule");
    }

    @ParameterizedTest
    @ValueSource(strings = {"*", "a/b", "example.com:80", "http:/x", "ftp://a/x", "?x"})
    void targetThatIsNeitherOriginNorAbsoluteFormIsRefused(String target) throws Exception {
        RawResponse r = get(target);
        assertThat(r.status()).isEqualTo(400);
        assertThat(r.problemCode()).isEqualTo("path_rejected");
    }

    @Test
    void doubleSlashAtTheStartIsAPathNotAnAuthority() throws Exception {
        RawResponse r = get("//evil.example/x");
        assertThat(r.status()).isEqualTo(200);
        assertThat(EchoUpstream.requestLine(env.upstream().nextHead())).isEqualTo("GET /evil.example/x HTTP/1.1");
    }
}
