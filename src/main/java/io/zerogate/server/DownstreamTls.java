package io.zerogate.server;

import io.netty.channel.ChannelHandler;
import io.netty.handler.ssl.OpenSsl;
import io.netty.handler.ssl.SniHandler;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslProvider;
import io.netty.util.Mapping;
import io.zerogate.config.ConfigException;
import io.zerogate.config.ListenerTls;
import io.zerogate.config.TlsMaterial;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.cert.X509CRL;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SSLException;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * TLS on one client listener: hands each new connection a handler that picks the certificate by SNI, and
 * swaps in new certificates, keys, client CAs and CRLs when their files change on disk. New handshakes use
 * the new material; established connections keep theirs. Files that cannot be used are reported and the
 * material in use is kept.
 */
final class DownstreamTls implements Mapping<String, SslContext> {

    private static final Logger log = LoggerFactory.getLogger(DownstreamTls.class);

    /** Larger than any real ClientHello, post-quantum key shares included. */
    private static final int MAX_CLIENT_HELLO_BYTES = 32 * 1024;
    /** Every this many checks the contents are hashed even when no file's time or size moved. */
    private static final int FULL_CHECK_EVERY = 15;

    private final String listener;
    private final ListenerTls configured;
    private final boolean http2;
    private final SslProvider provider;
    private final long handshakeTimeoutMillis;
    private final List<Path> files;
    private final TlsEvents events;
    private volatile ListenerTlsContexts current;

    // Touched only by the thread that calls checkForChanges().
    private List<Long> stamps;
    private byte[] digest;
    private int checksSinceFullCheck;

    private DownstreamTls(String listener, ListenerTls configured, boolean http2, SslProvider provider, long handshakeTimeoutMillis,
                          List<Path> files, TlsEvents events, List<Long> stamps, byte[] digest, ListenerTlsContexts current) {
        this.listener = listener;
        this.configured = configured;
        this.http2 = http2;
        this.provider = provider;
        this.handshakeTimeoutMillis = handshakeTimeoutMillis;
        this.files = files;
        this.events = events;
        this.stamps = stamps;
        this.digest = digest;
        this.current = current;
    }

    /** The provider every listener uses: BoringSSL through netty-tcnative where it loads, else the JDK's. */
    static SslProvider provider() {
        return OpenSsl.isAvailable() ? SslProvider.OPENSSL : SslProvider.JDK;
    }

    static String describe(SslProvider provider) {
        return provider == SslProvider.OPENSSL ? OpenSsl.versionString() + " (netty-tcnative)"
                : "the JDK's TLS (netty-tcnative unavailable: " + OpenSsl.unavailabilityCause() + ")";
    }

    /**
     * Reads the listener's files and builds its contexts.
     *
     * @param http2 offer HTTP/2 by ALPN
     * @throws ConfigException when a file cannot be used
     */
    static DownstreamTls start(String listener, ListenerTls tls, boolean http2, SslProvider provider, long handshakeTimeoutMillis,
                               TlsEvents events) throws ConfigException {
        List<Path> files = List.copyOf(tls.files());
        // Stamped before reading, so that a change while the files are read is seen by the next check.
        List<Long> stamps = stamps(files);
        byte[] digest = TlsMaterial.digest(files);
        ListenerTlsContexts contexts = build(listener, tls, provider, http2);
        return new DownstreamTls(listener, tls, http2, provider, handshakeTimeoutMillis, files, events, stamps, digest, contexts);
    }

    private static ListenerTlsContexts build(String listener, ListenerTls tls, SslProvider provider, boolean http2)
            throws ConfigException {
        String source = "listener " + listener;
        ListenerTls fresh = TlsMaterial.reread(source, tls);
        List<X509CRL> crls = fresh.crl() == null ? List.of() : TlsMaterial.crls(source, fresh.crl());
        ListenerTlsContexts contexts;
        try {
            contexts = ListenerTlsContexts.build(fresh, crls, provider, http2);
        } catch (SSLException | GeneralSecurityException | IllegalArgumentException e) {
            throw new ConfigException(source, 0, "tls", "the TLS settings cannot be used: " + e.getMessage(), e);
        }
        X509Certificate leaf = fresh.identity().leaf();
        log.info("listener {}: serving certificate '{}' (valid until {}){}", listener, leaf.getSubjectX500Principal().getName(),
                leaf.getNotAfter().toInstant(), fresh.sni().isEmpty() ? "" : " and " + fresh.sni().size() + " more by SNI");
        return contexts;
    }

    /** A handler for a new connection: reads the ClientHello, then becomes the TLS handler for the chosen context. */
    ChannelHandler newHandler() {
        return new SniHandler(this, MAX_CLIENT_HELLO_BYTES, handshakeTimeoutMillis);
    }

    /** Called by the SNI handler on the connection's event loop, once per handshake. */
    @Override
    public SslContext map(@Nullable String serverName) {
        return current.select(serverName);
    }

    /**
     * Rebuilds the contexts when a file changed. Runs on the rotation thread, never on an event loop: it reads
     * files and builds native contexts.
     */
    void checkForChanges() {
        List<Long> now = stamps(files);
        boolean full = ++checksSinceFullCheck >= FULL_CHECK_EVERY;
        if (now.equals(stamps) && !full) {
            return;
        }
        stamps = now;
        checksSinceFullCheck = 0;
        byte[] d = TlsMaterial.digest(files);
        if (Arrays.equals(d, digest)) {
            return;
        }
        // Remembered even when the new files fail, so that a broken file is reported once, not every check.
        digest = d;
        try {
            ListenerTlsContexts next = build(listener, configured, provider, http2);
            current = next;
            log.info("listener {}: TLS files changed; new handshakes use them", listener);
            events.certificatesReloaded(listener, true);
        } catch (ConfigException e) {
            log.error("listener {}: TLS files changed but cannot be used; keeping the previous ones: {}", listener, e.problem());
            events.certificatesReloaded(listener, false);
        }
    }

    private static List<Long> stamps(List<Path> files) {
        List<Long> out = new ArrayList<>(files.size() * 2);
        for (Path f : files) {
            try {
                out.add(Files.getLastModifiedTime(f).to(TimeUnit.NANOSECONDS));
                out.add(Files.size(f));
            } catch (IOException e) {
                out.add(-1L);
                out.add(-1L);
            }
        }
        return out;
    }
}
