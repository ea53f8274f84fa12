package io.zerogate.server;

import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.ssl.NotSslRecordException;
import io.netty.handler.ssl.SniCompletionEvent;
import io.netty.handler.ssl.SslHandshakeCompletionEvent;
import io.netty.handler.ssl.SslHandshakeTimeoutException;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.nio.channels.ClosedChannelException;
import java.security.cert.CertPathValidatorException;
import java.security.cert.CertificateException;
import java.security.cert.CertificateExpiredException;
import java.security.cert.CertificateNotYetValidException;
import java.security.cert.CertificateRevokedException;
import java.util.Locale;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Counts and logs failed TLS handshakes of one listener, by a reason from a small closed set. The log is
 * limited per peer address, the count is not. Leaves the pipeline once a handshake succeeds.
 */
@ChannelHandler.Sharable
final class HandshakeObserver extends ChannelInboundHandlerAdapter {

    private static final Logger log = LoggerFactory.getLogger(HandshakeObserver.class);

    private final String listener;
    private final TlsEvents sink;
    private final PeerLogLimiter logLimiter;

    HandshakeObserver(String listener, TlsEvents sink, PeerLogLimiter logLimiter) {
        this.listener = listener;
        this.sink = sink;
        this.logLimiter = logLimiter;
    }

    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object evt) throws Exception {
        if (evt instanceof SslHandshakeCompletionEvent done) {
            if (done.isSuccess()) {
                ctx.fireUserEventTriggered(evt);
                ctx.pipeline().remove(this);
                return;
            }
            failed(ctx, done.cause());
        } else if (evt instanceof SniCompletionEvent sni && !sni.isSuccess()) {
            failed(ctx, sni.cause());
        }
        ctx.fireUserEventTriggered(evt);
    }

    private void failed(ChannelHandlerContext ctx, Throwable cause) {
        String reason = reason(cause);
        try {
            sink.handshakeFailed(listener, reason);
        } catch (RuntimeException e) {
            log.warn("counting a failed TLS handshake on listener {} failed", listener, e);
        }
        SocketAddress remote = ctx.channel().remoteAddress();
        if (remote instanceof InetSocketAddress peer && peer.getAddress() != null && logLimiter.tryAcquire(peer.getAddress())) {
            log.info("TLS handshake on listener {} from {} failed: {} ({}); further failures from this address are not "
                    + "logged for a minute", listener, peer.getAddress().getHostAddress(), reason, describe(cause));
        }
    }

    /**
     * The reason label of a failed handshake: {@code certificate_missing}, {@code certificate_untrusted},
     * {@code certificate_expired}, {@code certificate_revoked}, {@code chain_too_long}, {@code protocol},
     * {@code not_tls}, {@code timeout}, {@code closed} or {@code other}.
     */
    static String reason(Throwable cause) {
        boolean certificateProblem = false;
        for (Throwable t = cause; t != null; t = t.getCause()) {
            if (t instanceof ClientCertificateTrust.ChainTooLongException) {
                return "chain_too_long";
            }
            if (t instanceof CertificateExpiredException || t instanceof CertificateNotYetValidException) {
                return "certificate_expired";
            }
            if (t instanceof CertificateRevokedException) {
                return "certificate_revoked";
            }
            if (t instanceof CertPathValidatorException v) {
                if (v.getReason() == CertPathValidatorException.BasicReason.REVOKED) {
                    return "certificate_revoked";
                }
                if (v.getReason() == CertPathValidatorException.BasicReason.EXPIRED
                        || v.getReason() == CertPathValidatorException.BasicReason.NOT_YET_VALID) {
                    return "certificate_expired";
                }
                certificateProblem = true;
            }
            if (t instanceof CertificateException) {
                certificateProblem = true;
            }
            if (t instanceof SslHandshakeTimeoutException) {
                return "timeout";
            }
            if (t instanceof NotSslRecordException) {
                return "not_tls";
            }
            if (t instanceof ClosedChannelException) {
                return "closed";
            }
        }
        if (certificateProblem) {
            return "certificate_untrusted";
        }
        String message = messages(cause);
        if (message.contains("peer_did_not_return_a_certificate") || message.contains("empty client certificate chain")
                || message.contains("empty server certificate chain") || message.contains("certificate_required")) {
            return "certificate_missing";
        }
        if (message.contains("certificate_verify_failed") || message.contains("bad_certificate")
                || message.contains("unknown_ca") || message.contains("certificate_unknown")) {
            return "certificate_untrusted";
        }
        if (message.contains("no_shared_cipher") || message.contains("unsupported_protocol") || message.contains("no_shared_group")
                || message.contains("wrong_version_number") || message.contains("protocol_version")
                || message.contains("no appropriate protocol") || message.contains("no cipher suites in common")
                || message.contains("handshake_failure")) {
            return "protocol";
        }
        if (message.contains("closed")) {
            return "closed";
        }
        return "other";
    }

    private static String messages(Throwable cause) {
        StringBuilder sb = new StringBuilder();
        for (Throwable t = cause; t != null; t = t.getCause()) {
            if (t.getMessage() != null) {
                sb.append(t.getMessage()).append(' ');
            }
        }
        return sb.toString().toLowerCase(Locale.ROOT);
    }

    private static String describe(Throwable cause) {
        Throwable root = cause;
        while (root.getCause() != null && root.getCause() != root) {
            root = root.getCause();
        }
        return root.getClass().getSimpleName() + ": " + root.getMessage();
    }
}
