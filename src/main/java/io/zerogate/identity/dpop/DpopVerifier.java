package io.zerogate.identity.dpop;

import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.JWSAlgorithm;
import io.zerogate.chain.ReasonCode;
import io.zerogate.config.DpopConfig;
import io.zerogate.config.Secret;
import io.zerogate.state.StateStore;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.util.Base64;
import java.util.HashSet;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import org.jspecify.annotations.Nullable;

/**
 * Checks DPoP proofs (RFC 9449 section 4.3) that come with access tokens: the proof's form, type, algorithm,
 * public key and signature; that it was made for this request ({@code htm}, {@code htu}), recently
 * ({@code iat}), for this access token ({@code ath}) and, for a bound token, with the token's key
 * ({@code cnf.jkt}); optionally that it carries a current server nonce; and, last, that it was not used before.
 *
 * <p>Replay protection claims {@code dpop:<jkt>:<jti>} in the state store for twice the proof's maximum age and
 * a second (longer than any {@code iat} keeps a proof acceptable). Only proofs that passed every other check are
 * claimed, so a refused proof never uses up its {@code jti}. When the store fails the proof is refused.
 */
public final class DpopVerifier {

    /** Longest accepted {@code jti}; RFC 9449 asks for enough randomness, not for a long text. */
    static final int MAX_JTI_LENGTH = 256;

    /**
     * Added to the replay claim's time to live: a proof whose {@code iat} is a whole maximum age ahead is still
     * acceptable at the very end of twice the maximum age, and nodes' clocks differ a little.
     */
    private static final Duration REPLAY_MARGIN = Duration.ofSeconds(1);

    private final Set<JWSAlgorithm> algorithms;
    private final long maxAgeMillis;
    private final Duration replayTtl;
    private final boolean requireNonce;
    private final DpopNonces nonces;
    private final StateStore replay;
    private final Clock clock;

    /**
     * @throws IllegalArgumentException when the configuration names an algorithm that is not asymmetric, or a
     *                                  proof age or nonce lifetime that is not positive
     */
    public DpopVerifier(DpopConfig config, StateStore replay, Clock clock) {
        Objects.requireNonNull(config, "config");
        this.replay = Objects.requireNonNull(replay, "replay");
        this.clock = Objects.requireNonNull(clock, "clock");
        Set<JWSAlgorithm> algorithms = new HashSet<>();
        for (String name : config.algorithms()) {
            JWSAlgorithm alg = JWSAlgorithm.parse(name);
            if (!ProofKey.ASYMMETRIC.contains(alg)) {
                throw new IllegalArgumentException("dpop algorithms: " + name + " (expected one of "
                        + ProofKey.ASYMMETRIC.stream().map(JWSAlgorithm::getName).sorted().toList() + ")");
            }
            algorithms.add(alg);
        }
        if (algorithms.isEmpty()) {
            throw new IllegalArgumentException("dpop algorithms: [] (expected at least one)");
        }
        this.algorithms = Set.copyOf(algorithms);
        Duration maxAge = config.proofMaxAge();
        if (maxAge.isNegative() || maxAge.toMillis() < 1) {
            throw new IllegalArgumentException("proofMaxAge: " + maxAge + " (expected: >= 1ms)");
        }
        this.maxAgeMillis = maxAge.toMillis();
        this.replayTtl = maxAge.multipliedBy(2).plus(REPLAY_MARGIN);
        this.requireNonce = config.requireNonce();
        Secret secret = config.nonceSecret();
        byte[] key;
        if (secret != null) {
            key = secret.bytes();
        } else {
            key = new byte[32];
            new SecureRandom().nextBytes(key);
        }
        this.nonces = new DpopNonces(key, config.nonceLifetime(), clock);
    }

    /**
     * Checks the DPoP proof of one request.
     *
     * @param proof       the value of the request's one {@code DPoP} header; null when it had none (the caller
     *                    refuses several {@code DPoP} headers before asking)
     * @param method      the request method
     * @param htu         the URI the request was sent to as the gateway saw it: {@code scheme://host[:port]/path}
     * @param accessToken the access token the request carries, which {@code ath} must hash to
     * @param expectedJkt the token's {@code cnf.jkt}, or null when the token is not bound to a key
     * @return completes on the caller's thread unless the replay check has to wait for the state store
     */
    public CompletionStage<DpopCheck> verify(@Nullable String proof, String method, String htu, String accessToken,
                                             @Nullable String expectedJkt) {
        return verify(proof, method, java.util.List.of(htu), accessToken, expectedJkt);
    }

    /**
     * Checks the DPoP proof of one request that may rightly be named by more than one URI: as the client sent
     * it, and as the gateway normalised it for routing (dot segments removed, {@code //} collapsed). The
     * proof's {@code htu} must match one of them.
     */
    public CompletionStage<DpopCheck> verify(@Nullable String proof, String method, java.util.List<String> htus,
                                             String accessToken, @Nullable String expectedJkt) {
        Objects.requireNonNull(method, "method");
        if (htus.isEmpty()) {
            throw new IllegalArgumentException("htus: [] (expected at least one request URI)");
        }
        Objects.requireNonNull(accessToken, "accessToken");
        if (proof == null) {
            return invalid("the request carries no DPoP proof");
        }
        DpopProof checked;
        String jkt;
        try {
            checked = DpopProof.read(proof, algorithms);
            jkt = checked.jwk().computeThumbprint().toString();
        } catch (DpopProof.Refused e) {
            return invalid(e.getMessage());
        } catch (JOSEException | RuntimeException e) {
            return invalid("the proof could not be read");
        }
        String problem = claimsProblem(checked, method, htus, accessToken);
        if (problem == null && expectedJkt != null && !MessageDigest.isEqual(
                jkt.getBytes(StandardCharsets.US_ASCII), expectedJkt.getBytes(StandardCharsets.US_ASCII))) {
            problem = "the proof's key is not the key the access token is bound to (cnf.jkt)";
        }
        if (problem != null) {
            return invalid(problem);
        }
        if (requireNonce) {
            Object nonce = checked.claims().get("nonce");
            if (!(nonce instanceof String text) || !nonces.accepts(text)) {
                String detail = nonce == null ? "the proof carries no nonce" : "the proof's nonce is not current";
                return CompletableFuture.completedFuture(new DpopCheck.NonceRequired(nonces.current(), detail));
            }
        }
        return claimJti(jkt, (String) checked.claims().get("jti"));
    }

    /** A nonce to send in a {@code DPoP-Nonce} header; the same for every caller during a part of its lifetime. */
    public String nonce() {
        return nonces.current();
    }

    private @Nullable String claimsProblem(DpopProof proof, String method, java.util.List<String> htus, String accessToken) {
        var claims = proof.claims();
        if (!(claims.get("jti") instanceof String jti) || jti.isEmpty() || jti.length() > MAX_JTI_LENGTH) {
            return "jti is missing, not a string or longer than " + MAX_JTI_LENGTH + " characters";
        }
        if (!(claims.get("htm") instanceof String htm) || !htm.equals(method)) {
            return "htm does not match the request method";
        }
        String claimedUri = claims.get("htu") instanceof String claimed ? HttpUri.normalise(claimed) : null;
        boolean comparable = false;
        boolean matched = false;
        for (String htu : htus) {
            String requestUri = HttpUri.normalise(htu);
            if (requestUri != null) {
                comparable = true;
                matched |= requestUri.equals(claimedUri);
            }
        }
        if (!comparable) {
            return "the request URI cannot be compared with htu";
        }
        if (!matched) {
            return "htu does not match the request URI";
        }
        if (!(claims.get("iat") instanceof Number iat) || !Double.isFinite(iat.doubleValue())) {
            return "iat is missing or not a number";
        }
        double ageMillis = clock.millis() - iat.doubleValue() * 1000;
        if (ageMillis > maxAgeMillis) {
            return "iat is older than the proof's maximum age";
        }
        if (-ageMillis > maxAgeMillis) {
            return "iat is further in the future than the proof's maximum age";
        }
        if (!(claims.get("ath") instanceof String ath)
                || !MessageDigest.isEqual(ath.getBytes(StandardCharsets.UTF_8), tokenHash(accessToken))) {
            return "ath is missing or does not match the access token";
        }
        return null;
    }

    private CompletionStage<DpopCheck> claimJti(String jkt, String jti) {
        CompletionStage<Boolean> claim;
        try {
            claim = replay.claimOnce("dpop:" + jkt + ":" + jti, replayTtl);
        } catch (RuntimeException e) {
            return CompletableFuture.completedFuture(storeFailed(e));
        }
        if (claim == null) {
            return CompletableFuture.completedFuture(storeFailed(null));
        }
        return claim.handle((first, error) -> {
            if (error != null || first == null) {
                return storeFailed(error);
            }
            return first ? new DpopCheck.Valid(jkt)
                    : new DpopCheck.Invalid(ReasonCode.DPOP_PROOF_REPLAYED, "the proof's jti was used before");
        });
    }

    /** Without the replay check a proof could be replayed: refuse, as for any check that cannot be made. */
    private static DpopCheck storeFailed(@Nullable Throwable error) {
        Throwable cause = error;
        while (cause != null && cause.getCause() != null && cause.getCause() != cause) {
            cause = cause.getCause();
        }
        return new DpopCheck.Invalid(ReasonCode.STATE_UNAVAILABLE, "the replay check could not be made: the state store "
                + (cause == null ? "gave no answer" : "failed (" + cause.getClass().getSimpleName() + ")"));
    }

    private static byte[] tokenHash(String accessToken) {
        try {
            byte[] digest = MessageDigest.getInstance("SHA-256").digest(accessToken.getBytes(StandardCharsets.US_ASCII));
            return Base64.getUrlEncoder().withoutPadding().encode(digest);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is unavailable", e);
        }
    }

    private static CompletionStage<DpopCheck> invalid(String detail) {
        return CompletableFuture.completedFuture(new DpopCheck.Invalid(ReasonCode.DPOP_PROOF_INVALID, detail));
    }
}
