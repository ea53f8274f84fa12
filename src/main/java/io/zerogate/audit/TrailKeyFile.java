package io.zerogate.audit;

import com.nimbusds.jose.jwk.Curve;
import com.nimbusds.jose.jwk.JWK;
import com.nimbusds.jose.jwk.OctetKeyPair;
import java.io.IOException;
import java.io.StringReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.PublicKey;
import java.security.spec.X509EncodedKeySpec;
import java.text.ParseException;
import org.bouncycastle.asn1.edec.EdECObjectIdentifiers;
import org.bouncycastle.asn1.pkcs.PrivateKeyInfo;
import org.bouncycastle.asn1.x509.SubjectPublicKeyInfo;
import org.bouncycastle.openssl.PEMKeyPair;
import org.bouncycastle.openssl.PEMParser;

/**
 * Reads the public key that audit checkpoints are verified with, from a file holding either a PEM
 * {@code PUBLIC KEY} (X.509 SubjectPublicKeyInfo) or the JWK of an OKP key on curve Ed25519. A file holding
 * private key material is refused: verifying never needs the signing key, and it should not travel to where the
 * trail is checked.
 */
public final class TrailKeyFile {

    /** A public key file is a few hundred bytes; anything far larger is not one. */
    private static final long MAX_BYTES = 64 * 1024;

    private TrailKeyFile() {}

    /**
     * The Ed25519 public key in the file.
     *
     * @throws IOException              when the file cannot be read
     * @throws IllegalArgumentException when it holds no Ed25519 public key; the message says what it holds
     */
    public static PublicKey read(Path file) throws IOException {
        String text;
        try {
            long size = Files.size(file);
            if (size > MAX_BYTES) {
                throw new IllegalArgumentException(file + ": " + size + " bytes is too large for a public key file");
            }
            text = Files.readString(file, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw TrailReader.failure(file, e);
        }
        String trimmed = text.strip();
        if (trimmed.startsWith("{")) {
            return fromJwk(file, trimmed);
        }
        if (trimmed.startsWith("-----BEGIN")) {
            return fromPem(file, trimmed);
        }
        throw refused(file, "is neither PEM nor JSON (expected: a PEM PUBLIC KEY or the JWK of an Ed25519 key)");
    }

    private static PublicKey fromJwk(Path file, String json) {
        JWK jwk;
        try {
            jwk = JWK.parse(json);
        } catch (ParseException e) {
            throw refused(file, "is not a JWK: " + e.getMessage());
        }
        if (!(jwk instanceof OctetKeyPair okp) || !Curve.Ed25519.equals(okp.getCurve())) {
            throw refused(file, (jwk instanceof OctetKeyPair other ? "holds an OKP JWK on curve " + other.getCurve()
                    : "holds a JWK of type " + jwk.getKeyType()) + " (expected: kty OKP with crv Ed25519)");
        }
        if (okp.isPrivate()) {
            throw refused(file, "holds a private key (the JWK has \"d\"): give the public key only");
        }
        byte[] x = okp.getX().decode();
        if (x.length != 32) {
            throw refused(file, "holds an Ed25519 JWK whose x is " + x.length + " bytes (expected: 32)");
        }
        return decode(file, AuditKeys.spki(x));
    }

    private static PublicKey fromPem(Path file, String pem) {
        Object object;
        try (PEMParser parser = new PEMParser(new StringReader(pem))) {
            object = parser.readObject();
        } catch (IOException | RuntimeException e) {
            throw refused(file, "is not readable PEM");
        }
        if (object instanceof PrivateKeyInfo || object instanceof PEMKeyPair) {
            throw refused(file, "holds a private key: give the public key only (openssl pkey -in KEY -pubout)");
        }
        if (!(object instanceof SubjectPublicKeyInfo info)) {
            throw refused(file, "holds " + (object == null ? "no PEM object" : "a PEM object that is not a public key")
                    + " (expected: -----BEGIN PUBLIC KEY-----)");
        }
        if (!EdECObjectIdentifiers.id_Ed25519.equals(info.getAlgorithm().getAlgorithm())) {
            throw refused(file, "holds a public key of another algorithm (OID " + info.getAlgorithm().getAlgorithm().getId()
                    + "; expected: Ed25519)");
        }
        try {
            return decode(file, info.getEncoded());
        } catch (IOException e) {
            throw refused(file, "holds a public key that cannot be encoded");
        }
    }

    private static PublicKey decode(Path file, byte[] spki) {
        try {
            return KeyFactory.getInstance("Ed25519").generatePublic(new X509EncodedKeySpec(spki));
        } catch (GeneralSecurityException e) {
            throw refused(file, "holds an Ed25519 key that cannot be decoded");
        }
    }

    private static IllegalArgumentException refused(Path file, String problem) {
        return new IllegalArgumentException(file + " " + problem);
    }
}
