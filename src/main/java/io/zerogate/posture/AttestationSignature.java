package io.zerogate.posture;

import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.JWSAlgorithm;
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
import com.nimbusds.jwt.SignedJWT;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.PublicKey;
import java.security.Signature;
import java.security.spec.X509EncodedKeySpec;
import java.util.List;
import java.util.Set;

/**
 * Checks an attestation's signature with the keys of the posture issuer's JWK set that fit its algorithm: a key
 * fits when its type and curve match the algorithm, its own {@code alg}, {@code use} and {@code key_ops} (when
 * stated) allow it, and an RSA key has at least 2048 bits. Ed25519 is checked with the JDK's own implementation.
 */
final class AttestationSignature {

    /** What checking the signature came to. */
    enum Outcome { VERIFIED, NO_FITTING_KEY, BAD_SIGNATURE }

    static final Set<JWSAlgorithm> SUPPORTED = Set.of(JWSAlgorithm.RS256, JWSAlgorithm.RS384, JWSAlgorithm.RS512,
            JWSAlgorithm.PS256, JWSAlgorithm.PS384, JWSAlgorithm.PS512, JWSAlgorithm.ES256, JWSAlgorithm.ES384,
            JWSAlgorithm.ES512, JWSAlgorithm.EdDSA);

    /** DER prefix of an X.509 SubjectPublicKeyInfo for a raw 32-byte Ed25519 key (RFC 8410). */
    private static final byte[] ED25519_SPKI_PREFIX = {0x30, 0x2a, 0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x70, 0x03,
            0x21, 0x00};
    private static final int MIN_RSA_BITS = 2048;

    private AttestationSignature() {}

    static Outcome check(SignedJWT jwt, List<JWK> keys) {
        JWSAlgorithm algorithm = jwt.getHeader().getAlgorithm();
        boolean fitting = false;
        for (JWK key : keys) {
            if (!usable(key, algorithm)) {
                continue;
            }
            try {
                if (algorithm.equals(JWSAlgorithm.EdDSA)) {
                    if (!(key instanceof OctetKeyPair okp) || !Curve.Ed25519.equals(okp.getCurve())) {
                        continue;
                    }
                    fitting = true;
                    if (ed25519(okp, jwt)) {
                        return Outcome.VERIFIED;
                    }
                    continue;
                }
                JWSVerifier verifier = verifier(key, algorithm);
                if (verifier == null) {
                    continue;
                }
                fitting = true;
                if (jwt.verify(verifier)) {
                    return Outcome.VERIFIED;
                }
            } catch (JOSEException | GeneralSecurityException | IllegalStateException e) {
                // A key that cannot check this signature does not verify it; the next fitting key may.
                fitting = true;
            }
        }
        return fitting ? Outcome.BAD_SIGNATURE : Outcome.NO_FITTING_KEY;
    }

    private static boolean usable(JWK key, JWSAlgorithm algorithm) {
        if (key.isPrivate()) {
            return false;
        }
        if (key.getAlgorithm() != null && !key.getAlgorithm().equals(algorithm)) {
            return false;
        }
        if (key.getKeyUse() != null && !KeyUse.SIGNATURE.equals(key.getKeyUse())) {
            return false;
        }
        Set<KeyOperation> operations = key.getKeyOperations();
        return operations == null || operations.contains(KeyOperation.VERIFY);
    }

    private static JWSVerifier verifier(JWK key, JWSAlgorithm algorithm) throws JOSEException {
        if (JWSAlgorithm.Family.EC.contains(algorithm)) {
            if (key instanceof ECKey ec && Curve.forJWSAlgorithm(algorithm).contains(ec.getCurve())) {
                return new ECDSAVerifier(ec);
            }
            return null;
        }
        if (JWSAlgorithm.Family.RSA.contains(algorithm) && key instanceof RSAKey rsa && rsa.size() >= MIN_RSA_BITS) {
            return new RSASSAVerifier(rsa);
        }
        return null;
    }

    private static boolean ed25519(OctetKeyPair key, SignedJWT jwt) throws GeneralSecurityException {
        byte[] raw = key.getDecodedX();
        if (raw.length != 32) {
            return false;
        }
        byte[] spki = new byte[ED25519_SPKI_PREFIX.length + raw.length];
        System.arraycopy(ED25519_SPKI_PREFIX, 0, spki, 0, ED25519_SPKI_PREFIX.length);
        System.arraycopy(raw, 0, spki, ED25519_SPKI_PREFIX.length, raw.length);
        PublicKey publicKey = KeyFactory.getInstance("Ed25519").generatePublic(new X509EncodedKeySpec(spki));
        Signature signature = Signature.getInstance("Ed25519");
        signature.initVerify(publicKey);
        signature.update(jwt.getSigningInput());
        return signature.verify(jwt.getSignature().decode());
    }
}
