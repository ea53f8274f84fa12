package io.zerogate.network;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.zerogate.config.ConfigLoader;
import io.zerogate.testing.Await;
import io.zerogate.testing.RunningGateway;
import io.zerogate.testing.TestUpstream;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** Network rules, forwarded addresses and blocks through a real gateway and upstream. */
@Timeout(value = 1, unit = TimeUnit.MINUTES)
class NetworkGatewayTest {

    private static final Pattern CODE = Pattern.compile("\"code\":\"([a-z_]+)\"");

    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();

    @AfterEach
    void closeClient() {
        http.close();
    }

    private static String document(String top, String target, String routeNetwork) {
        return top + """
                services:
                  s: { targets: [%s], tls: none }
                routes:
                  - id: r
                    match: { path: /r }
                    service: s
                    public: true
                    %s
                """.formatted(target, routeNetwork);
    }

    /** The status and the problem code (or the body when there is none) of a GET /r with these extra header lines. */
    private static String get(RunningGateway gw, String headers) throws IOException {
        String response = gw.exchange("GET /r HTTP/1.1\r\nHost: gw.example\r\n" + headers + "Connection: close\r\n\r\n");
        return outcome(response);
    }

    private static String outcome(String response) {
        Matcher m = CODE.matcher(response);
        return RunningGateway.status(response) + " " + (m.find() ? m.group(1) : response.substring(response.indexOf("\r\n\r\n") + 4));
    }

    @Test
    void aRouteAllowingOnlyTheOfficeIsReachedFromItAndRefusedFromElsewhere() throws Exception {
        try (TestUpstream up = TestUpstream.fixed("ok");
             RunningGateway inOffice = RunningGateway.start(document("networks: { office: [127.0.0.0/8] }\n", up.target(),
                     "network: { allow: [office] }"));
             RunningGateway elsewhere = RunningGateway.start(document("networks: { office: [203.0.113.0/24] }\n", up.target(),
                     "network: { allow: [office] }"))) {
            assertThat(get(inOffice, "")).isEqualTo("200 ok");
            String refused = elsewhere.exchange("GET /r HTTP/1.1\r\nHost: gw.example\r\nConnection: close\r\n\r\n");
            assertThat(outcome(refused)).isEqualTo("403 network_denied");
            // The client learns the reason code, never which address or rule decided.
            assertThat(refused).doesNotContain("127.0.0.1").doesNotContain("office").doesNotContain("allow list");
            elsewhere.awaitRequestCount("r", 403, "network_denied", 1);
            assertThat(sample(elsewhere, "zerogate_stage_decisions_total{decision=\"network_denied\",stage=\"network\"}")).isEqualTo(1);
            assertThat(up.connections()).as("only the allowed request reached the upstream").isEqualTo(1);
        }
    }

    @Test
    void aForwardedAddressFromAnUntrustedPeerIsIgnored() throws Exception {
        try (TestUpstream up = TestUpstream.fixed("ok");
             RunningGateway gw = RunningGateway.start(document("networks: { office: [203.0.113.0/24] }\n", up.target(),
                     "network: { allow: [office] }"))) {
            assertThat(get(gw, "X-Forwarded-For: 203.0.113.9\r\n")).isEqualTo("403 network_denied");
            assertThat(get(gw, "Forwarded: for=203.0.113.9\r\n")).isEqualTo("403 network_denied");
            assertThat(get(gw, "X-Real-IP: 203.0.113.9\r\n")).isEqualTo("403 network_denied");
            gw.awaitRequestCount("r", 403, "network_denied", 3);
        }
    }

    @Test
    void aForwardedAddressFromATrustedProxyIsTheOneJudged() throws Exception {
        try (TestUpstream up = TestUpstream.fixed("ok");
             RunningGateway gw = RunningGateway.start(document("""
                     trusted_proxies: [127.0.0.1/32]
                     networks: { office: [203.0.113.0/24] }
                     """, up.target(), "network: { allow: [office], deny: [203.0.113.66] }"))) {
            assertThat(get(gw, "X-Forwarded-For: 203.0.113.9\r\n")).isEqualTo("200 ok");
            assertThat(get(gw, "X-Forwarded-For: 198.51.100.1, 203.0.113.9\r\n")).isEqualTo("200 ok");
            assertThat(get(gw, "X-Forwarded-For: 203.0.113.66\r\n")).isEqualTo("403 network_denied");
            assertThat(get(gw, "X-Forwarded-For: 198.51.100.1\r\n")).isEqualTo("403 network_denied");
            // Without a forwarded address the proxy itself is the client, and it is not in the office.
            assertThat(get(gw, "")).isEqualTo("403 network_denied");
        }
    }

    @Test
    void anIpv6ListenerJudgesIpv6Clients() throws Exception {
        assumeTrue(ipv6Loopback(), "this machine cannot bind [::1]");
        try (TestUpstream up = TestUpstream.fixed("ok");
             RunningGateway gw = RunningGateway.start(document("""
                     listeners: [{ name: public, address: "[::1]:0" }]
                     networks: { loopback6: ["::1/128"], office: ["2001:db8::/32"] }
                     """, up.target(), "network: { allow: [loopback6] }"));
             RunningGateway refusing = RunningGateway.start(document("""
                     listeners: [{ name: public, address: "[::1]:0" }]
                     networks: { office: ["2001:db8::/32"] }
                     """, up.target(), "network: { allow: [office, 127.0.0.1] }"))) {
            assertThat(outcome(exchange6(gw.port()))).isEqualTo("200 ok");
            assertThat(outcome(exchange6(refusing.port()))).isEqualTo("403 network_denied");
        }
    }

    @Test
    void anAdminBlockRefusesWithClientBlockedUntilItExpires() throws Exception {
        try (TestUpstream up = TestUpstream.fixed("ok");
             RunningGateway gw = RunningGateway.start(document("", up.target(), ""))) {
            assertThat(get(gw, "")).isEqualTo("200 ok");
            HttpResponse<String> placed = http.send(gw.admin("/admin/blocks")
                    .POST(HttpRequest.BodyPublishers.ofString("{\"address\":\"127.0.0.1\",\"ttl\":\"1s\",\"reason\":\"test block\"}"))
                    .header("Content-Type", "application/json").build(), HttpResponse.BodyHandlers.ofString());
            assertThat(placed.statusCode()).as(placed.body()).isEqualTo(201);
            assertThat(get(gw, "")).isEqualTo("403 client_blocked");
            gw.awaitRequestCount("r", 403, "client_blocked", 1);
            assertThat(sample(gw, "zerogate_network_blocks_active"))
                    .isEqualTo(1);
            Await.until("the block expires", Duration.ofSeconds(10), () -> {
                try {
                    return get(gw, "").equals("200 ok");
                } catch (IOException e) {
                    throw new java.io.UncheckedIOException(e);
                }
            });
            assertThat(sample(gw, "zerogate_network_blocks_active"))
                    .isEqualTo(0);
        }
    }

    @Test
    void blocksLastAcrossAReloadUntilRemoved() throws Exception {
        try (TestUpstream up = TestUpstream.fixed("ok");
             RunningGateway gw = RunningGateway.start(document("", up.target(), ""))) {
            HttpResponse<String> placed = http.send(gw.admin("/admin/blocks")
                    .POST(HttpRequest.BodyPublishers.ofString("{\"cidr\":\"127.0.0.0/8\",\"ttl\":\"10m\",\"reason\":\"loopback\"}"))
                    .build(), HttpResponse.BodyHandlers.ofString());
            assertThat(placed.statusCode()).as(placed.body()).isEqualTo(201);
            assertThat(get(gw, "")).isEqualTo("403 client_blocked");
            gw.gateway().reload(ConfigLoader.parse("test.yaml",
                    RunningGateway.document(document("networks: { lab: [10.0.0.0/8] }\n", up.target(), "")), name -> null));
            assertThat(get(gw, "")).isEqualTo("403 client_blocked");
            HttpResponse<String> removed = http.send(gw.admin("/admin/blocks?cidr=127.0.0.0/8").DELETE().build(),
                    HttpResponse.BodyHandlers.ofString());
            assertThat(removed.statusCode()).as(removed.body()).isEqualTo(200);
            assertThat(get(gw, "")).isEqualTo("200 ok");
        }
    }

    /** The value of one sample in the gateway's Prometheus text (labels in the order the registry writes them). */
    private static double sample(RunningGateway gw, String series) {
        for (String line : gw.gateway().metrics().scrape().split("\n")) {
            if (line.startsWith(series + " ")) {
                return Double.parseDouble(line.substring(series.length() + 1).strip());
            }
        }
        throw new AssertionError("no sample " + series);
    }

    private static boolean ipv6Loopback() {
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getByName("::1"))) {
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    private static String exchange6(int port) throws IOException {
        try (Socket s = new Socket()) {
            s.connect(new InetSocketAddress(InetAddress.getByName("::1"), port), 5000);
            s.setSoTimeout(10_000);
            OutputStream out = s.getOutputStream();
            out.write("GET /r HTTP/1.1\r\nHost: gw.example\r\nConnection: close\r\n\r\n".getBytes(StandardCharsets.ISO_8859_1));
            out.flush();
            return RunningGateway.readAll(s.getInputStream());
        }
    }
}
