package io.zerogate.config;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.PrivateKey;
import java.security.cert.CRLException;
import java.security.cert.CertificateException;
import java.security.cert.CertificateFactory;
import java.security.cert.X509CRL;
import java.security.cert.X509Certificate;
import java.security.spec.PKCS8EncodedKeySpec;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.function.Function;

/**
 * Reading PEM certificates and PKCS#8 private keys with the JDK alone, so that a broken or mismatched file
 * is reported when the configuration is validated, with the line of the key that names it.
 */
final class PemFiles {

    private PemFiles() {}

    static List<X509Certificate> certificates(ConfigNode at, Path file) throws ConfigException {
        return certificates(at::error, file);
    }

    /** As {@link #certificates(ConfigNode, Path)}, with problems reported through {@code error} (a reload has no node). */
    static List<X509Certificate> certificates(Function<String, ConfigException> error, Path file) throws ConfigException {
        String text = read(error, file);
        List<X509Certificate> out = new ArrayList<>();
        try {
            CertificateFactory cf = CertificateFactory.getInstance("X.509");
            for (byte[] der : blocks(text, "CERTIFICATE")) {
                out.add((X509Certificate) cf.generateCertificate(new ByteArrayInputStream(der)));
            }
        } catch (CertificateException | IllegalArgumentException e) {
            throw error.apply("'" + file + "' holds a certificate that cannot be read: " + e.getMessage());
        }
        if (out.isEmpty()) {
            throw error.apply("'" + file + "' holds no PEM certificate (expected -----BEGIN CERTIFICATE-----)");
        }
        return out;
    }

    static PrivateKey privateKey(ConfigNode at, Path file) throws ConfigException {
        return privateKey(at::error, file);
    }

    static PrivateKey privateKey(Function<String, ConfigException> error, Path file) throws ConfigException {
        String text = read(error, file);
        if (text.contains("-----BEGIN EC PRIVATE KEY-----") || text.contains("-----BEGIN RSA PRIVATE KEY-----")) {
            throw error.apply("'" + file + "' is a PKCS#1/SEC1 key; convert it to PKCS#8 "
                    + "(openssl pkcs8 -topk8 -nocrypt -in old.key -out new.key)");
        }
        if (text.contains("-----BEGIN ENCRYPTED PRIVATE KEY-----")) {
            throw error.apply("'" + file + "' is an encrypted key; provide it unencrypted with restricted file permissions");
        }
        List<byte[]> keys;
        try {
            keys = blocks(text, "PRIVATE KEY");
        } catch (IllegalArgumentException e) {
            throw error.apply("'" + file + "' holds a private key that cannot be read: " + e.getMessage());
        }
        if (keys.size() != 1) {
            throw error.apply("'" + file + "' must hold exactly one PEM private key (-----BEGIN PRIVATE KEY-----), found " + keys.size());
        }
        for (String algorithm : new String[] {"EC", "RSA", "Ed25519", "RSASSA-PSS"}) {
            try {
                return KeyFactory.getInstance(algorithm).generatePrivate(new PKCS8EncodedKeySpec(keys.get(0)));
            } catch (GeneralSecurityException e) {
                // try the next algorithm
            }
        }
        throw error.apply("'" + file + "' holds a private key of an unsupported type (expected EC, RSA or Ed25519)");
    }

    /**
     * Certificate revocation lists: one or more PEM blocks ({@code -----BEGIN X509 CRL-----}), or one DER CRL.
     * Signatures and freshness are checked when a certificate is checked against them, not here.
     */
    static List<X509CRL> crls(Function<String, ConfigException> error, Path file) throws ConfigException {
        byte[] bytes;
        try {
            bytes = Files.readAllBytes(file);
        } catch (IOException e) {
            throw error.apply("'" + file + "' cannot be read: " + e.getMessage());
        }
        List<X509CRL> out = new ArrayList<>();
        try {
            CertificateFactory cf = CertificateFactory.getInstance("X.509");
            String text = new String(bytes, StandardCharsets.US_ASCII);
            if (text.contains("-----BEGIN X509 CRL-----")) {
                for (byte[] der : blocks(text, "X509 CRL")) {
                    out.add((X509CRL) cf.generateCRL(new ByteArrayInputStream(der)));
                }
            } else {
                out.add((X509CRL) cf.generateCRL(new ByteArrayInputStream(bytes)));
            }
        } catch (CRLException | CertificateException | IllegalArgumentException e) {
            throw error.apply("'" + file + "' holds a CRL that cannot be read: " + e.getMessage());
        }
        return out;
    }

    private static String read(Function<String, ConfigException> error, Path file) throws ConfigException {
        try {
            return Files.readString(file, StandardCharsets.US_ASCII);
        } catch (IOException e) {
            throw error.apply("'" + file + "' cannot be read: " + e.getMessage());
        }
    }

    private static List<byte[]> blocks(String text, String type) {
        List<byte[]> out = new ArrayList<>();
        String begin = "-----BEGIN " + type + "-----";
        String end = "-----END " + type + "-----";
        int from = 0;
        while (true) {
            int b = text.indexOf(begin, from);
            if (b < 0) {
                return out;
            }
            int e = text.indexOf(end, b);
            if (e < 0) {
                throw new IllegalArgumentException("unterminated " + begin);
            }
            String body = text.substring(b + begin.length(), e).replaceAll("\\s", "");
            out.add(Base64.getDecoder().decode(body));
            from = e + end.length();
        }
    }
}
