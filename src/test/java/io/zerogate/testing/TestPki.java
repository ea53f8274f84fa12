package io.zerogate.testing;

import java.io.IOException;
import java.io.StringWriter;
import java.math.BigInteger;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.SecureRandom;
import java.security.cert.X509Certificate;
import java.security.spec.ECGenParameterSpec;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Date;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
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
import org.bouncycastle.operator.ContentSigner;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;

/**
 * Certificates minted inside the tests: certificate authorities, server certificates with DNS and IP
 * names, client certificates with or without SPIFFE IDs, expired ones. Keys are EC P-256.
 */
public final class TestPki {

    private static final AtomicLong SERIAL = new AtomicLong(System.nanoTime());

    /** A certificate with its key. {@code issuer} is null for a self-signed root. */
    public record Issued(X509Certificate certificate, KeyPair keys, Issued issuer) {

        /** Writes the chain (leaf first, without the root) and the key as PEM files; returns {cert, key}. */
        public Path[] write(Path dir, String name) throws IOException {
            List<Object> chain = new ArrayList<>();
            chain.add(certificate);
            for (Issued i = issuer; i != null && i.issuer != null; i = i.issuer) {
                chain.add(i.certificate);
            }
            Path cert = dir.resolve(name + ".crt");
            Path key = dir.resolve(name + ".key");
            Files.writeString(cert, pem(chain.toArray()));
            Files.writeString(key, pem(new org.bouncycastle.openssl.jcajce.JcaPKCS8Generator(keys.getPrivate(), null).generate()));
            return new Path[] {cert, key};
        }

        /** Writes only the certificate as PEM (a CA bundle). */
        public Path writeCertificate(Path dir, String name) throws IOException {
            Path cert = dir.resolve(name + ".crt");
            Files.writeString(cert, pem(certificate));
            return cert;
        }
    }

    private TestPki() {}

    public static Issued rootCa(String name) {
        KeyPair keys = keys();
        return new Issued(build(name, keys, null, keys, true, List.of(), null, Instant.now().minus(Duration.ofDays(1)),
                Instant.now().plus(Duration.ofDays(30))), keys, null);
    }

    public static Issued intermediateCa(Issued parent, String name) {
        KeyPair keys = keys();
        return new Issued(build(name, keys, parent, parent.keys(), true, List.of(), null,
                Instant.now().minus(Duration.ofDays(1)), Instant.now().plus(Duration.ofDays(30))), keys, parent);
    }

    /** A server certificate for {@code localhost} and 127.0.0.1 plus any extra DNS names. */
    public static Issued server(Issued ca, String... dnsNames) {
        List<GeneralName> names = new ArrayList<>();
        names.add(new GeneralName(GeneralName.dNSName, "localhost"));
        names.add(new GeneralName(GeneralName.iPAddress, "127.0.0.1"));
        for (String n : dnsNames) {
            names.add(new GeneralName(GeneralName.dNSName, n));
        }
        KeyPair keys = keys();
        return new Issued(build("server", keys, ca, ca.keys(), false, names, KeyPurposeId.id_kp_serverAuth,
                Instant.now().minus(Duration.ofDays(1)), Instant.now().plus(Duration.ofDays(30))), keys, ca);
    }

    /** A server certificate that names a workload by URI SANs only (SPIFFE IDs): no DNS name, no IP address. */
    public static Issued workloadServer(Issued ca, String... uris) {
        List<GeneralName> names = new ArrayList<>();
        for (String u : uris) {
            names.add(new GeneralName(GeneralName.uniformResourceIdentifier, u));
        }
        KeyPair keys = keys();
        return new Issued(build("workload", keys, ca, ca.keys(), false, names, KeyPurposeId.id_kp_serverAuth,
                Instant.now().minus(Duration.ofDays(1)), Instant.now().plus(Duration.ofDays(30))), keys, ca);
    }

    /** A client certificate; {@code uris} become URI SANs (SPIFFE IDs go here). */
    public static Issued client(Issued ca, String commonName, String... uris) {
        return client(ca, commonName, Instant.now().minus(Duration.ofDays(1)), Instant.now().plus(Duration.ofDays(30)), uris);
    }

    public static Issued client(Issued ca, String commonName, Instant notBefore, Instant notAfter, String... uris) {
        List<GeneralName> names = new ArrayList<>();
        for (String u : uris) {
            names.add(new GeneralName(GeneralName.uniformResourceIdentifier, u));
        }
        KeyPair keys = keys();
        return new Issued(build(commonName, keys, ca, ca.keys(), false, names, KeyPurposeId.id_kp_clientAuth, notBefore, notAfter),
                keys, ca);
    }

    /**
     * A CRL signed by {@code ca} that revokes {@code revoked}, valid from yesterday until {@code nextUpdate}.
     * Returns the PEM text.
     */
    public static String crl(Issued ca, Instant nextUpdate, X509Certificate... revoked) {
        try {
            X500Name issuer = X500Name.getInstance(ca.certificate().getSubjectX500Principal().getEncoded());
            org.bouncycastle.cert.X509v2CRLBuilder b = new org.bouncycastle.cert.X509v2CRLBuilder(issuer,
                    Date.from(Instant.now().minus(Duration.ofDays(1))));
            b.setNextUpdate(Date.from(nextUpdate));
            for (X509Certificate r : revoked) {
                b.addCRLEntry(r.getSerialNumber(), Date.from(Instant.now().minus(Duration.ofHours(1))),
                        org.bouncycastle.asn1.x509.CRLReason.keyCompromise);
            }
            b.addExtension(Extension.authorityKeyIdentifier, false,
                    new JcaX509ExtensionUtils().createAuthorityKeyIdentifier(ca.certificate()));
            b.addExtension(Extension.cRLNumber, false, new org.bouncycastle.asn1.x509.CRLNumber(
                    BigInteger.valueOf(SERIAL.incrementAndGet())));
            ContentSigner s = new JcaContentSignerBuilder("SHA256withECDSA").build(ca.keys().getPrivate());
            java.security.cert.X509CRL crl = new org.bouncycastle.cert.jcajce.JcaX509CRLConverter().getCRL(b.build(s));
            return pem(crl);
        } catch (Exception e) {
            throw new IllegalStateException("minting a test CRL failed", e);
        }
    }

    private static KeyPair keys() {
        try {
            KeyPairGenerator g = KeyPairGenerator.getInstance("EC");
            g.initialize(new ECGenParameterSpec("secp256r1"), new SecureRandom());
            return g.generateKeyPair();
        } catch (java.security.GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }

    private static X509Certificate build(String cn, KeyPair subject, Issued issuer, KeyPair signer, boolean ca,
                                         List<GeneralName> sans, KeyPurposeId purpose, Instant notBefore, Instant notAfter) {
        try {
            X500Name subjectName = new X500Name("CN=" + cn + ",O=ZeroGate Test");
            X500Name issuerName = issuer == null ? subjectName
                    : X500Name.getInstance(issuer.certificate().getSubjectX500Principal().getEncoded());
            X509v3CertificateBuilder b = new JcaX509v3CertificateBuilder(issuerName, BigInteger.valueOf(SERIAL.incrementAndGet()),
                    Date.from(notBefore), Date.from(notAfter), subjectName, subject.getPublic());
            JcaX509ExtensionUtils ext = new JcaX509ExtensionUtils();
            b.addExtension(Extension.basicConstraints, true, new BasicConstraints(ca));
            b.addExtension(Extension.subjectKeyIdentifier, false, ext.createSubjectKeyIdentifier(subject.getPublic()));
            if (issuer != null) {
                b.addExtension(Extension.authorityKeyIdentifier, false, ext.createAuthorityKeyIdentifier(issuer.certificate()));
            }
            if (ca) {
                b.addExtension(Extension.keyUsage, true, new KeyUsage(KeyUsage.keyCertSign | KeyUsage.cRLSign));
            } else {
                b.addExtension(Extension.keyUsage, true, new KeyUsage(KeyUsage.digitalSignature | KeyUsage.keyAgreement));
                b.addExtension(Extension.extendedKeyUsage, false, new ExtendedKeyUsage(purpose));
            }
            if (!sans.isEmpty()) {
                b.addExtension(Extension.subjectAlternativeName, false, new GeneralNames(sans.toArray(GeneralName[]::new)));
            }
            ContentSigner s = new JcaContentSignerBuilder("SHA256withECDSA").build(signer.getPrivate());
            return new JcaX509CertificateConverter().getCertificate(b.build(s));
        } catch (Exception e) {
            throw new IllegalStateException("minting a test certificate failed", e);
        }
    }

    private static String pem(Object... objects) throws IOException {
        StringWriter out = new StringWriter();
        try (JcaPEMWriter w = new JcaPEMWriter(out)) {
            for (Object o : objects) {
                w.writeObject(o);
            }
        }
        return out.toString();
    }
}
