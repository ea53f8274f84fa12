package io.zerogate.identity.dpop;

import static io.zerogate.identity.dpop.DpopFixture.assertInvalid;
import static io.zerogate.identity.dpop.DpopFixture.assertValid;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.nimbusds.jose.EncryptionMethod;
import com.nimbusds.jose.JWEAlgorithm;
import com.nimbusds.jose.JWEHeader;
import com.nimbusds.jose.JWEObject;
import com.nimbusds.jose.JOSEObjectType;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.Payload;
import com.nimbusds.jose.crypto.MACSigner;
import com.nimbusds.jose.crypto.RSAEncrypter;
import com.nimbusds.jose.jwk.Curve;
import com.nimbusds.jose.jwk.OctetSequenceKey;
import com.nimbusds.jose.jwk.RSAKey;
import com.nimbusds.jose.jwk.gen.RSAKeyGenerator;
import com.nimbusds.jose.util.Base64URL;
import com.nimbusds.jose.util.JSONObjectUtils;
import io.zerogate.chain.ReasonCode;
import io.zerogate.config.DpopConfig;
import io.zerogate.state.EmbeddedStateStore;
import io.zerogate.testing.MutableClock;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Map;
import java.util.Set;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;

/** The proof as a JWS: its form, header, key and signature (RFC 9449 section 4.3, steps 1 to 7). */
class DpopProofFormTest {

    private final DpopFixture fixture = new DpopFixture();

    @Test
    void aWellFormedProofIsAcceptedAndNamesItsKeysThumbprint() throws Exception {
        ProofMaker.ClientKey key = ProofMaker.es256();
        DpopCheck check = fixture.check(fixture.proof(key));
        assertValid(check, key);
        // RFC 7638: the thumbprint is the base64url SHA-256 of the required members in lexical order.
        Map<String, Object> jwk = key.publicJwk().toJSONObject();
        String canonical = "{\"crv\":\"P-256\",\"kty\":\"EC\",\"x\":\"" + jwk.get("x") + "\",\"y\":\"" + jwk.get("y") + "\"}";
        assertThat(((DpopCheck.Valid) check).jkt()).isEqualTo(ProofMaker.ath(canonical));
    }

    static Stream<Arguments> algorithms() throws Exception {
        return Stream.of(
                Arguments.of(ProofMaker.es256()),
                Arguments.of(ProofMaker.ec(Curve.P_384, JWSAlgorithm.ES384)),
                Arguments.of(ProofMaker.ec(Curve.P_521, JWSAlgorithm.ES512)),
                Arguments.of(ProofMaker.rsa(2048, JWSAlgorithm.RS256)),
                Arguments.of(ProofMaker.rsa(2048, JWSAlgorithm.RS512)),
                Arguments.of(ProofMaker.rsa(2048, JWSAlgorithm.PS256)),
                Arguments.of(ProofMaker.rsa(3072, JWSAlgorithm.PS384)),
                Arguments.of(ProofMaker.edwards("Ed25519", JWSAlgorithm.EdDSA)),
                Arguments.of(ProofMaker.edwards("Ed25519", JWSAlgorithm.Ed25519)),
                Arguments.of(ProofMaker.edwards("Ed448", JWSAlgorithm.EdDSA)),
                Arguments.of(ProofMaker.edwards("Ed448", JWSAlgorithm.Ed448)));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("algorithms")
    void everyAsymmetricAlgorithmVerifiesWhenConfigured(ProofMaker.ClientKey key) throws Exception {
        DpopFixture all = new DpopFixture(new DpopConfig(
                ProofKey.ASYMMETRIC.stream().map(JWSAlgorithm::getName).collect(java.util.stream.Collectors.toSet()),
                Duration.ofSeconds(60), false, Duration.ofMinutes(5), null));
        assertValid(all.check(all.proof(key)), key);
        // The same proof with one bit of the signature flipped.
        String proof = all.proof(key);
        int last = proof.lastIndexOf('.');
        byte[] signature = new Base64URL(proof.substring(last + 1)).decode();
        signature[signature.length / 2] ^= 1;
        assertInvalid(all.check(proof.substring(0, last + 1) + Base64URL.encode(signature)),
                "signature does not verify with the jwk");
    }

    @Test
    void theDefaultAlgorithmsIncludeEdDsaAndPs256() throws Exception {
        for (ProofMaker.ClientKey key : new ProofMaker.ClientKey[] {
                ProofMaker.edwards("Ed25519", JWSAlgorithm.EdDSA), ProofMaker.rsa(2048, JWSAlgorithm.PS256)}) {
            assertValid(fixture.check(fixture.proof(key)), key);
        }
    }

    @Test
    void aMissingProofIsRefused() {
        assertInvalid(fixture.check(null), "the request carries no DPoP proof");
    }

    @Test
    void anEncryptedJwtIsRefused() throws Exception {
        RSAKey recipient = new RSAKeyGenerator(2048).generate();
        JWEObject jwe = new JWEObject(new JWEHeader.Builder(JWEAlgorithm.RSA_OAEP_256, EncryptionMethod.A128GCM)
                .type(new JOSEObjectType("dpop+jwt")).build(), new Payload(fixture.claims()));
        jwe.encrypt(new RSAEncrypter(recipient));
        assertInvalid(fixture.check(jwe.serialize()), "proof is a JWE (expected: a signed JWT)");
    }

    @Test
    void anOversizedProofIsRefused() throws Exception {
        ProofMaker.ClientKey key = ProofMaker.es256();
        Map<String, Object> claims = fixture.claims();
        claims.put("padding", "x".repeat(DpopProof.MAX_LENGTH));
        assertInvalid(fixture.check(ProofMaker.sign(key, ProofMaker.header(key), claims)),
                "proof is longer than 8192 characters");
    }

    @ParameterizedTest
    @ValueSource(strings = {"", ".", "..", "a.b", "a.b.c.d", "a..c", ".b.c", "a.b."})
    void textThatIsNotThreeSegmentsIsRefused(String text) {
        DpopCheck check = fixture.check(text);
        assertThat(check).isInstanceOf(DpopCheck.Invalid.class);
        assertThat(((DpopCheck.Invalid) check).reason()).isEqualTo(ReasonCode.DPOP_PROOF_INVALID);
    }

    @Test
    void segmentsMustBeCanonicalBase64Url() throws Exception {
        String proof = fixture.proof(ProofMaker.es256());
        String[] parts = proof.split("\\.");
        String notCanonical = "proof segment is not canonical base64url";
        assertInvalid(fixture.check(proof + "="), notCanonical);
        assertInvalid(fixture.check(proof + " "), notCanonical);
        assertInvalid(fixture.check(" " + proof), notCanonical);
        assertInvalid(fixture.check(parts[0] + "." + parts[1].replace('-', '+').replace('_', '/') + "x+/." + parts[2]),
                notCanonical);
        assertInvalid(fixture.check(parts[0] + "=." + parts[1] + "." + parts[2]), notCanonical);
        // An ES256 signature is 64 bytes: 86 characters whose last one carries 4 unused bits that must be zero.
        char last = parts[2].charAt(parts[2].length() - 1);
        String strayBits = parts[2].substring(0, parts[2].length() - 1) + (char) (last == 'A' ? 'B' : last + 1);
        assertThat(new Base64URL(strayBits).decode()).isEqualTo(new Base64URL(parts[2]).decode());
        assertInvalid(fixture.check(parts[0] + "." + parts[1] + "." + strayBits), notCanonical);
    }

    @ParameterizedTest
    @ValueSource(strings = {"JWT", "at+jwt", "DPOP+JWT", "application/dpop+jwt", ""})
    void aTypOtherThanDpopJwtIsRefused(String typ) throws Exception {
        ProofMaker.ClientKey key = ProofMaker.es256();
        Map<String, Object> header = ProofMaker.header(key);
        header.put("typ", typ);
        assertInvalid(fixture.check(ProofMaker.sign(key, header, fixture.claims())), "typ is not dpop+jwt");
        header.remove("typ");
        assertInvalid(fixture.check(ProofMaker.sign(key, header, fixture.claims())), "typ is not dpop+jwt");
    }

    @Test
    void algNoneIsRefused() throws Exception {
        ProofMaker.ClientKey key = ProofMaker.es256();
        Map<String, Object> header = ProofMaker.header(key);
        header.put("alg", "none");
        String unsigned = ProofMaker.encode(JSONObjectUtils.toJSONString(header)) + "."
                + ProofMaker.encode(JSONObjectUtils.toJSONString(fixture.claims()));
        assertInvalid(fixture.check(unsigned + "."), "proof segment is not canonical base64url");
        assertInvalid(fixture.check(unsigned + ".c2ln"), "alg none is not accepted");
        header.put("alg", "None");
        assertInvalid(fixture.check(ProofMaker.sign(key, header, fixture.claims())), "alg none is not accepted");
        header.remove("alg");
        assertInvalid(fixture.check(ProofMaker.sign(key, header, fixture.claims())), "alg is missing");
    }

    @Test
    void aSymmetricAlgorithmIsRefusedEvenWithAValidMac() throws Exception {
        ProofMaker.ClientKey key = ProofMaker.es256();
        byte[] secret = new byte[32];
        Map<String, Object> header = ProofMaker.header(key);
        header.put("alg", "HS256");
        String signingInput = ProofMaker.encode(JSONObjectUtils.toJSONString(header)) + "."
                + ProofMaker.encode(JSONObjectUtils.toJSONString(fixture.claims()));
        Base64URL mac = new MACSigner(secret).sign(new JWSHeader(JWSAlgorithm.HS256),
                signingInput.getBytes(StandardCharsets.US_ASCII));
        assertInvalid(fixture.check(signingInput + "." + mac), "alg HS256 is symmetric (expected: an asymmetric algorithm)");
        // The classic confusion: the MAC keyed with the public key the header carries.
        header.put("jwk", new OctetSequenceKey.Builder(secret).build().toJSONObject());
        assertInvalid(fixture.check(signingInput + "." + mac), "alg HS256 is symmetric (expected: an asymmetric algorithm)");
    }

    @Test
    void anAlgorithmOutsideTheConfigurationIsRefused() throws Exception {
        ProofMaker.ClientKey key = ProofMaker.ec(Curve.P_521, JWSAlgorithm.ES512);
        assertInvalid(fixture.check(fixture.proof(key)), "alg ES512 is not accepted");
        Map<String, Object> header = ProofMaker.header(key);
        header.put("alg", "X\u001b[31mred");
        assertInvalid(fixture.check(ProofMaker.sign(key, header, fixture.claims())), "alg is not accepted");
    }

    @Test
    void aKeyThatDoesNotSuitTheAlgorithmIsRefused() throws Exception {
        ProofMaker.ClientKey p256 = ProofMaker.es256();
        Map<String, Object> header = ProofMaker.header(p256);
        header.put("alg", "ES384");
        assertInvalid(fixture.check(ProofMaker.sign(p256, header, fixture.claims())),
                "the jwk is not an EC key on the curve of ES384");
        header.put("alg", "RS256");
        assertInvalid(fixture.check(ProofMaker.sign(p256, header, fixture.claims())), "the jwk is not an RSA key");
        header.put("alg", "EdDSA");
        assertInvalid(fixture.check(ProofMaker.sign(p256, header, fixture.claims())),
                "the jwk does not suit EdDSA");
        ProofMaker.ClientKey rsa = ProofMaker.rsa(2048, JWSAlgorithm.RS256);
        Map<String, Object> rsaHeader = ProofMaker.header(rsa);
        rsaHeader.put("alg", "ES256");
        assertInvalid(fixture.check(ProofMaker.sign(rsa, rsaHeader, fixture.claims())),
                "the jwk is not an EC key on the curve of ES256");
        Map<String, Object> named = ProofMaker.header(p256);
        Map<String, Object> jwk = new java.util.LinkedHashMap<>(p256.publicJwk().toJSONObject());
        jwk.put("alg", "ES384");
        named.put("jwk", jwk);
        assertInvalid(fixture.check(ProofMaker.sign(p256, named, fixture.claims())),
                "the jwk names a different algorithm than the proof");
    }

    @Test
    void aWeakRsaKeyIsRefused() throws Exception {
        ProofMaker.ClientKey weak = ProofMaker.rsa(1024, JWSAlgorithm.RS256);
        assertInvalid(fixture.check(fixture.proof(weak)), "the RSA jwk is shorter than 2048 bits");
    }

    @Test
    void aJwkWithPrivateKeyMaterialIsRefused() throws Exception {
        for (ProofMaker.ClientKey key : new ProofMaker.ClientKey[] {ProofMaker.es256(),
                ProofMaker.rsa(2048, JWSAlgorithm.RS256)}) {
            Map<String, Object> header = ProofMaker.header(key);
            header.put("jwk", key.privateJwk().toJSONObject());
            assertThat(key.privateJwk().isPrivate()).isTrue();
            assertInvalid(fixture.check(ProofMaker.sign(key, header, fixture.claims())),
                    "jwk holds private or symmetric key material");
        }
        ProofMaker.ClientKey key = ProofMaker.es256();
        Map<String, Object> header = ProofMaker.header(key);
        header.put("jwk", new OctetSequenceKey.Builder(new byte[32]).build().toJSONObject());
        assertInvalid(fixture.check(ProofMaker.sign(key, header, fixture.claims())),
                "jwk holds private or symmetric key material");
    }

    @Test
    void aMissingOrUnreadableJwkIsRefused() throws Exception {
        ProofMaker.ClientKey key = ProofMaker.es256();
        Map<String, Object> header = ProofMaker.header(key);
        header.remove("jwk");
        assertInvalid(fixture.check(ProofMaker.sign(key, header, fixture.claims())), "jwk header is missing");
        header.put("jwk", key.publicJwk().toJSONString());
        assertInvalid(fixture.check(ProofMaker.sign(key, header, fixture.claims())), "jwk header is missing");
        Map<String, Object> offCurve = new java.util.LinkedHashMap<>(key.publicJwk().toJSONObject());
        offCurve.put("y", offCurve.get("x"));
        header.put("jwk", offCurve);
        assertInvalid(fixture.check(ProofMaker.sign(key, header, fixture.claims())), "jwk is not a valid public key");
        header.put("jwk", Map.of("kty", "EC"));
        assertInvalid(fixture.check(ProofMaker.sign(key, header, fixture.claims())), "jwk is not a valid public key");
    }

    @Test
    void aSignatureByAnotherKeyOrOverOtherContentIsRefused() throws Exception {
        ProofMaker.ClientKey key = ProofMaker.es256();
        ProofMaker.ClientKey attacker = ProofMaker.es256();
        assertInvalid(fixture.check(ProofMaker.sign(attacker, ProofMaker.header(key), fixture.claims())),
                "signature does not verify with the jwk");
        String proof = fixture.proof(key);
        String[] parts = proof.split("\\.");
        Map<String, Object> claims = fixture.claims();
        claims.put("htm", "DELETE");
        String tampered = parts[0] + "." + ProofMaker.encode(JSONObjectUtils.toJSONString(claims)) + "." + parts[2];
        assertInvalid(fixture.check(tampered), "signature does not verify with the jwk");
        assertInvalid(fixture.check(parts[0] + "." + parts[1] + "." + Base64URL.encode(new byte[64])),
                "signature does not verify with the jwk");
        assertInvalid(fixture.check(parts[0] + "." + parts[1] + "." + parts[2].substring(0, 44)),
                "signature does not verify with the jwk");
    }

    @Test
    void critAndUnencodedPayloadsAreRefused() throws Exception {
        ProofMaker.ClientKey key = ProofMaker.es256();
        Map<String, Object> header = ProofMaker.header(key);
        header.put("crit", java.util.List.of("exp"));
        header.put("exp", 1);
        assertInvalid(fixture.check(ProofMaker.sign(key, header, fixture.claims())),
                "proof header has crit or b64 (not accepted)");
        Map<String, Object> b64 = ProofMaker.header(key);
        b64.put("b64", false);
        assertInvalid(fixture.check(ProofMaker.sign(key, b64, fixture.claims())),
                "proof header has crit or b64 (not accepted)");
    }

    @Test
    void duplicateMembersAndJsonThatIsNotAnObjectAreRefused() throws Exception {
        ProofMaker.ClientKey key = ProofMaker.es256();
        String header = JSONObjectUtils.toJSONString(ProofMaker.header(key));
        String payload = JSONObjectUtils.toJSONString(fixture.claims());
        assertInvalid(fixture.check(ProofMaker.signRaw(key, header.replace("{\"typ\"", "{\"typ\":\"JWT\",\"typ\""), payload)),
                "proof header is not a JSON object");
        assertInvalid(fixture.check(ProofMaker.signRaw(key, header, payload.replace("{\"jti\"", "{\"htm\":\"POST\",\"jti\""))),
                "proof payload is not a JSON object");
        assertInvalid(fixture.check(ProofMaker.signRaw(key, header, "[1]")), "proof payload is not a JSON object");
        assertInvalid(fixture.check(ProofMaker.signRaw(key, header, payload + " x")), "proof payload is not a JSON object");
        assertInvalid(fixture.check(ProofMaker.signRaw(key, "\"typ\"", payload)), "proof header is not a JSON object");
        String notUtf8 = Base64URL.encode(new byte[] {'{', '"', (byte) 0xC0, (byte) 0x80, '"', ':', '1', '}'}).toString();
        String signingInput = ProofMaker.encode(header) + "." + notUtf8;
        String proof = signingInput + "." + Base64URL.encode(key.sign(signingInput.getBytes(StandardCharsets.US_ASCII)));
        assertInvalid(fixture.check(proof), "proof payload is not UTF-8");
    }

    @Test
    void deeplyNestedJsonIsRefusedWithoutExhaustingTheStack() throws Exception {
        ProofMaker.ClientKey key = ProofMaker.es256();
        String header = JSONObjectUtils.toJSONString(ProofMaker.header(key));
        String nested = "{\"a\":" + "[".repeat(5000) + "]".repeat(5000) + "}";
        DpopCheck check = fixture.check(ProofMaker.signRaw(key, header, nested));
        assertThat(check).isInstanceOf(DpopCheck.Invalid.class);
    }

    @Test
    void hostileTextNeverEscapesAsAnException() {
        for (String text : new String[] {"\u0000", "é.é.é", "e30.e30.e30", "bnVsbA.bnVsbA.c2ln", "W10.W10.c2ln",
                "eyJ0eXAiOiJkcG9wK2p3dCIsImFsZyI6IkVTMjU2IiwiandrIjpudWxsfQ.e30.c2ln", "a.b.c\r\nX-Injected: 1"}) {
            DpopCheck check = fixture.check(text);
            assertThat(check).as(text).isInstanceOf(DpopCheck.Invalid.class);
            assertThat(((DpopCheck.Invalid) check).reason()).isEqualTo(ReasonCode.DPOP_PROOF_INVALID);
        }
    }

    @Test
    void theConfigurationMayNameOnlyAsymmetricAlgorithms() {
        MutableClock clock = new MutableClock(DpopFixture.START);
        EmbeddedStateStore store = new EmbeddedStateStore(clock);
        for (String alg : new String[] {"HS256", "none", "RSA-OAEP", "ES256K"}) {
            DpopConfig config = new DpopConfig(Set.of("ES256", alg), Duration.ofSeconds(60), false, Duration.ofMinutes(5), null);
            assertThatThrownBy(() -> new DpopVerifier(config, store, clock))
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessage("dpop algorithms: " + alg + " (expected one of [ES256, ES384, ES512, Ed25519, Ed448, "
                            + "EdDSA, PS256, PS384, PS512, RS256, RS384, RS512])");
        }
        assertThatThrownBy(() -> new DpopVerifier(new DpopConfig(Set.of(), Duration.ofSeconds(60), false,
                Duration.ofMinutes(5), null), store, clock)).hasMessage("dpop algorithms: [] (expected at least one)");
        assertThatThrownBy(() -> new DpopVerifier(new DpopConfig(Set.of("ES256"), Duration.ZERO, false,
                Duration.ofMinutes(5), null), store, clock)).hasMessage("proofMaxAge: PT0S (expected: >= 1ms)");
        assertThatThrownBy(() -> new DpopVerifier(new DpopConfig(Set.of("ES256"), Duration.ofSeconds(60), true,
                Duration.ofSeconds(3), null), store, clock)).hasMessage("nonceLifetime: PT3S (expected: >= 4s)");
    }
}
