package io.zerogate.upstream;

import io.netty.buffer.ByteBufAllocator;
import io.netty.handler.ssl.OpenSsl;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import io.netty.handler.ssl.SslHandler;
import io.netty.handler.ssl.SslProvider;
import io.netty.util.NetUtil;
import io.zerogate.config.CertificateFiles;
import io.zerogate.config.TargetAddress;
import io.zerogate.config.UpstreamTls;
import io.zerogate.identity.ExpectedSpiffeId;
import java.io.IOException;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.cert.X509Certificate;
import java.util.List;
import javax.net.ssl.SNIHostName;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.TrustManager;
import javax.net.ssl.TrustManagerFactory;
import javax.net.ssl.X509ExtendedTrustManager;
import org.jspecify.annotations.Nullable;

/**
 * The TLS client side of one service under one configuration: a context that trusts the service's CAs and
 * nothing else, presents the gateway's certificate when one is configured, and makes every connection
 * prove the expected identity. Built with the {@link Upstreams} of a configuration, so a reload builds a
 * new one; pooled connections are keyed by profile and never cross from one to another.
 */
final class UpstreamTlsProfile {

    private static final String[] PROTOCOLS = {"TLSv1.3", "TLSv1.2"};

    private final String service;
    private final SslContext context;
    private final @Nullable String serverName;
    private final boolean verifyHost;

    private UpstreamTlsProfile(String service, SslContext context, @Nullable String serverName, boolean verifyHost) {
        this.service = service;
        this.context = context;
        this.serverName = serverName;
        this.verifyHost = verifyHost;
    }

    /** BoringSSL through netty-tcnative when it loads on this platform, the JDK's TLS otherwise. */
    static SslProvider provider() {
        return OpenSsl.isAvailable() ? SslProvider.OPENSSL : SslProvider.JDK;
    }

    /**
     * @param targets the service's targets, whose host names must be fit to send as SNI when no server name is set
     * @throws IllegalArgumentException when a name cannot be sent as SNI
     */
    static UpstreamTlsProfile build(String service, UpstreamTls.Verified tls, List<TargetAddress> targets)
            throws GeneralSecurityException, IOException {
        if (tls.serverName() != null) {
            sni(tls.serverName());
        } else {
            for (TargetAddress target : targets) {
                sni(target.host());
            }
        }
        ExpectedSpiffeId spiffe = tls.spiffeId() == null ? null : new ExpectedSpiffeId(tls.spiffeId());
        boolean verifyHost = spiffe == null;
        SslContextBuilder builder = SslContextBuilder.forClient()
                .sslProvider(provider())
                .protocols(PROTOCOLS)
                .trustManager(trustOnly(tls.cas(), spiffe))
                // Host names are verified by the engine; a SPIFFE identity replaces them.
                .endpointIdentificationAlgorithm(verifyHost ? "HTTPS" : null);
        CertificateFiles client = tls.clientCertificate();
        if (client != null) {
            builder.keyManager(client.key(), client.chain());
        }
        return new UpstreamTlsProfile(service, builder.build(), tls.serverName(), verifyHost);
    }

    /** A trust manager whose only anchors are {@code cas}: the platform's trust store plays no part. */
    private static TrustManager trustOnly(List<X509Certificate> cas, @Nullable ExpectedSpiffeId spiffe)
            throws GeneralSecurityException, IOException {
        KeyStore anchors = KeyStore.getInstance("PKCS12");
        anchors.load(null, null);
        for (int i = 0; i < cas.size(); i++) {
            anchors.setCertificateEntry("ca-" + i, cas.get(i));
        }
        TrustManagerFactory factory = TrustManagerFactory.getInstance("PKIX");
        factory.init(anchors);
        for (TrustManager tm : factory.getTrustManagers()) {
            if (tm instanceof X509ExtendedTrustManager x509) {
                return new UpstreamTrustManager(x509, spiffe);
            }
        }
        throw new GeneralSecurityException("the PKIX trust manager factory offers no X.509 trust manager");
    }

    /**
     * A client-mode handler for a new connection to {@code target}. SNI carries the configured server name
     * or else the target's host, and is left out when that is an IP address; the same name is the one the
     * certificate must carry unless a SPIFFE ID is expected instead.
     */
    SslHandler newHandler(ByteBufAllocator alloc, TargetAddress target, long handshakeTimeoutMillis) {
        String name = serverName != null ? serverName : target.host();
        SslHandler handler = context.newHandler(alloc, name, target.port());
        SSLEngine engine = handler.engine();
        SSLParameters parameters = engine.getSSLParameters();
        SNIHostName sni = sni(name);
        parameters.setServerNames(sni == null ? List.of() : List.of(sni));
        parameters.setEndpointIdentificationAlgorithm(verifyHost ? "HTTPS" : null);
        engine.setSSLParameters(parameters);
        handler.setHandshakeTimeoutMillis(Math.max(1, handshakeTimeoutMillis));
        return handler;
    }

    /** The SNI for a host: none for an IP address, which SNI cannot carry. */
    private static @Nullable SNIHostName sni(String host) {
        if (NetUtil.isValidIpV4Address(host) || NetUtil.isValidIpV6Address(host)) {
            return null;
        }
        try {
            return new SNIHostName(host);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("'" + host + "' cannot be sent as a TLS server name (" + e.getMessage()
                    + "); set server_name to a name the upstream's certificate carries");
        }
    }

    @Override
    public String toString() {
        return "UpstreamTlsProfile[" + service + ", " + context.getClass().getSimpleName() + "]";
    }
}
