package io.zerogate.testing;

import io.zerogate.cli.CertificateMint;

import java.math.BigInteger;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.SecureRandom;
import java.security.cert.X509Certificate;
import java.security.KeyStore;
import java.security.spec.ECGenParameterSpec;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Date;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import javax.net.ssl.KeyManager;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;
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
import org.bouncycastle.operator.ContentSigner;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;
import org.jspecify.annotations.Nullable;

/**
 * Certificates minted inside the tests: certificate authorities, server certificates with DNS and IP
 * names, client certificates with or without SPIFFE IDs, expired ones. Keys are EC P-256.
 */
public final class TestPki {

    private static final AtomicLong SERIAL = new AtomicLong(System.nanoTime());
    private static final CertificateMint MINT = new CertificateMint();

    private TestPki() {}

    private static Instant yesterday() {
        return Instant.now().minus(Duration.ofDays(1));
    }

    private static Instant inAMonth() {
        return Instant.now().plus(Duration.ofDays(30));
    }

    public static CertificateMint.Issued rootCa(String name) {
        return MINT.issue(name, CertificateMint.Purpose.AUTHORITY, List.of(), yesterday(), inAMonth(), null);
    }

    public static CertificateMint.Issued intermediateCa(CertificateMint.Issued parent, String name) {
        return MINT.issue(name, CertificateMint.Purpose.AUTHORITY, List.of(), yesterday(), inAMonth(), parent);
    }

    /** A server certificate for {@code localhost} and 127.0.0.1 plus any extra DNS names. */
    public static CertificateMint.Issued server(CertificateMint.Issued ca, String... dnsNames) {
        List<GeneralName> names = new ArrayList<>();
        names.add(new GeneralName(GeneralName.dNSName, "localhost"));
        names.add(new GeneralName(GeneralName.iPAddress, "127.0.0.1"));
        for (String n : dnsNames) {
            names.add(new GeneralName(GeneralName.dNSName, n));
        }
        return MINT.issue("server", CertificateMint.Purpose.SERVER, names, yesterday(), inAMonth(), ca);
    }

    /** A server certificate that names a workload by URI SANs only (SPIFFE IDs): no DNS name, no IP address. */
    public static CertificateMint.Issued workloadServer(CertificateMint.Issued ca, String... uris) {
        return MINT.issue("workload", CertificateMint.Purpose.SERVER, uriNames(uris), yesterday(), inAMonth(), ca);
    }

    /** A client certificate; {@code uris} become URI SANs (SPIFFE IDs go here). */
    public static CertificateMint.Issued client(CertificateMint.Issued ca, String commonName, String... uris) {
        return client(ca, commonName, yesterday(), inAMonth(), uris);
    }

    public static CertificateMint.Issued client(CertificateMint.Issued ca, String commonName, Instant notBefore,
                                                Instant notAfter, String... uris) {
        return MINT.issue(commonName, CertificateMint.Purpose.CLIENT, uriNames(uris), notBefore, notAfter, ca);
    }

    private static List<GeneralName> uriNames(String... uris) {
        List<GeneralName> names = new ArrayList<>();
        for (String u : uris) {
            names.add(new GeneralName(GeneralName.uniformResourceIdentifier, u));
        }
        return names;
    }

    /**
     * A CRL signed by {@code ca} that revokes {@code revoked}, valid from yesterday until {@code nextUpdate}.
     * Returns the PEM text.
     */
    public static String crl(CertificateMint.Issued ca, Instant nextUpdate, X509Certificate... revoked) {
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
            return CertificateMint.pem(crl);
        } catch (Exception e) {
            throw new IllegalStateException("minting a test CRL failed", e);
        }
    }

    /**
     * A TLS client context that trusts {@code serverCa} and presents {@code client}'s certificate, whatever CAs the
     * server asks for, unless it is null.
     */
    public static SSLContext clientContext(CertificateMint.Issued serverCa, CertificateMint.@Nullable Issued client) {
        try {
            KeyStore trust = KeyStore.getInstance("PKCS12");
            trust.load(null, null);
            trust.setCertificateEntry("ca", serverCa.certificate());
            TrustManagerFactory tmf = TrustManagerFactory.getInstance("PKIX");
            tmf.init(trust);
            KeyManager[] keys = client == null ? null : new KeyManager[] {new FixedKeyManager(client)};
            SSLContext context = SSLContext.getInstance("TLS");
            context.init(keys, tmf.getTrustManagers(), null);
            return context;
        } catch (Exception e) {
            throw new IllegalStateException("building a test TLS client context failed", e);
        }
    }
}
