package io.zerogate.identity.dpop;

import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.JWSVerifier;
import com.nimbusds.jose.crypto.ECDSAVerifier;
import com.nimbusds.jose.crypto.RSASSAVerifier;
import com.nimbusds.jose.jwk.Curve;
import com.nimbusds.jose.jwk.ECKey;
import com.nimbusds.jose.jwk.JWK;
import com.nimbusds.jose.jwk.OctetKeyPair;
import com.nimbusds.jose.jwk.RSAKey;
import com.nimbusds.jose.util.Base64URL;
import io.zerogate.identity.SignatureProviders;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.Provider;
import java.security.PublicKey;
import java.security.Signature;
import java.security.spec.X509EncodedKeySpec;
import java.util.HexFormat;
import java.util.Set;
import org.jspecify.annotations.Nullable;

/**
 * The public key a DPoP proof carries in its {@code jwk} header: whether it suits the proof's algorithm, and
 * whether the proof's signature verifies with it. Only asymmetric algorithms exist here.
 */
final class ProofKey {

    /** The algorithms a proof may use, before configuration narrows them. */
    static final Set<JWSAlgorithm> ASYMMETRIC = Set.of(
            JWSAlgorithm.ES256, JWSAlgorithm.ES384, JWSAlgorithm.ES512,
            JWSAlgorithm.RS256, JWSAlgorithm.RS384, JWSAlgorithm.RS512,
            JWSAlgorithm.PS256, JWSAlgorithm.PS384, JWSAlgorithm.PS512,
            JWSAlgorithm.EdDSA, JWSAlgorithm.Ed25519, JWSAlgorithm.Ed448);

    private static final int MIN_RSA_BITS = 2048;

    // DER prefixes of an X.509 SubjectPublicKeyInfo for the two Edwards curves (RFC 8410), followed by the raw key.
    private static final byte[] ED25519_PREFIX = HexFormat.of().parseHex("302a300506032b6570032100");
    private static final byte[] ED448_PREFIX = HexFormat.of().parseHex("3043300506032b6571033a00");

    private ProofKey() {
    }

    /** Why {@code key} cannot verify a proof made with {@code alg}, or null when it can. */
    static @Nullable String mismatch(JWK key, JWSAlgorithm alg) {
        if (key.getAlgorithm() != null && !key.getAlgorithm().getName().equals(alg.getName())) {
            return "the jwk names a different algorithm than the proof";
        }
        if (JWSAlgorithm.Family.EC.contains(alg)) {
            if (!(key instanceof ECKey ec) || !Curve.forJWSAlgorithm(alg).contains(ec.getCurve())) {
                return "the jwk is not an EC key on the curve of " + alg;
            }
            return null;
        }
        if (JWSAlgorithm.Family.RSA.contains(alg)) {
            if (!(key instanceof RSAKey rsa)) {
                return "the jwk is not an RSA key";
            }
            return rsa.size() < MIN_RSA_BITS ? "the RSA jwk is shorter than " + MIN_RSA_BITS + " bits" : null;
        }
        if (key instanceof OctetKeyPair okp) {
            Curve curve = okp.getCurve();
            boolean fits = alg.equals(JWSAlgorithm.EdDSA) ? curve.equals(Curve.Ed25519) || curve.equals(Curve.Ed448)
                    : alg.equals(JWSAlgorithm.Ed25519) ? curve.equals(Curve.Ed25519)
                    : alg.equals(JWSAlgorithm.Ed448) && curve.equals(Curve.Ed448);
            return fits ? null : "the jwk is not an Edwards key on the curve of " + alg;
        }
        return "the jwk does not suit " + alg;
    }

    /** Verifies a signature with a key that {@link #mismatch} accepted. */
    static boolean verifies(JWK key, JWSHeader header, byte[] signingInput, Base64URL signature) throws JOSEException {
        if (key instanceof OctetKeyPair okp) {
            return verifiesEdwards(okp, signingInput, signature.decode());
        }
        JWSVerifier verifier = key instanceof ECKey ec ? new ECDSAVerifier(ec) : new RSASSAVerifier((RSAKey) key);
        Provider provider = SignatureProviders.preferred();
        if (provider != null) {
            verifier.getJCAContext().setProvider(provider);
        }
        return verifier.verify(header, signingInput, signature);
    }

    // The JDK verifies EdDSA itself; Nimbus's own Edwards verifier needs a library the gateway does not ship.
    private static boolean verifiesEdwards(OctetKeyPair key, byte[] signingInput, byte[] signature)
            throws JOSEException {
        boolean ed25519 = key.getCurve().equals(Curve.Ed25519);
        byte[] prefix = ed25519 ? ED25519_PREFIX : ED448_PREFIX;
        byte[] raw = key.getDecodedX();
        if (raw.length != (ed25519 ? 32 : 57) || signature.length != (ed25519 ? 64 : 114)) {
            return false;
        }
        byte[] encoded = new byte[prefix.length + raw.length];
        System.arraycopy(prefix, 0, encoded, 0, prefix.length);
        System.arraycopy(raw, 0, encoded, prefix.length, raw.length);
        try {
            String name = ed25519 ? "Ed25519" : "Ed448";
            PublicKey publicKey = KeyFactory.getInstance(name).generatePublic(new X509EncodedKeySpec(encoded));
            Signature verifier = Signature.getInstance(name);
            verifier.initVerify(publicKey);
            verifier.update(signingInput);
            return verifier.verify(signature);
        } catch (GeneralSecurityException e) {
            throw new JOSEException("Edwards signature check failed: " + e.getMessage(), e);
        }
    }
}
