package io.zerogate.identity.dpop;

import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.jwk.JWK;
import com.nimbusds.jose.util.Base64URL;
import com.nimbusds.jose.util.JSONObjectUtils;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.StandardCharsets;
import java.text.ParseException;
import java.util.Map;
import java.util.Set;

/**
 * A DPoP proof whose form, header, key and signature have been checked: a compact JWS of three canonical
 * base64url segments, {@code typ dpop+jwt}, an accepted asymmetric {@code alg}, a public {@code jwk} that
 * suits the algorithm and verifies the signature. Its claims are read but not yet judged.
 */
record DpopProof(JWK jwk, Map<String, Object> claims) {

    /** Far above an RSA-4096 proof (about 2.5 KB), far below anything that could strain the parser. */
    static final int MAX_LENGTH = 8192;

    private static final String TYPE = "dpop+jwt";

    /** JWK members that only private or symmetric keys have (RFC 7518 section 6). */
    private static final Set<String> PRIVATE_MEMBERS = Set.of("d", "p", "q", "dp", "dq", "qi", "oth", "k");

    /** Why a proof was refused; the message is a fixed description, never the proof's content. */
    static final class Refused extends Exception {
        private static final long serialVersionUID = 1L;

        Refused(String detail) {
            super(detail, null, false, false);
        }
    }

    /**
     * @param accepted the algorithms the configuration allows (asymmetric ones only)
     * @throws Refused saying which check the proof failed
     */
    static DpopProof read(String proof, Set<JWSAlgorithm> accepted) throws Refused {
        if (proof.length() > MAX_LENGTH) {
            throw new Refused("proof is longer than " + MAX_LENGTH + " characters");
        }
        int first = proof.indexOf('.');
        int second = first < 0 ? -1 : proof.indexOf('.', first + 1);
        if (second < 0 || proof.indexOf('.', second + 1) >= 0) {
            throw new Refused(proof.chars().filter(c -> c == '.').count() == 4
                    ? "proof is a JWE (expected: a signed JWT)"
                    : "proof is not a compact JWS (expected: three segments)");
        }
        String headerPart = proof.substring(0, first);
        String payloadPart = proof.substring(first + 1, second);
        String signaturePart = proof.substring(second + 1);
        if (!isCanonicalBase64Url(headerPart) || !isCanonicalBase64Url(payloadPart)
                || !isCanonicalBase64Url(signaturePart)) {
            throw new Refused("proof segment is not canonical base64url");
        }
        Map<String, Object> headerJson = json(headerPart, "header");
        if (!TYPE.equals(headerJson.get("typ"))) {
            throw new Refused("typ is not " + TYPE);
        }
        JWSAlgorithm alg = algorithm(headerJson.get("alg"), accepted);
        if (headerJson.containsKey("crit") || headerJson.containsKey("b64")) {
            throw new Refused("proof header has crit or b64 (not accepted)");
        }
        JWK jwk = publicKey(headerJson.get("jwk"));
        JWSHeader header;
        try {
            header = JWSHeader.parse(headerJson, new Base64URL(headerPart));
        } catch (ParseException e) {
            throw new Refused("proof header is not a valid JWS header");
        }
        String mismatch = ProofKey.mismatch(jwk, alg);
        if (mismatch != null) {
            throw new Refused(mismatch);
        }
        byte[] signingInput = proof.substring(0, second).getBytes(StandardCharsets.US_ASCII);
        boolean verified;
        try {
            verified = ProofKey.verifies(jwk, header, signingInput, new Base64URL(signaturePart));
        } catch (JOSEException e) {
            throw new Refused("signature could not be checked with the jwk");
        }
        if (!verified) {
            throw new Refused("signature does not verify with the jwk");
        }
        return new DpopProof(jwk, json(payloadPart, "payload"));
    }

    private static JWSAlgorithm algorithm(Object value, Set<JWSAlgorithm> accepted) throws Refused {
        if (!(value instanceof String name)) {
            throw new Refused("alg is missing");
        }
        JWSAlgorithm alg = JWSAlgorithm.parse(name);
        if (accepted.contains(alg)) {
            return alg;
        }
        if (name.equalsIgnoreCase("none")) {
            throw new Refused("alg none is not accepted");
        }
        if (JWSAlgorithm.Family.HMAC_SHA.contains(alg)) {
            throw new Refused("alg " + alg + " is symmetric (expected: an asymmetric algorithm)");
        }
        // Names outside the known set stay out of the detail: it is the client's text.
        throw new Refused(ProofKey.ASYMMETRIC.contains(alg) ? "alg " + alg + " is not accepted" : "alg is not accepted");
    }

    private static JWK publicKey(Object value) throws Refused {
        if (!(value instanceof Map<?, ?> members)) {
            throw new Refused("jwk header is missing");
        }
        for (String member : PRIVATE_MEMBERS) {
            if (members.containsKey(member)) {
                throw new Refused("jwk holds private or symmetric key material");
            }
        }
        JWK jwk;
        try {
            @SuppressWarnings("unchecked")
            Map<String, Object> object = (Map<String, Object>) members;
            jwk = JWK.parse(object);
        } catch (ParseException | RuntimeException e) {
            throw new Refused("jwk is not a valid public key");
        }
        if (jwk.isPrivate()) {
            throw new Refused("jwk holds private or symmetric key material");
        }
        return jwk;
    }

    private static Map<String, Object> json(String part, String name) throws Refused {
        try {
            String text = StandardCharsets.UTF_8.newDecoder()
                    .decode(ByteBuffer.wrap(new Base64URL(part).decode())).toString();
            return JSONObjectUtils.parse(text);
        } catch (CharacterCodingException e) {
            throw new Refused("proof " + name + " is not UTF-8");
        } catch (ParseException e) {
            throw new Refused("proof " + name + " is not a JSON object");
        }
    }

    /** Only the base64url alphabet, no padding, and no stray bits in the last character. */
    private static boolean isCanonicalBase64Url(String part) {
        int length = part.length();
        if (length == 0 || length % 4 == 1) {
            return false;
        }
        for (int i = 0; i < length; i++) {
            if (value(part.charAt(i)) < 0) {
                return false;
            }
        }
        int last = value(part.charAt(length - 1));
        return switch (length % 4) {
            case 2 -> (last & 0xF) == 0;
            case 3 -> (last & 0x3) == 0;
            default -> true;
        };
    }

    private static int value(char c) {
        if (c >= 'A' && c <= 'Z') {
            return c - 'A';
        }
        if (c >= 'a' && c <= 'z') {
            return c - 'a' + 26;
        }
        if (c >= '0' && c <= '9') {
            return c - '0' + 52;
        }
        return c == '-' ? 62 : c == '_' ? 63 : -1;
    }
}
