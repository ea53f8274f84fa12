package io.zerogate.identity.jwt;

import static io.zerogate.identity.jwt.JwtFixtures.AUDIENCE;
import static io.zerogate.identity.jwt.JwtFixtures.EC;
import static io.zerogate.identity.jwt.JwtFixtures.EC384;
import static io.zerogate.identity.jwt.JwtFixtures.EC521;
import static io.zerogate.identity.jwt.JwtFixtures.ED;
import static io.zerogate.identity.jwt.JwtFixtures.HMAC_SECRET;
import static io.zerogate.identity.jwt.JwtFixtures.NOW;
import static io.zerogate.identity.jwt.JwtFixtures.RSA;
import static io.zerogate.identity.jwt.JwtFixtures.accepted;
import static io.zerogate.identity.jwt.JwtFixtures.claims;
import static io.zerogate.identity.jwt.JwtFixtures.header;
import static io.zerogate.identity.jwt.JwtFixtures.issuer;
import static io.zerogate.identity.jwt.JwtFixtures.refused;
import static io.zerogate.identity.jwt.JwtFixtures.token;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.nimbusds.jose.jwk.JWK;
import com.nimbusds.jose.jwk.KeyOperation;
import com.nimbusds.jose.jwk.KeyUse;
import com.nimbusds.jose.jwk.RSAKey;
import com.nimbusds.jose.jwk.gen.RSAKeyGenerator;
import io.zerogate.chain.ReasonCode;
import io.zerogate.identity.Authentication;
import io.zerogate.identity.SignatureProviders;
import io.zerogate.identity.Subject;
import io.zerogate.identity.TokenBinding;
import io.zerogate.identity.Verification;
import io.zerogate.identity.jwt.JwtFixtures.StaticKeys;
import io.zerogate.identity.jwt.JwtFixtures.TestClock;
import io.zerogate.identity.jwt.JwtFixtures.TestKey;
import java.nio.charset.StandardCharsets;
import java.security.Provider;
import java.time.Duration;
import java.util.Date;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.stream.Stream;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

class JwtVerifierTest {

    static final String CERT_THUMBPRINT = JwtFixtures.b64(sha256("a certificate"));
    static final String KEY_THUMBPRINT = JwtFixtures.b64(sha256("a DPoP key"));

    private final TestClock clock = new TestClock(NOW);
    private final StaticKeys keys = new StaticKeys(RSA, EC, EC384, EC521, ED);

    static byte[] sha256(String text) {
        try {
            return java.security.MessageDigest.getInstance("SHA-256").digest(text.getBytes(StandardCharsets.UTF_8));
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    private JwtVerifier verifier(JwtFixtures.Issuer issuer) {
        return new JwtVerifier(issuer.config(), keys, clock);
    }

    static Stream<Arguments> signedTokens() {
        Provider nativeProvider = SignatureProviders.preferred();
        return Stream.of("RS256", "PS256", "ES256", "ES384", "ES512", "EdDSA").flatMap(alg -> {
            TestKey key = switch (alg) {
                case "ES256" -> EC;
                case "ES384" -> EC384;
                case "ES512" -> EC521;
                case "EdDSA" -> ED;
                default -> RSA;
            };
            return Stream.of(Arguments.of(alg, key, null), Arguments.of(alg, key, nativeProvider));
        });
    }

    @ParameterizedTest(name = "{0} with provider {2}")
    @MethodSource("signedTokens")
    void acceptsTokensSignedWithEachAsymmetricAlgorithm(String alg, TestKey key, @Nullable Provider provider) {
        JwtVerifier verifier = new JwtVerifier(issuer().config(), keys, clock, provider, null);
        String token = token(alg, key);
        Verification.Accepted accepted = accepted(verifier.verify(token));
        assertThat(accepted.subject().id()).isEqualTo("alice");
        assertThat(accepted.expiresAt()).isEqualTo(NOW.plusSeconds(600));
        assertThat(keys.kidsAsked).containsExactly(key.kid());

        byte[] tampered = token.getBytes(StandardCharsets.US_ASCII);
        int flip = token.lastIndexOf('.') + 10;
        tampered[flip] = (byte) (tampered[flip] == 'A' ? 'B' : 'A');
        refused(verifier.verify(new String(tampered, StandardCharsets.US_ASCII)), token, ReasonCode.TOKEN_INVALID);
    }

    @Test
    void acceptsHs256WithTheConfiguredSecretOnly() {
        JwtVerifier verifier = verifier(issuer().algorithms("RS256", "HS256").hmac(HMAC_SECRET));
        String good = JwtFixtures.hmacToken("HS256", HMAC_SECRET.getBytes(StandardCharsets.UTF_8),
                header("HS256", null), claims());
        assertThat(accepted(verifier.verify(good)).subject().id()).isEqualTo("alice");
        assertThat(keys.calls).hasValue(0);

        String other = JwtFixtures.hmacToken("HS256", "another secret that is also thirty-two bytes long"
                .getBytes(StandardCharsets.UTF_8), header("HS256", "rsa-1"), claims());
        Verification.Refused refusal = refused(verifier.verify(other), other, ReasonCode.TOKEN_INVALID);
        assertThat(refusal.detail()).isEqualTo("signature does not verify with the issuer's secret");
        assertThat(refusal.detail()).doesNotContain(HMAC_SECRET);
        assertThat(keys.calls).hasValue(0);
    }

    @Test
    void hmacAlgorithmsNeedASecretLongEnough() {
        assertThatThrownBy(() -> verifier(issuer().algorithms("HS256")))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("issuer corp: algorithms: HS256 (expected: an hmac_secret of at least 32 bytes for it)");
        assertThatThrownBy(() -> verifier(issuer().algorithms("HS512").hmac(HMAC_SECRET)))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("issuer corp: algorithms: HS512 (expected: an hmac_secret of at least 64 bytes for it)");
        assertThatThrownBy(() -> verifier(issuer().algorithms("HS256").hmac("short secret")))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("issuer corp: hmac_secret: 12 bytes (expected at least 32)");
        accepted(verifier(issuer().hmac("unused short secret")).verify(token("ES256", EC)));
    }

    @Test
    void noneAndUnknownAlgorithmsCannotBeConfigured() {
        for (String alg : List.of("none", "NONE", "ES256K", "RSA-OAEP", "")) {
            assertThatThrownBy(() -> verifier(issuer().algorithms("RS256", alg)))
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessageStartingWith("issuer corp: algorithms: " + alg + " (expected one of RS256");
        }
        assertThatThrownBy(() -> verifier(issuer().algorithms()))
                .hasMessage("issuer corp: algorithms: [] (expected at least one)");
    }

    @Test
    void refusesAnAlgorithmTheIssuerDoesNotAccept() {
        JwtVerifier verifier = verifier(issuer().algorithms("ES256"));
        String token = token("RS256", RSA);
        Verification.Refused refusal = refused(verifier.verify(token), token, ReasonCode.TOKEN_INVALID);
        assertThat(refusal.detail()).isEqualTo("alg RS256 is not accepted for this issuer");
        assertThat(keys.calls).hasValue(0);
    }

    @Test
    void buildsTheSubjectFromTheClaims() {
        JwtVerifier verifier = verifier(issuer());
        Map<String, Object> claims = claims(
                "scope", "orders:read  orders:write",
                "realm_access", Map.of("roles", List.of("admin", "auditor")),
                "amr", List.of("pwd", "otp"),
                "acr", "gold",
                "auth_time", NOW.minusSeconds(120).getEpochSecond(),
                "cnf", Map.of("x5t#S256", CERT_THUMBPRINT),
                "order_ids", List.of(1, 2, 3),
                "flag", true,
                "nothing", null);
        claims.put("empty", null);
        String token = token(header("ES256", EC.kid()), claims, EC);
        Subject subject = accepted(verifier.verify(token)).subject();
        assertThat(subject.id()).isEqualTo("alice");
        assertThat(subject.kind()).isEqualTo(Subject.Kind.USER);
        assertThat(subject.issuer()).isEqualTo("corp");
        assertThat(subject.scopes()).containsExactlyInAnyOrder("orders:read", "orders:write");
        assertThat(subject.roles()).containsExactlyInAnyOrder("admin", "auditor");
        assertThat(subject.authentication())
                .isEqualTo(new Authentication(List.of("pwd", "otp"), "gold", NOW.minusSeconds(120)));
        assertThat(subject.authentication().multiFactor()).isTrue();
        assertThat(subject.binding())
                .isEqualTo(TokenBinding.certificate(CERT_THUMBPRINT));
        assertThat(subject.claims())
                .containsEntry("iss", JwtFixtures.ISSUER)
                .containsEntry("aud", AUDIENCE)
                .containsEntry("exp", (int) NOW.plusSeconds(600).getEpochSecond())
                .containsEntry("order_ids", List.of(1, 2, 3))
                .containsEntry("flag", true)
                .containsEntry("realm_access", Map.of("roles", List.of("admin", "auditor")))
                .doesNotContainKey("empty");
    }

    @Test
    void scopesMayBeAListAndRolesANamespacedClaim() {
        JwtVerifier verifier = verifier(issuer().scopeClaim("scp").rolesClaim("https://example.com/roles"));
        String token = token(header("ES256", EC.kid()), claims("scp", List.of("a", "b"),
                "https://example.com/roles", List.of("r1"), "cnf", Map.of("jkt",
                        KEY_THUMBPRINT)), EC);
        Subject subject = accepted(verifier.verify(token)).subject();
        assertThat(subject.scopes()).containsExactlyInAnyOrder("a", "b");
        assertThat(subject.roles()).containsExactly("r1");
        assertThat(subject.binding()).isEqualTo(TokenBinding.dpop(KEY_THUMBPRINT));
        assertThat(subject.authentication()).isEqualTo(Authentication.NONE);
    }

    @Test
    void checksTheTypWhenConfigured() {
        JwtVerifier verifier = verifier(issuer().tokenType("at+jwt"));
        for (String typ : List.of("at+jwt", "AT+JWT", "application/at+jwt", "Application/At+JWT")) {
            Map<String, Object> header = header("ES256", EC.kid());
            header.put("typ", typ);
            accepted(verifier.verify(token(header, claims(), EC)));
        }
        Map<String, Object> jwt = header("ES256", EC.kid());
        jwt.put("typ", "JWT");
        String idToken = token(jwt, claims(), EC);
        assertThat(refused(verifier.verify(idToken), idToken, ReasonCode.TOKEN_INVALID).detail())
                .isEqualTo("header typ JWT is not at+jwt");
        String untyped = token("ES256", EC);
        assertThat(refused(verifier.verify(untyped), untyped, ReasonCode.TOKEN_INVALID).detail())
                .isEqualTo("header has no typ (expected at+jwt)");
        Map<String, Object> numeric = header("ES256", EC.kid());
        numeric.put("typ", 1);
        String odd = token(numeric, claims(), EC);
        refused(verifier.verify(odd), odd, ReasonCode.TOKEN_MALFORMED);
    }

    @Test
    void withoutConfiguredTypAnyTypIsAccepted() {
        Map<String, Object> header = header("ES256", EC.kid());
        header.put("typ", "JWT");
        accepted(verifier(issuer()).verify(token(header, claims(), EC)));
    }

    @Test
    void waitsForAKeySourceThatAnswersLater() throws Exception {
        CompletableFuture<KeyLookup> later = new CompletableFuture<>();
        JwtVerifier verifier = new JwtVerifier(issuer().config(), kid -> later, clock);
        CompletionStage<Verification> stage = verifier.verify(token("ES256", EC));
        assertThat(stage.toCompletableFuture()).isNotDone();

        CountDownLatch answered = new CountDownLatch(1);
        AtomicReference<Verification> result = new AtomicReference<>();
        stage.thenAccept(v -> {
            result.set(v);
            answered.countDown();
        });
        Thread fetcher = new Thread(() -> later.complete(new KeyLookup.Found(List.of(EC.publicJwk()))), "fetcher");
        fetcher.start();
        assertThat(answered.await(5, TimeUnit.SECONDS)).isTrue();
        fetcher.join(5_000);
        assertThat(result.get()).isInstanceOf(Verification.Accepted.class);
    }

    @Test
    void anUnreachableIssuerNeverAllows() {
        String token = token("ES256", EC);
        Map<String, KeySource> failing = Map.of(
                "unavailable", kid -> CompletableFuture.completedFuture(new KeyLookup.Unavailable("last fetch failed")),
                "failed", kid -> CompletableFuture.failedFuture(new java.io.IOException("connection refused")),
                "throws", kid -> {
                    throw new IllegalStateException("boom");
                },
                "null", kid -> null);
        failing.forEach((name, source) -> {
            JwtVerifier verifier = new JwtVerifier(issuer().config(), source, clock);
            Verification.Refused refusal = refused(verifier.verify(token), token,
                    ReasonCode.IDENTITY_PROVIDER_UNAVAILABLE);
            assertThat(refusal.detail()).as(name).startsWith("issuer keys unavailable: ");
        });
    }

    @Test
    void aKeySourceThatFailsLaterNeverAllows() throws Exception {
        CompletableFuture<KeyLookup> later = new CompletableFuture<>();
        JwtVerifier verifier = new JwtVerifier(issuer().config(), kid -> later, clock);
        CompletableFuture<Verification> result = verifier.verify(token("ES256", EC)).toCompletableFuture();
        Thread fetcher = new Thread(() -> later.completeExceptionally(new java.net.ConnectException("refused")));
        fetcher.start();
        Verification verification = result.get(5, TimeUnit.SECONDS);
        fetcher.join(5_000);
        assertThat(((Verification.Refused) verification).reason())
                .isEqualTo(ReasonCode.IDENTITY_PROVIDER_UNAVAILABLE);
        assertThat(((Verification.Refused) verification).detail())
                .isEqualTo("issuer keys unavailable: key source failed: ConnectException");
    }

    @Test
    void anUnknownKidIsInvalid() {
        String token = token(header("ES256", "rotated-away"), claims(), EC);
        Verification.Refused refusal = refused(verifier(issuer()).verify(token), token, ReasonCode.TOKEN_INVALID);
        assertThat(refusal.detail()).isEqualTo("no key in the issuer's key set for this kid: kid not in the key set");
    }

    @Test
    void withoutKidEveryFittingKeyIsTried() {
        TestKey second = TestKey.ec("ec-2", com.nimbusds.jose.jwk.Curve.P_256);
        JwtVerifier verifier = new JwtVerifier(issuer().config(), new StaticKeys(EC, RSA, second), clock);
        accepted(verifier.verify(token(header("ES256", null), claims(), second)));
        String forged = token(header("ES256", null), claims(), JwtFixtures.ATTACKER_EC);
        assertThat(refused(verifier.verify(forged), forged, ReasonCode.TOKEN_INVALID).detail())
                .isEqualTo("signature does not verify with the issuer's 2 fitting keys");
    }

    @Test
    void onlyKeysMeantForThisAlgorithmAndForVerifyingAreUsed() throws Exception {
        RSAKey rsa = (RSAKey) RSA.publicJwk();
        List<JWK> unfit = List.of(
                new RSAKey.Builder(rsa).keyUse(KeyUse.ENCRYPTION).build(),
                new RSAKey.Builder(rsa).keyOperations(Set.of(KeyOperation.ENCRYPT)).build(),
                new RSAKey.Builder(rsa).algorithm(com.nimbusds.jose.JWSAlgorithm.PS256).build(),
                new RSAKey.Builder(rsa).expirationTime(Date.from(NOW.minusSeconds(1))).build(),
                new RSAKey.Builder(rsa).notBeforeTime(Date.from(NOW.plusSeconds(60))).build(),
                new RSAKey.Builder(rsa).keyRevocation(new com.nimbusds.jose.jwk.KeyRevocation(
                        Date.from(NOW.minusSeconds(60)), com.nimbusds.jose.jwk.KeyRevocation.Reason.SUPERSEDED))
                        .build(),
                EC384.publicJwk());
        String token = token(header("RS256", null), claims(), RSA);
        for (JWK key : unfit) {
            JwtVerifier verifier = new JwtVerifier(issuer().config(), new StaticKeys(key), clock);
            assertThat(refused(verifier.verify(token), token, ReasonCode.TOKEN_INVALID).detail()).as(key.toString())
                    .isEqualTo("no key in the issuer's key set fits alg RS256 (token has no kid)");
        }
        List<JWK> fit = List.of(
                new RSAKey.Builder(rsa).keyUse(KeyUse.SIGNATURE).algorithm(com.nimbusds.jose.JWSAlgorithm.RS256)
                        .build(),
                new RSAKey.Builder(rsa).keyOperations(Set.of(KeyOperation.VERIFY)).build(),
                new RSAKey.Builder(rsa).expirationTime(Date.from(NOW.plusSeconds(60))).build());
        for (JWK key : fit) {
            accepted(new JwtVerifier(issuer().config(), new StaticKeys(key), clock).verify(token));
        }
    }

    @Test
    void ecdsaKeysMustBeOnTheAlgorithmsCurve() {
        String token = token(header("ES256", null), claims(), EC);
        JwtVerifier verifier = new JwtVerifier(issuer().config(), new StaticKeys(EC384, EC521), clock);
        assertThat(refused(verifier.verify(token), token, ReasonCode.TOKEN_INVALID).detail())
                .isEqualTo("no key in the issuer's key set fits alg ES256 (token has no kid)");
    }

    @Test
    void rsaKeysShorterThan2048BitsAreNotUsed() throws Exception {
        RSAKey weak = new RSAKeyGenerator(1024, true).keyID("weak").generate();
        TestKey weakKey = new TestKey("weak", weak.toPublicJWK(), (alg, input) -> {
            java.security.Signature signer = java.security.Signature.getInstance("SHA256withRSA");
            signer.initSign(weak.toPrivateKey());
            signer.update(input);
            return signer.sign();
        });
        String token = token("RS256", weakKey);
        JwtVerifier verifier = new JwtVerifier(issuer().config(), new StaticKeys(weakKey), clock);
        assertThat(refused(verifier.verify(token), token, ReasonCode.TOKEN_INVALID).detail())
                .isEqualTo("no key in the issuer's key set fits alg RS256 and this kid");
    }

    @Test
    void aNestedOrEncryptedTokenIsRefused() {
        Map<String, Object> nested = header("ES256", EC.kid());
        nested.put("cty", "JWT");
        String token = token(nested, claims(), EC);
        assertThat(refused(verifier(issuer()).verify(token), token, ReasonCode.TOKEN_MALFORMED).detail())
                .isEqualTo("header has cty JWT: nested tokens are not accepted");
        Map<String, Object> jwe = header("ES256", EC.kid());
        jwe.put("enc", "A256GCM");
        String encrypted = token(jwe, claims(), EC);
        refused(verifier(issuer()).verify(encrypted), encrypted, ReasonCode.TOKEN_MALFORMED);
        String fiveParts = "eyJhbGciOiJSU0EtT0FFUCIsImVuYyI6IkEyNTZHQ00ifQ.a2V5.aXY.Y2lwaGVy.dGFn";
        assertThat(refused(verifier(issuer()).verify(fiveParts), fiveParts, ReasonCode.TOKEN_MALFORMED).detail())
                .isEqualTo("token is encrypted (JWE); only signed tokens are accepted");
    }

    @Test
    void aKidThatIsNotAStringIsMalformed() {
        Map<String, Object> header = header("ES256", null);
        header.put("kid", 7);
        String token = token(header, claims(), EC);
        refused(verifier(issuer()).verify(token), token, ReasonCode.TOKEN_MALFORMED);
        assertThat(keys.calls).hasValue(0);
    }

    @Test
    void aShortLifetimeLimitIsNotNeededWhenNoneIsConfigured() {
        JwtVerifier verifier = verifier(issuer().maxTokenLifetime(Duration.ZERO));
        String token = token(header("ES256", EC.kid()), claims("iat", null,
                "exp", NOW.plus(Duration.ofDays(30)).getEpochSecond()), EC);
        assertThat(accepted(verifier.verify(token)).expiresAt()).isEqualTo(NOW.plus(Duration.ofDays(30)));
    }
}
