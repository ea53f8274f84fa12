package io.zerogate.audit;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.PublicKey;
import java.security.spec.PKCS8EncodedKeySpec;
import java.security.spec.X509EncodedKeySpec;
import java.util.Arrays;
import java.util.Base64;
import org.bouncycastle.crypto.params.Ed25519PrivateKeyParameters;
import org.bouncycastle.crypto.params.Ed25519PublicKeyParameters;
import org.bouncycastle.asn1.pkcs.PrivateKeyInfo;
import org.bouncycastle.asn1.ASN1OctetString;
import java.security.SecureRandom;

/**
 * The gateway's audit signing key: an Ed25519 key pair whose private half signs checkpoints. Kept as a PKCS#8
 * PEM file (mode 0600) and created on first start; its public half is written beside it ({@code .pub.pem},
 * X.509 SubjectPublicKeyInfo) for {@code zerogate audit verify --public-key}, and published by the admin API.
 */
public final class AuditKeys {

    private static final byte[] SPKI_PREFIX = {0x30, 0x2a, 0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x70, 0x03, 0x21, 0x00};

    private final PublicKey publicKey;
    private final String keyId;
    /** The same private key for checkpoint signing (an order of magnitude faster than the JDK's Ed25519). */
    private final Ed25519PrivateKeyParameters signingKey;

    private AuditKeys(PublicKey publicKey, Ed25519PrivateKeyParameters signingKey) {
        this.publicKey = publicKey;
        this.signingKey = signingKey;
        this.keyId = CheckpointSignature.keyId(publicKey);
    }

    /**
     * Reads the key at {@code file}, or creates it (and its directory) when there is none.
     *
     * @throws IOException when the file cannot be read or written, or holds something other than an Ed25519 key
     */
    public static AuditKeys loadOrCreate(Path file) throws IOException {
        if (!Files.exists(file)) {
            create(file);
        }
        String pem = Files.readString(file, StandardCharsets.US_ASCII);
        byte[] der = pemBody(pem, "PRIVATE KEY", file);
        byte[] seed;
        try {
            ASN1OctetString inner = ASN1OctetString.getInstance(PrivateKeyInfo.getInstance(der).parsePrivateKey());
            seed = inner.getOctets();
        } catch (RuntimeException | IOException e) {
            throw new IOException(file + " does not hold a PKCS#8 Ed25519 private key");
        }
        if (seed.length != Ed25519PrivateKeyParameters.KEY_SIZE) {
            throw new IOException(file + " does not hold a PKCS#8 Ed25519 private key");
        }
        Ed25519PrivateKeyParameters signingKey = new Ed25519PrivateKeyParameters(seed, 0);
        byte[] raw = signingKey.generatePublicKey().getEncoded();
        try {
            KeyFactory kf = KeyFactory.getInstance("Ed25519");
            // The JDK must take the file as well: what it refuses is not a key this gateway should sign with.
            kf.generatePrivate(new PKCS8EncodedKeySpec(der));
            PublicKey pub = kf.generatePublic(new X509EncodedKeySpec(spki(raw)));
            AuditKeys keys = new AuditKeys(pub, signingKey);
            writePublic(file, pub);
            return keys;
        } catch (GeneralSecurityException e) {
            throw new IOException(file + " does not hold a usable Ed25519 private key: " + e.getMessage());
        } finally {
            Arrays.fill(seed, (byte) 0);
        }
    }

    /** The file the public half is written to, beside the private key. */
    public static Path publicKeyFile(Path privateKeyFile) {
        return privateKeyFile.resolveSibling(privateKeyFile.getFileName() + ".pub.pem");
    }

    /** Signs the checkpoint {@code (seq, prev)} with the private key; see {@link CheckpointSignature}. */
    String signCheckpoint(long seq, String prev) {
        return CheckpointSignature.sign(signingKey, seq, prev);
    }

    public PublicKey publicKey() {
        return publicKey;
    }

    /** The key id checkpoints carry. */
    public String keyId() {
        return keyId;
    }

    /** The public key as a JWK ({@code OKP}, {@code Ed25519}), for a JWK set. */
    public String jwk() {
        byte[] encoded = publicKey.getEncoded();
        byte[] x = Arrays.copyOfRange(encoded, encoded.length - Ed25519PublicKeyParameters.KEY_SIZE, encoded.length);
        return "{\"kty\":\"OKP\",\"crv\":\"Ed25519\",\"use\":\"sig\",\"alg\":\"EdDSA\",\"kid\":\"" + keyId
                + "\",\"x\":\"" + Base64.getUrlEncoder().withoutPadding().encodeToString(x) + "\"}";
    }

    private static void create(Path file) throws IOException {
        Ed25519PrivateKeyParameters key = new Ed25519PrivateKeyParameters(new SecureRandom());
        byte[] pkcs8 = new byte[16 + 32];
        // RFC 8410: PrivateKeyInfo { version 0, AlgorithmIdentifier id-Ed25519, OCTET STRING { OCTET STRING seed } }
        byte[] prefix = {0x30, 0x2e, 0x02, 0x01, 0x00, 0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x70, 0x04, 0x22, 0x04, 0x20};
        System.arraycopy(prefix, 0, pkcs8, 0, 16);
        key.encode(pkcs8, 16);
        String pem = pem("PRIVATE KEY", pkcs8);
        Arrays.fill(pkcs8, (byte) 0);
        Path dir = file.toAbsolutePath().getParent();
        Files.createDirectories(dir);
        Path tmp = Files.createTempFile(dir, ".audit-key", ".tmp",
                PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
        try {
            Files.writeString(tmp, pem, StandardCharsets.US_ASCII, StandardOpenOption.WRITE, StandardOpenOption.SYNC);
            try {
                // Never replaces a key another process created meanwhile.
                Files.createLink(file, tmp);
            } catch (FileAlreadyExistsException raced) {
                return;
            } catch (UnsupportedOperationException | IOException noLinks) {
                try {
                    Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE);
                } catch (AtomicMoveNotSupportedException e) {
                    Files.move(tmp, file);
                }
            }
        } finally {
            Files.deleteIfExists(tmp);
        }
    }

    private static void writePublic(Path privateKeyFile, PublicKey pub) throws IOException {
        Path file = publicKeyFile(privateKeyFile);
        String pem = pem("PUBLIC KEY", pub.getEncoded());
        if (Files.exists(file) && Files.readString(file, StandardCharsets.US_ASCII).equals(pem)) {
            return;
        }
        Path tmp = Files.createTempFile(file.toAbsolutePath().getParent(), ".audit-pub", ".tmp");
        try {
            Files.writeString(tmp, pem, StandardCharsets.US_ASCII);
            Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        } finally {
            Files.deleteIfExists(tmp);
        }
    }

    /** The X.509 SubjectPublicKeyInfo of a raw 32-byte Ed25519 public key (RFC 8410). */
    static byte[] spki(byte[] raw) {
        byte[] out = Arrays.copyOf(SPKI_PREFIX, SPKI_PREFIX.length + raw.length);
        System.arraycopy(raw, 0, out, SPKI_PREFIX.length, raw.length);
        return out;
    }

    private static String pem(String type, byte[] der) {
        return "-----BEGIN " + type + "-----\n" + Base64.getMimeEncoder(64, new byte[] {'\n'}).encodeToString(der)
                + "\n-----END " + type + "-----\n";
    }

    private static byte[] pemBody(String pem, String type, Path file) throws IOException {
        String begin = "-----BEGIN " + type + "-----";
        String end = "-----END " + type + "-----";
        int b = pem.indexOf(begin);
        int e = pem.indexOf(end);
        if (b < 0 || e < b) {
            throw new IOException(file + " is not a PEM file with a " + type + " block");
        }
        try {
            return Base64.getMimeDecoder().decode(pem.substring(b + begin.length(), e));
        } catch (IllegalArgumentException bad) {
            throw new IOException(file + " has a " + type + " block that is not valid base64");
        }
    }
}
