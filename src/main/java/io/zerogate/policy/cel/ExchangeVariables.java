package io.zerogate.policy.cel;

import com.google.common.net.InetAddresses;
import dev.cel.common.types.CelType;
import dev.cel.common.types.ListType;
import dev.cel.common.types.MapType;
import dev.cel.common.types.SimpleType;
import dev.cel.runtime.CelVariableResolver;
import io.zerogate.chain.AttributeKey;
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
 * The variables expressions see for one exchange. Each is worked out only when an expression reads it, and the fields
 * of an object only when an expression reads them; once worked out, a variable is kept for the other expressions of
 * the same exchange (a route's rules, its limits), so that evaluating several rules of a request makes little garbage.
 * A fact that a later stage attaches (the subject, the device, the network context) is picked up: a kept variable is
 * reused only while it was made from the fact attached now.
 *
 * <p>{@code now} is read from the clock of the expression, because the exchange keeps only a monotonic start time,
 * which cannot be turned into a date.
 */
final class ExchangeVariables {

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

    /**
     * Where an exchange keeps its variables. Not an immutable fact like the others attached to an exchange: a memo of
     * this package, which only the exchange's own thread touches, like the exchange itself.
     */
    private static final AttributeKey<ExchangeVariables> KEY = AttributeKey.of("cel-variables", ExchangeVariables.class);

    private final Exchange exchange;
    private @Nullable Optional<Object> request;
    private @Nullable Optional<Object> client;
    private @Nullable Optional<Object> route;
    private @Nullable Optional<Object> service;
    private @Nullable Optional<Object> params;
    private @Nullable Optional<Object> subject;
    private @Nullable Subject subjectFact;
    private @Nullable Optional<Object> device;
    private @Nullable Device deviceFact;
    private @Nullable Optional<Object> network;
    private @Nullable NetworkContext networkFact;

    private ExchangeVariables(Exchange exchange) {
        this.exchange = exchange;
    }

    /** The variables of {@code exchange}, made on its first evaluation. */
    static ExchangeVariables of(Exchange exchange) {
        ExchangeVariables variables = exchange.get(KEY);
        if (variables == null) {
            variables = new ExchangeVariables(exchange);
            exchange.put(KEY, variables);
        }
        return variables;
    }

    /** The variables as one evaluation resolves them, {@code now} read from {@code clock}. */
    CelVariableResolver resolver(Clock clock) {
        return name -> find(name, clock);
    }

    private Optional<Object> find(String name, Clock clock) {
        return switch (name) {
            case "subject" -> subject();
            case "request" -> request != null ? request : (request = Optional.of(new RequestFields(exchange.request())));
            case "client" -> client != null ? client : (client = Optional.of(new ClientFields(exchange)));
            case "device" -> device();
            case "network" -> network();
            case "route" -> route != null ? route : (route = Optional.of(new RouteFields(exchange)));
            case "service" -> service != null ? service : (service = Optional.of(new ServiceFields(exchange)));
            case "params" -> params != null ? params : (params = Optional.of(exchange.params()));
            case "now" -> Optional.of(clock.instant());
            default -> Optional.empty();
        };
    }

    private Optional<Object> subject() {
        Subject fact = exchange.get(Subject.KEY);
        if (subject == null || fact != subjectFact) {
            subjectFact = fact;
            subject = Optional.of(SubjectFields.of(fact));
        }
        return subject;
    }

    private Optional<Object> device() {
        Device fact = exchange.get(Device.KEY);
        if (device == null || fact != deviceFact) {
            deviceFact = fact;
            device = Optional.of(DeviceFields.of(fact));
        }
        return device;
    }

    private Optional<Object> network() {
        NetworkContext fact = exchange.get(NetworkContext.KEY);
        if (network == null || fact != networkFact) {
            networkFact = fact;
            network = Optional.of(new NetworkFields(exchange, fact));
        }
        return network;
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
        private @Nullable String ip;

        NetworkFields(Exchange exchange, @Nullable NetworkContext context) {
            super(NETWORK.fields());
            this.exchange = exchange;
            this.context = context;
        }

        @Override
        Object field(String name) {
            NetworkContext c = context;
            return switch (name) {
                case "ip" -> ip != null ? ip : (ip = c != null ? InetAddresses.toAddrString(c.ip())
                        : text(exchange, exchange.client().effective()));
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
