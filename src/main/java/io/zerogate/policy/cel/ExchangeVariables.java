package io.zerogate.policy.cel;

import com.google.common.net.InetAddresses;
import dev.cel.common.types.CelType;
import dev.cel.common.types.MapType;
import dev.cel.common.types.SimpleType;
import dev.cel.runtime.CelVariableResolver;
import io.zerogate.chain.Exchange;
import io.zerogate.identity.Subject;
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

    static final ObjectType ROUTE = ObjectType.of("zerogate.Route",
            "id", SimpleType.STRING);

    /** The declared variables and their types. */
    static final Map<String, CelType> DECLARATIONS = declarations();

    /** The object types the variables use. */
    static final List<ObjectType> OBJECT_TYPES = List.of(SubjectFields.TYPE, RequestFields.TYPE, CLIENT, ROUTE);

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
            case "route" -> Map.of("id", exchange.route().id());
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
        d.put("route", ROUTE.celType());
        d.put("params", MapType.create(SimpleType.STRING, SimpleType.STRING));
        d.put("now", SimpleType.TIMESTAMP);
        return Collections.unmodifiableMap(d);
    }

    private static final class ClientFields extends FieldMap {

        private final Exchange exchange;

        ClientFields(Exchange exchange) {
            super(CLIENT.fields());
            this.exchange = exchange;
        }

        @Override
        Object field(String name) {
            return switch (name) {
                case "ip" -> text(exchange.client().effective());
                case "peer_ip" -> text(exchange.client().direct().getAddress());
                default -> throw new IllegalArgumentException("client has no field '" + name + "'");
            };
        }

        private String text(@Nullable InetAddress address) {
            // An unresolved peer (never one of a real connection) is shown by the name it was given.
            return address == null ? exchange.client().direct().getHostString() : InetAddresses.toAddrString(address);
        }
    }
}
