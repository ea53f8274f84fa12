package io.zerogate.server;

import io.zerogate.cli.CertificateMint;
import io.zerogate.testing.FixedKeyManager;
import io.zerogate.testing.TestPki;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.security.KeyStore;
import java.security.cert.X509Certificate;
import java.util.List;
import javax.net.ssl.KeyManager;
import javax.net.ssl.SNIHostName;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.TrustManagerFactory;
import org.jspecify.annotations.Nullable;

/**
 * An HTTPS client for the tests on the JDK's TLS: trusts the given CA, checks the server's name, sends SNI,
 * and presents a client certificate when it has one, whatever CAs the server asks for (so that tests can
 * present certificates the server must refuse).
 */
final class TlsClient {

    private final CertificateMint.Issued serverCa;
    private final CertificateMint.@Nullable Issued identity;
    private final List<String> protocols;
    private final @Nullable List<String> cipherSuites;
    /** Offered by ALPN; empty offers nothing. */
    private final List<String> applicationProtocols;

    private TlsClient(CertificateMint.Issued serverCa, CertificateMint.@Nullable Issued identity, List<String> protocols,
                      @Nullable List<String> cipherSuites) {
        this(serverCa, identity, protocols, cipherSuites, List.of());
    }

    private TlsClient(CertificateMint.Issued serverCa, CertificateMint.@Nullable Issued identity, List<String> protocols,
                      @Nullable List<String> cipherSuites, List<String> applicationProtocols) {
        this.serverCa = serverCa;
        this.identity = identity;
        this.protocols = protocols;
        this.cipherSuites = cipherSuites;
        this.applicationProtocols = applicationProtocols;
    }

    /** The same client offering {@code alpn} (such as {@code h2}) by ALPN. */
    TlsClient offering(String... alpn) {
        return new TlsClient(serverCa, identity, protocols, cipherSuites, List.of(alpn));
    }

    /** A client that trusts {@code serverCa}, with no client certificate. */
    static TlsClient trusting(CertificateMint.Issued serverCa) {
        return build(serverCa, null, List.of("TLSv1.3", "TLSv1.2"));
    }

    /** A client that trusts {@code serverCa} and presents {@code identity} with its chain (without the root). */
    static TlsClient presenting(CertificateMint.Issued serverCa, CertificateMint.Issued identity) {
        return build(serverCa, identity, List.of("TLSv1.3", "TLSv1.2"));
    }

    /** The same client restricted to {@code protocols}. */
    TlsClient onlyProtocols(String... only) {
        return new TlsClient(serverCa, identity, List.of(only), cipherSuites, applicationProtocols);
    }

    /** The same client offering only {@code suites}. */
    TlsClient onlyCipherSuites(String... suites) {
        return new TlsClient(serverCa, identity, protocols, List.of(suites), applicationProtocols);
    }

    private static TlsClient build(CertificateMint.Issued serverCa, CertificateMint.@Nullable Issued identity, List<String> protocols) {
        return new TlsClient(serverCa, identity, protocols, null);
    }

    /** A fresh context per connection: no session is resumed, and the JDK never reuses a cached session's SNI. */
    private SSLContext newContext() {
        try {
            KeyStore trust = KeyStore.getInstance("PKCS12");
            trust.load(null, null);
            trust.setCertificateEntry("ca", serverCa.certificate());
            TrustManagerFactory tmf = TrustManagerFactory.getInstance("PKIX");
            tmf.init(trust);
            KeyManager[] keys = identity == null ? null : new KeyManager[] {new FixedKeyManager(identity)};
            SSLContext ctx = SSLContext.getInstance("TLS");
            ctx.init(keys, tmf.getTrustManagers(), null);
            return ctx;
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    /**
     * Connects to 127.0.0.1:{@code port} and completes the handshake.
     *
     * @param serverName sent as SNI and checked against the served certificate; null sends no SNI and
     *                   checks nothing (an IP address cannot be sent as SNI)
     */
    SSLSocket connect(int port, @Nullable String serverName) throws IOException {
        return connect(port, serverName, serverName != null);
    }

    /** As {@link #connect(int, String)}; {@code checkName} false accepts a certificate for another name. */
    SSLSocket connect(int port, @Nullable String serverName, boolean checkName) throws IOException {
        SSLSocket s = (SSLSocket) newContext().getSocketFactory().createSocket(InetAddress.getLoopbackAddress(), port);
        s.setSoTimeout(5_000);
        SSLParameters p = s.getSSLParameters();
        p.setProtocols(protocols.toArray(String[]::new));
        if (cipherSuites != null) {
            p.setCipherSuites(cipherSuites.toArray(String[]::new));
        }
        p.setServerNames(serverName == null ? List.of() : List.of(new SNIHostName(serverName)));
        if (!applicationProtocols.isEmpty()) {
            p.setApplicationProtocols(applicationProtocols.toArray(String[]::new));
        }
        if (checkName) {
            p.setEndpointIdentificationAlgorithm("HTTPS");
        }
        s.setSSLParameters(p);
        s.startHandshake();
        return s;
    }

    /** Sends {@code GET path} for {@code localhost} on a new connection and reads the one response. */
    RawResponse get(int port, String path) throws IOException {
        try (SSLSocket s = connect(port, "localhost")) {
            return request(s, "GET", path, "localhost", true);
        }
    }

    /** Sends one request on an open connection and reads its response. */
    static RawResponse request(SSLSocket s, String method, String path, String host, boolean close) throws IOException {
        OutputStream out = s.getOutputStream();
        out.write((method + " " + path + " HTTP/1.1\r\nHost: " + host + "\r\n" + (close ? "Connection: close\r\n" : "") + "\r\n")
                .getBytes(StandardCharsets.ISO_8859_1));
        out.flush();
        InputStream in = s.getInputStream();
        return RawResponse.read(in, method.equals("HEAD"));
    }

    /**
     * Tries a request that the server must refuse during the handshake; returns what the client saw. With TLS
     * 1.3 the client finishes its side before the server has checked its certificate, so the refusal can
     * arrive on the first read.
     */
    IOException refusedGet(int port) {
        try (SSLSocket s = connect(port, "localhost")) {
            OutputStream out = s.getOutputStream();
            out.write("GET / HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n".getBytes(StandardCharsets.ISO_8859_1));
            out.flush();
            int first = s.getInputStream().read();
            if (first >= 0) {
                throw new AssertionError("the server answered instead of refusing the handshake: "
                        + (char) first + new String(s.getInputStream().readAllBytes(), StandardCharsets.ISO_8859_1));
            }
            return new IOException("connection closed without an answer");
        } catch (IOException e) {
            return e;
        }
    }

    /**
     * The leaf certificate the server presents to a client that sends {@code serverName} (null: no SNI). The
     * chain must lead to the trusted CA; the name is not checked.
     */
    X509Certificate servedCertificate(int port, @Nullable String serverName) throws IOException {
        try (SSLSocket s = connect(port, serverName, false)) {
            return (X509Certificate) s.getSession().getPeerCertificates()[0];
        }
    }
}
