package io.zerogate.identity.assertion;

import io.zerogate.testing.MutableClock;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.nimbusds.jose.JOSEObjectType;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.crypto.ECDSAVerifier;
import com.nimbusds.jose.jwk.ECKey;
import com.nimbusds.jose.jwk.JWKSet;
import com.nimbusds.jwt.SignedJWT;
import io.zerogate.config.AssertionConfig;
import io.zerogate.identity.Authentication;
import io.zerogate.identity.SignatureProviders;
import io.zerogate.identity.Subject;
import io.zerogate.identity.TokenBinding;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.MessageDigest;
import java.security.interfaces.ECPublicKey;
import java.security.spec.ECGenParameterSpec;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.Base64;
import java.util.HashSet;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.bouncycastle.asn1.sec.SECObjectIdentifiers;
import org.bouncycastle.asn1.x509.SubjectPublicKeyInfo;
import org.bouncycastle.asn1.x9.X962Parameters;
import org.bouncycastle.openssl.jcajce.JcaPEMWriter;
import org.bouncycastle.openssl.jcajce.JcaPKCS8Generator;
import org.bouncycastle.openssl.jcajce.JceOpenSSLPKCS8EncryptorBuilder;
import org.bouncycastle.operator.OutputEncryptor;
import org.bouncycastle.util.io.pem.PemObject;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.jspecify.annotations.Nullable;

class AssertionSignerTest {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Instant NOW = Instant.parse("2026-03-01T12:00:00Z");
    private static final Clock CLOCK = Clock.fixed(NOW, ZoneOffset.UTC);

    @TempDir
    Path dir;

    private static Subject user(Set<String> scopes) {
        return new Subject("alice", Subject.Kind.USER, "corp", scopes, Set.of("admin"), Map.of("email", "a@example.com"),
                Authentication.NONE, TokenBinding.NONE);
    }

    private static AssertionConfig config(@Nullable Path keyFile, Duration lifetime) {
        return new AssertionConfig(true, "ZeroGate-Identity", "https://gw.example", keyFile, lifetime);
    }

    /** Verifies the token with the key from the signer's own JWK set, as an upstream service would. */
    private static SignedJWT verified(AssertionSigner signer, String token) throws Exception {
        JWKSet set = JWKSet.parse(signer.jwksJson());
        assertThat(set.getKeys()).hasSize(1);
        ECKey key = set.getKeys().get(0).toECKey();
        SignedJWT jwt = SignedJWT.parse(token);
        assertThat(jwt.verify(new ECDSAVerifier(key))).as("signature verifies with the published key").isTrue();
        return jwt;
    }

    @Test
    void anAssertionVerifiesWithThePublishedKeyAndCarriesExactlyTheExpectedClaims() throws Exception {
        AssertionSigner signer = AssertionSigner.create(config(null, Duration.ofSeconds(60)), CLOCK);
        String token = signer.sign(user(Set.of("orders:write", "orders:read")), "orders", "req-1", "laptop-7");

        SignedJWT jwt = verified(signer, token);
        assertThat(jwt.getHeader().getAlgorithm()).isEqualTo(JWSAlgorithm.ES256);
        assertThat(jwt.getHeader().getType()).isEqualTo(new JOSEObjectType("zerogate-identity+jwt"));
        assertThat(jwt.getHeader().getKeyID()).isEqualTo(signer.keyId());
        assertThat(jwt.getHeader().toJSONObject().keySet()).containsExactlyInAnyOrder("alg", "typ", "kid");

        JsonNode claims = JSON.readTree(Base64.getUrlDecoder().decode(token.split("\\.")[1]));
        assertThat(fieldNames(claims)).containsExactlyInAnyOrder("iss", "aud", "sub", "kind", "scope", "device", "rid",
                "iat", "exp", "jti");
        assertThat(claims.get("iss").asText()).isEqualTo("https://gw.example");
        assertThat(claims.get("aud").isTextual()).as("a single audience is a string").isTrue();
        assertThat(claims.get("aud").asText()).isEqualTo("orders");
        assertThat(claims.get("sub").asText()).isEqualTo("alice");
        assertThat(claims.get("kind").asText()).isEqualTo("user");
        assertThat(claims.get("scope").asText()).isEqualTo("orders:read orders:write");
        assertThat(claims.get("device").asText()).isEqualTo("laptop-7");
        assertThat(claims.get("rid").asText()).isEqualTo("req-1");
        assertThat(claims.get("iat").asLong()).isEqualTo(NOW.getEpochSecond());
        assertThat(claims.get("exp").asLong()).isEqualTo(NOW.getEpochSecond() + 60);
        assertThat(claims.get("jti").asText()).matches("[A-Za-z0-9_-]{22}");
    }

    @Test
    void scopeAndDeviceAreLeftOutWhenAbsentAndKindsAreNamed() throws Exception {
        AssertionSigner signer = AssertionSigner.create(config(null, Duration.ofSeconds(60)), CLOCK);
        Subject workload = new Subject("spiffe://example.org/checkout", Subject.Kind.WORKLOAD, null, Set.of(), Set.of(),
                Map.of(), Authentication.NONE, TokenBinding.NONE);
        JsonNode claims = JSON.readTree(verified(signer, signer.sign(workload, "payments", "r2", null)).getPayload().toString());
        assertThat(fieldNames(claims)).containsExactlyInAnyOrder("iss", "aud", "sub", "kind", "rid", "iat", "exp", "jti");
        assertThat(claims.get("kind").asText()).isEqualTo("workload");
        assertThat(claims.get("sub").asText()).isEqualTo("spiffe://example.org/checkout");

        Subject key = new Subject("key_abc", Subject.Kind.API_KEY, null, Set.of("reports"), Set.of(), Map.of(),
                Authentication.NONE, TokenBinding.NONE);
        JsonNode keyClaims = JSON.readTree(verified(signer, signer.sign(key, "reports", "r3", null)).getPayload().toString());
        assertThat(keyClaims.get("kind").asText()).isEqualTo("api_key");
        assertThat(keyClaims.get("scope").asText()).isEqualTo("reports");
    }

    @Test
    void theLifetimeFollowsTheConfigurationAndTheClock() throws Exception {
        MutableClock clock = new MutableClock(NOW);
        AssertionSigner signer = AssertionSigner.create(config(null, Duration.ofSeconds(90)), clock);
        SignedJWT first = verified(signer, signer.sign(user(Set.of()), "orders", "r1", null));
        assertThat(first.getJWTClaimsSet().getIssueTime().toInstant()).isEqualTo(NOW);
        assertThat(first.getJWTClaimsSet().getExpirationTime().toInstant()).isEqualTo(NOW.plusSeconds(90));

        clock.set(NOW.plusSeconds(3600).plusMillis(999));
        SignedJWT later = verified(signer, signer.sign(user(Set.of()), "orders", "r2", null));
        assertThat(later.getJWTClaimsSet().getIssueTime().toInstant()).isEqualTo(NOW.plusSeconds(3600));
        assertThat(later.getJWTClaimsSet().getExpirationTime().toInstant()).isEqualTo(NOW.plusSeconds(3690));
        assertThat(later.getJWTClaimsSet().getJWTID()).isNotEqualTo(first.getJWTClaimsSet().getJWTID());
    }

    @Test
    void aLifetimeUnderASecondIsRefused() {
        assertThatThrownBy(() -> AssertionSigner.create(config(null, Duration.ofMillis(500)), CLOCK))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("assertion lifetime: PT0.5S (expected: at least 1s)");
    }

    @Test
    void everyAssertionHasItsOwnId() {
        AssertionSigner signer = AssertionSigner.create(config(null, Duration.ofSeconds(60)), CLOCK);
        Set<String> ids = new HashSet<>();
        for (int i = 0; i < 200; i++) {
            String token = signer.sign(user(Set.of()), "orders", "r", null);
            ids.add(claim(token, "jti"));
        }
        assertThat(ids).hasSize(200);
    }

    @Test
    void theJdkAndTheNativeProviderBothMakeSignaturesTheOtherAccepts() throws Exception {
        AssertionSigner jdk = AssertionSigner.create(config(null, Duration.ofSeconds(60)), CLOCK, null);
        verified(jdk, jdk.sign(user(Set.of("a")), "orders", "r1", null));
        // The project ships the native provider for linux-x86_64, the machines it is built and run on: there it
        // must load, or the signing and verification costs the documentation states do not hold.
        assertThat(SignatureProviders.preferred()).as("the native provider loads on this machine").isNotNull();
        Path file = dir.resolve("shared.pem");
        KeyPair keys = p256();
        Files.writeString(file, pkcs8(keys));
        AssertionSigner fast = AssertionSigner.create(config(file, Duration.ofSeconds(60)), CLOCK, SignatureProviders.preferred());
        AssertionSigner slow = AssertionSigner.create(config(file, Duration.ofSeconds(60)), CLOCK, null);
        assertThat(fast.jwksJson()).isEqualTo(slow.jwksJson());
        for (int i = 0; i < 20; i++) {
            verified(slow, fast.sign(user(Set.of("a")), "orders", "r" + i, null));
            verified(fast, slow.sign(user(Set.of("a")), "orders", "r" + i, null));
        }
    }

    @Test
    void theJwkSetHasThePublicKeyOnlyWithItsThumbprintAsKid() throws Exception {
        KeyPair keys = p256();
        Path file = dir.resolve("gw.pem");
        Files.writeString(file, pkcs8(keys));
        AssertionSigner signer = AssertionSigner.create(config(file, Duration.ofSeconds(60)), CLOCK);

        JsonNode set = JSON.readTree(signer.jwksJson());
        assertThat(fieldNames(set)).containsExactly("keys");
        assertThat(set.get("keys")).hasSize(1);
        JsonNode jwk = set.get("keys").get(0);
        assertThat(fieldNames(jwk)).containsExactlyInAnyOrder("kty", "crv", "x", "y", "use", "alg", "kid");
        assertThat(jwk.get("kty").asText()).isEqualTo("EC");
        assertThat(jwk.get("crv").asText()).isEqualTo("P-256");
        assertThat(jwk.get("use").asText()).isEqualTo("sig");
        assertThat(jwk.get("alg").asText()).isEqualTo("ES256");

        ECPublicKey expected = (ECPublicKey) keys.getPublic();
        assertThat(unsigned(jwk.get("x").asText())).isEqualTo(expected.getW().getAffineX());
        assertThat(unsigned(jwk.get("y").asText())).isEqualTo(expected.getW().getAffineY());

        // RFC 7638: SHA-256 over the required members in lexicographic order, no whitespace.
        String canonical = "{\"crv\":\"P-256\",\"kty\":\"EC\",\"x\":\"" + jwk.get("x").asText() + "\",\"y\":\""
                + jwk.get("y").asText() + "\"}";
        String thumbprint = Base64.getUrlEncoder().withoutPadding().encodeToString(
                MessageDigest.getInstance("SHA-256").digest(canonical.getBytes(StandardCharsets.UTF_8)));
        assertThat(jwk.get("kid").asText()).isEqualTo(thumbprint).isEqualTo(signer.keyId());
        assertThat(signer.toString()).doesNotContain(jwk.get("x").asText());
    }

    @Test
    void aPkcs8KeyFileIsUsedAsIs() throws Exception {
        KeyPair keys = p256();
        Path file = dir.resolve("pkcs8.pem");
        Files.writeString(file, pkcs8(keys));
        assertThat(Files.readString(file)).startsWith("-----BEGIN PRIVATE KEY-----");
        assertSignsWith(file, keys);
    }

    @Test
    void aSec1KeyFileIsUsedAsIs() throws Exception {
        KeyPair keys = p256();
        Path file = dir.resolve("sec1.pem");
        Files.writeString(file, sec1(keys, true, true));
        assertThat(Files.readString(file)).startsWith("-----BEGIN EC PRIVATE KEY-----");
        assertSignsWith(file, keys);
    }

    @Test
    void aSec1KeyFileAfterAnEcParametersBlockIsUsed() throws Exception {
        // The layout `openssl ecparam -genkey` writes.
        KeyPair keys = p256();
        Path file = dir.resolve("ecparam.pem");
        Files.writeString(file, pem(new PemObject("EC PARAMETERS", SECObjectIdentifiers.secp256r1.getEncoded()))
                + sec1(keys, true, false));
        assertSignsWith(file, keys);
    }

    @Test
    void aSec1KeyWithoutItsCurveIsRefused() throws Exception {
        Path file = dir.resolve("nocurve.pem");
        Files.writeString(file, sec1(p256(), false, true));
        assertRefused(file, "holds an EC key without a named curve (expected: the named curve P-256)");
    }

    @Test
    void theSameKeyFileGivesTheSameKidInEveryProcess() throws Exception {
        Path file = dir.resolve("shared.pem");
        Files.writeString(file, pkcs8(p256()));
        AssertionSigner a = AssertionSigner.create(config(file, Duration.ofSeconds(60)), CLOCK);
        AssertionSigner b = AssertionSigner.create(config(file, Duration.ofSeconds(60)), CLOCK);
        assertThat(a.keyId()).isEqualTo(b.keyId());
        assertThat(a.jwksJson()).isEqualTo(b.jwksJson());
        AssertionSigner generated = AssertionSigner.create(config(null, Duration.ofSeconds(60)), CLOCK);
        assertThat(generated.keyId()).isNotEqualTo(a.keyId());
    }

    @Test
    void aKeyOnAnotherCurveIsRefusedByName() throws Exception {
        KeyPairGenerator gen = KeyPairGenerator.getInstance("EC");
        gen.initialize(new ECGenParameterSpec("secp384r1"));
        Path file = dir.resolve("p384.pem");
        Files.writeString(file, pkcs8(gen.generateKeyPair()));
        assertRefused(file, "holds an EC key on curve secp384r1 (expected: P-256, also called secp256r1 or prime256v1)");
    }

    @Test
    void anRsaKeyIsRefusedInBothPemForms() throws Exception {
        KeyPairGenerator gen = KeyPairGenerator.getInstance("RSA");
        gen.initialize(2048);
        KeyPair rsa = gen.generateKeyPair();
        Path pkcs8 = dir.resolve("rsa8.pem");
        Files.writeString(pkcs8, pkcs8(rsa));
        assertRefused(pkcs8, "holds an RSA key (expected: an EC P-256 private key)");
        Path pkcs1 = dir.resolve("rsa1.pem");
        Files.writeString(pkcs1, pem(rsa.getPrivate()));
        assertThat(Files.readString(pkcs1)).startsWith("-----BEGIN RSA PRIVATE KEY-----");
        assertRefused(pkcs1, "holds an RSA key (expected: an EC P-256 private key)");
    }

    @Test
    void anEd25519KeyIsRefused() throws Exception {
        Path file = dir.resolve("ed.pem");
        Files.writeString(file, pkcs8(KeyPairGenerator.getInstance("Ed25519").generateKeyPair()));
        assertRefused(file, "holds an EdDSA key (expected: an EC P-256 private key)");
    }

    @Test
    void garbageAnEmptyFileAndACertificateOnlyAreRefused() throws Exception {
        Path garbage = dir.resolve("garbage.pem");
        Files.writeString(garbage, "-----BEGIN PRIVATE KEY-----\n!!not base64 at all!!\n-----END PRIVATE KEY-----\n");
        assertRefused(garbage, "cannot be read as PEM");
        Path truncated = dir.resolve("truncated.pem");
        Files.writeString(truncated, "-----BEGIN PRIVATE KEY-----\nMIGHAgEAMBMGByqGSM49AgEGCCqGSM49AwEHBG0wawIBAQQg\n");
        assertRefused(truncated, "cannot be read as PEM");
        Path empty = dir.resolve("empty.pem");
        Files.writeString(empty, "");
        assertRefused(empty, "must hold exactly one PEM private key (-----BEGIN PRIVATE KEY----- or "
                + "-----BEGIN EC PRIVATE KEY-----), found 0");
        Path text = dir.resolve("text.pem");
        Files.writeString(text, "just some words\n");
        assertRefused(text, "found 0");
        Path two = dir.resolve("two.pem");
        Files.writeString(two, pkcs8(p256()) + pkcs8(p256()));
        assertRefused(two, "found 2");
    }

    @Test
    void anEncryptedKeyIsRefused() throws Exception {
        OutputEncryptor encryptor = new JceOpenSSLPKCS8EncryptorBuilder(JcaPKCS8Generator.AES_256_CBC)
                .setProvider(new org.bouncycastle.jce.provider.BouncyCastleProvider()).setPassword("secret".toCharArray()).build();
        Path file = dir.resolve("enc.pem");
        Files.writeString(file, pem(new JcaPKCS8Generator(p256().getPrivate(), encryptor).generate()));
        assertRefused(file, "holds an encrypted key; provide it unencrypted with restricted file permissions");
    }

    @Test
    void aMissingFileIsRefusedByName() {
        Path file = dir.resolve("absent.pem");
        assertRefused(file, "cannot be read: java.nio.file.NoSuchFileException");
    }

    @Test
    void aRefusalNeverQuotesTheFile() throws Exception {
        Path file = dir.resolve("secretish.pem");
        String secret = "-----BEGIN PRIVATE KEY-----\nc2VjcmV0LXZhbHVlLXRoYXQtbXVzdC1ub3QtbGVhaw==\n-----END PRIVATE KEY-----\n";
        Files.writeString(file, secret);
        assertThatThrownBy(() -> AssertionSigner.create(config(file, Duration.ofSeconds(60)), CLOCK))
                .isInstanceOf(IllegalArgumentException.class)
                .message().doesNotContain("c2VjcmV0").doesNotContain("secret-value");
    }

    private void assertSignsWith(Path file, KeyPair keys) throws Exception {
        AssertionSigner signer = AssertionSigner.create(config(file, Duration.ofSeconds(60)), CLOCK);
        String token = signer.sign(user(Set.of()), "orders", "r1", null);
        // Verified with the test's own public key, not only the one the signer derived and published.
        assertThat(SignedJWT.parse(token).verify(new ECDSAVerifier((ECPublicKey) keys.getPublic()))).isTrue();
        verified(signer, token);
    }

    private static void assertRefused(Path file, String problem) {
        assertThatThrownBy(() -> AssertionSigner.create(config(file, Duration.ofSeconds(60)), CLOCK))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageStartingWith("assertion key file '" + file + "' ")
                .hasMessageContaining(problem);
    }

    private static KeyPair p256() throws Exception {
        KeyPairGenerator gen = KeyPairGenerator.getInstance("EC");
        gen.initialize(new ECGenParameterSpec("secp256r1"));
        return gen.generateKeyPair();
    }

    private static String pkcs8(KeyPair keys) throws Exception {
        return pem(new JcaPKCS8Generator(keys.getPrivate(), null).generate());
    }

    /** RFC 5915 ECPrivateKey, with or without its curve and public key, as OpenSSL writes it. */
    private static String sec1(KeyPair keys, boolean withCurve, boolean withPublicKey) throws Exception {
        ECPublicKey pub = (ECPublicKey) keys.getPublic();
        SubjectPublicKeyInfo spki = SubjectPublicKeyInfo.getInstance(pub.getEncoded());
        org.bouncycastle.asn1.sec.ECPrivateKey sec1 = new org.bouncycastle.asn1.sec.ECPrivateKey(256,
                ((java.security.interfaces.ECPrivateKey) keys.getPrivate()).getS(),
                withPublicKey ? spki.getPublicKeyData() : null,
                withCurve ? new X962Parameters(SECObjectIdentifiers.secp256r1) : null);
        return pem(new PemObject("EC PRIVATE KEY", sec1.getEncoded()));
    }

    private static String pem(Object object) throws Exception {
        StringWriter out = new StringWriter();
        try (JcaPEMWriter w = new JcaPEMWriter(out)) {
            w.writeObject(object);
        }
        return out.toString();
    }

    private static java.math.BigInteger unsigned(String base64url) {
        return new java.math.BigInteger(1, Base64.getUrlDecoder().decode(base64url));
    }

    private static String claim(String token, String name) {
        try {
            return JSON.readTree(Base64.getUrlDecoder().decode(token.split("\\.")[1])).get(name).asText();
        } catch (java.io.IOException e) {
            throw new AssertionError(e);
        }
    }

    private static List<String> fieldNames(JsonNode node) {
        List<String> names = new java.util.ArrayList<>();
        for (Iterator<String> it = node.fieldNames(); it.hasNext(); ) {
            names.add(it.next());
        }
        return names;
    }
}
