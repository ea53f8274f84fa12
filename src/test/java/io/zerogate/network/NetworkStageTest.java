package io.zerogate.network;

import static org.assertj.core.api.Assertions.assertThat;

import io.zerogate.chain.ClientAddress;
import io.zerogate.chain.Decision;
import io.zerogate.chain.Exchange;
import io.zerogate.chain.ReasonCode;
import io.zerogate.chain.RequestHead;
import io.zerogate.config.CompiledRoute;
import io.zerogate.config.ConfigLoader;
import io.zerogate.config.GatewayConfig;
import io.zerogate.config.RouteConfig;
import io.zerogate.testing.MutableClock;
import java.net.Inet4Address;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.Test;

/** The network stage on hand-built exchanges: the context it attaches, its rules in their order, and blocks. */
class NetworkStageTest {

    private final MutableClock clock = new MutableClock(Instant.parse("2026-03-01T10:00:00Z"));
    private final LocalBlocks blocks = new LocalBlocks(clock);

    /** A gateway whose networks and global rules are {@code top} and whose route {@code r} has {@code routeNetwork}. */
    private static GatewayConfig config(String top, String routeNetwork) throws Exception {
        return ConfigLoader.parse("gateway.yaml", """
                version: 1
                listeners: [{ address: 127.0.0.1:0 }]
                services:
                  orders: { targets: [http://127.0.0.1:9], tls: none }
                %s
                routes:
                  - id: r
                    match: { path: /r }
                    service: orders
                    public: true
                    %s
                """.formatted(top, routeNetwork), name -> null);
    }

    private static final String NETWORKS = """
            networks:
              office: [203.0.113.0/24, "2001:db8:1::/48"]
              everywhere: [0.0.0.0/0, "::/0"]
              lab: [10.0.0.0/8]
            """;

    private NetworkStage stage(GatewayConfig config) {
        return new NetworkStage(config.networks(), config.routes(), blocks);
    }

    private static Exchange exchange(GatewayConfig config, ClientAddress client) {
        RouteConfig route = config.routes().get(0);
        RequestHead head = new RequestHead() {
            @Override public String method() { return "GET"; }
            @Override public String scheme() { return "http"; }
            @Override public String host() { return "example.com"; }
            @Override public String path() { return "/r"; }
            @Override public String rawPath() { return "/r"; }
            @Override public @Nullable String query() { return null; }
            @Override public @Nullable String header(String name) { return null; }
            @Override public List<String> headers(String name) { return List.of(); }
        };
        return new Exchange("id", "public", head, client, new CompiledRoute(route, config.services().get("orders")), Map.of(), 0);
    }

    private static ClientAddress direct(String ip) throws Exception {
        return new ClientAddress(new InetSocketAddress(InetAddress.getByName(ip), 40000), null);
    }

    private static Decision decide(NetworkStage stage, Exchange exchange) {
        return stage.evaluate(exchange).toCompletableFuture().getNow(null);
    }

    private static void assertDenied(Decision d, ReasonCode reason, String ruleId, String detail) {
        assertThat(d).isInstanceOf(Decision.Deny.class);
        Decision.Deny deny = (Decision.Deny) d;
        assertThat(deny.reason()).isEqualTo(reason);
        assertThat(deny.status()).isEqualTo(403);
        assertThat(deny.ruleId()).isEqualTo(ruleId);
        assertThat(deny.detail()).isEqualTo(detail);
    }

    @Test
    void attachesTheNamedNetworksContainingTheClientInConfigurationOrder() throws Exception {
        GatewayConfig config = config(NETWORKS, "");
        Exchange e = exchange(config, direct("203.0.113.9"));
        assertThat(decide(stage(config), e)).isEqualTo(Decision.proceed());
        NetworkContext ctx = e.get(NetworkContext.KEY);
        assertThat(ctx.ip()).isEqualTo(InetAddress.getByName("203.0.113.9"));
        assertThat(ctx.peer()).isEqualTo(InetAddress.getByName("203.0.113.9"));
        assertThat(ctx.networks()).containsExactly("office", "everywhere");

        Exchange lab = exchange(config, direct("10.1.2.3"));
        decide(stage(config), lab);
        assertThat(lab.get(NetworkContext.KEY).networks()).containsExactly("everywhere", "lab");
    }

    @Test
    void ipv6ClientsAreMatchedAgainstIpv6Blocks() throws Exception {
        GatewayConfig config = config(NETWORKS, "network: { allow: [office], deny: [\"2001:db8:1:dead::/64\"] }");
        Exchange inOffice = exchange(config, direct("2001:db8:1:7::5"));
        assertThat(decide(stage(config), inOffice)).isEqualTo(Decision.proceed());
        assertThat(inOffice.get(NetworkContext.KEY).networks()).containsExactly("office", "everywhere");

        assertDenied(decide(stage(config), exchange(config, direct("2001:db8:1:dead::1"))), ReasonCode.NETWORK_DENIED, "r",
                "client 2001:db8:1:dead::1 matches deny entry '2001:db8:1:dead::/64' of route r");
        assertDenied(decide(stage(config), exchange(config, direct("2001:db8:2::1"))), ReasonCode.NETWORK_DENIED, "r",
                "client 2001:db8:2::1 is outside the allow list [office] of route r");
    }

    @Test
    void anIpv4MappedIpv6ClientIsJudgedAsTheIpv4AddressItCarries() throws Exception {
        GatewayConfig config = config(NETWORKS, "network: { allow: [office], deny: [203.0.113.66] }");
        byte[] mapped = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, (byte) 0xFF, (byte) 0xFF, (byte) 203, 0, 113, 9};
        InetAddress v6 = Inet6Address.getByAddress(null, mapped, -1);
        assertThat(v6).isInstanceOf(Inet6Address.class);
        Exchange e = exchange(config, new ClientAddress(new InetSocketAddress(v6, 40000), null));
        assertThat(decide(stage(config), e)).isEqualTo(Decision.proceed());
        NetworkContext ctx = e.get(NetworkContext.KEY);
        assertThat(ctx.ip()).isInstanceOf(Inet4Address.class).isEqualTo(InetAddress.getByName("203.0.113.9"));
        assertThat(ctx.networks()).containsExactly("office", "everywhere");

        mapped[15] = 66;
        Exchange denied = exchange(config, new ClientAddress(new InetSocketAddress(Inet6Address.getByAddress(null, mapped, -1), 1), null));
        assertDenied(decide(stage(config), denied), ReasonCode.NETWORK_DENIED, "r",
                "client 203.0.113.66 matches deny entry '203.0.113.66' of route r");
    }

    @Test
    void aDenyEntryWinsOverAnAllowEntry() throws Exception {
        GatewayConfig config = config(NETWORKS, "network: { allow: [office, lab], deny: [203.0.113.64/26] }");
        assertThat(decide(stage(config), exchange(config, direct("203.0.113.9")))).isEqualTo(Decision.proceed());
        assertDenied(decide(stage(config), exchange(config, direct("203.0.113.66"))), ReasonCode.NETWORK_DENIED, "r",
                "client 203.0.113.66 matches deny entry '203.0.113.64/26' of route r");
    }

    @Test
    void theGlobalRulesAreAppliedBeforeTheRoutes() throws Exception {
        GatewayConfig config = config(NETWORKS + "network: { deny: [203.0.113.0/25] }",
                "network: { deny: [203.0.113.9, 203.0.113.200] }");
        assertDenied(decide(stage(config), exchange(config, direct("203.0.113.9"))), ReasonCode.NETWORK_DENIED, "network",
                "client 203.0.113.9 matches deny entry '203.0.113.0/25' of the global network rules");
        assertDenied(decide(stage(config), exchange(config, direct("203.0.113.200"))), ReasonCode.NETWORK_DENIED, "r",
                "client 203.0.113.200 matches deny entry '203.0.113.200' of route r");
        assertThat(decide(stage(config), exchange(config, direct("10.0.0.1")))).isEqualTo(Decision.proceed());
    }

    @Test
    void aGlobalAllowListRefusesEveryOtherAddressOnEveryRoute() throws Exception {
        GatewayConfig config = config(NETWORKS + "network: { allow: [office, lab] }", "");
        assertThat(decide(stage(config), exchange(config, direct("10.20.30.40")))).isEqualTo(Decision.proceed());
        assertDenied(decide(stage(config), exchange(config, direct("192.0.2.1"))), ReasonCode.NETWORK_DENIED, "network",
                "client 192.0.2.1 is outside the allow list [office, lab] of the global network rules");
        // Refused, but still known by where it came from: the context is attached before any rule decides.
        Exchange e = exchange(config, direct("192.0.2.1"));
        decide(stage(config), e);
        assertThat(e.get(NetworkContext.KEY).networks()).containsExactly("everywhere");
    }

    @Test
    void beingOnANamedNetworkGrantsNothingByItself() throws Exception {
        GatewayConfig config = config(NETWORKS, "network: { allow: [lab] }");
        Exchange e = exchange(config, direct("203.0.113.9"));
        assertDenied(decide(stage(config), e), ReasonCode.NETWORK_DENIED, "r",
                "client 203.0.113.9 is outside the allow list [lab] of route r");
        assertThat(e.get(NetworkContext.KEY).networks()).containsExactly("office", "everywhere");
    }

    @Test
    void theForwardedAddressIsJudgedAndTheProxyIsKeptAsThePeer() throws Exception {
        GatewayConfig config = config(NETWORKS, "network: { allow: [office] }");
        ClientAddress viaProxy = new ClientAddress(new InetSocketAddress(InetAddress.getByName("10.0.0.5"), 40000),
                InetAddress.getByName("203.0.113.9"));
        Exchange e = exchange(config, viaProxy);
        assertThat(decide(stage(config), e)).isEqualTo(Decision.proceed());
        assertThat(e.get(NetworkContext.KEY)).isEqualTo(new NetworkContext(InetAddress.getByName("203.0.113.9"),
                InetAddress.getByName("10.0.0.5"), List.of("office", "everywhere")));

        ClientAddress proxyItself = new ClientAddress(new InetSocketAddress(InetAddress.getByName("10.0.0.5"), 40000), null);
        assertDenied(decide(stage(config), exchange(config, proxyItself)), ReasonCode.NETWORK_DENIED, "r",
                "client 10.0.0.5 is outside the allow list [office] of route r");
    }

    @Test
    void anActiveBlockRefusesUntilItExpires() throws Exception {
        GatewayConfig config = config(NETWORKS, "");
        NetworkStage stage = stage(config);
        blocks.place("203.0.113.0/24", Duration.ofMinutes(15), "credential stuffing");
        assertDenied(decide(stage, exchange(config, direct("203.0.113.9"))), ReasonCode.CLIENT_BLOCKED, "block",
                "client 203.0.113.9 is blocked by 203.0.113.0/24 until 2026-03-01T10:15:00Z: credential stuffing");
        assertThat(decide(stage, exchange(config, direct("203.0.114.9")))).isEqualTo(Decision.proceed());

        clock.advance(Duration.ofMinutes(15).minusMillis(1));
        assertThat(decide(stage, exchange(config, direct("203.0.113.9")))).isInstanceOf(Decision.Deny.class);
        clock.advance(Duration.ofMillis(1));
        assertThat(decide(stage, exchange(config, direct("203.0.113.9")))).isEqualTo(Decision.proceed());
    }

    @Test
    void blocksOutliveTheStageAndApplyToIpv6() throws Exception {
        blocks.place("2001:db8:1::7", Duration.ofMinutes(5), "scanner");
        GatewayConfig config = config(NETWORKS, "");
        assertDenied(decide(stage(config), exchange(config, direct("2001:db8:1:0::7"))), ReasonCode.CLIENT_BLOCKED, "block",
                "client 2001:db8:1::7 is blocked by 2001:db8:1::7 until 2026-03-01T10:05:00Z: scanner");
        GatewayConfig reloaded = config(NETWORKS + "network: { deny: [10.0.0.0/8] }", "");
        assertThat(decide(stage(reloaded), exchange(reloaded, direct("2001:db8:1::7")))).isInstanceOf(Decision.Deny.class);
    }

    @Test
    void theRulesDecideBeforeBlocks() throws Exception {
        GatewayConfig config = config(NETWORKS, "network: { deny: [203.0.113.9] }");
        blocks.place("203.0.113.9", Duration.ofMinutes(5), "scanner");
        assertDenied(decide(stage(config), exchange(config, direct("203.0.113.9"))), ReasonCode.NETWORK_DENIED, "r",
                "client 203.0.113.9 matches deny entry '203.0.113.9' of route r");
    }

    @Test
    void aRouteWithoutRulesAndNoNetworksProceedsWithAnEmptyContext() throws Exception {
        GatewayConfig config = config("", "");
        Exchange e = exchange(config, direct("192.0.2.1"));
        assertThat(decide(stage(config), e)).isEqualTo(Decision.proceed());
        assertThat(e.get(NetworkContext.KEY).networks()).isEmpty();
    }
}
