package io.zerogate.identity;

import io.zerogate.chain.AttributeKey;
import java.security.cert.X509Certificate;
import java.util.List;
import java.util.Objects;
import java.util.Set;

/**
 * What a connection's TLS handshake established about the client, worked out once per connection and attached
 * to each of its exchanges: no certificate, a verified certificate whose facts could be read, or a verified
 * certificate that still cannot be used (several SPIFFE IDs, an invalid one, an untrusted trust domain).
 * Exchanges of plain-HTTP listeners carry none.
 */
public sealed interface TransportIdentity
        permits TransportIdentity.Anonymous, TransportIdentity.Certified, TransportIdentity.Rejected {

    AttributeKey<TransportIdentity> KEY = AttributeKey.of("transport-identity", TransportIdentity.class);

    /**
     * Reads the verified chain of a connection.
     *
     * @param verifiedChain the client's chain, leaf first, as the handshake verified it; empty when it sent none
     * @param trustDomains  the SPIFFE trust domains accepted in certificates
     */
    static TransportIdentity of(List<X509Certificate> verifiedChain, Set<String> trustDomains) {
        if (verifiedChain.isEmpty()) {
            return Anonymous.INSTANCE;
        }
        try {
            return new Certified(ClientCertificate.of(verifiedChain.get(0), trustDomains));
        } catch (RuntimeException e) {
            // Anything that cannot be read is refused, never treated as "no certificate".
            return new Rejected(e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage());
        }
    }

    /** TLS without a client certificate. */
    enum Anonymous implements TransportIdentity {
        INSTANCE
    }

    /** A verified client certificate with its facts. */
    record Certified(ClientCertificate certificate) implements TransportIdentity {

        public Certified {
            Objects.requireNonNull(certificate, "certificate");
        }
    }

    /**
     * A certificate the handshake verified but whose identity cannot be used.
     *
     * @param problem what is wrong, for logs and audit records only
     */
    record Rejected(String problem) implements TransportIdentity {

        public Rejected {
            Objects.requireNonNull(problem, "problem");
        }
    }
}
