package io.zerogate.identity.jwt;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.crypto.ECDSASigner;
import com.nimbusds.jose.crypto.MACSigner;
import com.nimbusds.jose.crypto.RSASSASigner;
import com.nimbusds.jose.jwk.Curve;
import com.nimbusds.jose.jwk.ECKey;
import com.nimbusds.jose.jwk.JWK;
import com.nimbusds.jose.jwk.OctetKeyPair;
import com.nimbusds.jose.jwk.RSAKey;
import com.nimbusds.jose.jwk.gen.ECKeyGenerator;
import com.nimbusds.jose.jwk.gen.RSAKeyGenerator;
import com.nimbusds.jose.util.Base64URL;
import static org.assertj.core.api.Assertions.assertThat;

import io.zerogate.chain.ReasonCode;
import io.zerogate.config.IssuerConfig;
import io.zerogate.config.Secret;
import io.zerogate.identity.Verification;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.Signature;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import org.jspecify.annotations.Nullable;

/** Keys, issuers, key sources, a settable clock and a token builder for the JWT tests. */
final class JwtFixtures {

    static final String ISSUER = "https://sso.example.com/realms/corp";
    static final String AUDIENCE = "orders-api";
    static final Instant NOW = Instant.parse("2026-03-01T12:00:00Z");
    static final Clock NOW_CLOCK = Clock.fixed(NOW, ZoneOffset.UTC);
    static final String HMAC_SECRET = "a shared secret of at least thirty-two bytes, for HS256";

    static final TestKey RSA = TestKey.rsa("rsa-1");
    static final TestKey EC = TestKey.ec("ec-1", Curve.P_256);
    static final TestKey EC384 = TestKey.ec("ec-384", Curve.P_384);
    static final TestKey EC521 = TestKey.ec("ec-521", Curve.P_521);
    static final TestKey ED = TestKey.ed25519("ed-1");
    static final TestKey ATTACKER_RSA = TestKey.rsa("rsa-1");
    static final TestKey ATTACKER_EC = TestKey.ec("ec-1", Curve.P_256);

    private static final ObjectMapper JSON = new ObjectMapper();

    private JwtFixtures() {}

    /** An issuer accepting the usual asymmetric algorithms, with the defaults of the configuration schema. */
    static Issuer issuer() {
        return new Issuer();
    }

    /** A mutable description of an issuer, turned into an {@link IssuerConfig} by {@link #config()}. */
    static final class Issuer {
        String name = "corp";
        String issuer = ISSUER;
        Set<String> audiences = Set.of(AUDIENCE);
        Set<String> algorithms = Set.of("RS256", "PS256", "ES256", "ES384", "ES512", "EdDSA");
        @Nullable Secret hmacSecret;
        Duration clockSkew = Duration.ofSeconds(30);
        Duration maxTokenLifetime = Duration.ofHours(1);
        List<String> requiredClaims = List.of();
        @Nullable String tokenType;
        String scopeClaim = "scope";
        String rolesClaim = "realm_access.roles";

        Issuer name(String value) {
            name = value;
            return this;
        }

        Issuer audiences(String... values) {
            audiences = Set.of(values);
            return this;
        }

        Issuer algorithms(String... values) {
            algorithms = Set.of(values);
            return this;
        }

        Issuer hmac(String secret) {
            hmacSecret = new Secret(secret);
            return this;
        }

        Issuer maxTokenLifetime(Duration value) {
            maxTokenLifetime = value;
            return this;
        }

        Issuer requiredClaims(String... values) {
            requiredClaims = List.of(values);
            return this;
        }

        Issuer tokenType(String value) {
            tokenType = value;
            return this;
        }

        Issuer scopeClaim(String value) {
            scopeClaim = value;
            return this;
        }

        Issuer rolesClaim(String value) {
            rolesClaim = value;
            return this;
        }

        IssuerConfig config() {
            return new IssuerConfig(name, issuer, audiences, algorithms, null, hmacSecret, clockSkew,
                    maxTokenLifetime, requiredClaims, tokenType, scopeClaim, rolesClaim, Duration.ofMinutes(5),
                    Duration.ofSeconds(30), Duration.ofHours(1), Duration.ofSeconds(5), null, 1);
        }
    }

    /** Claims of a valid token at {@link #NOW}: issued now, expiring in ten minutes. */
    static Map<String, Object> claims() {
        Map<String, Object> claims = new LinkedHashMap<>();
        claims.put("iss", ISSUER);
        claims.put("sub", "alice");
        claims.put("aud", AUDIENCE);
        claims.put("iat", NOW.getEpochSecond());
        claims.put("exp", NOW.plusSeconds(600).getEpochSecond());
        claims.put("scope", "orders:read orders:write");
        return claims;
    }

    /** Claims with some changed: a null value removes the claim. */
    static Map<String, Object> claims(Object... namesAndValues) {
        Map<String, Object> claims = claims();
        for (int i = 0; i < namesAndValues.length; i += 2) {
            if (namesAndValues[i + 1] == null) {
                claims.remove((String) namesAndValues[i]);
            } else {
                claims.put((String) namesAndValues[i], namesAndValues[i + 1]);
            }
        }
        return claims;
    }

    /** A header naming the algorithm and the key's id. */
    static Map<String, Object> header(String alg, @Nullable String kid) {
        Map<String, Object> header = new LinkedHashMap<>();
        header.put("alg", alg);
        if (kid != null) {
            header.put("kid", kid);
        }
        return header;
    }

    static String json(Object value) {
        try {
            return JSON.writeValueAsString(value);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    static String b64(String text) {
        return b64(text.getBytes(StandardCharsets.UTF_8));
    }

    static String b64(byte[] bytes) {
        return Base64.getUrlEncoder().withoutPadding().encodeToString(bytes);
    }

    /** A token with this header and claims, signed by the key with the header's algorithm. */
    static String token(Map<String, Object> header, Map<String, Object> claims, TestKey key) {
        return raw(json(header), json(claims), key);
    }

    /** A token signed by the key with the algorithm, with its kid, over the default claims. */
    static String token(String alg, TestKey key) {
        return token(header(alg, key.kid()), claims(), key);
    }

    /** A token of exactly these header and payload texts, signed with the algorithm the header names. */
    static String raw(String headerJson, String payloadJson, TestKey key) {
        return raw(JWSAlgorithm.parse((String) parse(headerJson).get("alg")), headerJson, payloadJson, key);
    }

    /** A token of exactly these header and payload texts, signed with this algorithm. */
    static String raw(JWSAlgorithm alg, String headerJson, String payloadJson, TestKey key) {
        String input = b64(headerJson) + "." + b64(payloadJson);
        return input + "." + b64(key.sign(alg, input.getBytes(StandardCharsets.US_ASCII)));
    }

    static String hmacToken(String alg, byte[] secret, Map<String, Object> header, Map<String, Object> claims) {
        String input = b64(json(header)) + "." + b64(json(claims));
        try {
            Base64URL mac = new MACSigner(secret).sign(new JWSHeader(JWSAlgorithm.parse(alg)),
                    input.getBytes(StandardCharsets.US_ASCII));
            return input + "." + mac;
        } catch (JOSEException e) {
            throw new IllegalStateException(e);
        }
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> parse(String json) {
        try {
            return JSON.readValue(json, Map.class);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    /** The verification, which must be complete already (no key source here answers later). */
    static Verification done(CompletionStage<Verification> stage) {
        CompletableFuture<Verification> future = stage.toCompletableFuture();
        assertThat(future).isDone();
        return future.join();
    }

    /** The accepted verification of a token. */
    static Verification.Accepted accepted(CompletionStage<Verification> stage) {
        Verification verification = done(stage);
        assertThat(verification).isInstanceOf(Verification.Accepted.class);
        return (Verification.Accepted) verification;
    }

    /**
     * The refusal of a token, which must carry this reason and a detail that repeats no part of the token longer
     * than a few characters.
     */
    static Verification.Refused refused(CompletionStage<Verification> stage, String token, ReasonCode reason) {
        Verification verification = done(stage);
        assertThat(verification).isInstanceOf(Verification.Refused.class);
        Verification.Refused refused = (Verification.Refused) verification;
        assertThat(refused.reason()).as(refused.detail()).isEqualTo(reason);
        assertThat(refused.detail()).isNotBlank();
        for (String segment : token.split("\\.")) {
            if (segment.length() > 12) {
                assertThat(refused.detail()).doesNotContain(segment.substring(0, 12));
            }
        }
        return refused;
    }

    /** A signing key and its public JWK. */
    record TestKey(String kid, JWK publicJwk, Signer signer) {

        interface Signer {
            byte[] sign(JWSAlgorithm alg, byte[] input) throws Exception;
        }

        byte[] sign(JWSAlgorithm alg, byte[] input) {
            try {
                return signer.sign(alg, input);
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        }

        static TestKey rsa(String kid) {
            try {
                RSAKey key = new RSAKeyGenerator(2048).keyID(kid).generate();
                RSASSASigner signer = new RSASSASigner(key);
                return new TestKey(kid, key.toPublicJWK(),
                        (alg, input) -> signer.sign(new JWSHeader(alg), input).decode());
            } catch (JOSEException e) {
                throw new IllegalStateException(e);
            }
        }

        static TestKey ec(String kid, Curve curve) {
            try {
                ECKey key = new ECKeyGenerator(curve).keyID(kid).generate();
                ECDSASigner signer = new ECDSASigner(key);
                return new TestKey(kid, key.toPublicJWK(),
                        (alg, input) -> signer.sign(new JWSHeader(alg), input).decode());
            } catch (JOSEException e) {
                throw new IllegalStateException(e);
            }
        }

        static TestKey ed25519(String kid) {
            try {
                KeyPair pair = KeyPairGenerator.getInstance("Ed25519").generateKeyPair();
                byte[] encoded = pair.getPublic().getEncoded();
                byte[] x = Arrays.copyOfRange(encoded, encoded.length - 32, encoded.length);
                OctetKeyPair jwk = new OctetKeyPair.Builder(Curve.Ed25519, Base64URL.encode(x)).keyID(kid).build();
                return new TestKey(kid, jwk, (alg, input) -> {
                    Signature signature = Signature.getInstance("Ed25519");
                    signature.initSign(pair.getPrivate());
                    signature.update(input);
                    return signature.sign();
                });
            } catch (GeneralSecurityException e) {
                throw new IllegalStateException(e);
            }
        }
    }

    /** A key source over a fixed key set that counts and records its lookups. */
    static final class StaticKeys implements KeySource {
        private final List<JWK> keys;
        final AtomicInteger calls = new AtomicInteger();
        final List<@Nullable String> kidsAsked = new CopyOnWriteArrayList<>();

        StaticKeys(JWK... keys) {
            this.keys = List.of(keys);
        }

        StaticKeys(TestKey... keys) {
            List<JWK> jwks = new ArrayList<>();
            for (TestKey key : keys) {
                jwks.add(key.publicJwk());
            }
            this.keys = List.copyOf(jwks);
        }

        @Override
        public CompletionStage<KeyLookup> keys(@Nullable String kid) {
            calls.incrementAndGet();
            kidsAsked.add(kid);
            List<JWK> found = new ArrayList<>();
            for (JWK key : keys) {
                if (kid == null || kid.equals(key.getKeyID())) {
                    found.add(key);
                }
            }
            return CompletableFuture.completedFuture(found.isEmpty()
                    ? new KeyLookup.Unknown("kid not in the key set")
                    : new KeyLookup.Found(found));
        }
    }

    /** A clock that stays where a test puts it. */
    static final class TestClock extends Clock {
        private volatile Instant now;

        TestClock(Instant now) {
            this.now = now;
        }

        void set(Instant instant) {
            now = instant;
        }

        void advance(Duration duration) {
            now = now.plus(duration);
        }

        @Override
        public ZoneId getZone() {
            return ZoneOffset.UTC;
        }

        @Override
        public Clock withZone(ZoneId zone) {
            return this;
        }

        @Override
        public Instant instant() {
            return now;
        }
    }
}
