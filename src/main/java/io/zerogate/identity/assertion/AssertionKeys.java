package io.zerogate.identity.assertion;

import java.io.IOException;
import java.io.StringReader;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.interfaces.ECPrivateKey;
import java.security.interfaces.ECPublicKey;
import java.security.spec.ECGenParameterSpec;
import java.security.spec.ECPoint;
import java.security.spec.ECPublicKeySpec;
import java.security.spec.PKCS8EncodedKeySpec;
import java.util.ArrayList;
import java.util.List;
import org.bouncycastle.asn1.ASN1ObjectIdentifier;
import org.bouncycastle.asn1.edec.EdECObjectIdentifiers;
import org.bouncycastle.asn1.pkcs.PKCSObjectIdentifiers;
import org.bouncycastle.asn1.pkcs.PrivateKeyInfo;
import org.bouncycastle.asn1.sec.SECObjectIdentifiers;
import org.bouncycastle.asn1.x9.ECNamedCurveTable;
import org.bouncycastle.asn1.x9.X962Parameters;
import org.bouncycastle.asn1.x9.X9ECParameters;
import org.bouncycastle.asn1.x9.X9ObjectIdentifiers;
import org.bouncycastle.crypto.ec.CustomNamedCurves;
import org.bouncycastle.math.ec.FixedPointCombMultiplier;
import org.bouncycastle.openssl.PEMEncryptedKeyPair;
import org.bouncycastle.openssl.PEMKeyPair;
import org.bouncycastle.openssl.PEMParser;
import org.bouncycastle.pkcs.PKCS8EncryptedPrivateKeyInfo;

/**
 * The assertion signing key: an EC P-256 key pair read from a PEM file (PKCS#8 {@code PRIVATE KEY} or SEC1
 * {@code EC PRIVATE KEY}), or generated for this process. The public half is always derived from the private
 * scalar, so a file that holds only the private key works and a stale public key in the file cannot mislead.
 */
final class AssertionKeys {

    private static final X9ECParameters P256 = CustomNamedCurves.getByOID(SECObjectIdentifiers.secp256r1);

    private AssertionKeys() {}

    /** A fresh P-256 key pair from the JDK's generator. */
    static KeyPair generate() {
        try {
            KeyPairGenerator gen = KeyPairGenerator.getInstance("EC");
            gen.initialize(new ECGenParameterSpec("secp256r1"));
            return gen.generateKeyPair();
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("this JDK cannot generate EC P-256 keys", e);
        }
    }

    /**
     * The key pair in {@code file}.
     *
     * @throws IllegalArgumentException naming the file, when it cannot be read or does not hold exactly one
     *                                  unencrypted EC P-256 private key
     */
    static KeyPair read(Path file) {
        String text;
        try {
            text = Files.readString(file, StandardCharsets.ISO_8859_1);
        } catch (IOException e) {
            throw refused(file, "cannot be read: " + e);
        }
        List<Object> objects = new ArrayList<>();
        try (PEMParser pem = new PEMParser(new StringReader(text))) {
            for (Object o = pem.readObject(); o != null; o = pem.readObject()) {
                objects.add(o);
            }
        } catch (IOException | RuntimeException e) {
            // The parser's message may quote the file's bytes; the key's content must not reach a log.
            throw refused(file, "cannot be read as PEM (" + e.getClass().getSimpleName() + ")");
        }
        List<PrivateKeyInfo> keys = new ArrayList<>();
        for (Object o : objects) {
            if (o instanceof PEMEncryptedKeyPair || o instanceof PKCS8EncryptedPrivateKeyInfo) {
                throw refused(file, "holds an encrypted key; provide it unencrypted with restricted file permissions");
            } else if (o instanceof PEMKeyPair pair) {
                keys.add(pair.getPrivateKeyInfo());
            } else if (o instanceof PrivateKeyInfo info) {
                keys.add(info);
            }
            // Anything else (the EC PARAMETERS block that `openssl ecparam -genkey` writes, a certificate) is not a key.
        }
        if (keys.size() != 1) {
            throw refused(file, "must hold exactly one PEM private key (-----BEGIN PRIVATE KEY----- or "
                    + "-----BEGIN EC PRIVATE KEY-----), found " + keys.size());
        }
        PrivateKeyInfo info = keys.get(0);
        checkP256(file, info);
        ECPrivateKey privateKey;
        try {
            privateKey = (ECPrivateKey) KeyFactory.getInstance("EC")
                    .generatePrivate(new PKCS8EncodedKeySpec(info.getEncoded()));
        } catch (GeneralSecurityException | IOException | ClassCastException e) {
            throw refused(file, "holds an EC private key that cannot be decoded");
        }
        BigInteger d = privateKey.getS();
        if (d.signum() <= 0 || d.compareTo(P256.getN()) >= 0) {
            throw refused(file, "holds an EC private key whose scalar is out of range for P-256");
        }
        return new KeyPair(publicKeyOf(privateKey), privateKey);
    }

    private static void checkP256(Path file, PrivateKeyInfo info) {
        ASN1ObjectIdentifier algorithm = info.getPrivateKeyAlgorithm().getAlgorithm();
        if (!algorithm.equals(X9ObjectIdentifiers.id_ecPublicKey)) {
            throw refused(file, "holds " + keyType(algorithm) + " key (expected: an EC P-256 private key)");
        }
        X962Parameters params;
        try {
            params = X962Parameters.getInstance(info.getPrivateKeyAlgorithm().getParameters());
        } catch (RuntimeException e) {
            throw refused(file, "holds an EC key whose curve cannot be read");
        }
        if (params == null || !params.isNamedCurve()) {
            throw refused(file, "holds an EC key without a named curve (expected: the named curve P-256)");
        }
        ASN1ObjectIdentifier curve = (ASN1ObjectIdentifier) params.getParameters();
        if (!curve.equals(SECObjectIdentifiers.secp256r1)) {
            String name = ECNamedCurveTable.getName(curve);
            throw refused(file, "holds an EC key on curve " + (name == null ? curve.getId() : name)
                    + " (expected: P-256, also called secp256r1 or prime256v1)");
        }
    }

    private static String keyType(ASN1ObjectIdentifier algorithm) {
        if (algorithm.equals(PKCSObjectIdentifiers.rsaEncryption) || algorithm.equals(PKCSObjectIdentifiers.id_RSASSA_PSS)) {
            return "an RSA";
        }
        if (algorithm.equals(EdECObjectIdentifiers.id_Ed25519) || algorithm.equals(EdECObjectIdentifiers.id_Ed448)) {
            return "an EdDSA";
        }
        return "a non-EC (" + algorithm.getId() + ")";
    }

    /** Q = d·G on P-256, as a JDK public key with the private key's own parameters. */
    private static ECPublicKey publicKeyOf(ECPrivateKey privateKey) {
        org.bouncycastle.math.ec.ECPoint q = new FixedPointCombMultiplier().multiply(P256.getG(), privateKey.getS()).normalize();
        ECPoint w = new ECPoint(q.getAffineXCoord().toBigInteger(), q.getAffineYCoord().toBigInteger());
        try {
            return (ECPublicKey) KeyFactory.getInstance("EC").generatePublic(new ECPublicKeySpec(w, privateKey.getParams()));
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("the JDK refused a P-256 public key derived from a valid scalar", e);
        }
    }

    private static IllegalArgumentException refused(Path file, String problem) {
        return new IllegalArgumentException("assertion key file '" + file + "' " + problem);
    }
}
