package io.zerogate.limits;

import io.zerogate.chain.Exchange;
import io.zerogate.config.LimitConfig.KeyPart;
import io.zerogate.identity.Subject;
import io.zerogate.policy.cel.Expression;
import io.zerogate.policy.cel.ExpressionException;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Base64;
import java.util.List;
import org.jspecify.annotations.Nullable;

/**
 * What a limit counts per, read from an exchange. The parts' values (a subject id, an address prefix, a header
 * chosen by the client) are hashed, so a store key is short and bounded whatever the client sends, and two
 * different values never share a key in practice (128 bits of SHA-256).
 *
 * <p>A part that the request does not have falls back to something it always has, so that leaving it out never
 * escapes the limit: no subject → the client address; no client id → the subject, then the address.
 */
final class LimitKey {

    private static final Base64.Encoder BASE64URL = Base64.getUrlEncoder().withoutPadding();
    private static final ThreadLocal<MessageDigest> SHA256 = ThreadLocal.withInitial(() -> {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is not available", e);
        }
    });
    /** The value of an expression part that could not be evaluated: such requests share one key. */
    private static final String EXPRESSION_FAILED = "x!";

    /** What the parts read: a request, or a caller described to the admin API. */
    interface Source {
        @Nullable Subject subject();

        InetAddress address();

        List<String> header(String lowerCaseName);

        String routeId();

        /** The request itself, for expressions; null when there is none. */
        @Nullable Exchange exchange();
    }

    /** A request as a key source. */
    record RequestSource(Exchange exchange, @Nullable Subject subject) implements Source {
        @Override
        public InetAddress address() {
            return exchange.client().effective();
        }

        @Override
        public List<String> header(String lowerCaseName) {
            return exchange.request().headers(lowerCaseName);
        }

        @Override
        public String routeId() {
            return exchange.route().id();
        }
    }

    /** One compiled part. */
    @FunctionalInterface
    interface Part {
        String read(Source source);
    }

    private final List<Part> parts;

    private LimitKey(List<Part> parts) {
        this.parts = parts;
    }

    static LimitKey compile(List<KeyPart> config, List<@Nullable Expression> expressions) {
        Part[] parts = new Part[config.size()];
        for (int i = 0; i < parts.length; i++) {
            parts[i] = part(config.get(i), expressions.get(i));
        }
        return new LimitKey(List.of(parts));
    }

    private static Part part(KeyPart part, @Nullable Expression expression) {
        return switch (part) {
            case KeyPart.Subject s -> src -> src.subject() != null ? subjectValue(src.subject()) : address(src.address(), 128, 128);
            case KeyPart.ClientId c -> src -> {
                Subject subject = src.subject();
                String client = subject == null ? null : clientId(subject);
                return client != null ? "c:" + subject.issuer() + ':' + client
                        : subject != null ? subjectValue(subject) : address(src.address(), 128, 128);
            };
            case KeyPart.ApiKey k -> src -> src.subject() != null && src.subject().kind() == Subject.Kind.API_KEY
                    ? "k:" + src.subject().id() : address(src.address(), 128, 128);
            case KeyPart.ClientIp ip -> src -> address(src.address(), ip.ipv4Prefix(), ip.ipv6Prefix());
            case KeyPart.Route r -> src -> "r:" + src.routeId();
            case KeyPart.Header h -> src -> {
                List<String> values = src.header(h.name());
                return values.isEmpty() ? "h-" : "h:" + String.join(",", values);
            };
            case KeyPart.Expression x -> src -> {
                Exchange e = src.exchange();
                if (e == null) {
                    throw new IllegalArgumentException("a key made by an expression can only be read from a request");
                }
                try {
                    return "x:" + java.util.Objects.requireNonNull(expression, "expression").text(e);
                } catch (ExpressionException | RuntimeException failed) {
                    return EXPRESSION_FAILED;
                }
            };
        };
    }

    private static String subjectValue(Subject subject) {
        return "s:" + subject.kind() + ':' + (subject.issuer() == null ? "" : subject.issuer()) + ':' + subject.id();
    }

    private static @Nullable String clientId(Subject subject) {
        Object id = subject.claims().get("client_id");
        if (id == null) {
            id = subject.claims().get("azp");
        }
        return id instanceof String s && !s.isEmpty() ? s : null;
    }

    /** The client address cut to its network prefix. */
    static String address(InetAddress a, int ipv4Prefix, int ipv6Prefix) {
        byte[] bytes = a.getAddress();
        int prefix = Math.min(bytes.length * 8, bytes.length == 4 ? ipv4Prefix : ipv6Prefix);
        if (prefix < bytes.length * 8) {
            for (int i = 0; i < bytes.length; i++) {
                int keep = Math.max(0, Math.min(8, prefix - i * 8));
                bytes[i] &= (byte) (0xff << (8 - keep));
            }
            try {
                a = InetAddress.getByAddress(bytes);
            } catch (UnknownHostException e) {
                throw new IllegalStateException("an address of " + bytes.length + " bytes", e);
            }
        }
        return "ip:" + a.getHostAddress() + '/' + prefix;
    }

    /**
     * The parts' values, read from a source, as one text that names them unambiguously: the value itself for
     * a key of one part, otherwise each value led by its length and a colon.
     */
    String text(Source source) {
        if (parts.size() == 1) {
            return parts.get(0).read(source);
        }
        StringBuilder text = new StringBuilder(64);
        for (Part part : parts) {
            String value = part.read(source);
            text.append(value.length()).append(':').append(value);
        }
        return text.toString();
    }

    /** The hashed key: 22 characters of base64url. */
    String hash(Source source) {
        return hash(text(source));
    }

    /** The hashed key of a {@link #text}. */
    String hash(String text) {
        MessageDigest sha = SHA256.get();
        if (parts.size() == 1) {
            update(sha, text);
        } else {
            int at = 0;
            while (at < text.length()) {
                int colon = text.indexOf(':', at);
                int end = colon + 1 + Integer.parseInt(text, at, colon, 10);
                update(sha, text.substring(colon + 1, end));
                at = end;
            }
        }
        byte[] digest = sha.digest();
        return BASE64URL.encodeToString(java.util.Arrays.copyOf(digest, 16));
    }

    private static void update(MessageDigest sha, String part) {
        byte[] value = part.getBytes(StandardCharsets.UTF_8);
        // Each value led by its length, so that ["ab", "c"] and ["a", "bc"] differ.
        sha.update((byte) (value.length >>> 24));
        sha.update((byte) (value.length >>> 16));
        sha.update((byte) (value.length >>> 8));
        sha.update((byte) value.length);
        sha.update(value);
    }
}
