package io.zerogate.identity.jwt;

import io.zerogate.chain.ReasonCode;
import io.zerogate.config.IssuerConfig;
import io.zerogate.identity.Authentication;
import io.zerogate.identity.Subject;
import io.zerogate.identity.TokenBinding;
import java.time.Instant;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.jspecify.annotations.Nullable;

/**
 * Turns the claims of a verified token into the {@link Subject} later stages read: scopes from the issuer's
 * scope claim, roles from its roles path, how the person authenticated ({@code amr}, {@code acr},
 * {@code auth_time}) and what the token is bound to ({@code cnf}). A claim of the wrong JSON type refuses the
 * token rather than being read as absent; a confirmation method the gateway cannot check refuses it too, since
 * accepting it unbound would drop the sender constraint.
 */
final class SubjectClaims {

    private final IssuerConfig issuer;

    SubjectClaims(IssuerConfig issuer) {
        this.issuer = issuer;
    }

    /** The subject, for claims that {@link ClaimRules} accepted (so {@code sub} is a non-empty string). */
    Checked<Subject> subject(Map<String, Object> claims) {
        Object scope = claims.get(issuer.scopeClaim());
        Set<String> scopes = new LinkedHashSet<>();
        if (scope instanceof String text) {
            for (String s : text.split(" ")) {
                if (!s.isEmpty()) {
                    scopes.add(s);
                }
            }
        } else if (scope != null) {
            if (!ClaimRules.isStringList(scope)) {
                return Checked.no(ReasonCode.TOKEN_MALFORMED,
                        "claim " + issuer.scopeClaim() + " is neither a string nor a list of strings");
            }
            for (Object s : (List<?>) scope) {
                scopes.add((String) s);
            }
        }
        Object roles = roles(claims);
        if (roles != null && !ClaimRules.isStringList(roles)) {
            return Checked.no(ReasonCode.TOKEN_MALFORMED, "claim " + issuer.rolesClaim() + " is not a list of strings");
        }
        Checked<Authentication> authentication = authentication(claims);
        if (authentication instanceof Checked.No<Authentication> no) {
            return no.as();
        }
        Checked<TokenBinding> binding = binding(claims.get("cnf"));
        if (binding instanceof Checked.No<TokenBinding> no) {
            return no.as();
        }
        @SuppressWarnings("unchecked")
        Set<String> roleSet = roles == null ? Set.of() : Set.copyOf((List<String>) roles);
        return Checked.ok(new Subject((String) claims.get("sub"), Subject.Kind.USER, issuer.name(), scopes, roleSet,
                claims, ((Checked.Ok<Authentication>) authentication).value(),
                ((Checked.Ok<TokenBinding>) binding).value()));
    }

    /**
     * The roles value: the claim named exactly so when there is one (namespaced claims such as
     * {@code https://example.com/roles} contain dots), otherwise the dotted path through nested objects.
     */
    private @Nullable Object roles(Map<String, Object> claims) {
        String path = issuer.rolesClaim();
        if (claims.containsKey(path)) {
            return claims.get(path);
        }
        Object current = claims;
        for (String step : path.split("\\.", -1)) {
            if (!(current instanceof Map<?, ?> object)) {
                return null;
            }
            current = object.get(step);
        }
        return current;
    }

    private static Checked<Authentication> authentication(Map<String, Object> claims) {
        Object amr = claims.get("amr");
        if (amr != null && !ClaimRules.isStringList(amr)) {
            return Checked.no(ReasonCode.TOKEN_MALFORMED, "claim amr is not a list of strings");
        }
        Object acr = claims.get("acr");
        if (acr != null && !(acr instanceof String)) {
            return Checked.no(ReasonCode.TOKEN_MALFORMED, "claim acr is not a string");
        }
        Checked<Optional<Instant>> authTime = ClaimRules.numericDate(claims, "auth_time");
        if (authTime instanceof Checked.No<Optional<Instant>> no) {
            return no.as();
        }
        @SuppressWarnings("unchecked")
        List<String> methods = amr == null ? List.of() : (List<String>) amr;
        return Checked.ok(new Authentication(methods, (String) acr,
                ((Checked.Ok<Optional<Instant>>) authTime).value().orElse(null)));
    }

    private static Checked<TokenBinding> binding(@Nullable Object cnf) {
        if (cnf == null) {
            return Checked.ok(TokenBinding.NONE);
        }
        if (!(cnf instanceof Map<?, ?> confirmation)) {
            return Checked.no(ReasonCode.TOKEN_MALFORMED, "claim cnf is not an object");
        }
        Object certificate = confirmation.get("x5t#S256");
        Object dpopKey = confirmation.get("jkt");
        if (certificate != null && dpopKey != null) {
            return Checked.no(ReasonCode.TOKEN_CLAIMS_REJECTED, "cnf binds to both a certificate and a DPoP key");
        }
        if (certificate != null) {
            return isThumbprint(certificate)
                    ? Checked.ok(TokenBinding.certificate((String) certificate))
                    : Checked.no(ReasonCode.TOKEN_MALFORMED, "cnf x5t#S256 is not a base64url SHA-256 thumbprint");
        }
        if (dpopKey != null) {
            return isThumbprint(dpopKey)
                    ? Checked.ok(TokenBinding.dpop((String) dpopKey))
                    : Checked.no(ReasonCode.TOKEN_MALFORMED, "cnf jkt is not a base64url SHA-256 thumbprint");
        }
        return Checked.no(ReasonCode.TOKEN_CLAIMS_REJECTED,
                "cnf names no confirmation method the gateway can check (x5t#S256 or jkt)");
    }

    /** Unpadded base64url of 32 bytes: 43 characters, the last of which carries two zero bits. */
    private static boolean isThumbprint(Object value) {
        if (!(value instanceof String text) || text.length() != 43) {
            return false;
        }
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            boolean base64url = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9')
                    || c == '-' || c == '_';
            if (!base64url) {
                return false;
            }
        }
        return "AEIMQUYcgkosw048".indexOf(text.charAt(42)) >= 0;
    }
}
