package io.zerogate.server;

import io.netty.handler.ssl.ApplicationProtocolConfig;
import io.netty.handler.ssl.ApplicationProtocolNames;
import io.netty.handler.ssl.ClientAuth;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import io.netty.handler.ssl.SslProvider;
import io.netty.handler.ssl.SupportedCipherSuiteFilter;
import io.zerogate.config.CertificateFiles;
import io.zerogate.config.ListenerTls;
import java.security.GeneralSecurityException;
import java.security.cert.X509CRL;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import javax.net.ssl.SSLException;
import org.jspecify.annotations.Nullable;

/**
 * The TLS contexts of one listener, built from one reading of its files: the default certificate and the
 * certificates chosen by SNI, all with the same protocols, ciphers and client certificate rules. Immutable;
 * a certificate rotation builds a new one.
 */
final class ListenerTlsContexts {

    /**
     * TLS 1.3's AEAD suites, and for TLS 1.2 only forward-secret ECDHE with AES-GCM or ChaCha20-Poly1305.
     * Suites the provider lacks are dropped.
     */
    static final List<String> CIPHERS = List.of(
            "TLS_AES_128_GCM_SHA256",
            "TLS_AES_256_GCM_SHA384",
            "TLS_CHACHA20_POLY1305_SHA256",
            "TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256",
            "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256",
            "TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384",
            "TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384",
            "TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256",
            "TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256");

    /**
     * ALPN for a listener that speaks HTTP/2: {@code h2} first, {@code http/1.1} second. A client that offers
     * neither gets no protocol and is served HTTP/1.1.
     */
    private static final ApplicationProtocolConfig ALPN_H2 = new ApplicationProtocolConfig(
            ApplicationProtocolConfig.Protocol.ALPN,
            ApplicationProtocolConfig.SelectorFailureBehavior.NO_ADVERTISE,
            ApplicationProtocolConfig.SelectedListenerFailureBehavior.ACCEPT,
            ApplicationProtocolNames.HTTP_2, ApplicationProtocolNames.HTTP_1_1);

    /** Bounds how long a resumed session skips certificate checks; a rotation drops all sessions anyway. */
    private static final long SESSION_TIMEOUT_SECONDS = 300;

    private final SslContext defaultContext;
    private final Map<String, SslContext> exact;
    /** By the domain after {@code *.}: one label in front of it matches, as in certificate name matching. */
    private final Map<String, SslContext> wildcard;

    private ListenerTlsContexts(SslContext defaultContext, Map<String, SslContext> exact, Map<String, SslContext> wildcard) {
        this.defaultContext = defaultContext;
        this.exact = Map.copyOf(exact);
        this.wildcard = Map.copyOf(wildcard);
    }

    /**
     * @param crls  revocation lists for client certificates; empty for none
     * @param http2 offer {@code h2} by ALPN
     * @throws SSLException             when the provider refuses the certificate, key or settings
     * @throws GeneralSecurityException when the client CAs cannot form a trust store
     */
    static ListenerTlsContexts build(ListenerTls tls, List<X509CRL> crls, SslProvider provider, boolean http2)
            throws SSLException, GeneralSecurityException {
        ClientCertificateTrust trust = tls.clientAuth() == ListenerTls.ClientAuth.NONE ? null
                : ClientCertificateTrust.of(tls.clientCas(), crls, tls.maxChainDepth());
        SslContext defaultContext = context(tls, tls.identity(), trust, provider, http2);
        Map<String, SslContext> exact = new HashMap<>();
        Map<String, SslContext> wildcard = new HashMap<>();
        for (ListenerTls.SniCertificate sni : tls.sni()) {
            SslContext context = context(tls, sni.files(), trust, provider, http2);
            for (String host : sni.hosts()) {
                String h = host.toLowerCase(Locale.ROOT);
                // The first entry that names a host serves it.
                if (h.startsWith("*.")) {
                    wildcard.putIfAbsent(h.substring(2), context);
                } else {
                    exact.putIfAbsent(h, context);
                }
            }
        }
        return new ListenerTlsContexts(defaultContext, exact, wildcard);
    }

    private static SslContext context(ListenerTls tls, CertificateFiles files, @Nullable ClientCertificateTrust trust,
                                      SslProvider provider, boolean http2) throws SSLException {
        SslContextBuilder b = SslContextBuilder.forServer(files.key(), files.chain())
                .sslProvider(provider)
                .protocols(tls.protocols())
                .ciphers(CIPHERS, SupportedCipherSuiteFilter.INSTANCE)
                .sessionTimeout(SESSION_TIMEOUT_SECONDS);
        if (http2) {
            b.applicationProtocolConfig(ALPN_H2);
        }
        if (trust != null) {
            b.trustManager(trust)
                    .clientAuth(tls.clientAuth() == ListenerTls.ClientAuth.REQUIRED ? ClientAuth.REQUIRE : ClientAuth.OPTIONAL);
        }
        return b.build();
    }

    /** The context for the server name a client asked for (null: it sent none). */
    SslContext select(@Nullable String serverName) {
        if (serverName == null || serverName.isEmpty() || (exact.isEmpty() && wildcard.isEmpty())) {
            return defaultContext;
        }
        String name = serverName.toLowerCase(Locale.ROOT);
        if (name.endsWith(".")) {
            name = name.substring(0, name.length() - 1);
        }
        SslContext c = exact.get(name);
        if (c != null) {
            return c;
        }
        int dot = name.indexOf('.');
        if (dot > 0) {
            c = wildcard.get(name.substring(dot + 1));
            if (c != null) {
                return c;
            }
        }
        return defaultContext;
    }
}
