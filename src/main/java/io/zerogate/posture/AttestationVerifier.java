package io.zerogate.posture;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.SignedJWT;
import io.zerogate.chain.ReasonCode;
import io.zerogate.config.PostureConfig;
import io.zerogate.identity.jwt.KeyLookup;
import io.zerogate.identity.jwt.KeySource;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.text.ParseException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.stream.Collectors;

/**
 * Verifies device attestations: short-lived JWTs signed by the posture issuer (an MDM or EDR service) with a key
 * of its JWK set, of an accepted algorithm (never {@code none} or HMAC), with the configured {@code iss} and
 * {@code aud}, an {@code exp} not passed, an {@code iat} no older than {@code max_age} and not in the future, a
 * {@code device_id}, and facts of the right types (see {@link DeviceFacts}). {@code sub}, when present, names the
 * user the device belongs to.
 *
 * <p>A verified attestation is remembered, keyed by a digest of its bytes, until it would expire or grow too old,
 * so that a device sending the same attestation again costs a hash instead of a signature check. The answer
 * completes at once unless the issuer's keys must be fetched first; it never completes exceptionally.
 */
final class AttestationVerifier {

    /** Longer attestations are refused unread. */
    static final int MAX_LENGTH = 16 * 1024;
    private static final int CACHE_SIZE = 10_000;

    /** A verified attestation's device and the moment it stops being acceptable. */
    private record Verified(Device device, Instant validUntil) {}

    private final PostureConfig.Attestation config;
    private final KeySource keys;
    private final Clock clock;
    private final Set<JWSAlgorithm> algorithms;
    private final Cache<ByteBuffer, Verified> verified;

    AttestationVerifier(PostureConfig.Attestation config, KeySource keys, Clock clock) {
        this.config = Objects.requireNonNull(config, "config");
        this.keys = Objects.requireNonNull(keys, "keys");
        this.clock = Objects.requireNonNull(clock, "clock");
        this.algorithms = config.algorithms().stream().map(JWSAlgorithm::parse).collect(Collectors.toUnmodifiableSet());
        for (JWSAlgorithm algorithm : algorithms) {
            if (!AttestationSignature.SUPPORTED.contains(algorithm)) {
                throw new IllegalArgumentException("posture.attestation.algorithms: " + algorithm
                        + " (expected an asymmetric JWS algorithm)");
            }
        }
        this.verified = Caffeine.newBuilder()
                .maximumSize(CACHE_SIZE)
                .ticker(() -> {
                    Instant now = clock.instant();
                    return now.getEpochSecond() * 1_000_000_000L + now.getNano();
                })
                // An entry is also checked against its own validity on every hit; this only frees memory.
                .expireAfterWrite(config.maxAge())
                .executor(Runnable::run)
                .build();
    }

    /** The device the attestation vouches for, or why it vouches for nothing. */
    CompletionStage<PostureAnswer> verify(String attestation) {
        try {
            if (attestation.isEmpty() || attestation.length() > MAX_LENGTH) {
                return done(DeviceFacts.invalid("attestation is empty or longer than " + MAX_LENGTH + " characters"));
            }
            ByteBuffer digest = digest(attestation);
            Verified hit = verified.getIfPresent(digest);
            if (hit != null) {
                if (clock.instant().isBefore(hit.validUntil())) {
                    return done(new PostureAnswer.Known(hit.device()));
                }
                verified.invalidate(digest);
            }
            SignedJWT jwt;
            try {
                jwt = SignedJWT.parse(attestation);
            } catch (ParseException e) {
                return done(DeviceFacts.invalid("attestation is not a signed JWT"));
            }
            JWSHeader header = jwt.getHeader();
            if (!algorithms.contains(header.getAlgorithm())) {
                return done(DeviceFacts.invalid("attestation alg is not among posture.attestation.algorithms"));
            }
            CompletionStage<KeyLookup> lookup = keys.keys(header.getKeyID());
            if (lookup == null) {
                return done(unavailable("the key source gave no answer"));
            }
            return lookup.handle((found, failure) -> {
                if (failure != null || found == null) {
                    return unavailable("the key source failed");
                }
                try {
                    return switch (found) {
                        case KeyLookup.Found f -> afterKeys(jwt, f.keys(), digest);
                        case KeyLookup.Unknown u -> DeviceFacts.invalid("no key of the posture issuer has the attestation's kid");
                        case KeyLookup.Unavailable u -> unavailable(u.detail());
                    };
                } catch (RuntimeException e) {
                    return DeviceFacts.invalid("verification failed: " + e.getClass().getSimpleName());
                }
            });
        } catch (RuntimeException e) {
            return done(DeviceFacts.invalid("verification failed: " + e.getClass().getSimpleName()));
        }
    }

    private PostureAnswer afterKeys(SignedJWT jwt, List<com.nimbusds.jose.jwk.JWK> candidates, ByteBuffer digest) {
        switch (AttestationSignature.check(jwt, candidates)) {
            case NO_FITTING_KEY -> {
                return DeviceFacts.invalid("no key of the posture issuer fits alg " + jwt.getHeader().getAlgorithm());
            }
            case BAD_SIGNATURE -> {
                return DeviceFacts.invalid("signature does not verify with the posture issuer's keys");
            }
            case VERIFIED -> {
            }
        }
        JWTClaimsSet claims;
        Map<String, Object> raw;
        try {
            claims = jwt.getJWTClaimsSet();
            raw = jwt.getPayload().toJSONObject();
        } catch (ParseException e) {
            return DeviceFacts.invalid("attestation claims are not a JSON object with well-typed registered claims");
        }
        if (raw == null) {
            return DeviceFacts.invalid("attestation claims are not a JSON object");
        }
        Instant now = clock.instant();
        PostureAnswer answer = claims(claims, raw, now);
        if (answer instanceof PostureAnswer.Known known) {
            Instant expiresAt = claims.getExpirationTime().toInstant();
            Instant tooOld = claims.getIssueTime().toInstant().plus(config.maxAge());
            verified.put(digest, new Verified(known.device(), expiresAt.isBefore(tooOld) ? expiresAt : tooOld));
        }
        return answer;
    }

    private PostureAnswer claims(JWTClaimsSet claims, Map<String, Object> raw, Instant now) {
        if (!config.issuer().equals(claims.getIssuer())) {
            return DeviceFacts.invalid(claims.getIssuer() == null ? "attestation has no iss" : "iss is not the posture issuer");
        }
        String audience = config.audience();
        if (audience != null && (claims.getAudience() == null || !claims.getAudience().contains(audience))) {
            return DeviceFacts.invalid("aud does not name " + audience);
        }
        if (claims.getExpirationTime() == null) {
            return DeviceFacts.invalid("attestation has no exp");
        }
        if (claims.getIssueTime() == null) {
            return DeviceFacts.invalid("attestation has no iat, needed to bound its age");
        }
        Instant expiresAt = claims.getExpirationTime().toInstant();
        Instant issuedAt = claims.getIssueTime().toInstant();
        if (!now.isBefore(expiresAt)) {
            return PostureAnswer.refused(ReasonCode.DEVICE_ATTESTATION_EXPIRED, "attestation expired at " + expiresAt);
        }
        if (issuedAt.isAfter(now.plus(DeviceFacts.CLOCK_SKEW))) {
            return DeviceFacts.invalid("attestation is issued in the future, at " + issuedAt);
        }
        Duration age = Duration.between(issuedAt, now);
        if (age.compareTo(config.maxAge()) > 0) {
            return PostureAnswer.refused(ReasonCode.DEVICE_ATTESTATION_EXPIRED, "attestation was issued " + age.toSeconds()
                    + "s ago (expected at most " + config.maxAge().toSeconds() + "s)");
        }
        if (claims.getNotBeforeTime() != null && claims.getNotBeforeTime().toInstant().isAfter(now.plus(DeviceFacts.CLOCK_SKEW))) {
            return DeviceFacts.invalid("attestation is not valid before " + claims.getNotBeforeTime().toInstant());
        }
        Map<String, Object> all = raw;
        for (String name : List.of("iss", "sub")) {
            if (all.get(name) != null && !(all.get(name) instanceof String)) {
                // Nimbus reads a numeric sub as text; an issuer that sends one is not understood.
                return DeviceFacts.invalid(name + " is not a string");
            }
        }
        if (!(all.get("device_id") instanceof String id) || !DeviceFacts.plausibleText(id)) {
            return DeviceFacts.invalid("device_id is missing, not a string, or not a plausible id");
        }
        String user = claims.getSubject();
        if (user != null && !DeviceFacts.plausibleText(user)) {
            return DeviceFacts.invalid("sub is not a plausible user id");
        }
        return DeviceFacts.read(all, id, user, issuedAt, now, Device.Source.ATTESTATION);
    }

    private static PostureAnswer.Refused unavailable(String detail) {
        return PostureAnswer.refused(ReasonCode.POSTURE_UNAVAILABLE, "posture issuer keys unavailable: " + detail);
    }

    private static CompletableFuture<PostureAnswer> done(PostureAnswer answer) {
        return CompletableFuture.completedFuture(answer);
    }

    private static ByteBuffer digest(String attestation) {
        try {
            return ByteBuffer.wrap(MessageDigest.getInstance("SHA-256")
                    .digest(attestation.getBytes(StandardCharsets.UTF_8)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is not available", e);
        }
    }

    /** For tests: the attestations remembered as verified. */
    long cached() {
        verified.cleanUp();
        return verified.estimatedSize();
    }
}
