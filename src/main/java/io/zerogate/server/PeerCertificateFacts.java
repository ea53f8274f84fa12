package io.zerogate.server;

import io.zerogate.chain.Exchange;
import java.security.cert.X509Certificate;
import java.util.List;
import java.util.function.Consumer;

/**
 * Turns the client certificate chain that a connection's TLS handshake verified into facts on each exchange of
 * that connection. The assembly supplies it, so the data plane carries the facts without knowing what they are.
 */
@FunctionalInterface
public interface PeerCertificateFacts {

    /**
     * Called once per TLS connection, on its event loop, before its first exchange runs the chain.
     *
     * @param verifiedChain the client's chain, leaf first; empty when the client presented no certificate
     * @return what attaches the facts to each exchange of the connection
     */
    Consumer<Exchange> forConnection(List<X509Certificate> verifiedChain);
}
