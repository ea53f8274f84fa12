package io.zerogate.admin;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import io.zerogate.config.Secret;
import io.zerogate.identity.SpiffeIdPattern;
import io.zerogate.network.CidrSet;
import java.io.IOException;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.RecordComponent;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.file.Path;
import java.security.Key;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.util.Collection;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import org.jspecify.annotations.Nullable;

/**
 * Renders configuration records (and other records, such as incidents) as JSON, walking their components, so
 * that a new section is shown without code here and masked by the types and names it uses:
 * {@link Secret}s and keys by type; paths to key material and values named like credentials by name; the
 * user-info and query of URIs always. A value of a type this class does not know is masked too: only what is
 * known to be harmless is shown.
 */
final class RecordJson {

    static final String MASK = "***";

    private static final JsonFactory JSON = new JsonFactory();
    /** Name parts that make a text value a credential wherever they appear. */
    private static final Set<String> CREDENTIAL_PARTS = Set.of("secret", "secrets", "password", "passphrase", "private",
            "credential", "credentials");
    /** Name parts that make a text value a credential when they end the name ({@code token_type} is not one). */
    private static final Set<String> CREDENTIAL_ENDINGS = Set.of("token", "key", "apikey");

    private RecordJson() {}

    /** {@code value} as one line of JSON. */
    static String render(@Nullable Object value) {
        StringWriter out = new StringWriter();
        try (JsonGenerator g = JSON.createGenerator(out)) {
            write(g, value, "", false);
        } catch (IOException e) {
            throw new UncheckedIOException("writing JSON to a string failed", e);
        }
        return out.toString();
    }

    /**
     * @param name      the snake_case name the value is known by (its component, or the component holding the
     *                  collection it is in)
     * @param keyRelated the value sits inside a record about keys, where every path leads to key material
     */
    private static void write(JsonGenerator g, @Nullable Object value, String name, boolean keyRelated) throws IOException {
        if (value == null) {
            g.writeNull();
        } else if (value instanceof Secret || value instanceof Key || value instanceof byte[] || value instanceof char[]) {
            g.writeString(MASK);
        } else if (value instanceof Boolean b) {
            g.writeBoolean(b);
        } else if (value instanceof Integer || value instanceof Long || value instanceof Short || value instanceof Byte) {
            g.writeNumber(((Number) value).longValue());
        } else if (value instanceof Double || value instanceof Float) {
            g.writeNumber(((Number) value).doubleValue());
        } else if (value instanceof String || value instanceof URI || value instanceof Path) {
            g.writeString(text(value, name, keyRelated));
        } else if (value instanceof Enum<?> e) {
            g.writeString(e.name().toLowerCase(Locale.ROOT));
        } else if (value instanceof Duration || value instanceof Instant || value instanceof ZoneId
                || value instanceof CidrSet || value instanceof SpiffeIdPattern) {
            g.writeString(value.toString());
        } else if (value instanceof InetSocketAddress a) {
            String host = a.getHostString();
            g.writeString((host.indexOf(':') >= 0 ? "[" + host + "]" : host) + ":" + a.getPort());
        } else if (value instanceof X509Certificate c) {
            certificate(g, c);
        } else if (value instanceof Map<?, ?> map) {
            g.writeStartObject();
            for (Map.Entry<?, ?> e : sorted(map).entrySet()) {
                g.writeFieldName(String.valueOf(e.getKey()));
                write(g, e.getValue(), name, keyRelated);
            }
            g.writeEndObject();
        } else if (value instanceof Collection<?> items) {
            g.writeStartArray();
            for (Object item : value instanceof Set<?> ? sortedSet(items) : items) {
                write(g, item, name, keyRelated);
            }
            g.writeEndArray();
        } else if (value instanceof Record r) {
            record(g, r, keyRelated);
        } else {
            g.writeString(MASK);
        }
    }

    private static void record(JsonGenerator g, Record r, boolean keyRelated) throws IOException {
        Class<?> type = r.getClass();
        boolean aboutKeys = keyRelated || parts(snake(type.getSimpleName())).contains("key")
                || parts(snake(type.getSimpleName())).contains("keys");
        g.writeStartObject();
        if (java.util.Arrays.stream(type.getInterfaces()).anyMatch(Class::isSealed)) {
            // Which of the sealed alternatives this is; an empty alternative (tls: none) says it only here.
            g.writeStringField("kind", snake(type.getSimpleName()));
        }
        for (RecordComponent c : type.getRecordComponents()) {
            String name = snake(c.getName());
            g.writeFieldName(name);
            Object value;
            try {
                c.getAccessor().setAccessible(true);
                value = c.getAccessor().invoke(r);
            } catch (IllegalAccessException | InvocationTargetException | RuntimeException e) {
                g.writeString(MASK);
                continue;
            }
            write(g, value, name, aboutKeys);
        }
        g.writeEndObject();
    }

    private static String text(Object value, String name, boolean keyRelated) {
        List<String> parts = parts(name);
        boolean credential = parts.stream().anyMatch(CREDENTIAL_PARTS::contains)
                || (!parts.isEmpty() && CREDENTIAL_ENDINGS.contains(parts.get(parts.size() - 1)));
        if (value instanceof Path) {
            // A path to key material tells where to look for it.
            credential |= keyRelated || parts.contains("key") || parts.contains("keys");
        }
        if (credential) {
            return MASK;
        }
        return value instanceof URI uri ? uri(uri) : value.toString();
    }

    /** A URI with its user-info (a Redis password) and query (a webhook token) masked. */
    private static String uri(URI uri) {
        if (uri.isOpaque() || uri.getRawAuthority() == null) {
            return uri.getRawQuery() == null && uri.getRawUserInfo() == null ? uri.toString() : MASK;
        }
        StringBuilder sb = new StringBuilder();
        if (uri.getScheme() != null) {
            sb.append(uri.getScheme()).append("://");
        }
        if (uri.getRawUserInfo() != null) {
            sb.append(MASK).append('@');
        }
        sb.append(uri.getHost() == null ? MASK : uri.getHost().indexOf(':') >= 0 ? "[" + uri.getHost() + "]" : uri.getHost());
        if (uri.getPort() >= 0) {
            sb.append(':').append(uri.getPort());
        }
        if (uri.getRawPath() != null) {
            sb.append(uri.getRawPath());
        }
        if (uri.getRawQuery() != null) {
            sb.append('?').append(MASK);
        }
        return sb.toString();
    }

    private static void certificate(JsonGenerator g, X509Certificate c) throws IOException {
        g.writeStartObject();
        g.writeStringField("subject", c.getSubjectX500Principal().getName());
        g.writeStringField("issuer", c.getIssuerX500Principal().getName());
        g.writeStringField("serial", c.getSerialNumber().toString(16));
        g.writeStringField("not_after", c.getNotAfter().toInstant().toString());
        g.writeEndObject();
    }

    private static Map<?, ?> sorted(Map<?, ?> map) {
        TreeMap<String, Object> out = new TreeMap<>();
        map.forEach((k, v) -> out.put(String.valueOf(k), v));
        return out;
    }

    /** Sets have no order of their own; sorted by their text so that two renderings of one value are equal. */
    private static List<?> sortedSet(Collection<?> items) {
        return items.stream().sorted((a, b) -> String.valueOf(a).compareTo(String.valueOf(b))).toList();
    }

    /** {@code clientCaFile} → {@code client_ca_file}. */
    static String snake(String camel) {
        StringBuilder sb = new StringBuilder(camel.length() + 4);
        for (int i = 0; i < camel.length(); i++) {
            char c = camel.charAt(i);
            if (Character.isUpperCase(c)) {
                if (i > 0 && !Character.isUpperCase(camel.charAt(i - 1))) {
                    sb.append('_');
                }
                sb.append(Character.toLowerCase(c));
            } else {
                sb.append(c);
            }
        }
        return sb.toString();
    }

    private static List<String> parts(String snake) {
        return snake.isEmpty() ? List.of() : List.of(snake.split("_"));
    }
}
