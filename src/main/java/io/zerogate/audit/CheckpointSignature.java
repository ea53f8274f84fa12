package io.zerogate.audit;

import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.InvalidKeyException;
import java.security.MessageDigest;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.Signature;
import java.security.SignatureException;
import java.util.Base64;
import org.bouncycastle.crypto.params.Ed25519PrivateKeyParameters;
import org.bouncycastle.math.ec.rfc8032.Ed25519;

/**
 * The Ed25519 signature a checkpoint line carries. A checkpoint with sequence number {@code seq} and
 * {@code prev} hash {@code h} signs the ASCII bytes {@code "zerogate-audit-checkpoint-v1\n" + seq + "\n" + h}:
 * the hash of the line before it, which through the chain covers every earlier line of the trail. Its line is
 *
 * <pre>{"seq":…,"prev":"…","type":"checkpoint","time":"…","key":"&lt;key id&gt;","sig":"&lt;base64url&gt;"}</pre>
 *
 * where the key id is {@link #keyId(PublicKey)}.
 */
public final class CheckpointSignature {

    private static final String CONTEXT = "zerogate-audit-checkpoint-v1\n";

    private CheckpointSignature() {}

    /** The bytes a checkpoint signs. */
    public static byte[] message(long seq, String prev) {
        return (CONTEXT + seq + "\n" + prev).getBytes(StandardCharsets.US_ASCII);
    }

    /** Signs the checkpoint {@code (seq, prev)}; returns the unpadded base64url signature. */
    public static String sign(PrivateKey key, long seq, String prev) {
        try {
            Signature s = Signature.getInstance("Ed25519");
            s.initSign(key);
            s.update(message(seq, prev));
            return Base64.getUrlEncoder().withoutPadding().encodeToString(s.sign());
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("Ed25519 signing failed", e);
        }
    }

    /**
     * As {@link #sign(PrivateKey, long, String)}, with the key in Bouncy Castle's form. Ed25519 signatures are
     * deterministic (RFC 8032), so both produce the same bytes; this one costs tens of microseconds where the
     * JDK's provider costs hundreds, which matters to a writer that signs a checkpoint every thousand records.
     */
    static String sign(Ed25519PrivateKeyParameters key, long seq, String prev) {
        byte[] message = message(seq, prev);
        byte[] signature = new byte[Ed25519PrivateKeyParameters.SIGNATURE_SIZE];
        key.sign(Ed25519.Algorithm.Ed25519, null, message, 0, message.length, signature, 0);
        return Base64.getUrlEncoder().withoutPadding().encodeToString(signature);
    }

    /** True when {@code signature} (base64url) is the key's valid signature over the checkpoint. */
    public static boolean verify(PublicKey key, long seq, String prev, String signature) {
        byte[] sig;
        try {
            sig = Base64.getUrlDecoder().decode(signature);
        } catch (IllegalArgumentException e) {
            return false;
        }
        try {
            Signature s = Signature.getInstance("Ed25519");
            s.initVerify(key);
            s.update(message(seq, prev));
            return s.verify(sig);
        } catch (InvalidKeyException | SignatureException e) {
            return false;
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("Ed25519 verification unavailable", e);
        }
    }

    /** The key id checkpoints name: the unpadded base64url SHA-256 of the public key's X.509 encoding. */
    public static String keyId(PublicKey key) {
        try {
            byte[] digest = MessageDigest.getInstance("SHA-256").digest(key.getEncoded());
            return Base64.getUrlEncoder().withoutPadding().encodeToString(digest);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("the JDK lacks SHA-256", e);
        }
    }
}
