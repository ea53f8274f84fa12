package io.zerogate.policy.cel;

import dev.cel.common.types.ListType;
import dev.cel.common.types.MapType;
import dev.cel.common.types.SimpleType;
import dev.cel.common.values.NullValue;
import io.zerogate.identity.Subject;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.jspecify.annotations.Nullable;

/**
 * The {@code subject} variable: who is calling. An anonymous caller is a subject too ({@code authenticated} false,
 * empty strings, lists and maps), so that no expression fails only because nobody signed in. {@code auth_time} is
 * a timestamp (so that {@code now - subject.auth_time < duration("15m")} reads naturally); when the issuer did not
 * state it, it is the epoch, which makes every "authenticated recently" test false. {@code binding} says what the
 * credential is bound to: {@code none}, {@code mtls} (RFC 8705) or {@code dpop} (RFC 9449).
 */
final class SubjectFields extends FieldMap {

    static final ObjectType TYPE = ObjectType.of("zerogate.Subject",
            "id", SimpleType.STRING,
            "kind", SimpleType.STRING,
            "issuer", SimpleType.STRING,
            "scopes", ListType.create(SimpleType.STRING),
            "roles", ListType.create(SimpleType.STRING),
            "claims", MapType.create(SimpleType.STRING, SimpleType.DYN),
            "mfa", SimpleType.BOOL,
            "acr", SimpleType.STRING,
            "auth_time", SimpleType.TIMESTAMP,
            "authenticated", SimpleType.BOOL,
            "binding", SimpleType.STRING);

    static final Map<String, Object> ANONYMOUS = anonymous();

    private final Subject subject;
    // Copied on first read and kept: a route's rules read the same subject many times.
    private @Nullable List<String> scopes;
    private @Nullable List<String> roles;
    private @Nullable Map<String, Object> claims;

    private SubjectFields(Subject subject) {
        super(TYPE.fields());
        this.subject = subject;
    }

    static Map<String, Object> of(@Nullable Subject subject) {
        return subject == null ? ANONYMOUS : new SubjectFields(subject);
    }

    @Override
    Object field(String name) {
        return switch (name) {
            case "id" -> subject.id();
            case "kind" -> subject.kind().name().toLowerCase(Locale.ROOT);
            case "issuer" -> subject.issuer() == null ? "" : subject.issuer();
            case "scopes" -> scopes != null ? scopes : (scopes = List.copyOf(subject.scopes()));
            case "roles" -> roles != null ? roles : (roles = List.copyOf(subject.roles()));
            case "claims" -> claims != null ? claims : (claims = celMap(subject.claims()));
            case "mfa" -> subject.authentication().multiFactor();
            case "acr" -> subject.authentication().acr() == null ? "" : subject.authentication().acr();
            case "auth_time" -> subject.authentication().authTime() == null ? Instant.EPOCH
                    : subject.authentication().authTime();
            case "authenticated" -> true;
            case "binding" -> switch (subject.binding().kind()) {
                case NONE -> "none";
                case CERTIFICATE -> "mtls";
                case DPOP -> "dpop";
            };
            default -> throw new IllegalArgumentException("subject has no field '" + name + "'");
        };
    }

    private static Map<String, Object> anonymous() {
        Map<String, Object> m = new HashMap<>();
        m.put("id", "");
        m.put("kind", "");
        m.put("issuer", "");
        m.put("scopes", List.of());
        m.put("roles", List.of());
        m.put("claims", Map.of());
        m.put("mfa", false);
        m.put("acr", "");
        m.put("auth_time", Instant.EPOCH);
        m.put("authenticated", false);
        m.put("binding", "none");
        return Map.copyOf(m);
    }

    /** A JSON value (String, Number, Boolean, List, Map, null) as the CEL value of the same meaning. */
    static Object celValue(@Nullable Object json) {
        return switch (json) {
            case null -> NullValue.NULL_VALUE;
            case String s -> s;
            case Boolean b -> b;
            case Long l -> l;
            case Integer i -> i.longValue();
            case Short s -> s.longValue();
            case Byte b -> b.longValue();
            case BigInteger big -> big.bitLength() < 64 ? (Object) big.longValue() : (Object) big.doubleValue();
            case BigDecimal dec -> dec.doubleValue();
            case Number n -> n.doubleValue();
            case Map<?, ?> m -> celMap(m);
            case List<?> l -> {
                List<Object> out = new ArrayList<>(l.size());
                for (Object v : l) {
                    out.add(celValue(v));
                }
                yield out;
            }
            default -> json.toString();
        };
    }

    private static Map<String, Object> celMap(Map<?, ?> json) {
        Map<String, Object> out = HashMap.newHashMap(json.size());
        for (Map.Entry<?, ?> e : json.entrySet()) {
            out.put(String.valueOf(e.getKey()), celValue(e.getValue()));
        }
        return out;
    }
}
