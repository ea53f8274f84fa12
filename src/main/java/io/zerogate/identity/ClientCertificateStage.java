package io.zerogate.identity;

import io.zerogate.chain.Decision;
import io.zerogate.chain.Exchange;
import io.zerogate.chain.ReasonCode;
import io.zerogate.chain.Stage;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

/**
 * Turns the client certificate of the exchange's connection into facts for later stages, and enforces the
 * route's {@code require.client_certificate}. A certificate the handshake verified but whose identity cannot
 * be used is refused on every route: a caller that presents an identity must present a usable one.
 * A certificate with a SPIFFE ID makes the caller a {@link Subject.Kind#WORKLOAD} subject, unless the route
 * authenticates callers by a credential: then the credential names the subject, and the certificate stays a
 * fact that sender-constrained tokens are checked against.
 */
public final class ClientCertificateStage implements Stage {

    private static final CompletableFuture<Decision> PROCEED = CompletableFuture.completedFuture(Decision.proceed());

    @Override
    public CompletionStage<Decision> evaluate(Exchange exchange) {
        TransportIdentity transport = exchange.get(TransportIdentity.KEY);
        if (transport instanceof TransportIdentity.Rejected rejected) {
            return CompletableFuture.completedFuture(
                    Decision.deny(ReasonCode.CLIENT_CERTIFICATE_REJECTED, rejected.problem()));
        }
        if (transport instanceof TransportIdentity.Certified certified) {
            ClientCertificate certificate = certified.certificate();
            exchange.put(ClientCertificate.KEY, certificate);
            SpiffeId workload = certificate.spiffeId();
            if (workload != null && !exchange.route().config().authenticate().required()) {
                exchange.put(Subject.KEY, Subject.workload(workload));
            }
            return PROCEED;
        }
        if (exchange.route().config().requireClientCertificate()) {
            String detail = transport == null
                    ? "route " + exchange.route().id() + " requires a client certificate; the listener does not use TLS"
                    : "route " + exchange.route().id() + " requires a client certificate; none was presented";
            return CompletableFuture.completedFuture(
                    Decision.deny(ReasonCode.CLIENT_CERTIFICATE_REQUIRED, detail, exchange.route().id()));
        }
        return PROCEED;
    }
}
