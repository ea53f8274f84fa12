package io.zerogate.server;

import java.net.Socket;
import java.security.GeneralSecurityException;
import java.security.InvalidAlgorithmParameterException;
import java.security.cert.CertPathBuilder;
import java.security.cert.CertStore;
import java.security.cert.CertificateException;
import java.security.cert.CollectionCertStoreParameters;
import java.security.cert.PKIXBuilderParameters;
import java.security.cert.PKIXRevocationChecker;
import java.security.cert.TrustAnchor;
import java.security.cert.X509CRL;
import java.security.cert.X509CertSelector;
import java.security.cert.X509Certificate;
import java.util.EnumSet;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import javax.net.ssl.CertPathTrustManagerParameters;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.TrustManager;
import javax.net.ssl.TrustManagerFactory;
import javax.net.ssl.X509ExtendedTrustManager;

/**
 * Verifies client certificates for a listener: a PKIX path to one of the configured client CAs (the JDK's
 * validator, whichever TLS provider runs the handshake), at most {@code maxChainDepth} certificates from the
 * leaf to the trust anchor, both counted, and, when CRLs are configured, the client's own certificate not
 * revoked by a current CRL of its issuer. A certificate whose issuer has no current CRL is refused.
 */
final class ClientCertificateTrust extends X509ExtendedTrustManager {

    /** The client's chain is longer than the listener accepts. */
    static final class ChainTooLongException extends CertificateException {

        private static final long serialVersionUID = 1L;

        ChainTooLongException(String message) {
            super(message);
        }
    }

    private final X509ExtendedTrustManager pkix;
    private final List<X509Certificate> anchors;
    private final int maxChainDepth;

    private ClientCertificateTrust(X509ExtendedTrustManager pkix, List<X509Certificate> anchors, int maxChainDepth) {
        this.pkix = pkix;
        this.anchors = List.copyOf(anchors);
        this.maxChainDepth = maxChainDepth;
    }

    static ClientCertificateTrust of(List<X509Certificate> cas, List<X509CRL> crls, int maxChainDepth)
            throws GeneralSecurityException {
        if (cas.isEmpty()) {
            throw new InvalidAlgorithmParameterException("no client CA certificates");
        }
        if (maxChainDepth < 1) {
            throw new IllegalArgumentException("maxChainDepth: " + maxChainDepth + " (expected: >= 1)");
        }
        Set<TrustAnchor> trustAnchors = new HashSet<>();
        for (X509Certificate ca : cas) {
            trustAnchors.add(new TrustAnchor(ca, null));
        }
        PKIXBuilderParameters params = new PKIXBuilderParameters(trustAnchors, new X509CertSelector());
        if (crls.isEmpty()) {
            params.setRevocationEnabled(false);
        } else {
            params.addCertStore(CertStore.getInstance("Collection", new CollectionCertStoreParameters(crls)));
            PKIXRevocationChecker revocation = (PKIXRevocationChecker) CertPathBuilder.getInstance("PKIX").getRevocationChecker();
            // The configured CRLs only: no OCSP and no fetching from distribution points on a handshake.
            revocation.setOptions(EnumSet.of(PKIXRevocationChecker.Option.PREFER_CRLS,
                    PKIXRevocationChecker.Option.NO_FALLBACK, PKIXRevocationChecker.Option.ONLY_END_ENTITY));
            params.setRevocationEnabled(true);
            params.addCertPathChecker(revocation);
        }
        TrustManagerFactory factory = TrustManagerFactory.getInstance("PKIX");
        factory.init(new CertPathTrustManagerParameters(params));
        for (TrustManager m : factory.getTrustManagers()) {
            if (m instanceof X509ExtendedTrustManager x) {
                return new ClientCertificateTrust(x, cas, maxChainDepth);
            }
        }
        throw new IllegalStateException("the JDK offers no X509ExtendedTrustManager for PKIX");
    }

    @Override
    public void checkClientTrusted(X509Certificate[] chain, String authType, SSLEngine engine) throws CertificateException {
        checkLength(chain);
        pkix.checkClientTrusted(chain, authType, engine);
        checkVerifiedDepth(chain);
    }

    @Override
    public void checkClientTrusted(X509Certificate[] chain, String authType, Socket socket) throws CertificateException {
        checkLength(chain);
        pkix.checkClientTrusted(chain, authType, socket);
        checkVerifiedDepth(chain);
    }

    @Override
    public void checkClientTrusted(X509Certificate[] chain, String authType) throws CertificateException {
        checkLength(chain);
        pkix.checkClientTrusted(chain, authType);
        checkVerifiedDepth(chain);
    }

    @Override
    public void checkServerTrusted(X509Certificate[] chain, String authType, SSLEngine engine) throws CertificateException {
        throw new CertificateException("client certificate trust does not verify servers");
    }

    @Override
    public void checkServerTrusted(X509Certificate[] chain, String authType, Socket socket) throws CertificateException {
        throw new CertificateException("client certificate trust does not verify servers");
    }

    @Override
    public void checkServerTrusted(X509Certificate[] chain, String authType) throws CertificateException {
        throw new CertificateException("client certificate trust does not verify servers");
    }

    @Override
    public X509Certificate[] getAcceptedIssuers() {
        return anchors.toArray(X509Certificate[]::new);
    }

    /** A cheap refusal before any signature is checked: a longer presented chain cannot be acceptable. */
    private void checkLength(X509Certificate[] chain) throws CertificateException {
        if (chain == null || chain.length == 0) {
            throw new CertificateException("empty client certificate chain");
        }
        if (chain.length > maxChainDepth) {
            throw new ChainTooLongException("client sent " + chain.length + " certificates (max_chain_depth " + maxChainDepth + ")");
        }
    }

    /** The verified path runs from the leaf to the first certificate that is, or is issued by, a trust anchor. */
    private void checkVerifiedDepth(X509Certificate[] chain) throws CertificateException {
        int depth = verifiedDepth(chain);
        if (depth > maxChainDepth) {
            throw new ChainTooLongException("client chain has " + depth + " certificates up to its trust anchor (max_chain_depth "
                    + maxChainDepth + ")");
        }
    }

    int verifiedDepth(X509Certificate[] chain) {
        for (int i = 0; i < chain.length; i++) {
            for (X509Certificate anchor : anchors) {
                if (anchor.equals(chain[i])) {
                    return i + 1;
                }
            }
            for (X509Certificate anchor : anchors) {
                if (issuedBy(chain[i], anchor)) {
                    return i + 2;
                }
            }
        }
        // Unreachable after a successful validation; counted as too long rather than trusted.
        return Integer.MAX_VALUE;
    }

    private static boolean issuedBy(X509Certificate certificate, X509Certificate issuer) {
        if (!certificate.getIssuerX500Principal().equals(issuer.getSubjectX500Principal())) {
            return false;
        }
        try {
            certificate.verify(issuer.getPublicKey());
            return true;
        } catch (GeneralSecurityException e) {
            return false;
        }
    }
}
