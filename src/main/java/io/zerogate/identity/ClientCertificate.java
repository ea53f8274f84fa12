package io.zerogate.identity;

import io.zerogate.chain.AttributeKey;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.cert.CertificateEncodingException;
import java.security.cert.CertificateParsingException;
import java.security.cert.X509Certificate;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Collection;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import org.jspecify.annotations.Nullable;

/**
 * The facts of a client certificate that the TLS handshake verified: who it names and its RFC 8705
 * thumbprint. {@code spiffeId} is set when the certificate carries exactly one {@code spiffe://} URI SAN in
 * a trusted trust domain; the certificate then identifies a workload.
 *
 * @param thumbprint the base64url SHA-256 of the DER certificate ({@code x5t#S256})
 */
public record ClientCertificate(
        String subjectDn,
        List<String> dnsNames,
        List<String> uris,
        String thumbprint,
        @Nullable SpiffeId spiffeId,
        Instant notBefore,
        Instant notAfter) {

    /** The accepted client certificate of the exchange's connection, attached by {@link ClientCertificateStage}. */
    public static final AttributeKey<ClientCertificate> KEY = AttributeKey.of("client-certificate", ClientCertificate.class);

    public ClientCertificate {
        Objects.requireNonNull(subjectDn, "subjectDn");
        dnsNames = List.copyOf(dnsNames);
        uris = List.copyOf(uris);
        Objects.requireNonNull(thumbprint, "thumbprint");
    }

    private static final int SAN_DNS = 2;
    private static final int SAN_URI = 6;

    /**
     * Reads the facts of a verified leaf certificate.
     *
     * @param trustDomains the SPIFFE trust domains whose IDs are accepted; an ID from another domain is refused
     * @throws IllegalArgumentException when the certificate cannot be read, carries several SPIFFE IDs, an
     *                                  invalid one, or one from an untrusted trust domain
     */
    public static ClientCertificate of(X509Certificate leaf, Set<String> trustDomains) {
        List<String> dns = new ArrayList<>();
        List<String> uris = new ArrayList<>();
        Collection<List<?>> sans;
        try {
            sans = leaf.getSubjectAlternativeNames();
        } catch (CertificateParsingException e) {
            throw new IllegalArgumentException("unreadable subject alternative names", e);
        }
        if (sans != null) {
            for (List<?> san : sans) {
                if (san.size() < 2 || !(san.get(0) instanceof Integer type) || !(san.get(1) instanceof String value)) {
                    continue;
                }
                if (type == SAN_DNS) {
                    dns.add(value);
                } else if (type == SAN_URI) {
                    uris.add(value);
                }
            }
        }
        SpiffeId spiffe = null;
        for (String uri : uris) {
            if (uri.regionMatches(true, 0, "spiffe:", 0, 7)) {
                if (spiffe != null) {
                    throw new IllegalArgumentException("certificate carries more than one SPIFFE ID");
                }
                spiffe = SpiffeId.parse(uri);
                if (!trustDomains.contains(spiffe.trustDomain())) {
                    throw new IllegalArgumentException("SPIFFE ID " + spiffe + " is not in a trusted trust domain");
                }
            }
        }
        return new ClientCertificate(leaf.getSubjectX500Principal().getName(), dns, uris, thumbprint(leaf), spiffe,
                leaf.getNotBefore().toInstant(), leaf.getNotAfter().toInstant());
    }

    /** The RFC 8705 {@code x5t#S256} thumbprint of a certificate. */
    public static String thumbprint(X509Certificate certificate) {
        try {
            byte[] digest = MessageDigest.getInstance("SHA-256").digest(certificate.getEncoded());
            return Base64.getUrlEncoder().withoutPadding().encodeToString(digest);
        } catch (CertificateEncodingException | NoSuchAlgorithmException e) {
            throw new IllegalArgumentException("certificate cannot be encoded", e);
        }
    }
}
