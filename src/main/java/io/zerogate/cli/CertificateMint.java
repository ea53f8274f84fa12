package io.zerogate.cli;

import java.io.IOException;
import java.io.StringWriter;
import java.math.BigInteger;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.SecureRandom;
import java.security.cert.X509Certificate;
import java.security.spec.ECGenParameterSpec;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Date;
import java.util.List;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x509.BasicConstraints;
import org.bouncycastle.asn1.x509.ExtendedKeyUsage;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.bouncycastle.asn1.x509.KeyPurposeId;
import org.bouncycastle.asn1.x509.KeyUsage;
import org.bouncycastle.cert.X509v3CertificateBuilder;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509ExtensionUtils;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.openssl.jcajce.JcaPEMWriter;
import org.bouncycastle.openssl.jcajce.JcaPKCS8Generator;
import org.bouncycastle.operator.OperatorCreationException;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;
import org.jspecify.annotations.Nullable;

/**
 * Mints short-lived certificates (EC P-256) for the demo's certificate authority, its TLS listener and
 * its workloads, and writes them as PEM with PKCS#8 keys, the form the configuration reads.
 */
public final class CertificateMint {

    /** What a certificate is for. */
    public enum Purpose { AUTHORITY, SERVER, CLIENT }

    /** A certificate, its key and the certificate that issued it (null for a root). */
    public record Issued(X509Certificate certificate, KeyPair keys, @Nullable Issued issuer) {

        /** Writes {@code name.crt} (leaf first, intermediates after, no root) and {@code name.key}. */
        public Path[] write(Path dir, String name) throws IOException {
            List<Object> chain = new ArrayList<>();
            chain.add(certificate);
            for (Issued i = issuer; i != null && i.issuer() != null; i = i.issuer()) {
                chain.add(i.certificate());
            }
            Path cert = dir.resolve(name + ".crt");
            Path key = dir.resolve(name + ".key");
            Files.writeString(cert, pem(chain.toArray()));
            Files.writeString(key, pem(new JcaPKCS8Generator(keys.getPrivate(), null).generate()));
            return new Path[] {cert, key};
        }

        /** Writes only the certificate, e.g. as a CA bundle. */
        public Path writeCertificate(Path dir, String name) throws IOException {
            Path cert = dir.resolve(name + ".crt");
            Files.writeString(cert, pem(certificate));
            return cert;
        }
    }

    private final SecureRandom random = new SecureRandom();

    /** A fresh EC P-256 key pair. */
    public KeyPair keys() {
        try {
            KeyPairGenerator g = KeyPairGenerator.getInstance("EC");
            g.initialize(new ECGenParameterSpec("secp256r1"), random);
            return g.generateKeyPair();
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("EC P-256 is not available", e);
        }
    }

    /**
     * Issues a certificate for {@code commonName}, signed by {@code issuer} (self-signed when null).
     *
     * @param names subject alternative names (DNS names, IP addresses, URIs such as SPIFFE IDs)
     */
    public Issued issue(String commonName, Purpose purpose, List<GeneralName> names, Instant notBefore,
                        Instant notAfter, @Nullable Issued issuer) {
        KeyPair keys = keys();
        try {
            X500Name subject = new X500Name("CN=" + commonName + ",O=ZeroGate");
            X500Name issuerName = issuer == null ? subject
                    : X500Name.getInstance(issuer.certificate().getSubjectX500Principal().getEncoded());
            X509v3CertificateBuilder b = new JcaX509v3CertificateBuilder(issuerName, new BigInteger(64, random).abs(),
                    Date.from(notBefore), Date.from(notAfter), subject, keys.getPublic());
            JcaX509ExtensionUtils ext = new JcaX509ExtensionUtils();
            b.addExtension(Extension.basicConstraints, true, new BasicConstraints(purpose == Purpose.AUTHORITY));
            b.addExtension(Extension.subjectKeyIdentifier, false, ext.createSubjectKeyIdentifier(keys.getPublic()));
            if (issuer != null) {
                b.addExtension(Extension.authorityKeyIdentifier, false, ext.createAuthorityKeyIdentifier(issuer.certificate()));
            }
            if (purpose == Purpose.AUTHORITY) {
                b.addExtension(Extension.keyUsage, true, new KeyUsage(KeyUsage.keyCertSign | KeyUsage.cRLSign));
            } else {
                b.addExtension(Extension.keyUsage, true, new KeyUsage(KeyUsage.digitalSignature | KeyUsage.keyAgreement));
                b.addExtension(Extension.extendedKeyUsage, false, new ExtendedKeyUsage(
                        purpose == Purpose.SERVER ? KeyPurposeId.id_kp_serverAuth : KeyPurposeId.id_kp_clientAuth));
            }
            if (!names.isEmpty()) {
                b.addExtension(Extension.subjectAlternativeName, false, new GeneralNames(names.toArray(GeneralName[]::new)));
            }
            KeyPair signer = issuer == null ? keys : issuer.keys();
            X509Certificate cert = new JcaX509CertificateConverter()
                    .getCertificate(b.build(new JcaContentSignerBuilder("SHA256withECDSA").build(signer.getPrivate())));
            return new Issued(cert, keys, issuer);
        } catch (IOException | GeneralSecurityException | OperatorCreationException e) {
            throw new IllegalStateException("minting a certificate for " + commonName + " failed", e);
        }
    }

    /** PEM text of certificates, keys or CRLs, in order. */
    public static String pem(Object... objects) throws IOException {
        StringWriter out = new StringWriter();
        try (JcaPEMWriter w = new JcaPEMWriter(out)) {
            for (Object o : objects) {
                w.writeObject(o);
            }
        }
        return out.toString();
    }
}
