package io.zerogate.identity.introspect;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.zerogate.chain.ReasonCode;
import io.zerogate.config.IssuerConfig;
import io.zerogate.identity.Authentication;
import io.zerogate.identity.Subject;
import io.zerogate.identity.TokenBinding;
import io.zerogate.identity.Verification;
import java.io.IOException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import org.jspecify.annotations.Nullable;

/**
 * Turns an RFC 7662 introspection response into a verification. The endpoint's word on {@code active} is
 * final for a "no"; a "yes" is still checked against the issuer's configuration ({@code exp}, {@code nbf},
 * {@code iss}, {@code aud}, required claims). A response that is not a JSON object with a boolean
 * {@code active}, or whose registered members have the wrong types, is the endpoint's failure and denies
 * with {@link ReasonCode#IDENTITY_PROVIDER_UNAVAILABLE}.
 */
final class IntrospectionAnswer {

    private static final ObjectMapper JSON = new ObjectMapper()
            .enable(JsonParser.Feature.STRICT_DUPLICATE_DETECTION)
            .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
            .enable(DeserializationFeature.USE_BIG_DECIMAL_FOR_FLOATS);
    private static final int MAX_QUOTED = 100;

    private final IssuerConfig issuer;
    private final String scopeClaim;
    private final String rolesClaim;

    IntrospectionAnswer(IssuerConfig issuer) {
        this.issuer = Objects.requireNonNull(issuer, "issuer");
        this.scopeClaim = Objects.requireNonNullElse(issuer.scopeClaim(), "scope");
        this.rolesClaim = Objects.requireNonNullElse(issuer.rolesClaim(), "roles");
    }

    /** Reads a 200 response's body at {@code now}. */
    Verification read(byte[] body, Instant now) {
        JsonNode root;
        try {
            root = JSON.readTree(body);
        } catch (IOException e) {
            // The parser's message may quote the body; only the kind of failure is kept.
            return unavailable("the response is not JSON (" + e.getClass().getSimpleName() + ")");
        }
        if (root == null || !root.isObject()) {
            return unavailable("the response is not a JSON object");
        }
        JsonNode active = root.get("active");
        if (active == null || !active.isBoolean()) {
            return unavailable("the response has no boolean 'active'");
        }
        if (!active.booleanValue()) {
            return Verification.refused(ReasonCode.TOKEN_INACTIVE, "the introspection endpoint says the token is not active");
        }
        Instant exp;
        Instant nbf;
        Instant authTime;
        try {
            exp = numericDate(root, "exp");
            nbf = numericDate(root, "nbf");
            authTime = numericDate(root, "auth_time");
        } catch (IllegalArgumentException e) {
            return unavailable(e.getMessage());
        }
        if (exp != null && !now.isBefore(exp)) {
            return Verification.refused(ReasonCode.TOKEN_EXPIRED, "the token expired at " + exp);
        }
        if (nbf != null && now.plus(issuer.clockSkew()).isBefore(nbf)) {
            return Verification.refused(ReasonCode.TOKEN_NOT_YET_VALID, "the token is valid from " + nbf);
        }
        JsonNode iss = root.get("iss");
        if (iss != null && !(iss.isTextual() && iss.textValue().equals(issuer.issuer()))) {
            return Verification.refused(ReasonCode.TOKEN_ISSUER_REJECTED,
                    "iss " + quote(iss) + " is not " + issuer.issuer());
        }
        JsonNode aud = root.get("aud");
        if (aud != null && !namesAnAudience(aud)) {
            return Verification.refused(ReasonCode.TOKEN_AUDIENCE_REJECTED,
                    "aud " + quote(aud) + " names none of " + issuer.audiences());
        }
        for (String claim : issuer.requiredClaims()) {
            if (!present(root, claim)) {
                return Verification.refused(ReasonCode.TOKEN_CLAIMS_REJECTED, "required claim '" + claim + "' is missing");
            }
        }
        String subject = nonEmptyText(root, "sub");
        if (subject == null) {
            // Client-credentials tokens may name no user; the client is then the caller.
            subject = nonEmptyText(root, "client_id");
        }
        if (subject == null) {
            return Verification.refused(ReasonCode.TOKEN_CLAIMS_REJECTED, "the response names neither sub nor client_id");
        }
        Set<String> scopes;
        Set<String> roles;
        Authentication authentication;
        TokenBinding binding;
        try {
            scopes = scopes(root.get(scopeClaim));
            roles = roles(path(root, rolesClaim));
            authentication = new Authentication(strings(root.get("amr"), "amr"), optionalText(root, "acr"), authTime);
            binding = binding(root.get("cnf"));
        } catch (IllegalArgumentException e) {
            return Verification.refused(ReasonCode.TOKEN_CLAIMS_REJECTED, e.getMessage());
        }
        @SuppressWarnings("unchecked")
        Map<String, Object> claims = (Map<String, Object>) plain(root);
        return new Verification.Accepted(new Subject(subject, Subject.Kind.USER, issuer.name(), scopes, roles, claims,
                authentication, binding), exp);
    }

    static Verification.Refused unavailable(String detail) {
        return Verification.refused(ReasonCode.IDENTITY_PROVIDER_UNAVAILABLE, detail);
    }

    private boolean namesAnAudience(JsonNode aud) {
        if (aud.isTextual()) {
            return issuer.audiences().contains(aud.textValue());
        }
        if (aud.isArray()) {
            for (JsonNode a : aud) {
                if (a.isTextual() && issuer.audiences().contains(a.textValue())) {
                    return true;
                }
            }
        }
        return false;
    }

    private static @Nullable Instant numericDate(JsonNode root, String name) {
        JsonNode value = root.get(name);
        if (value == null || value.isNull()) {
            return null;
        }
        if (!value.isNumber()) {
            throw new IllegalArgumentException("'" + name + "' is not a number");
        }
        // Fractions of a second are dropped: NumericDate allows them, and whole seconds are precise enough.
        double seconds = value.doubleValue();
        if (!(seconds >= 0 && seconds < 1e13)) {
            throw new IllegalArgumentException("'" + name + "' is out of range");
        }
        return Instant.ofEpochSecond((long) seconds);
    }

    private static Set<String> scopes(@Nullable JsonNode value) {
        if (value == null || value.isNull()) {
            return Set.of();
        }
        if (value.isTextual()) {
            Set<String> scopes = new LinkedHashSet<>();
            for (String s : value.textValue().split(" ")) {
                if (!s.isEmpty()) {
                    scopes.add(s);
                }
            }
            return scopes;
        }
        return new LinkedHashSet<>(strings(value, "scope"));
    }

    private static Set<String> roles(@Nullable JsonNode value) {
        return value == null ? Set.of() : new LinkedHashSet<>(strings(value, "roles"));
    }

    private static List<String> strings(@Nullable JsonNode value, String name) {
        if (value == null || value.isNull()) {
            return List.of();
        }
        if (!value.isArray()) {
            throw new IllegalArgumentException("'" + name + "' is not a list of strings");
        }
        List<String> out = new ArrayList<>();
        for (JsonNode item : value) {
            if (!item.isTextual()) {
                throw new IllegalArgumentException("'" + name + "' is not a list of strings");
            }
            out.add(item.textValue());
        }
        return out;
    }

    private static TokenBinding binding(@Nullable JsonNode cnf) {
        if (cnf == null || cnf.isNull()) {
            return TokenBinding.NONE;
        }
        if (!cnf.isObject()) {
            throw new IllegalArgumentException("'cnf' is not an object");
        }
        String certificate = nonEmptyText(cnf, "x5t#S256");
        String key = nonEmptyText(cnf, "jkt");
        if ((cnf.has("x5t#S256") && certificate == null) || (cnf.has("jkt") && key == null)) {
            throw new IllegalArgumentException("'cnf' holds a thumbprint that is not a string");
        }
        if (certificate != null && key != null) {
            // One credential, one holder: a token bound two ways is refused rather than checked half.
            throw new IllegalArgumentException("'cnf' binds the token to both a certificate and a DPoP key");
        }
        return certificate != null ? TokenBinding.certificate(certificate)
                : key != null ? TokenBinding.dpop(key)
                : TokenBinding.NONE;
    }

    /** The value at a dotted path ({@code realm_access.roles}), or null. */
    private static @Nullable JsonNode path(JsonNode root, String dotted) {
        JsonNode node = root;
        for (String part : dotted.split("\\.")) {
            if (node == null || !node.isObject()) {
                return null;
            }
            node = node.get(part);
        }
        return node == null || node.isNull() ? null : node;
    }

    private static boolean present(JsonNode root, String claim) {
        JsonNode value = root.get(claim);
        return value != null && !value.isNull();
    }

    private static @Nullable String nonEmptyText(JsonNode node, String name) {
        JsonNode value = node.get(name);
        return value != null && value.isTextual() && !value.textValue().isEmpty() ? value.textValue() : null;
    }

    private static @Nullable String optionalText(JsonNode node, String name) {
        JsonNode value = node.get(name);
        if (value == null || value.isNull()) {
            return null;
        }
        if (!value.isTextual()) {
            throw new IllegalArgumentException("'" + name + "' is not a string");
        }
        return value.textValue();
    }

    /** JSON as plain immutable Java values (String, Number, Boolean, List, Map); nulls are left out. */
    private static @Nullable Object plain(JsonNode node) {
        if (node.isObject()) {
            Map<String, Object> map = new LinkedHashMap<>();
            node.fields().forEachRemaining(e -> {
                Object v = plain(e.getValue());
                if (v != null) {
                    map.put(e.getKey(), v);
                }
            });
            return Map.copyOf(map);
        }
        if (node.isArray()) {
            List<Object> list = new ArrayList<>();
            for (JsonNode item : node) {
                Object v = plain(item);
                if (v != null) {
                    list.add(v);
                }
            }
            return List.copyOf(list);
        }
        if (node.isTextual()) {
            return node.textValue();
        }
        if (node.isBoolean()) {
            return node.booleanValue();
        }
        if (node.isNumber()) {
            return node.numberValue();
        }
        return null;
    }

    /** A value from the response for a log detail: bounded and printable. */
    private static String quote(JsonNode value) {
        String text = value.isTextual() ? value.textValue() : value.toString();
        StringBuilder b = new StringBuilder("'");
        for (int i = 0; i < text.length() && i < MAX_QUOTED; i++) {
            char c = text.charAt(i);
            b.append(c >= 0x20 && c < 0x7f ? c : '?');
        }
        if (text.length() > MAX_QUOTED) {
            b.append("...");
        }
        return b.append('\'').toString();
    }
}
