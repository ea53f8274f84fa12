package io.zerogate.identity.jwt;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.JWSVerifier;
import com.nimbusds.jose.crypto.ECDSAVerifier;
import com.nimbusds.jose.crypto.RSASSAVerifier;
import com.nimbusds.jose.jwk.Curve;
import com.nimbusds.jose.jwk.ECKey;
import com.nimbusds.jose.jwk.JWK;
import com.nimbusds.jose.jwk.KeyOperation;
import com.nimbusds.jose.jwk.KeyUse;
import com.nimbusds.jose.jwk.OctetKeyPair;
import com.nimbusds.jose.jwk.RSAKey;
import com.nimbusds.jose.util.Base64URL;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.PublicKey;
import java.security.Provider;
import java.security.Signature;
import java.security.interfaces.ECPublicKey;
import java.security.interfaces.RSAPublicKey;
import java.security.spec.X509EncodedKeySpec;
import java.time.Clock;
import java.util.ArrayList;
import java.util.Date;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.jspecify.annotations.Nullable;

/**
 * Which keys of an issuer's set may check a signature made with a given algorithm, and the verifier for each.
 * A key fits when its type and curve match the algorithm, its own {@code alg} (if stated) is that algorithm,
 * its {@code use} (if stated) is {@code sig}, its {@code key_ops} (if stated) include {@code verify}, it is not
 * revoked or outside its validity dates, and an RSA key has at least 2048 bits (RFC 7518 §3.3).
 */
final class KeySelection {

    /** The JWS algorithms checked with a key from the issuer's set. */
    static final Set<JWSAlgorithm> ASYMMETRIC = Set.of(JWSAlgorithm.RS256, JWSAlgorithm.RS384, JWSAlgorithm.RS512,
            JWSAlgorithm.PS256, JWSAlgorithm.PS384, JWSAlgorithm.PS512, JWSAlgorithm.ES256, JWSAlgorithm.ES384,
            JWSAlgorithm.ES512, JWSAlgorithm.EdDSA);

    private static final Map<JWSAlgorithm, Curve> EC_CURVES = Map.of(JWSAlgorithm.ES256, Curve.P_256,
            JWSAlgorithm.ES384, Curve.P_384, JWSAlgorithm.ES512, Curve.P_521);

    /** DER prefix of an X.509 SubjectPublicKeyInfo for a raw 32-byte Ed25519 key (RFC 8410). */
    private static final byte[] ED25519_SPKI_PREFIX = {0x30, 0x2a, 0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x70, 0x03,
            0x21, 0x00};

    private static final int MIN_RSA_BITS = 2048;

    private final @Nullable Provider provider;
    private final Clock clock;
    // Keyed by identity: the key source hands out the same instances until the set changes, and a key that
    // leaves the set is then collected together with its verifier.
    private final Cache<JWK, KeyVerifier> verifiers = Caffeine.newBuilder()
            .weakKeys()
            .maximumSize(1024)
            .executor(Runnable::run)
            .build();

    /** @param provider the JCA provider RSA and ECDSA signatures are checked with; null for the JDK's */
    KeySelection(@Nullable Provider provider, Clock clock) {
        this.provider = provider;
        this.clock = clock;
    }

    /** Checks a signature with one key. */
    @FunctionalInterface
    interface KeyVerifier {
        boolean verify(JWSAlgorithm algorithm, byte[] signingInput, byte[] signature);
    }

    /** Verifiers for the keys that fit the algorithm, in the order of the set; empty when none fits. */
    List<KeyVerifier> candidates(List<JWK> keys, JWSAlgorithm algorithm) {
        List<KeyVerifier> fitting = new ArrayList<>(1);
        for (JWK key : keys) {
            if (fits(key, algorithm)) {
                KeyVerifier verifier = verifiers.get(key, this::verifierFor);
                if (verifier != null) {
                    fitting.add(verifier);
                }
            }
        }
        return fitting;
    }

    private boolean fits(JWK key, JWSAlgorithm algorithm) {
        if (key.getKeyRevocation() != null || !withinValidity(key)) {
            return false;
        }
        if (key.getKeyUse() != null && !KeyUse.SIGNATURE.equals(key.getKeyUse())) {
            return false;
        }
        Set<KeyOperation> operations = key.getKeyOperations();
        if (operations != null && !operations.contains(KeyOperation.VERIFY)) {
            return false;
        }
        if (key.getAlgorithm() != null && !key.getAlgorithm().getName().equals(algorithm.getName())) {
            return false;
        }
        if (JWSAlgorithm.Family.RSA.contains(algorithm)) {
            return key instanceof RSAKey;
        }
        Curve curve = EC_CURVES.get(algorithm);
        if (curve != null) {
            return key instanceof ECKey ec && curve.equals(ec.getCurve());
        }
        return JWSAlgorithm.EdDSA.equals(algorithm) && key instanceof OctetKeyPair okp
                && Curve.Ed25519.equals(okp.getCurve());
    }

    private boolean withinValidity(JWK key) {
        Date now = Date.from(clock.instant());
        Date notAfter = key.getExpirationTime();
        Date notBefore = key.getNotBeforeTime();
        return (notAfter == null || now.before(notAfter)) && (notBefore == null || !now.before(notBefore));
    }

    /** A verifier for the key, or null when the key cannot be used (an EC point off its curve, say). */
    private @Nullable KeyVerifier verifierFor(JWK key) {
        try {
            if (key instanceof RSAKey rsa) {
                // Checked when the verifier is made rather than in fits(): the size takes decoding the modulus.
                if (rsa.size() < MIN_RSA_BITS) {
                    return null;
                }
                return nimbus(new RSASSAVerifier((RSAPublicKey) forProvider(rsa.toRSAPublicKey(), "RSA")));
            }
            if (key instanceof ECKey ec) {
                return nimbus(new ECDSAVerifier((ECPublicKey) forProvider(ec.toECPublicKey(), "EC")));
            }
            if (key instanceof OctetKeyPair okp) {
                return ed25519(okp.getX().decode());
            }
        } catch (JOSEException | GeneralSecurityException | IllegalArgumentException e) {
            return null;
        }
        return null;
    }

    /**
     * The key in the provider's own form: converted once here instead of inside every verification (the native
     * provider would otherwise re-import a JDK key object each time).
     */
    private PublicKey forProvider(PublicKey key, String algorithm) {
        if (provider == null || provider.getService("KeyFactory", algorithm) == null) {
            return key;
        }
        try {
            return (PublicKey) KeyFactory.getInstance(algorithm, provider).translateKey(key);
        } catch (GeneralSecurityException | RuntimeException e) {
            // The provider still accepts the JDK's key object, only more slowly.
            return key;
        }
    }

    private KeyVerifier nimbus(JWSVerifier verifier) {
        if (provider != null) {
            verifier.getJCAContext().setProvider(provider);
        }
        return (algorithm, signingInput, signature) -> {
            try {
                return verifier.verify(new JWSHeader(algorithm), signingInput, Base64URL.encode(signature));
            } catch (JOSEException | RuntimeException e) {
                // A signature the provider cannot even parse (wrong length, r or s out of range) is simply wrong.
                return false;
            }
        };
    }

    private static KeyVerifier ed25519(byte[] x) throws GeneralSecurityException {
        if (x.length != 32) {
            throw new GeneralSecurityException("Ed25519 key is " + x.length + " bytes (expected 32)");
        }
        byte[] encoded = new byte[ED25519_SPKI_PREFIX.length + x.length];
        System.arraycopy(ED25519_SPKI_PREFIX, 0, encoded, 0, ED25519_SPKI_PREFIX.length);
        System.arraycopy(x, 0, encoded, ED25519_SPKI_PREFIX.length, x.length);
        PublicKey publicKey = KeyFactory.getInstance("Ed25519").generatePublic(new X509EncodedKeySpec(encoded));
        return (algorithm, signingInput, signature) -> {
            try {
                Signature verifier = Signature.getInstance("Ed25519");
                verifier.initVerify(publicKey);
                verifier.update(signingInput);
                return verifier.verify(signature);
            } catch (GeneralSecurityException | RuntimeException e) {
                return false;
            }
        };
    }
}
