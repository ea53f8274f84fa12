package io.zerogate.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import java.net.InetAddress;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The named networks, the global client address rules and a route's own, and every way to get them wrong. */
class NetworkConfigTest {

    /** Four lines; a test's body starts on line 5. */
    private static final String HEAD = """
            version: 1
            listeners: [{ address: 127.0.0.1:0 }]
            services:
              orders: { targets: [http://127.0.0.1:9], tls: none }
            """;

    private static final String ROUTES = """
            routes:
              - id: r
                match: { path: /r }
                service: orders
                public: true
            """;

    private static GatewayConfig parse(String body) throws ConfigException {
        return ConfigLoader.parse("gateway.yaml", HEAD + body, Map.of("BAD", "10.0.0.0/99", "GOOD", "10.9.0.0/16")::get);
    }

    private static ConfigException refused(String body) {
        ConfigException e = catchThrowableOfType(ConfigException.class, () -> parse(body));
        assertThat(e).as("expected the document to be refused:\n" + body).isNotNull();
        return e;
    }

    private static void assertProblem(ConfigException e, int line, String keyPath, String fragment) {
        assertThat(e.line()).as("line of: %s", e.getMessage()).isEqualTo(line);
        assertThat(e.keyPath()).as("key path of: %s", e.getMessage()).isEqualTo(keyPath);
        assertThat(e.problem()).contains(fragment);
    }

    @Test
    void bindsNamedNetworksGlobalRulesAndRouteRules() throws Exception {
        GatewayConfig config = parse("""
                networks:
                  office: [203.0.113.0/24, "2001:db8:1::/48"]
                  vpn.eu-1: [10.8.0.0/16, 192.0.2.7, "${env:GOOD}"]
                network:
                  deny: [198.51.100.0/24, vpn.eu-1]
                routes:
                  - id: r
                    match: { path: /r }
                    service: orders
                    public: true
                    network:
                      allow: [office, 127.0.0.1, "::1"]
                      deny: [203.0.113.66]
                """);

        NetworksConfig networks = config.networks();
        assertThat(networks.named()).containsOnlyKeys("office", "vpn.eu-1");
        assertThat(List.copyOf(networks.named().keySet())).containsExactly("office", "vpn.eu-1");
        assertThat(networks.named().get("office").blocks()).containsExactly("203.0.113.0/24", "2001:db8:1::/48");
        assertThat(networks.named().get("vpn.eu-1").blocks()).containsExactly("10.8.0.0/16", "192.0.2.7", "10.9.0.0/16");
        assertThat(networks.global().deny()).containsExactly("198.51.100.0/24", "vpn.eu-1");
        assertThat(networks.global().denySet().blocks())
                .containsExactly("198.51.100.0/24", "10.8.0.0/16", "192.0.2.7", "10.9.0.0/16");
        assertThat(networks.global().allow()).isEmpty();
        assertThat(networks.global().line()).isEqualTo(9);

        NetworkRules route = config.routes().get(0).network();
        assertThat(route.allow()).containsExactly("office", "127.0.0.1", "::1");
        assertThat(route.allowSet().blocks()).containsExactly("203.0.113.0/24", "2001:db8:1::/48", "127.0.0.1", "::1");
        assertThat(route.allowSet().contains(InetAddress.getByName("2001:db8:1:ff::5"))).isTrue();
        assertThat(route.allowSet().contains(InetAddress.getByName("::ffff:203.0.113.9"))).isTrue();
        assertThat(route.deny()).containsExactly("203.0.113.66");
        assertThat(route.line()).isEqualTo(16);
    }

    @Test
    void withoutTheSectionsThereAreNoNetworksAndNoRules() throws Exception {
        GatewayConfig config = parse(ROUTES);
        assertThat(config.networks()).isSameAs(NetworksConfig.NONE);
        assertThat(config.routes().get(0).network()).isSameAs(NetworkRules.NONE);

        GatewayConfig onlyNetworks = parse("networks:\n  office: [203.0.113.0/24]\n" + ROUTES);
        assertThat(onlyNetworks.networks().named()).containsOnlyKeys("office");
        assertThat(onlyNetworks.networks().global()).isSameAs(NetworkRules.NONE);
    }

    @Test
    void aNetworkNamedTwiceIsRefused() {
        assertProblem(refused("networks:\n  office: [203.0.113.0/24]\n  office: [10.0.0.0/8]\n" + ROUTES),
                7, "networks.office", "duplicate key 'office' (first defined on line 6)");
    }

    @Test
    void aNetworkWithoutAddressesIsRefused() {
        assertProblem(refused("networks:\n  office: []\n" + ROUTES), 6, "networks.office",
                "network 'office' lists no addresses");
    }

    @Test
    void aBadBlockInANetworkIsRefusedAtItsLine() {
        assertProblem(refused("networks:\n  office:\n    - 203.0.113.0/24\n    - 203.0.113.0/33\n" + ROUTES),
                8, "networks.office[1]", "'203.0.113.0/33' has prefix length 33 (expected: 0..32)");
        assertProblem(refused("networks:\n  office: [203.0.113.300]\n" + ROUTES), 6, "networks.office[0]",
                "is not an IPv4 or IPv6 address or CIDR block");
        assertProblem(refused("networks:\n  office: [\"2001:db8::/129\"]\n" + ROUTES), 6, "networks.office[0]",
                "has prefix length 129 (expected: 0..128)");
        assertProblem(refused("networks:\n  office: [203.0.113.0/24, 203.0.113.0/24]\n" + ROUTES), 6,
                "networks.office[1]", "duplicate block '203.0.113.0/24' in network 'office'");
    }

    @Test
    void aBlockFromAReferenceIsRefusedWithoutShowingItsValue() {
        ConfigException e = refused("networks:\n  office: [\"${env:BAD}\"]\n" + ROUTES);
        assertProblem(e, 6, "networks.office[0]", "the value of ${env:BAD} is not an IPv4 or IPv6 address or CIDR block");
        assertThat(e.getMessage()).doesNotContain("10.0.0.0/99");
    }

    @Test
    void networkNamesAreLettersDigitsAndPunctuationButNotAnAddress() {
        assertProblem(refused("networks:\n  \"head office\": [203.0.113.0/24]\n" + ROUTES), 6, "networks.head office",
                "'head office' is not a valid network name (expected letters, digits and _ . -)");
        assertProblem(refused("networks:\n  10.1.2.3: [10.1.2.3]\n" + ROUTES), 6, "networks.10.1.2.3",
                "network name '10.1.2.3' reads as an address");
    }

    @Test
    void networksMustBeAMappingOfLists() {
        assertProblem(refused("networks: [203.0.113.0/24]\n" + ROUTES), 5, "networks", "expected a mapping, got a list");
        assertProblem(refused("networks:\n  office: 203.0.113.0/24\n" + ROUTES), 6, "networks.office", "expected a list");
    }

    @Test
    void anUnknownNetworkInTheGlobalRulesIsRefusedListingTheKnownOnes() {
        assertProblem(refused("""
                networks:
                  office: [203.0.113.0/24]
                  vpn: [10.8.0.0/16]
                network:
                  allow: [office, lab]
                """ + ROUTES), 9, "network.allow[1]", "unknown network 'lab' (known: office, vpn; or write a CIDR block or an address)");
        assertProblem(refused("network:\n  deny: [lab]\n" + ROUTES), 6, "network.deny[0]", "unknown network 'lab' (known: none;");
    }

    @Test
    void anUnknownNetworkOrBadBlockInARouteIsRefusedAtItsLine() {
        String route = """
                networks:
                  office: [203.0.113.0/24]
                routes:
                  - id: r
                    match: { path: /r }
                    service: orders
                    public: true
                    network:
                      allow:
                        - office
                        - %s
                """;
        assertProblem(refused(route.formatted("offcie")), 15, "routes[0].network.allow[1]",
                "unknown network 'offcie' (known: office;");
        assertProblem(refused(route.formatted("\"fe80::1/200\"")), 15, "routes[0].network.allow[1]",
                "has prefix length 200 (expected: 0..128)");
        assertProblem(refused(route.formatted("office")), 15, "routes[0].network.allow[1]", "duplicate allow entry 'office'");
    }

    @Test
    void ruleListsMustSaySomething() {
        assertProblem(refused("network: {}\n" + ROUTES), 5, "network", "expected allow, deny or both");
        assertProblem(refused("network:\n  allow: []\n" + ROUTES), 6, "network.allow", "an empty allow list would refuse every address");
        assertProblem(refused("network:\n  deny: []\n" + ROUTES), 6, "network.deny", "an empty deny list denies nothing");
        assertProblem(refused("network:\n  permit: [10.0.0.0/8]\n" + ROUTES), 6, "network.permit",
                "unknown key 'permit' (allowed: allow, deny)");
        assertProblem(refused("network:\n  allow: 10.0.0.0/8\n" + ROUTES), 6, "network.allow", "expected a list");
    }
}
