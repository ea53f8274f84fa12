package io.zerogate.posture;

import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.JOSEObjectType;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.crypto.ECDSASigner;
import com.nimbusds.jose.jwk.Curve;
import com.nimbusds.jose.jwk.ECKey;
import com.nimbusds.jose.jwk.JWK;
import com.nimbusds.jose.jwk.gen.ECKeyGenerator;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.SignedJWT;
import io.zerogate.config.PostureConfig;
import io.zerogate.identity.jwt.KeyLookup;
import io.zerogate.identity.jwt.KeySource;
import java.net.URI;
import java.time.Duration;
import java.time.Instant;
import java.util.Date;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;

/** A posture issuer for tests: an ES256 key pair of its own, attestations signed with it, and its key set. */
final class Attestations {

    static final String ISSUER = "https://mdm.test";
    static final Instant NOW = Instant.parse("2026-11-24T12:00:00Z");

    final ECKey key;

    Attestations() {
        this.key = newKey("mdm-1");
    }

    static ECKey newKey(String kid) {
        try {
            return new ECKeyGenerator(Curve.P_256).keyID(kid).generate();
        } catch (JOSEException e) {
            throw new IllegalStateException(e);
        }
    }

    /** The attestation configuration the tests verify against (jwks_uri unused by a fake key source). */
    static PostureConfig.Attestation config(Duration maxAge) {
        return new PostureConfig.Attestation("Device-Attestation", ISSUER, URI.create("http://127.0.0.1:9/keys"), null,
                List.of("ES256", "RS256"), maxAge, 1);
    }

    /** The claims of a fresh attestation for a compliant device of {@code user}, issued at {@code now}. */
    static JWTClaimsSet.Builder claims(String user, Instant now) {
        return new JWTClaimsSet.Builder()
                .issuer(ISSUER)
                .subject(user)
                .issueTime(Date.from(now))
                .expirationTime(Date.from(now.plus(Duration.ofMinutes(5))))
                .claim("device_id", "laptop-1")
                .claim("managed", true)
                .claim("compliant", true)
                .claim("disk_encrypted", true)
                .claim("os", "macOS")
                .claim("os_version", "15.1")
                .claim("patch_level", "2026-11-01")
                .claim("edr_running", true)
                .claim("checked_at", now.minusSeconds(60).getEpochSecond());
    }

    String sign(JWTClaimsSet.Builder claims) {
        return sign(key, claims);
    }

    String sign(Consumer<JWTClaimsSet.Builder> change) {
        JWTClaimsSet.Builder claims = claims("alice", NOW);
        change.accept(claims);
        return sign(key, claims);
    }

    static String sign(ECKey with, JWTClaimsSet.Builder claims) {
        try {
            SignedJWT jwt = new SignedJWT(new JWSHeader.Builder(JWSAlgorithm.ES256).keyID(with.getKeyID())
                    .type(JOSEObjectType.JWT).build(), claims.build());
            jwt.sign(new ECDSASigner(with));
            return jwt.serialize();
        } catch (JOSEException e) {
            throw new IllegalStateException(e);
        }
    }

    /** A key source that answers at once with this issuer's public key, counting the lookups. */
    KeySource keys(AtomicInteger lookups) {
        return kid -> {
            lookups.incrementAndGet();
            return CompletableFuture.completedFuture(new KeyLookup.Found(List.<JWK>of(key.toPublicJWK())));
        };
    }

    /** A key source that answers when the test completes {@code answer}. */
    static KeySource later(CompletableFuture<KeyLookup> answer) {
        return kid -> answer;
    }

    static KeySource answering(KeyLookup lookup) {
        return kid -> CompletableFuture.completedFuture(lookup);
    }

    static KeySource failing(Throwable error) {
        return kid -> CompletableFuture.<KeyLookup>failedFuture(error);
    }

    /** Waits at most a few seconds for an answer that the test expects to be complete. */
    static <T> T now(CompletionStage<T> stage) throws Exception {
        return stage.toCompletableFuture().get(5, java.util.concurrent.TimeUnit.SECONDS);
    }

    static Map<String, Object> json(Object... kv) {
        java.util.LinkedHashMap<String, Object> m = new java.util.LinkedHashMap<>();
        for (int i = 0; i < kv.length; i += 2) {
            m.put((String) kv[i], kv[i + 1]);
        }
        return m;
    }
}
