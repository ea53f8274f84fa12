package io.zerogate.identity.jwt;

import com.nimbusds.jose.JWSAlgorithm;
import io.zerogate.chain.ReasonCode;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import org.jspecify.annotations.Nullable;

/**
 * What an issuer accepts in a token's JOSE header (RFC 7515, RFC 8725): an algorithm from its list and never
 * {@code none}; no header that names keys or certificates (keys come only from the issuer's configured key set);
 * no critical extensions or unencoded payloads; the configured {@code typ} when there is one.
 */
final class HeaderPolicy {

    /** Header members through which a token could bring its own key: never followed. */
    private static final List<String> KEY_REFERENCES = List.of("jku", "x5u", "jwk", "x5c");

    private final Set<JWSAlgorithm> algorithms;
    private final @Nullable String tokenType;

    /**
     * @param algorithms the algorithms the issuer's tokens may use (already checked to be supported)
     * @param tokenType  the required {@code typ}, or null for any
     */
    HeaderPolicy(Set<JWSAlgorithm> algorithms, @Nullable String tokenType) {
        this.algorithms = Set.copyOf(algorithms);
        this.tokenType = tokenType == null ? null : mediaType(tokenType);
    }

    /** What the header says about how the token was signed. */
    record Signing(JWSAlgorithm algorithm, @Nullable String kid) {}

    Checked<Signing> check(Map<String, Object> header) {
        if (!(header.get("alg") instanceof String alg)) {
            return Checked.no(ReasonCode.TOKEN_MALFORMED, "header has no alg string");
        }
        if (alg.equalsIgnoreCase("none")) {
            return Checked.no(ReasonCode.TOKEN_INVALID, "alg none is never accepted");
        }
        JWSAlgorithm algorithm = JWSAlgorithm.parse(alg);
        if (!algorithms.contains(algorithm)) {
            return Checked.no(ReasonCode.TOKEN_INVALID, "alg " + printable(alg) + " is not accepted for this issuer");
        }
        if (header.containsKey("crit")) {
            return Checked.no(ReasonCode.TOKEN_INVALID, "header lists critical extensions (crit); none are supported");
        }
        for (String member : KEY_REFERENCES) {
            if (header.containsKey(member)) {
                return Checked.no(ReasonCode.TOKEN_INVALID,
                        "header has " + member + "; keys come only from the issuer's configured key set");
            }
        }
        if (header.containsKey("b64")) {
            return Checked.no(ReasonCode.TOKEN_INVALID, "header has b64: unencoded payloads are not accepted");
        }
        Object typ = header.get("typ");
        if (typ != null && !(typ instanceof String)) {
            return Checked.no(ReasonCode.TOKEN_MALFORMED, "header typ is not a string");
        }
        if (tokenType != null && !(typ instanceof String type && mediaType(type).equals(tokenType))) {
            return Checked.no(ReasonCode.TOKEN_INVALID, typ == null
                    ? "header has no typ (expected " + tokenType + ")"
                    : "header typ " + printable((String) typ) + " is not " + tokenType);
        }
        Object kid = header.get("kid");
        if (kid != null && !(kid instanceof String)) {
            return Checked.no(ReasonCode.TOKEN_MALFORMED, "header kid is not a string");
        }
        return Checked.ok(new Signing(algorithm, (String) kid));
    }

    /** A media type as RFC 7515 §4.1.9 compares them: case-insensitively, with {@code application/} optional. */
    static String mediaType(String value) {
        String lower = value.toLowerCase(Locale.ROOT);
        return lower.startsWith("application/") ? lower.substring("application/".length()) : lower;
    }

    /** Header text chosen by the sender, repeated in a detail only when short and plain. */
    static String printable(String value) {
        if (value.length() > 32) {
            return "(not shown)";
        }
        for (int i = 0; i < value.length(); i++) {
            char c = value.charAt(i);
            if (!(Character.isLetterOrDigit(c) && c < 128) && "+-_./".indexOf(c) < 0) {
                return "(not shown)";
            }
        }
        return value;
    }
}
