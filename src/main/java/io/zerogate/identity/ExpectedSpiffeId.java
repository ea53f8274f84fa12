package io.zerogate.identity;

import java.security.cert.X509Certificate;
import java.util.Objects;
import java.util.Set;
import org.jspecify.annotations.Nullable;

/**
 * The one workload identity a TLS peer must prove, such as the {@code spiffe_id} configured for an upstream
 * service. A certificate proves it when it carries exactly this SPIFFE ID as its only {@code spiffe:} URI
 * SAN: a second SPIFFE ID, even a matching one, makes the certificate ambiguous and it is refused.
 */
public record ExpectedSpiffeId(SpiffeId id) {

    public ExpectedSpiffeId {
        Objects.requireNonNull(id, "id");
    }

    /**
     * Checks the leaf certificate of a peer whose chain was already verified.
     *
     * @return null when the certificate names exactly this workload; otherwise why it does not
     */
    public @Nullable String mismatch(X509Certificate leaf) {
        ClientCertificate facts;
        try {
            facts = ClientCertificate.of(leaf, Set.of(id.trustDomain()));
        } catch (IllegalArgumentException e) {
            return e.getMessage() + " (expected: " + id + ")";
        }
        SpiffeId actual = facts.spiffeId();
        if (actual == null) {
            return "the certificate carries no SPIFFE ID (expected: " + id + ")";
        }
        if (!actual.equals(id)) {
            return "the certificate names " + actual + " (expected: " + id + ")";
        }
        return null;
    }

    @Override
    public String toString() {
        return id.toString();
    }
}
