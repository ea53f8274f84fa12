package io.zerogate.identity.jwt;

import static io.zerogate.identity.jwt.JwtFixtures.ATTACKER_EC;
import static io.zerogate.identity.jwt.JwtFixtures.ATTACKER_RSA;
import static io.zerogate.identity.jwt.JwtFixtures.EC;
import static io.zerogate.identity.jwt.JwtFixtures.HMAC_SECRET;
import static io.zerogate.identity.jwt.JwtFixtures.NOW;
import static io.zerogate.identity.jwt.JwtFixtures.RSA;
import static io.zerogate.identity.jwt.JwtFixtures.accepted;
import static io.zerogate.identity.jwt.JwtFixtures.b64;
import static io.zerogate.identity.jwt.JwtFixtures.claims;
import static io.zerogate.identity.jwt.JwtFixtures.header;
import static io.zerogate.identity.jwt.JwtFixtures.issuer;
import static io.zerogate.identity.jwt.JwtFixtures.json;
import static io.zerogate.identity.jwt.JwtFixtures.raw;
import static io.zerogate.identity.jwt.JwtFixtures.refused;
import static io.zerogate.identity.jwt.JwtFixtures.token;
import static org.assertj.core.api.Assertions.assertThat;

import com.nimbusds.jose.crypto.impl.ECDSA;
import com.nimbusds.jose.jwk.ECKey;
import com.nimbusds.jose.jwk.JWKSet;
import com.nimbusds.jose.jwk.RSAKey;
import com.sun.net.httpserver.HttpServer;
import io.zerogate.chain.ReasonCode;
import io.zerogate.cli.CertificateMint;
import io.zerogate.identity.SignatureProviders;
import io.zerogate.identity.Verification;
import io.zerogate.identity.jwt.JwtFixtures.StaticKeys;
import io.zerogate.identity.jwt.JwtFixtures.TestClock;
import io.zerogate.identity.jwt.JwtFixtures.TestKey;
import io.zerogate.testing.TestPki;
import java.io.IOException;
import java.math.BigInteger;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.security.Provider;
import java.security.interfaces.ECPublicKey;
import java.util.Arrays;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Tokens an attacker would send. Each must be refused with its exact reason, without the issuer's keys being
 * asked when the header alone gives the attack away, and without anything the token points at being fetched.
 */
class TokenAttackTest {

    /** The order of the P-256 group. */
    private static final BigInteger P256_N =
            new BigInteger("FFFFFFFF00000000FFFFFFFFFFFFFFFFBCE6FAADA7179E84F3B9CAC2FC632551", 16);
    private static final String ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

    private final TestClock clock = new TestClock(NOW);
    private final StaticKeys keys = new StaticKeys(RSA, EC, JwtFixtures.ED);
    private final JwtVerifier verifier = new JwtVerifier(issuer().config(), keys, clock);

    private HttpServer attackerSite;
    private final AtomicInteger attackerHits = new AtomicInteger();
    private String attackerUrl;

    @BeforeEach
    void startTheAttackersSite() throws IOException {
        attackerSite = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        byte[] jwks = new JWKSet(List.of(ATTACKER_RSA.publicJwk(), ATTACKER_EC.publicJwk())).toString()
                .getBytes(StandardCharsets.UTF_8);
        attackerSite.createContext("/", exchange -> {
            attackerHits.incrementAndGet();
            exchange.sendResponseHeaders(200, jwks.length);
            exchange.getResponseBody().write(jwks);
            exchange.close();
        });
        attackerSite.start();
        attackerUrl = "http://127.0.0.1:" + attackerSite.getAddress().getPort();
    }

    @AfterEach
    void stopTheAttackersSite() {
        attackerSite.stop(0);
        assertThat(attackerHits).as("requests to the attacker's site").hasValue(0);
    }

    private Verification.Refused refuse(String token, ReasonCode reason) {
        return refused(verifier.verify(token), token, reason);
    }

    @ParameterizedTest
    @ValueSource(strings = {"none", "None", "NONE", "nOnE", "NoNe"})
    void algNoneIsNeverAccepted(String none) {
        String unsigned = b64(json(header(none, null))) + "." + b64(json(claims())) + ".";
        assertThat(refuse(unsigned, ReasonCode.TOKEN_MALFORMED).detail()).isEqualTo("signature segment is empty");
        String withSignature = b64(json(header(none, RSA.kid()))) + "." + b64(json(claims())) + "." + b64("sig");
        assertThat(refuse(withSignature, ReasonCode.TOKEN_INVALID).detail()).isEqualTo("alg none is never accepted");
        JwtVerifier withHmac = new JwtVerifier(issuer().algorithms("RS256", "HS256").hmac(HMAC_SECRET).config(),
                keys, clock);
        refused(withHmac.verify(withSignature), withSignature, ReasonCode.TOKEN_INVALID);
        assertThat(keys.calls).hasValue(0);
    }

    static Stream<byte[]> publicKeyBytes() throws Exception {
        RSAKey rsa = (RSAKey) RSA.publicJwk();
        byte[] der = rsa.toRSAPublicKey().getEncoded();
        String pem = "-----BEGIN PUBLIC KEY-----\n"
                + Base64.getMimeEncoder(64, "\n".getBytes(StandardCharsets.US_ASCII)).encodeToString(der)
                + "\n-----END PUBLIC KEY-----\n";
        return Stream.of(der, pem.getBytes(StandardCharsets.US_ASCII),
                rsa.toJSONString().getBytes(StandardCharsets.UTF_8), rsa.getModulus().decode());
    }

    @ParameterizedTest
    @MethodSource("publicKeyBytes")
    void theIssuersPublicKeyIsNeverAnHmacSecret(byte[] publicKey) {
        String confused = JwtFixtures.hmacToken("HS256", publicKey, header("HS256", RSA.kid()), claims());
        assertThat(refuse(confused, ReasonCode.TOKEN_INVALID).detail())
                .isEqualTo("alg HS256 is not accepted for this issuer");

        JwtVerifier withHmac = new JwtVerifier(issuer().algorithms("RS256", "HS256").hmac(HMAC_SECRET).config(),
                keys, clock);
        assertThat(refused(withHmac.verify(confused), confused, ReasonCode.TOKEN_INVALID).detail())
                .isEqualTo("signature does not verify with the issuer's secret");
        assertThat(keys.calls).hasValue(0);
    }

    @ParameterizedTest
    @ValueSource(strings = {
            "../../../../../../etc/passwd",
            "/dev/null",
            "..\\..\\windows\\win.ini",
            "file:///etc/shadow",
            "' OR '1'='1",
            "rsa-1' --",
            "1; DROP TABLE keys; --",
            "$(curl http://127.0.0.1:9/x)",
            "`id`",
            "| nc 127.0.0.1 9",
            "rsa-1\u0000",
            "%00",
            "\r\nX-Injected: yes",
            "${jndi:ldap://127.0.0.1/a}",
            "{{7*7}}",
            "<script>alert(1)</script>",
            "\u202e1-asr",
            ""})
    void injectionInTheKidIsJustAnUnknownKid(String kid) {
        String token = token(header("RS256", kid), claims(), RSA);
        Verification.Refused refusal = refuse(token, ReasonCode.TOKEN_INVALID);
        assertThat(refusal.detail()).isEqualTo("no key in the issuer's key set for this kid: kid not in the key set");
        assertThat(keys.kidsAsked).containsExactly(kid);
    }

    @Test
    void aHugeKidIsJustAnUnknownKidToo() {
        String kid = "k".repeat(8_000);
        String token = token(header("RS256", kid), claims(), RSA);
        refuse(token, ReasonCode.TOKEN_INVALID);
        assertThat(keys.kidsAsked).containsExactly(kid);
    }

    @Test
    void aJkuPointingAtTheAttackersKeysIsNeverFollowed() {
        Map<String, Object> header = header("RS256", ATTACKER_RSA.kid());
        header.put("jku", attackerUrl + "/jwks.json");
        String token = token(header, claims(), ATTACKER_RSA);
        assertThat(refuse(token, ReasonCode.TOKEN_INVALID).detail())
                .isEqualTo("header has jku; keys come only from the issuer's configured key set");
        assertThat(keys.calls).hasValue(0);
    }

    @Test
    void anX5uPointingAtTheAttackersCertificateIsNeverFollowed() {
        Map<String, Object> header = header("ES256", null);
        header.put("x5u", attackerUrl + "/cert.pem");
        String token = token(header, claims(), ATTACKER_EC);
        assertThat(refuse(token, ReasonCode.TOKEN_INVALID).detail())
                .isEqualTo("header has x5u; keys come only from the issuer's configured key set");
        assertThat(keys.calls).hasValue(0);
    }

    @Test
    void anEmbeddedJwkIsNeverTrusted() {
        for (String kid : new String[] {null, EC.kid()}) {
            Map<String, Object> header = header("ES256", kid);
            header.put("jwk", ATTACKER_EC.publicJwk().toJSONObject());
            String token = token(header, claims(), ATTACKER_EC);
            assertThat(refuse(token, ReasonCode.TOKEN_INVALID).detail())
                    .isEqualTo("header has jwk; keys come only from the issuer's configured key set");
        }
        assertThat(keys.calls).hasValue(0);
    }

    @Test
    void anEmbeddedCertificateChainIsNeverTrusted() throws Exception {
        CertificateMint.Issued certificate = TestPki.rootCa("attacker");
        ECKey key = new ECKey.Builder(com.nimbusds.jose.jwk.Curve.P_256,
                (ECPublicKey) certificate.keys().getPublic()).privateKey(certificate.keys().getPrivate()).build();
        TestKey attacker = new TestKey("cert", key.toPublicJWK(), (alg, input) ->
                new com.nimbusds.jose.crypto.ECDSASigner(key).sign(new com.nimbusds.jose.JWSHeader(alg), input)
                        .decode());
        Map<String, Object> header = header("ES256", null);
        header.put("x5c", List.of(Base64.getEncoder().encodeToString(certificate.certificate().getEncoded())));
        String token = token(header, claims(), attacker);
        assertThat(refuse(token, ReasonCode.TOKEN_INVALID).detail())
                .isEqualTo("header has x5c; keys come only from the issuer's configured key set");
        assertThat(keys.calls).hasValue(0);
    }

    @Test
    void theAttackersKeyUnderTheIssuersKidDoesNotVerify() {
        String token = token("RS256", ATTACKER_RSA);
        assertThat(refuse(token, ReasonCode.TOKEN_INVALID).detail())
                .isEqualTo("signature does not verify with the issuer's key");
        String ec = token("ES256", ATTACKER_EC);
        refuse(ec, ReasonCode.TOKEN_INVALID);
    }

    static Stream<@Nullable Provider> providers() {
        return Stream.of(null, SignatureProviders.preferred()).distinct();
    }

    @ParameterizedTest(name = "provider {0}")
    @MethodSource("providers")
    void psychicEcdsaSignaturesDoNotVerify(@Nullable Provider provider) {
        JwtVerifier verifier = new JwtVerifier(issuer().config(), keys, clock, provider, null);
        byte[] zero = new byte[32];
        byte[] n = unsigned32(P256_N);
        byte[] one = unsigned32(BigInteger.ONE);
        String input = b64(json(header("ES256", EC.kid()))) + "." + b64(json(claims()));
        for (byte[][] rs : new byte[][][] {{zero, zero}, {n, n}, {zero, n}, {n, zero}, {one, zero}, {zero, one}}) {
            String token = input + "." + b64(concat(rs[0], rs[1]));
            assertThat(refused(verifier.verify(token), token, ReasonCode.TOKEN_INVALID).detail())
                    .isEqualTo("signature does not verify with the issuer's key");
        }
        byte[] derZeros = {0x30, 0x06, 0x02, 0x01, 0x00, 0x02, 0x01, 0x00};
        String der = input + "." + b64(derZeros);
        refused(verifier.verify(der), der, ReasonCode.TOKEN_INVALID);
    }

    @ParameterizedTest(name = "provider {0}")
    @MethodSource("providers")
    void reshapedEcdsaSignaturesDoNotVerify(@Nullable Provider provider) throws Exception {
        JwtVerifier verifier = new JwtVerifier(issuer().config(), keys, clock, provider, null);
        String valid = token("ES256", EC);
        accepted(verifier.verify(valid));
        String input = valid.substring(0, valid.lastIndexOf('.'));
        byte[] signature = Base64.getUrlDecoder().decode(valid.substring(valid.lastIndexOf('.') + 1));
        assertThat(signature).hasSize(64);
        List<byte[]> reshaped = List.of(
                Arrays.copyOf(signature, 63),
                Arrays.copyOf(signature, 65),
                concat(new byte[] {0}, signature),
                Arrays.copyOf(signature, 32),
                ECDSA.transcodeSignatureToDER(signature),
                concat(signature, signature));
        for (byte[] bytes : reshaped) {
            String token = input + "." + b64(bytes);
            refused(verifier.verify(token), token, ReasonCode.TOKEN_INVALID);
        }
        // ECDSA signatures are malleable: (r, n - s) verifies as well. It proves the same signer, so it is
        // accepted; being another string, it is verified (and remembered) as a token of its own.
        byte[] s = Arrays.copyOfRange(signature, 32, 64);
        byte[] flipped = concat(Arrays.copyOf(signature, 32), unsigned32(P256_N.subtract(new BigInteger(1, s))));
        String malleated = input + "." + b64(flipped);
        assertThat(verifier.verify(malleated).toCompletableFuture().join())
                .isInstanceOf(Verification.Accepted.class);
    }

    @Test
    void truncatedRsaSignaturesDoNotVerify() {
        String valid = token("RS256", RSA);
        String input = valid.substring(0, valid.lastIndexOf('.'));
        byte[] signature = Base64.getUrlDecoder().decode(valid.substring(valid.lastIndexOf('.') + 1));
        for (byte[] bytes : List.of(Arrays.copyOf(signature, 255), Arrays.copyOf(signature, 257),
                concat(new byte[] {0}, signature), Arrays.copyOf(signature, 1))) {
            String token = input + "." + b64(bytes);
            refuse(token, ReasonCode.TOKEN_INVALID);
        }
    }

    @Test
    void reEncodedBase64IsRefusedEvenWhenItDecodesToTheSameBytes() {
        String valid = token("ES256", EC);
        accepted(verifier.verify(valid));
        String[] parts = valid.split("\\.");
        assertThat(parts[2]).hasSize(86);
        String respelled = respellLast(parts[2]);
        assertThat(Base64.getUrlDecoder().decode(respelled)).isEqualTo(Base64.getUrlDecoder().decode(parts[2]));
        String token = parts[0] + "." + parts[1] + "." + respelled;
        assertThat(refuse(token, ReasonCode.TOKEN_MALFORMED).detail())
                .isEqualTo("signature segment is not canonical base64url");

        String padded = parts[0] + "." + parts[1] + "." + parts[2] + "==";
        refuse(padded, ReasonCode.TOKEN_MALFORMED);
        String standardAlphabet = valid.replace('-', '+').replace('_', '/');
        if (!standardAlphabet.equals(valid)) {
            refuse(standardAlphabet, ReasonCode.TOKEN_MALFORMED);
        }
        assertThat(keys.calls).hasValue(1);
    }

    @Test
    void criticalExtensionsAreRefused() {
        Map<String, Object> header = header("ES256", EC.kid());
        header.put("crit", List.of("exp"));
        header.put("exp", NOW.plusSeconds(60).getEpochSecond());
        String token = token(header, claims(), EC);
        assertThat(refuse(token, ReasonCode.TOKEN_INVALID).detail())
                .isEqualTo("header lists critical extensions (crit); none are supported");
        Map<String, Object> empty = header("ES256", EC.kid());
        empty.put("crit", List.of());
        refuse(token(empty, claims(), EC), ReasonCode.TOKEN_INVALID);
        String unencoded = raw("{\"alg\":\"ES256\",\"kid\":\"ec-1\",\"b64\":false,\"crit\":[\"b64\"]}", json(claims()),
                EC);
        refuse(unencoded, ReasonCode.TOKEN_INVALID);
        String b64Only = raw("{\"alg\":\"ES256\",\"kid\":\"ec-1\",\"b64\":false}", json(claims()), EC);
        assertThat(refuse(b64Only, ReasonCode.TOKEN_INVALID).detail())
                .isEqualTo("header has b64: unencoded payloads are not accepted");
        assertThat(keys.calls).hasValue(0);
    }

    @Test
    void nestedTokensAreRefused() {
        String inner = token("ES256", ATTACKER_EC);
        for (String cty : List.of("JWT", "jwt", "application/jwt", "Application/JWT")) {
            Map<String, Object> header = header("ES256", EC.kid());
            header.put("cty", cty);
            String outer = b64(json(header)) + "." + b64(inner) + ".";
            String signed = outer + b64(EC.sign(com.nimbusds.jose.JWSAlgorithm.ES256,
                    outer.substring(0, outer.length() - 1).getBytes(StandardCharsets.US_ASCII)));
            assertThat(refuse(signed, ReasonCode.TOKEN_MALFORMED).detail())
                    .isEqualTo("header has cty JWT: nested tokens are not accepted");
        }
        assertThat(keys.calls).hasValue(0);
    }

    @Test
    void duplicateMembersAreRefused() {
        String claims = json(claims()).replaceFirst("\\{", "{\"sub\":\"admin\",");
        String token = raw(json(header("ES256", EC.kid())), claims, EC);
        assertThat(refuse(token, ReasonCode.TOKEN_MALFORMED).detail()).isEqualTo("payload names a member twice");
        String exp = json(claims()).replaceFirst("\\{", "{\"exp\":" + NOW.plusSeconds(86_400).getEpochSecond() + ",");
        refuse(raw(json(header("ES256", EC.kid())), exp, EC), ReasonCode.TOKEN_MALFORMED);
        String twoAlgs = raw(com.nimbusds.jose.JWSAlgorithm.ES256,
                "{\"alg\":\"ES256\",\"kid\":\"ec-1\",\"alg\":\"none\"}", json(claims()), EC);
        assertThat(refuse(twoAlgs, ReasonCode.TOKEN_MALFORMED).detail()).isEqualTo("header names a member twice");
        assertThat(keys.calls).hasValue(0);
    }

    @Test
    void aStringExpIsRefused() {
        String token = token(header("ES256", EC.kid()), claims("exp", "99999999999"), EC);
        assertThat(refuse(token, ReasonCode.TOKEN_MALFORMED).detail()).isEqualTo("claim exp is not a number");
    }

    @Test
    void trailingDotsAndGarbageAreRefused() {
        String valid = token("ES256", EC);
        for (String suffix : List.of(".", "..", ". ", " ", "\n", "\r\n", "\u0000", ";", ",x", ".eyJ9")) {
            refuse(valid + suffix, ReasonCode.TOKEN_MALFORMED);
        }
        for (String prefix : List.of(" ", "Bearer ", ".", "\t")) {
            refuse(prefix + valid, ReasonCode.TOKEN_MALFORMED);
        }
        String appended = valid + "AAAA";
        refuse(appended, ReasonCode.TOKEN_INVALID);
        assertThat(keys.calls).hasValue(1);
    }

    @Test
    void oversizeTokensAreRefusedUnread() {
        String big = token(header("ES256", EC.kid()), claims("padding", "x".repeat(TokenShape.MAX_LENGTH)), EC);
        assertThat(refuse(big, ReasonCode.TOKEN_MALFORMED).detail())
                .isEqualTo("token is " + big.length() + " characters long (expected at most 16384)");
        assertThat(keys.calls).hasValue(0);
    }

    @Test
    void anotherAlgorithmsLabelOnTheSameKeyDoesNotVerify() {
        String rs256 = token("RS256", RSA);
        String relabelled = b64(json(header("PS256", RSA.kid()))) + rs256.substring(rs256.indexOf('.'));
        refuse(relabelled, ReasonCode.TOKEN_INVALID);
        String es256 = token("ES256", EC);
        Map<String, Object> header = header("ES384", EC.kid());
        String es384 = b64(json(header)) + es256.substring(es256.indexOf('.'));
        assertThat(refuse(es384, ReasonCode.TOKEN_INVALID).detail())
                .isEqualTo("no key in the issuer's key set fits alg ES384 and this kid");
        for (String alg : List.of("rs256", "RS256 ", "RS-256", "HS256", "ES256K")) {
            String token = b64(json(header(alg, RSA.kid()))) + rs256.substring(rs256.indexOf('.'));
            refuse(token, ReasonCode.TOKEN_INVALID);
        }
    }

    @Test
    void aKeyPinnedToOneAlgorithmIsNotUsedForAnother() {
        RSAKey pinned = new RSAKey.Builder((RSAKey) RSA.publicJwk())
                .algorithm(com.nimbusds.jose.JWSAlgorithm.RS256).build();
        JwtVerifier verifier = new JwtVerifier(issuer().config(), new StaticKeys(pinned), clock);
        accepted(verifier.verify(token("RS256", RSA)));
        String pss = token("PS256", RSA);
        assertThat(refused(verifier.verify(pss), pss, ReasonCode.TOKEN_INVALID).detail())
                .isEqualTo("no key in the issuer's key set fits alg PS256 and this kid");
    }

    private static String respellLast(String segment) {
        char last = segment.charAt(segment.length() - 1);
        return segment.substring(0, segment.length() - 1) + ALPHABET.charAt(ALPHABET.indexOf(last) + 1);
    }

    private static byte[] unsigned32(BigInteger value) {
        byte[] bytes = value.toByteArray();
        byte[] fixed = new byte[32];
        int length = Math.min(bytes.length, 32);
        System.arraycopy(bytes, bytes.length - length, fixed, 32 - length, length);
        return fixed;
    }

    private static byte[] concat(byte[] a, byte[] b) {
        byte[] both = Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, both, a.length, b.length);
        return both;
    }
}
