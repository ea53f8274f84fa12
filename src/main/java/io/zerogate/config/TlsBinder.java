package io.zerogate.config;

import io.zerogate.identity.SpiffeId;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.PrivateKey;
import java.security.Signature;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import org.jspecify.annotations.Nullable;

/** Binds the TLS settings: listener certificates and mTLS, upstream TLS, and workload trust domains. */
final class TlsBinder {

    private static final List<String> PROTOCOLS = List.of("TLSv1.3", "TLSv1.2");
    private static final int DEFAULT_MAX_CHAIN_DEPTH = 4;

    private TlsBinder() {}

    static ListenerTls listener(ConfigNode node) throws ConfigException {
        ConfigMapping m = node.mapping("certificate", "private_key", "sni", "client_auth", "client_ca", "crl",
                "max_chain_depth", "protocols");
        CertificateFiles identity = certificate(m, true);
        List<ListenerTls.SniCertificate> sni = new ArrayList<>();
        ConfigNode sniNode = m.optional("sni");
        if (sniNode != null) {
            for (ConfigNode item : sniNode.list()) {
                ConfigMapping s = item.mapping("hosts", "certificate", "private_key");
                List<String> hosts = new ArrayList<>();
                for (ConfigNode h : s.required("hosts").list()) {
                    hosts.add(AddressSyntax.routeHost(h.string()));
                }
                if (hosts.isEmpty()) {
                    throw s.required("hosts").error("expected at least one host name");
                }
                sni.add(new ListenerTls.SniCertificate(hosts, certificate(s, true)));
            }
        }
        ListenerTls.ClientAuth clientAuth = ListenerTls.ClientAuth.NONE;
        ConfigNode authNode = m.optional("client_auth");
        if (authNode != null) {
            ConfigValue v = authNode.string();
            clientAuth = switch (v.text()) {
                case "none" -> ListenerTls.ClientAuth.NONE;
                case "optional" -> ListenerTls.ClientAuth.OPTIONAL;
                case "required" -> ListenerTls.ClientAuth.REQUIRED;
                default -> throw v.error("unknown client_auth " + v.shown() + " (expected: none, optional, required)");
            };
        }
        ConfigNode caNode = m.optional("client_ca");
        Path caFile = null;
        List<X509Certificate> cas = List.of();
        if (clientAuth != ListenerTls.ClientAuth.NONE) {
            if (caNode == null) {
                throw m.missing("client_ca", "client_ca is required when client_auth is "
                        + clientAuth.name().toLowerCase(Locale.ROOT));
            }
            caFile = caNode.readableFile();
            cas = PemFiles.certificates(caNode, caFile);
        } else if (caNode != null) {
            throw caNode.error("client_ca has no effect without client_auth: optional or required");
        }
        ConfigNode crlNode = m.optional("crl");
        Path crl = null;
        if (crlNode != null) {
            if (clientAuth == ListenerTls.ClientAuth.NONE) {
                throw crlNode.error("crl has no effect without client_auth: optional or required");
            }
            crl = crlNode.readableFile();
            // Read once here so that a broken CRL is refused with its line; the listener reads it again.
            PemFiles.crls(crlNode::error, crl);
        }
        int depth = m.integer("max_chain_depth", 1, 10, DEFAULT_MAX_CHAIN_DEPTH);
        List<String> protocols = PROTOCOLS;
        ConfigNode protocolsNode = m.optional("protocols");
        if (protocolsNode != null) {
            Set<String> chosen = new LinkedHashSet<>();
            for (ConfigNode p : protocolsNode.list()) {
                ConfigValue v = p.string();
                if (!PROTOCOLS.contains(v.text())) {
                    throw v.error("unsupported protocol " + v.shown() + " (expected: TLSv1.3, TLSv1.2)");
                }
                if (!chosen.add(v.text())) {
                    throw v.error(v.shown() + " is listed twice");
                }
            }
            if (chosen.isEmpty()) {
                throw protocolsNode.error("expected at least one protocol");
            }
            protocols = List.copyOf(chosen);
        }
        return new ListenerTls(identity, sni, clientAuth, caFile, cas, crl, depth, protocols);
    }

    /**
     * {@code tls: none}, or a mapping with the CA that signs the upstream's certificate, the identity to
     * expect, and the gateway's own certificate for mTLS.
     */
    static UpstreamTls upstream(ConfigNode node) throws ConfigException {
        if (node.isScalar()) {
            ConfigValue v = node.string();
            if (!v.text().equals("none")) {
                throw v.error("expected 'none' or a mapping with ca, server_name or spiffe_id, certificate and private_key");
            }
            return new UpstreamTls.Plain();
        }
        ConfigMapping m = node.mapping("ca", "server_name", "spiffe_id", "certificate", "private_key");
        ConfigNode caNode = m.required("ca");
        Path caFile = caNode.readableFile();
        List<X509Certificate> cas = PemFiles.certificates(caNode, caFile);
        String serverName = null;
        ConfigNode nameNode = m.optional("server_name");
        if (nameNode != null) {
            serverName = AddressSyntax.routeHost(nameNode.string());
            if (serverName.startsWith("*.")) {
                throw nameNode.error("server_name must be one exact DNS name");
            }
        }
        SpiffeId spiffe = null;
        ConfigNode spiffeNode = m.optional("spiffe_id");
        if (spiffeNode != null) {
            if (nameNode != null) {
                throw spiffeNode.error("give server_name or spiffe_id, not both");
            }
            ConfigValue v = spiffeNode.string();
            try {
                spiffe = SpiffeId.parse(v.text());
            } catch (IllegalArgumentException e) {
                throw v.error(e.getMessage());
            }
        }
        CertificateFiles client = certificate(m, false);
        return new UpstreamTls.Verified(caFile, cas, serverName, spiffe, client);
    }

    static WorkloadConfig workloads(@Nullable ConfigNode node) throws ConfigException {
        if (node == null) {
            return new WorkloadConfig(Set.of());
        }
        ConfigMapping m = node.mapping("trust_domains");
        Set<String> domains = new LinkedHashSet<>();
        for (ConfigNode d : m.required("trust_domains").list()) {
            ConfigValue v = d.string();
            try {
                SpiffeId.trustDomain(v.text());
            } catch (IllegalArgumentException e) {
                throw v.error(e.getMessage());
            }
            if (!domains.add(v.text())) {
                throw v.error(v.shown() + " is listed twice");
            }
        }
        return new WorkloadConfig(domains);
    }

    /** {@code certificate} + {@code private_key}; both or neither unless {@code required}. */
    static @Nullable CertificateFiles certificate(ConfigMapping m, boolean required) throws ConfigException {
        ConfigNode certNode = m.optional("certificate");
        ConfigNode keyNode = m.optional("private_key");
        if (certNode == null && keyNode == null && !required) {
            return null;
        }
        if (certNode == null) {
            throw m.missing("certificate", required ? "required key is missing" : "certificate is required with private_key");
        }
        if (keyNode == null) {
            throw m.missing("private_key", required ? "required key is missing" : "private_key is required with certificate");
        }
        Path certFile = certNode.readableFile();
        Path keyFile = keyNode.readableFile();
        List<X509Certificate> chain = PemFiles.certificates(certNode, certFile);
        PrivateKey key = PemFiles.privateKey(keyNode, keyFile);
        if (!keyMatches(key, chain.get(0))) {
            throw keyNode.error("the private key in '" + keyFile + "' does not belong to the certificate in '" + certFile + "'");
        }
        return new CertificateFiles(certFile, keyFile, chain, key);
    }

    static boolean keyMatches(PrivateKey key, X509Certificate certificate) {
        String algorithm = switch (key.getAlgorithm()) {
            case "EC" -> "SHA256withECDSA";
            case "RSA" -> "SHA256withRSA";
            case "Ed25519", "EdDSA" -> "Ed25519";
            default -> null;
        };
        if (algorithm == null) {
            return true;
        }
        try {
            byte[] probe = "zerogate key check".getBytes(StandardCharsets.US_ASCII);
            Signature signer = Signature.getInstance(algorithm);
            signer.initSign(key);
            signer.update(probe);
            byte[] sig = signer.sign();
            Signature verifier = Signature.getInstance(algorithm);
            verifier.initVerify(certificate.getPublicKey());
            verifier.update(probe);
            return verifier.verify(sig);
        } catch (GeneralSecurityException e) {
            return false;
        }
    }
}
