package io.zerogate.policy.cel;

import com.google.common.net.InetAddresses;
import dev.cel.common.types.CelType;
import dev.cel.common.types.ListType;
import dev.cel.common.types.MapType;
import dev.cel.common.types.SimpleType;
import dev.cel.runtime.CelVariableResolver;
import io.zerogate.chain.Exchange;
import io.zerogate.identity.Subject;
import io.zerogate.network.NetworkContext;
import io.zerogate.posture.Device;
import java.net.InetAddress;
import java.time.Clock;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.jspecify.annotations.Nullable;

/**
 * The variables an expression sees for one exchange. Each is worked out only when the expression reads it, and
 * the fields of an object only when the expression reads them.
 *
 * <p>{@code now} is read from the injected clock, because the exchange keeps only a monotonic start time, which
 * cannot be turned into a date.
 */
final class ExchangeVariables implements CelVariableResolver {

    static final ObjectType CLIENT = ObjectType.of("zerogate.Client",
            "ip", SimpleType.STRING,
            "peer_ip", SimpleType.STRING);

    static final ObjectType NETWORK = ObjectType.of("zerogate.Network",
            "ip", SimpleType.STRING,
            "peer_ip", SimpleType.STRING,
            "networks", ListType.create(SimpleType.STRING));

    static final ObjectType ROUTE = ObjectType.of("zerogate.Route",
            "id", SimpleType.STRING,
            "service", SimpleType.STRING);

    static final ObjectType SERVICE = ObjectType.of("zerogate.Service",
            "name", SimpleType.STRING);

    /** The declared variables and their types. */
    static final Map<String, CelType> DECLARATIONS = declarations();

    /** The object types the variables use. */
    static final List<ObjectType> OBJECT_TYPES = List.of(SubjectFields.TYPE, RequestFields.TYPE, CLIENT,
            DeviceFields.TYPE, NETWORK, ROUTE, SERVICE);

    private final Exchange exchange;
    private final Clock clock;

    ExchangeVariables(Exchange exchange, Clock clock) {
        this.exchange = exchange;
        this.clock = clock;
    }

    @Override
    public Optional<Object> find(String name) {
        return Optional.ofNullable(switch (name) {
            case "subject" -> SubjectFields.of(exchange.get(Subject.KEY));
            case "request" -> new RequestFields(exchange.request());
            case "client" -> new ClientFields(exchange);
            case "device" -> DeviceFields.of(exchange.get(Device.KEY));
            case "network" -> new NetworkFields(exchange);
            case "route" -> new RouteFields(exchange);
            case "service" -> new ServiceFields(exchange);
            case "params" -> exchange.params();
            case "now" -> clock.instant();
            default -> null;
        });
    }

    private static Map<String, CelType> declarations() {
        Map<String, CelType> d = new LinkedHashMap<>();
        d.put("subject", SubjectFields.TYPE.celType());
        d.put("request", RequestFields.TYPE.celType());
        d.put("client", CLIENT.celType());
        d.put("device", DeviceFields.TYPE.celType());
        d.put("network", NETWORK.celType());
        d.put("route", ROUTE.celType());
        d.put("service", SERVICE.celType());
        d.put("params", MapType.create(SimpleType.STRING, SimpleType.STRING));
        d.put("now", SimpleType.TIMESTAMP);
        return Collections.unmodifiableMap(d);
    }

    /** An address as text; an unresolved peer (never one of a real connection) is shown by the name it was given. */
    private static String text(Exchange exchange, @Nullable InetAddress address) {
        return address == null ? exchange.client().direct().getHostString() : InetAddresses.toAddrString(address);
    }

    /** {@code client}: the addresses as the exchange carries them; {@code network} says the same and more. */
    private static final class ClientFields extends FieldMap {

        private final Exchange exchange;

        ClientFields(Exchange exchange) {
            super(CLIENT.fields());
            this.exchange = exchange;
        }

        @Override
        Object field(String name) {
            return switch (name) {
                case "ip" -> text(exchange, exchange.client().effective());
                case "peer_ip" -> text(exchange, exchange.client().direct().getAddress());
                default -> throw new IllegalArgumentException("client has no field '" + name + "'");
            };
        }
    }

    /**
     * {@code network}: the network stage's view when it ran (the client address it decided on and the named networks
     * containing it), otherwise the exchange's own addresses and no named networks.
     */
    private static final class NetworkFields extends FieldMap {

        private final Exchange exchange;
        private final @Nullable NetworkContext context;

        NetworkFields(Exchange exchange) {
            super(NETWORK.fields());
            this.exchange = exchange;
            this.context = exchange.get(NetworkContext.KEY);
        }

        @Override
        Object field(String name) {
            NetworkContext c = context;
            return switch (name) {
                case "ip" -> c != null ? InetAddresses.toAddrString(c.ip()) : text(exchange, exchange.client().effective());
                case "peer_ip" -> c != null ? InetAddresses.toAddrString(c.peer())
                        : text(exchange, exchange.client().direct().getAddress());
                case "networks" -> c != null ? c.networks() : List.of();
                default -> throw new IllegalArgumentException("network has no field '" + name + "'");
            };
        }
    }

    private static final class RouteFields extends FieldMap {

        private final Exchange exchange;

        RouteFields(Exchange exchange) {
            super(ROUTE.fields());
            this.exchange = exchange;
        }

        @Override
        Object field(String name) {
            return switch (name) {
                case "id" -> exchange.route().id();
                case "service" -> exchange.route().service().name();
                default -> throw new IllegalArgumentException("route has no field '" + name + "'");
            };
        }
    }

    private static final class ServiceFields extends FieldMap {

        private final Exchange exchange;

        ServiceFields(Exchange exchange) {
            super(SERVICE.fields());
            this.exchange = exchange;
        }

        @Override
        Object field(String name) {
            if (name.equals("name")) {
                return exchange.route().service().name();
            }
            throw new IllegalArgumentException("service has no field '" + name + "'");
        }
    }
}
