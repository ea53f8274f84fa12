package io.zerogate.config;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.PrivateKey;
import java.security.cert.X509CRL;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;

/**
 * Reads the files behind a listener's TLS settings again, so that certificates, keys, client CAs and CRLs can
 * be rotated on disk without a configuration change. The same rules as at load time apply: a file that cannot
 * be read, a key that does not belong to its certificate, a CRL that cannot be parsed is refused.
 */
public final class TlsMaterial {

    private TlsMaterial() {}

    /**
     * The same settings with every file read again.
     *
     * @param source names the listener in problems, e.g. {@code listener public}
     * @throws ConfigException naming the file that cannot be used
     */
    public static ListenerTls reread(String source, ListenerTls tls) throws ConfigException {
        Function<String, ConfigException> error = problem(source);
        CertificateFiles identity = certificate(error, tls.identity());
        List<ListenerTls.SniCertificate> sni = new ArrayList<>(tls.sni().size());
        for (ListenerTls.SniCertificate s : tls.sni()) {
            sni.add(new ListenerTls.SniCertificate(s.hosts(), certificate(error, s.files())));
        }
        List<X509Certificate> cas = tls.clientCaFile() == null ? List.of() : PemFiles.certificates(error, tls.clientCaFile());
        return new ListenerTls(identity, sni, tls.clientAuth(), tls.clientCaFile(), cas, tls.crl(), tls.maxChainDepth(),
                tls.protocols());
    }

    /** The CRLs in {@code file}: PEM blocks or one DER CRL. */
    public static List<X509CRL> crls(String source, Path file) throws ConfigException {
        return PemFiles.crls(problem(source), file);
    }

    /**
     * The SHA-256 of the contents of {@code files} in order, each length-prefixed; a file that cannot be read
     * counts as empty, and the reload that follows reports it.
     */
    public static byte[] digest(List<Path> files) {
        MessageDigest sha;
        try {
            sha = MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every Java platform provides SHA-256", e);
        }
        for (Path f : files) {
            byte[] bytes;
            try {
                bytes = Files.readAllBytes(f);
            } catch (IOException e) {
                bytes = new byte[0];
            }
            long n = bytes.length;
            for (int i = 7; i >= 0; i--) {
                sha.update((byte) (n >>> (8 * i)));
            }
            sha.update(bytes);
        }
        return sha.digest();
    }

    private static CertificateFiles certificate(Function<String, ConfigException> error, CertificateFiles files)
            throws ConfigException {
        List<X509Certificate> chain = PemFiles.certificates(error, files.certificate());
        PrivateKey key = PemFiles.privateKey(error, files.privateKey());
        if (!TlsBinder.keyMatches(key, chain.get(0))) {
            throw error.apply("the private key in '" + files.privateKey() + "' does not belong to the certificate in '"
                    + files.certificate() + "'");
        }
        return new CertificateFiles(files.certificate(), files.privateKey(), chain, key);
    }

    private static Function<String, ConfigException> problem(String source) {
        return p -> new ConfigException(source, 0, "", p);
    }
}
