package io.zerogate.network;

import io.zerogate.chain.ClientAddress;
import io.zerogate.chain.Decision;
import io.zerogate.chain.Exchange;
import io.zerogate.chain.ReasonCode;
import io.zerogate.chain.Stage;
import io.zerogate.config.NetworkRules;
import io.zerogate.config.NetworksConfig;
import io.zerogate.config.RouteConfig;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

/**
 * The first stage of the chain: where the request comes from. It takes the client address the server established
 * (the direct peer, or the address a trusted proxy forwarded; a forwarding header from any other peer was never
 * believed), attaches a {@link NetworkContext} naming the configured networks that contain it, and then refuses
 * with {@link ReasonCode#NETWORK_DENIED} what the global {@code network} rules and then the route's own refuse (a
 * deny entry wins over an allow entry), and with {@link ReasonCode#CLIENT_BLOCKED} an address under an active block.
 * Being on a named network grants nothing here: it is a fact for later policies.
 */
public final class NetworkStage implements Stage {

    private static final CompletableFuture<Decision> PROCEED = CompletableFuture.completedFuture(Decision.proceed());

    private final Map<String, CidrSet> named;
    private final String[] names;
    private final CidrSet[] sets;
    private final AddressRules global;
    private final Map<String, AddressRules> routes = new HashMap<>();
    private final ClientBlocks blocks;

    /**
     * @param networks the named networks and the global rules
     * @param routes   the routes whose rules to compile now (others are compiled when a request on them arrives)
     * @param blocks   the active blocks, which outlive this stage
     */
    public NetworkStage(NetworksConfig networks, List<RouteConfig> routes, ClientBlocks blocks) {
        Objects.requireNonNull(networks, "networks");
        this.blocks = Objects.requireNonNull(blocks, "blocks");
        this.named = networks.named();
        this.names = named.keySet().toArray(String[]::new);
        this.sets = named.values().toArray(CidrSet[]::new);
        this.global = AddressRules.compile(networks.global(), named, "network", "the global network rules");
        for (RouteConfig route : routes) {
            if (!route.network().isEmpty()) {
                this.routes.put(route.id(), routeRules(route));
            }
        }
    }

    @Override
    public CompletionStage<Decision> evaluate(Exchange exchange) {
        ClientAddress client = exchange.client();
        byte[] address = CidrSet.unmapped(client.effective());
        exchange.put(NetworkContext.KEY, new NetworkContext(plain(client.effective(), address),
                client.direct().getAddress(), networksOf(address)));
        Decision.Deny deny = global.check(address);
        if (deny != null) {
            return CompletableFuture.completedFuture(deny);
        }
        RouteConfig route = exchange.route().config();
        if (!route.network().isEmpty()) {
            AddressRules rules = routes.get(route.id());
            if (rules == null || rules.source() != route.network()) {
                rules = routeRules(route);
            }
            deny = rules.check(address);
            if (deny != null) {
                return CompletableFuture.completedFuture(deny);
            }
        }
        ClientBlock block = blocks.blocking(client.effective());
        if (block != null) {
            return CompletableFuture.completedFuture(Decision.deny(ReasonCode.CLIENT_BLOCKED, "client "
                    + AddressText.of(address) + " is blocked by " + block.target() + " until " + block.expires() + ": "
                    + block.reason(), "block"));
        }
        return PROCEED;
    }

    private AddressRules routeRules(RouteConfig route) {
        NetworkRules rules = route.network();
        return AddressRules.compile(rules, named, route.id(), "route " + route.id());
    }

    /** The names of the configured networks containing the address, in configuration order. */
    private List<String> networksOf(byte[] address) {
        List<String> in = null;
        for (int i = 0; i < sets.length; i++) {
            if (sets[i].containsUnmapped(address)) {
                if (in == null) {
                    in = new ArrayList<>(2);
                }
                in.add(names[i]);
            }
        }
        return in == null ? List.of() : in;
    }

    /** An IPv4-mapped IPv6 address as the IPv4 address it carries, so that policies see one form of it. */
    private static InetAddress plain(InetAddress ip, byte[] unmapped) {
        if (ip instanceof Inet6Address && unmapped.length == 4) {
            try {
                return InetAddress.getByAddress(unmapped);
            } catch (UnknownHostException impossible) {
                throw new IllegalStateException(impossible);
            }
        }
        return ip;
    }
}
