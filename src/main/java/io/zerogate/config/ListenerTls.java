package io.zerogate.config;

import java.nio.file.Path;
import java.security.cert.X509Certificate;
import java.util.List;
import java.util.Objects;
import org.jspecify.annotations.Nullable;

/**
 * TLS on a listener: the default certificate, further certificates chosen by SNI, and whether and how
 * clients must present certificates (mTLS).
 *
 * @param clientCas      trust anchors for client certificates; empty when {@code clientAuth} is NONE
 * @param crl            a PEM/DER CRL file checked against client certificates, or null
 * @param maxChainDepth  the longest client chain accepted (leaf included)
 * @param protocols      enabled protocol versions, e.g. TLSv1.3 and TLSv1.2
 */
public record ListenerTls(
        CertificateFiles identity,
        List<SniCertificate> sni,
        ClientAuth clientAuth,
        @Nullable Path clientCaFile,
        List<X509Certificate> clientCas,
        @Nullable Path crl,
        int maxChainDepth,
        List<String> protocols) {

    public ListenerTls {
        Objects.requireNonNull(identity, "identity");
        sni = List.copyOf(sni);
        Objects.requireNonNull(clientAuth, "clientAuth");
        clientCas = List.copyOf(clientCas);
        protocols = List.copyOf(protocols);
    }

    /** Whether clients present certificates. */
    public enum ClientAuth { NONE, OPTIONAL, REQUIRED }

    /** A certificate served to clients that ask for one of {@code hosts} (exact or {@code *.suffix}). */
    public record SniCertificate(List<String> hosts, CertificateFiles files) {

        public SniCertificate {
            hosts = List.copyOf(hosts);
        }
    }

    /** Every file the TLS setup reads, so that a change to any of them can be noticed. */
    public List<Path> files() {
        List<Path> out = new java.util.ArrayList<>();
        out.add(identity.certificate());
        out.add(identity.privateKey());
        for (SniCertificate s : sni) {
            out.add(s.files().certificate());
            out.add(s.files().privateKey());
        }
        if (clientCaFile != null) {
            out.add(clientCaFile);
        }
        if (crl != null) {
            out.add(crl);
        }
        return out;
    }
}
