package io.zerogate.identity.jwt;

import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.crypto.MACVerifier;
import com.nimbusds.jose.jwk.JWK;
import com.nimbusds.jose.util.Base64URL;
import io.zerogate.chain.ReasonCode;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import org.jspecify.annotations.Nullable;

/**
 * Checks a token's signature: an HMAC with the issuer's configured secret and nothing else, or an asymmetric
 * signature with a fitting key that the issuer's {@link KeySource} names for the token's {@code kid}. A key
 * source that cannot answer refuses the token as {@link ReasonCode#IDENTITY_PROVIDER_UNAVAILABLE}: an outage
 * never lets a token through.
 */
final class SignatureCheck {

    private final KeySource keys;
    private final KeySelection selection;
    private final @Nullable MACVerifier hmac;

    /**
     * @param hmac checks HS256/384/512 with the issuer's secret; null when the issuer has none (its
     *             {@link HeaderPolicy} then never lets an HS algorithm through)
     */
    SignatureCheck(KeySource keys, KeySelection selection, @Nullable MACVerifier hmac) {
        this.keys = keys;
        this.selection = selection;
        this.hmac = hmac;
    }

    /** The token again when its signature verifies; completes later only when the key source does. */
    CompletionStage<Checked<TokenShape>> verify(HeaderPolicy.Signing signing, TokenShape token) {
        JWSAlgorithm algorithm = signing.algorithm();
        if (JWSAlgorithm.Family.HMAC_SHA.contains(algorithm)) {
            return CompletableFuture.completedFuture(verifyHmac(algorithm, token));
        }
        CompletionStage<KeyLookup> lookup;
        try {
            lookup = keys.keys(signing.kid());
        } catch (RuntimeException e) {
            return CompletableFuture.completedFuture(unavailable("key source failed: " + e.getClass().getSimpleName()));
        }
        if (lookup == null) {
            return CompletableFuture.completedFuture(unavailable("key source gave no answer"));
        }
        return lookup.handle((found, failure) -> {
            if (failure != null || found == null) {
                return unavailable(failure == null
                        ? "key source gave no answer"
                        : "key source failed: " + failure.getClass().getSimpleName());
            }
            return switch (found) {
                case KeyLookup.Found f -> verifyWith(f.keys(), signing, token);
                case KeyLookup.Unknown u -> Checked.no(ReasonCode.TOKEN_INVALID,
                        "no key in the issuer's key set for this kid: " + u.detail());
                case KeyLookup.Unavailable u -> unavailable(u.detail());
            };
        });
    }

    private Checked<TokenShape> verifyWith(List<JWK> keySet, HeaderPolicy.Signing signing,
                                        TokenShape token) {
        List<KeySelection.KeyVerifier> candidates = selection.candidates(keySet, signing.algorithm());
        if (candidates.isEmpty()) {
            return Checked.no(ReasonCode.TOKEN_INVALID, "no key in the issuer's key set fits alg "
                    + signing.algorithm() + (signing.kid() == null ? " (token has no kid)" : " and this kid"));
        }
        for (KeySelection.KeyVerifier candidate : candidates) {
            if (candidate.verify(signing.algorithm(), token.signingInput(), token.signature())) {
                return Checked.ok(token);
            }
        }
        return Checked.no(ReasonCode.TOKEN_INVALID, "signature does not verify with the issuer's "
                + (candidates.size() == 1 ? "key" : candidates.size() + " fitting keys"));
    }

    private Checked<TokenShape> verifyHmac(JWSAlgorithm algorithm, TokenShape token) {
        if (hmac == null || !hmac.supportedJWSAlgorithms().contains(algorithm)) {
            return Checked.no(ReasonCode.TOKEN_INVALID,
                    "alg " + algorithm + " needs a secret the issuer does not have");
        }
        try {
            if (hmac.verify(new JWSHeader(algorithm), token.signingInput(), Base64URL.encode(token.signature()))) {
                return Checked.ok(token);
            }
        } catch (JOSEException e) {
            // falls through: an HMAC that cannot be computed does not verify
        }
        return Checked.no(ReasonCode.TOKEN_INVALID, "signature does not verify with the issuer's secret");
    }

    private static Checked<TokenShape> unavailable(String detail) {
        return Checked.no(ReasonCode.IDENTITY_PROVIDER_UNAVAILABLE, "issuer keys unavailable: " + detail);
    }
}
