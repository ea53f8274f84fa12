package io.zerogate.config;

import io.zerogate.identity.SpiffeId;
import java.nio.file.Path;
import java.security.cert.X509Certificate;
import java.util.List;
import org.jspecify.annotations.Nullable;

/**
 * How the gateway talks to a service's targets: in plain text only when the configuration says
 * {@code tls: none}; otherwise over TLS, verifying the upstream against a CA and an expected identity, and
 * presenting the gateway's own client certificate when one is configured.
 */
public sealed interface UpstreamTls permits UpstreamTls.Plain, UpstreamTls.Verified {

    /** Plain HTTP, chosen explicitly. */
    record Plain() implements UpstreamTls {}

    /**
     * TLS to the upstream.
     *
     * @param serverName the DNS name the upstream certificate must carry (and the SNI sent); null means the
     *                   target's host name
     * @param spiffeId   when set, the upstream certificate must carry exactly this SPIFFE ID instead of a name
     * @param clientCertificate the gateway's certificate for mTLS, or null
     */
    record Verified(Path caFile, List<X509Certificate> cas, @Nullable String serverName, @Nullable SpiffeId spiffeId,
                    @Nullable CertificateFiles clientCertificate) implements UpstreamTls {

        public Verified {
            cas = List.copyOf(cas);
        }
    }
}
