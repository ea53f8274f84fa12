package io.zerogate.identity;

import io.zerogate.chain.Decision;
import io.zerogate.chain.ReasonCode;
import java.time.Duration;
import java.util.Collection;
import java.util.List;
import org.jspecify.annotations.Nullable;

/**
 * The {@code WWW-Authenticate} challenges that go with identity refusals: RFC 6750 for bearer tokens, RFC 9449
 * for DPoP, RFC 9470 for step-up. Every value put in a quoted string is one the configuration has already
 * restricted to safe characters.
 */
public final class Challenges {

    static final String REALM = "zerogate";
    static final String HEADER = "WWW-Authenticate";

    private Challenges() {}

    /** The RFC 6750 error code a refusal carries, or null when none fits (no credential at all). */
    static @Nullable String bearerError(ReasonCode reason) {
        return switch (reason) {
            case CREDENTIAL_MISSING -> null;
            case CREDENTIAL_AMBIGUOUS, CREDENTIAL_NOT_ACCEPTED, TOKEN_MALFORMED, DPOP_PROOF_INVALID,
                 DPOP_PROOF_REPLAYED -> "invalid_request";
            case INSUFFICIENT_SCOPE -> "insufficient_scope";
            case STEP_UP_REQUIRED -> "insufficient_user_authentication";
            case DPOP_NONCE_REQUIRED -> "use_dpop_nonce";
            default -> "invalid_token";
        };
    }

    /**
     * A refusal of the credential with its challenge. Refusals that are not the caller's fault (the identity
     * provider is down) get no challenge: asking for other credentials would not help.
     *
     * @param dpop       challenge with the DPoP scheme (the route wants DPoP, or the caller used it)
     * @param dpopAlgs   the accepted proof algorithms, for the DPoP challenge
     * @param apiKeyOnly the route accepts only API keys: the challenge names the key header instead
     */
    static Decision.Deny refuse(ReasonCode reason, String detail, String routeId, boolean dpop,
                                Collection<String> dpopAlgs, @Nullable String apiKeyOnly) {
        Decision.Deny deny = Decision.deny(reason, detail, routeId);
        if (reason.status() != 401 && reason.status() != 400) {
            return deny;
        }
        if (apiKeyOnly != null) {
            return deny.withHeader(HEADER, "ApiKey realm=\"" + REALM + "\", header=\"" + apiKeyOnly + "\"");
        }
        StringBuilder b = new StringBuilder(dpop ? "DPoP" : "Bearer").append(" realm=\"").append(REALM).append('"');
        String error = bearerError(reason);
        if (error != null) {
            b.append(", error=\"").append(error).append('"');
        }
        if (dpop) {
            b.append(", algs=\"").append(String.join(" ", dpopAlgs.stream().sorted().toList())).append('"');
        }
        return deny.withHeader(HEADER, b.toString());
    }

    /** RFC 6750 section 3.1: the token is good but lacks a scope the route needs. */
    public static Decision.Deny insufficientScope(Collection<String> needed, String detail, String routeId) {
        return Decision.deny(ReasonCode.INSUFFICIENT_SCOPE, detail, routeId).withHeader(HEADER,
                "Bearer realm=\"" + REALM + "\", error=\"insufficient_scope\", scope=\""
                        + String.join(" ", needed.stream().sorted().toList()) + "\"");
    }

    /** RFC 9470: the person must authenticate again, more strongly or more recently. */
    public static Decision.Deny stepUp(List<String> acrValues, @Nullable Duration maxAge, String detail, String routeId) {
        StringBuilder b = new StringBuilder("Bearer realm=\"").append(REALM)
                .append("\", error=\"insufficient_user_authentication\"");
        if (!acrValues.isEmpty()) {
            b.append(", acr_values=\"").append(String.join(" ", acrValues)).append('"');
        }
        if (maxAge != null) {
            b.append(", max_age=").append(maxAge.toSeconds());
        }
        return Decision.deny(ReasonCode.STEP_UP_REQUIRED, detail, routeId).withHeader(HEADER, b.toString());
    }
}
