package io.zerogate.identity.dpop;

import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.JWSSigner;
import com.nimbusds.jose.crypto.ECDSASigner;
import com.nimbusds.jose.crypto.RSASSASigner;
import com.nimbusds.jose.jwk.Curve;
import com.nimbusds.jose.jwk.ECKey;
import com.nimbusds.jose.jwk.JWK;
import com.nimbusds.jose.jwk.OctetKeyPair;
import com.nimbusds.jose.jwk.RSAKey;
import com.nimbusds.jose.jwk.gen.ECKeyGenerator;
import com.nimbusds.jose.util.Base64URL;
import com.nimbusds.jose.util.JSONObjectUtils;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.MessageDigest;
import java.security.Signature;
import java.security.interfaces.RSAPublicKey;
import java.time.Instant;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.UUID;

/** Makes DPoP proofs the way a client would, and the broken ones an attacker would. */
final class ProofMaker {

    /** The key pair of a client: its public JWK and a way to sign with the private key. */
    interface ClientKey {
        JWK publicJwk();

        /** The private JWK, where one exists as a Nimbus object. */
        JWK privateJwk();

        JWSAlgorithm alg();

        byte[] sign(byte[] signingInput) throws Exception;

        default String thumbprint() throws JOSEException {
            return publicJwk().computeThumbprint().toString();
        }
    }

    private ProofMaker() {
    }

    static ClientKey ec(Curve curve, JWSAlgorithm alg) throws JOSEException {
        ECKey key = new ECKeyGenerator(curve).generate();
        return nimbus(key, alg, new ECDSASigner(key));
    }

    static ClientKey es256() throws JOSEException {
        return ec(Curve.P_256, JWSAlgorithm.ES256);
    }

    static ClientKey rsa(int bits, JWSAlgorithm alg) throws GeneralSecurityException {
        KeyPairGenerator generator = KeyPairGenerator.getInstance("RSA");
        generator.initialize(bits);
        KeyPair pair = generator.generateKeyPair();
        RSAKey key = new RSAKey.Builder((RSAPublicKey) pair.getPublic()).privateKey(pair.getPrivate()).build();
        return nimbus(key, alg, new RSASSASigner(pair.getPrivate(), true));
    }

    private static ClientKey nimbus(JWK key, JWSAlgorithm alg, JWSSigner signer) {
        return new ClientKey() {
            @Override
            public JWK publicJwk() {
                return key.toPublicJWK();
            }

            @Override
            public JWK privateJwk() {
                return key;
            }

            @Override
            public JWSAlgorithm alg() {
                return alg;
            }

            @Override
            public byte[] sign(byte[] signingInput) throws JOSEException {
                return signer.sign(new JWSHeader(alg), signingInput).decode();
            }
        };
    }

    /** An Edwards key signed with the JDK (Nimbus's own Edwards signer needs a library the project does not use). */
    static ClientKey edwards(String curveName, JWSAlgorithm alg) throws GeneralSecurityException {
        KeyPair pair = KeyPairGenerator.getInstance(curveName).generateKeyPair();
        byte[] encoded = pair.getPublic().getEncoded();
        int rawLength = curveName.equals("Ed25519") ? 32 : 57;
        byte[] raw = Arrays.copyOfRange(encoded, encoded.length - rawLength, encoded.length);
        Curve curve = curveName.equals("Ed25519") ? Curve.Ed25519 : Curve.Ed448;
        OctetKeyPair jwk = new OctetKeyPair.Builder(curve, Base64URL.encode(raw)).build();
        return new ClientKey() {
            @Override
            public JWK publicJwk() {
                return jwk;
            }

            @Override
            public JWK privateJwk() {
                throw new UnsupportedOperationException("the Edwards test key has no private JWK");
            }

            @Override
            public JWSAlgorithm alg() {
                return alg;
            }

            @Override
            public byte[] sign(byte[] signingInput) throws GeneralSecurityException {
                Signature signature = Signature.getInstance(curveName);
                signature.initSign(pair.getPrivate());
                signature.update(signingInput);
                return signature.sign();
            }
        };
    }

    /** The header a well-behaved client sends. */
    static Map<String, Object> header(ClientKey key) {
        Map<String, Object> header = new LinkedHashMap<>();
        header.put("typ", "dpop+jwt");
        header.put("alg", key.alg().getName());
        header.put("jwk", key.publicJwk().toJSONObject());
        return header;
    }

    /** The claims a well-behaved client sends. */
    static Map<String, Object> claims(String method, String htu, String accessToken, Instant iat) {
        Map<String, Object> claims = new LinkedHashMap<>();
        claims.put("jti", UUID.randomUUID().toString());
        claims.put("htm", method);
        claims.put("htu", htu);
        claims.put("iat", iat.getEpochSecond());
        claims.put("ath", ath(accessToken));
        return claims;
    }

    static String ath(String accessToken) {
        try {
            byte[] digest = MessageDigest.getInstance("SHA-256").digest(accessToken.getBytes(StandardCharsets.US_ASCII));
            return Base64URL.encode(digest).toString();
        } catch (GeneralSecurityException e) {
            throw new AssertionError(e);
        }
    }

    static String sign(ClientKey key, Map<String, Object> header, Map<String, Object> claims) throws Exception {
        return signRaw(key, JSONObjectUtils.toJSONString(header), JSONObjectUtils.toJSONString(claims));
    }

    /** Signs header and payload exactly as given, so tests can send JSON a library would not write. */
    static String signRaw(ClientKey key, String headerJson, String payloadJson) throws Exception {
        String signingInput = encode(headerJson) + "." + encode(payloadJson);
        byte[] signature = key.sign(signingInput.getBytes(StandardCharsets.US_ASCII));
        return signingInput + "." + Base64URL.encode(signature);
    }

    static String encode(String json) {
        return Base64URL.encode(json.getBytes(StandardCharsets.UTF_8)).toString();
    }
}
