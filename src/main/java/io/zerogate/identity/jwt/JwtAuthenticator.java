package io.zerogate.identity.jwt;

import io.zerogate.chain.ReasonCode;
import io.zerogate.identity.Verification;
import java.time.Clock;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import org.jspecify.annotations.Nullable;

/**
 * Verifies a bearer JWT against the issuers a route accepts. The token's unverified {@code iss} only chooses
 * which configured issuer's verifier runs (several configured issuers may share one {@code iss}, for different
 * audiences: each is tried in the route's order); that verifier then checks everything. Acceptances are
 * remembered in a {@link VerifiedTokenCache} until the token's {@code exp}, so a repeated token is not verified
 * again; refusals are never remembered.
 */
public final class JwtAuthenticator {

    private final Map<String, JwtVerifier> verifiers;
    private final VerifiedTokenCache cache;

    /**
     * @param byIssuerName one verifier per configured issuer, under the issuer's {@code name}
     * @param cacheSize    how many verified tokens to remember; 0 verifies every token every time
     */
    public JwtAuthenticator(Map<String, JwtVerifier> byIssuerName, int cacheSize, Clock clock) {
        this.verifiers = Map.copyOf(byIssuerName);
        verifiers.forEach((name, verifier) -> {
            if (!name.equals(verifier.issuer().name())) {
                throw new IllegalArgumentException("issuer " + name + ": the verifier is for issuer "
                        + verifier.issuer().name() + " (expected the same name)");
            }
        });
        this.cache = new VerifiedTokenCache(cacheSize, Objects.requireNonNull(clock, "clock"));
    }

    /**
     * True when the text has the shape of a signed JWT (three non-empty base64url segments, within the size
     * bound); other bearer tokens are opaque and go to introspection instead.
     */
    public static boolean looksLikeJwt(String token) {
        return TokenShape.looksLikeJwt(token);
    }

    /**
     * Whether the token is a valid access token of one of these issuers, and whose.
     *
     * @param acceptedIssuerNames the configured issuer names the route accepts, in its order; names that are not
     *                            token issuers (such as {@code api_key}) are skipped
     */
    public CompletionStage<Verification> authenticate(String token, Collection<String> acceptedIssuerNames) {
        Objects.requireNonNull(token, "token");
        List<JwtVerifier> accepted = new ArrayList<>(acceptedIssuerNames.size());
        for (String name : acceptedIssuerNames) {
            JwtVerifier verifier = verifiers.get(name);
            if (verifier != null && !accepted.contains(verifier)) {
                accepted.add(verifier);
            }
        }
        if (accepted.isEmpty()) {
            return refused(ReasonCode.TOKEN_ISSUER_REJECTED, "no token issuer is accepted here");
        }
        if (token.length() > TokenShape.MAX_LENGTH) {
            return refused(ReasonCode.TOKEN_MALFORMED,
                    "token is " + token.length() + " characters long (expected at most " + TokenShape.MAX_LENGTH + ")");
        }
        try {
            return rememberedOrVerified(token, accepted);
        } catch (RuntimeException e) {
            return refused(ReasonCode.TOKEN_INVALID, "verification failed: " + e.getClass().getSimpleName());
        }
    }

    private CompletionStage<Verification> rememberedOrVerified(String token, List<JwtVerifier> accepted) {
        byte[] digest = VerifiedTokenCache.digest(token);
        for (JwtVerifier verifier : accepted) {
            Verification.Accepted remembered = cache.get(key(verifier, digest));
            if (remembered != null) {
                return CompletableFuture.completedFuture(remembered);
            }
        }
        return switch (TokenShape.parse(token)) {
            case Checked.No<TokenShape> no -> CompletableFuture.completedFuture(no.refusal());
            case Checked.Ok<TokenShape>(TokenShape shape) -> switch (StrictJson.object(shape.payload(), "payload")) {
                case Checked.No<Map<String, Object>> no -> CompletableFuture.completedFuture(no.refusal());
                case Checked.Ok<Map<String, Object>>(Map<String, Object> claims) ->
                        verifyByIssuer(accepted, shape, claims, digest);
            };
        };
    }

    private CompletionStage<Verification> verifyByIssuer(List<JwtVerifier> accepted, TokenShape shape,
                                                         Map<String, Object> claims, byte[] digest) {
        Object iss = claims.get("iss");
        if (iss != null && !(iss instanceof String)) {
            return refused(ReasonCode.TOKEN_MALFORMED, "claim iss is not a string");
        }
        if (iss == null) {
            return refused(ReasonCode.TOKEN_ISSUER_REJECTED, "token has no iss");
        }
        List<JwtVerifier> candidates = new ArrayList<>(1);
        for (JwtVerifier verifier : accepted) {
            if (verifier.issuer().issuer().equals(iss)) {
                candidates.add(verifier);
            }
        }
        if (candidates.isEmpty()) {
            return refused(ReasonCode.TOKEN_ISSUER_REJECTED, "the token's iss is not an issuer accepted here");
        }
        return tryInTurn(candidates, 0, shape, claims, digest, null)
                .exceptionally(failure -> Verification.refused(ReasonCode.TOKEN_INVALID,
                        "verification failed: " + failure.getClass().getSimpleName()));
    }

    /** Each candidate in turn until one accepts; the first refusal when none does. */
    private CompletionStage<Verification> tryInTurn(List<JwtVerifier> candidates, int index, TokenShape shape,
                                                    Map<String, Object> claims, byte[] digest,
                                                    Verification.@Nullable Refused firstRefusal) {
        JwtVerifier verifier = candidates.get(index);
        return verifier.verify(shape, claims).thenCompose(verification -> {
            if (verification instanceof Verification.Accepted accepted) {
                cache.put(key(verifier, digest), accepted);
                return CompletableFuture.completedFuture(verification);
            }
            Verification.Refused refusal = firstRefusal != null ? firstRefusal : (Verification.Refused) verification;
            return index + 1 < candidates.size()
                    ? tryInTurn(candidates, index + 1, shape, claims, digest, refusal)
                    : CompletableFuture.completedFuture(refusal);
        });
    }

    private static VerifiedTokenCache.Key key(JwtVerifier verifier, byte[] digest) {
        return VerifiedTokenCache.Key.of(verifier.issuer().name(), digest);
    }

    private static CompletionStage<Verification> refused(ReasonCode reason, String detail) {
        return CompletableFuture.completedFuture(Verification.refused(reason, detail));
    }
}
