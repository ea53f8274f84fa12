package io.zerogate.upstream;

import io.zerogate.identity.ExpectedSpiffeId;
import java.net.Socket;
import java.security.cert.CertificateException;
import java.security.cert.X509Certificate;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.X509ExtendedTrustManager;
import org.jspecify.annotations.Nullable;

/**
 * Verifies an upstream's certificate during the handshake: the chain must lead to one of the service's
 * CAs (and, through the engine's endpoint identification, name the expected host), and when the service
 * names a SPIFFE ID, the leaf must carry exactly that one. A mismatch fails the handshake itself, so the
 * connection never carries a request.
 */
final class UpstreamTrustManager extends X509ExtendedTrustManager {

    private final X509ExtendedTrustManager chain;
    private final @Nullable ExpectedSpiffeId spiffeId;

    UpstreamTrustManager(X509ExtendedTrustManager chain, @Nullable ExpectedSpiffeId spiffeId) {
        this.chain = chain;
        this.spiffeId = spiffeId;
    }

    @Override
    public void checkServerTrusted(X509Certificate[] certificates, String authType, SSLEngine engine)
            throws CertificateException {
        chain.checkServerTrusted(certificates, authType, engine);
        checkIdentity(certificates);
    }

    @Override
    public void checkServerTrusted(X509Certificate[] certificates, String authType, Socket socket)
            throws CertificateException {
        chain.checkServerTrusted(certificates, authType, socket);
        checkIdentity(certificates);
    }

    @Override
    public void checkServerTrusted(X509Certificate[] certificates, String authType) throws CertificateException {
        chain.checkServerTrusted(certificates, authType);
        checkIdentity(certificates);
    }

    private void checkIdentity(X509Certificate[] certificates) throws CertificateException {
        ExpectedSpiffeId expected = spiffeId;
        if (expected == null) {
            return;
        }
        String mismatch = expected.mismatch(certificates[0]);
        if (mismatch != null) {
            throw new CertificateException("upstream identity mismatch: " + mismatch);
        }
    }

    @Override
    public void checkClientTrusted(X509Certificate[] certificates, String authType, SSLEngine engine)
            throws CertificateException {
        throw new CertificateException("the upstream trust manager verifies servers only");
    }

    @Override
    public void checkClientTrusted(X509Certificate[] certificates, String authType, Socket socket)
            throws CertificateException {
        throw new CertificateException("the upstream trust manager verifies servers only");
    }

    @Override
    public void checkClientTrusted(X509Certificate[] certificates, String authType) throws CertificateException {
        throw new CertificateException("the upstream trust manager verifies servers only");
    }

    @Override
    public X509Certificate[] getAcceptedIssuers() {
        return chain.getAcceptedIssuers();
    }
}
