package io.zerogate.server;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.DecoderException;
import io.netty.handler.ssl.NotSslRecordException;
import io.netty.handler.ssl.SslHandshakeCompletionEvent;
import io.netty.handler.ssl.SslHandshakeTimeoutException;
import java.nio.channels.ClosedChannelException;
import java.security.cert.CertPathValidatorException;
import java.security.cert.CertificateException;
import java.security.cert.CertificateExpiredException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import javax.net.ssl.SSLHandshakeException;
import org.junit.jupiter.api.Test;

class HandshakeObserverTest {

    private final List<String> failures = new ArrayList<>();
    private final TlsEvents events = new TlsEvents() {
        @Override
        public void handshakeFailed(String listener, String reason) {
            failures.add(listener + ":" + reason);
        }

        @Override
        public void certificatesReloaded(String listener, boolean applied) {
        }
    };

    private static SSLHandshakeException handshake(String message, Throwable cause) {
        SSLHandshakeException e = new SSLHandshakeException(message);
        e.initCause(cause);
        return e;
    }

    @Test
    void aFailureIsCountedAndPassedOn() {
        List<Object> seen = new ArrayList<>();
        EmbeddedChannel ch = new EmbeddedChannel(
                new HandshakeObserver("edge", events, new PeerLogLimiter(8, Duration.ofMinutes(1), System::nanoTime)),
                new ChannelInboundHandlerAdapter() {
                    @Override
                    public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
                        seen.add(evt);
                    }
                });
        SslHandshakeCompletionEvent failed = new SslHandshakeCompletionEvent(
                handshake("refused", new CertificateExpiredException("expired")));
        ch.pipeline().fireUserEventTriggered(failed);
        assertThat(failures).containsExactly("edge:certificate_expired");
        assertThat(seen).containsExactly(failed);
        assertThat(ch.pipeline().get(HandshakeObserver.class)).isNotNull();
        assertThat(ch.finishAndReleaseAll()).isFalse();
    }

    @Test
    void aSuccessLeavesThePipeline() {
        EmbeddedChannel ch = new EmbeddedChannel(
                new HandshakeObserver("edge", events, new PeerLogLimiter(8, Duration.ofMinutes(1), System::nanoTime)));
        ch.pipeline().fireUserEventTriggered(SslHandshakeCompletionEvent.SUCCESS);
        assertThat(failures).isEmpty();
        assertThat(ch.pipeline().get(HandshakeObserver.class)).isNull();
        assertThat(ch.finishAndReleaseAll()).isFalse();
    }

    @Test
    void reasonsComeFromASmallClosedSet() {
        assertThat(HandshakeObserver.reason(handshake("x", new ClientCertificateTrust.ChainTooLongException("long"))))
                .isEqualTo("chain_too_long");
        assertThat(HandshakeObserver.reason(handshake("x", new CertificateException("path",
                new CertPathValidatorException("revoked", null, null, -1, CertPathValidatorException.BasicReason.REVOKED)))))
                .isEqualTo("certificate_revoked");
        assertThat(HandshakeObserver.reason(handshake("x", new CertificateException("no path")))).isEqualTo("certificate_untrusted");
        assertThat(HandshakeObserver.reason(new SSLHandshakeException(
                "error:100000c0:SSL routines:OPENSSL_internal:PEER_DID_NOT_RETURN_A_CERTIFICATE"))).isEqualTo("certificate_missing");
        assertThat(HandshakeObserver.reason(new SSLHandshakeException(
                "error:100000b8:SSL routines:OPENSSL_internal:NO_SHARED_CIPHER"))).isEqualTo("protocol");
        assertThat(HandshakeObserver.reason(new DecoderException(new NotSslRecordException("not an SSL/TLS record"))))
                .isEqualTo("not_tls");
        assertThat(HandshakeObserver.reason(new SslHandshakeTimeoutException("timed out"))).isEqualTo("timeout");
        assertThat(HandshakeObserver.reason(new ClosedChannelException())).isEqualTo("closed");
        assertThat(HandshakeObserver.reason(new IllegalStateException("something else"))).isEqualTo("other");
    }
}
