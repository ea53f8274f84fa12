package io.zerogate.config;

import java.nio.file.Path;
import java.security.PrivateKey;
import java.security.cert.X509Certificate;
import java.util.List;
import java.util.Objects;

/**
 * A certificate chain and its private key, as PEM files, with their content as read when the configuration
 * was loaded. The chain is leaf first; the key is PKCS#8.
 */
public record CertificateFiles(Path certificate, Path privateKey, List<X509Certificate> chain, PrivateKey key) {

    public CertificateFiles {
        Objects.requireNonNull(certificate, "certificate");
        Objects.requireNonNull(privateKey, "privateKey");
        chain = List.copyOf(chain);
        Objects.requireNonNull(key, "key");
        if (chain.isEmpty()) {
            throw new IllegalArgumentException("empty certificate chain");
        }
    }

    public X509Certificate leaf() {
        return chain.get(0);
    }

    @Override
    public String toString() {
        // The key is never printed.
        return "CertificateFiles[" + certificate + ", " + privateKey + "]";
    }
}
