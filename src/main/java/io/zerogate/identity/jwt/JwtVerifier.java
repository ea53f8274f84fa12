package io.zerogate.identity.jwt;

import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.crypto.MACVerifier;
import io.zerogate.chain.ReasonCode;
import io.zerogate.config.IssuerConfig;
import io.zerogate.config.Secret;
import io.zerogate.identity.SignatureProviders;
import io.zerogate.identity.Subject;
import io.zerogate.identity.Verification;
import java.security.Provider;
import java.time.Clock;
import java.time.Instant;
import java.util.HashSet;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import org.jspecify.annotations.Nullable;

/**
 * Verifies access tokens of one issuer: JWS compact tokens whose syntax, header, signature and claims all hold
 * (see {@link TokenShape}, {@link HeaderPolicy}, {@link SignatureCheck}, {@link ClaimRules}). Every refusal
 * carries a precise reason code and a detail that never repeats the token. The answer completes at once unless
 * the issuer's {@link KeySource} has to fetch keys first.
 */
public final class JwtVerifier {

    private static final Set<JWSAlgorithm> HMAC = JWSAlgorithm.Family.HMAC_SHA;

    private final IssuerConfig issuer;
    private final HeaderPolicy header;
    private final SignatureCheck signature;
    private final ClaimRules rules;
    private final SubjectClaims subjects;

    /**
     * A verifier checking signatures with the native provider where it loaded ({@link SignatureProviders}) and
     * HS algorithms with the issuer's {@code hmac_secret}.
     *
     * @throws IllegalArgumentException when the issuer accepts {@code none}, an unknown algorithm, or an HS
     *                                  algorithm without a secret long enough for it
     */
    public JwtVerifier(IssuerConfig issuer, KeySource keys, Clock clock) {
        this(issuer, keys, clock, SignatureProviders.preferred(), secretBytes(issuer.hmacSecret()));
    }

    /**
     * @param provider the JCA provider for RSA and ECDSA signatures, null for the JDK's
     * @param hmacKey  the key for HS algorithms, null when the issuer has none
     */
    JwtVerifier(IssuerConfig issuer, KeySource keys, Clock clock, @Nullable Provider provider,
                byte @Nullable [] hmacKey) {
        this.issuer = Objects.requireNonNull(issuer, "issuer");
        Objects.requireNonNull(keys, "keys");
        Objects.requireNonNull(clock, "clock");
        Set<JWSAlgorithm> algorithms = algorithms(issuer);
        boolean usesHmac = algorithms.stream().anyMatch(HMAC::contains);
        MACVerifier hmac = hmacKey == null || !usesHmac ? null : macVerifier(issuer, hmacKey);
        for (JWSAlgorithm algorithm : algorithms) {
            if (HMAC.contains(algorithm) && (hmac == null || !hmac.supportedJWSAlgorithms().contains(algorithm))) {
                throw new IllegalArgumentException("issuer " + issuer.name() + ": algorithms: " + algorithm
                        + " (expected: an hmac_secret of at least " + minimumBytes(algorithm) + " bytes for it)");
            }
        }
        this.header = new HeaderPolicy(algorithms, issuer.tokenType());
        this.signature = new SignatureCheck(keys, new KeySelection(provider, clock), hmac);
        this.rules = new ClaimRules(issuer, clock);
        this.subjects = new SubjectClaims(issuer);
    }

    /** Whether the token is a valid access token of this issuer, and whose. */
    public CompletionStage<Verification> verify(String compactToken) {
        Objects.requireNonNull(compactToken, "compactToken");
        try {
            return switch (TokenShape.parse(compactToken)) {
                case Checked.No<TokenShape> no -> CompletableFuture.completedFuture(no.refusal());
                case Checked.Ok<TokenShape>(TokenShape shape) -> verifyParsed(shape);
            };
        } catch (RuntimeException e) {
            return CompletableFuture.completedFuture(failed(e));
        }
    }

    /** The configuration this verifier enforces. */
    IssuerConfig issuer() {
        return issuer;
    }

    /** Verification of a token already parsed, with its (not yet trusted) claims. */
    CompletionStage<Verification> verify(TokenShape shape, Map<String, Object> claims) {
        try {
            return switch (header.check(shape.header())) {
                case Checked.No<HeaderPolicy.Signing> no -> CompletableFuture.completedFuture(no.refusal());
                case Checked.Ok<HeaderPolicy.Signing>(HeaderPolicy.Signing signing) -> verify(shape, signing, claims);
            };
        } catch (RuntimeException e) {
            return CompletableFuture.completedFuture(failed(e));
        }
    }

    /**
     * The JWS checks alone, without reading the payload as claims: header and signature. For vectors whose
     * payload is not a claim set (the Wycheproof JWS tests).
     */
    CompletionStage<Checked<TokenShape>> verifySignature(TokenShape shape) {
        return switch (header.check(shape.header())) {
            case Checked.No<HeaderPolicy.Signing> no -> CompletableFuture.completedFuture(no.as());
            case Checked.Ok<HeaderPolicy.Signing>(HeaderPolicy.Signing signing) -> checkSignature(signing, shape);
        };
    }

    private CompletionStage<Verification> verifyParsed(TokenShape shape) {
        return switch (header.check(shape.header())) {
            case Checked.No<HeaderPolicy.Signing> no -> CompletableFuture.completedFuture(no.refusal());
            case Checked.Ok<HeaderPolicy.Signing>(HeaderPolicy.Signing signing) ->
                    switch (StrictJson.object(shape.payload(), "payload")) {
                        case Checked.No<Map<String, Object>> no -> CompletableFuture.completedFuture(no.refusal());
                        case Checked.Ok<Map<String, Object>>(Map<String, Object> claims) ->
                                verify(shape, signing, claims);
                    };
        };
    }

    private CompletionStage<Verification> verify(TokenShape shape, HeaderPolicy.Signing signing,
                                                 Map<String, Object> claims) {
        return checkSignature(signing, shape).thenApply(checked -> switch (checked) {
            case Checked.No<TokenShape> no -> no.refusal();
            case Checked.Ok<TokenShape> ok -> accept(claims);
        });
    }

    private CompletionStage<Checked<TokenShape>> checkSignature(HeaderPolicy.Signing signing, TokenShape shape) {
        try {
            return signature.verify(signing, shape);
        } catch (RuntimeException e) {
            return CompletableFuture.completedFuture(Checked.no(ReasonCode.TOKEN_INVALID,
                    "signature check failed: " + e.getClass().getSimpleName()));
        }
    }

    private Verification accept(Map<String, Object> claims) {
        try {
            return switch (rules.check(claims)) {
                case Checked.No<Instant> no -> no.refusal();
                case Checked.Ok<Instant>(Instant expiresAt) -> switch (subjects.subject(claims)) {
                    case Checked.No<Subject> no -> no.refusal();
                    case Checked.Ok<Subject>(Subject subject) -> new Verification.Accepted(subject, expiresAt);
                };
            };
        } catch (RuntimeException e) {
            return failed(e);
        }
    }

    /** A failure of the verifier itself: the token is not trusted, and the detail names only the failure's type. */
    private static Verification.Refused failed(RuntimeException e) {
        return Verification.refused(ReasonCode.TOKEN_INVALID, "verification failed: " + e.getClass().getSimpleName());
    }

    private static Set<JWSAlgorithm> algorithms(IssuerConfig issuer) {
        if (issuer.algorithms().isEmpty()) {
            throw new IllegalArgumentException("issuer " + issuer.name() + ": algorithms: [] (expected at least one)");
        }
        Set<JWSAlgorithm> algorithms = new HashSet<>();
        for (String name : issuer.algorithms()) {
            JWSAlgorithm algorithm = JWSAlgorithm.parse(name);
            if (name.toLowerCase(Locale.ROOT).equals("none")
                    || !(KeySelection.ASYMMETRIC.contains(algorithm) || HMAC.contains(algorithm))) {
                throw new IllegalArgumentException("issuer " + issuer.name() + ": algorithms: " + name
                        + " (expected one of RS256, RS384, RS512, PS256, PS384, PS512, ES256, ES384, ES512, EdDSA,"
                        + " HS256, HS384, HS512)");
            }
            algorithms.add(algorithm);
        }
        return algorithms;
    }

    private static MACVerifier macVerifier(IssuerConfig issuer, byte[] key) {
        try {
            return new MACVerifier(key);
        } catch (JOSEException e) {
            throw new IllegalArgumentException("issuer " + issuer.name() + ": hmac_secret: " + key.length
                    + " bytes (expected at least 32)");
        }
    }

    private static int minimumBytes(JWSAlgorithm algorithm) {
        return Integer.parseInt(algorithm.getName().substring(2)) / 8;
    }

    private static byte @Nullable [] secretBytes(@Nullable Secret secret) {
        return secret == null ? null : secret.bytes();
    }
}
