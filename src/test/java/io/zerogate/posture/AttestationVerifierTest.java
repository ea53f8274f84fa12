package io.zerogate.posture;

import static io.zerogate.posture.Attestations.NOW;
import static io.zerogate.posture.Attestations.now;
import static org.assertj.core.api.Assertions.assertThat;

import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.crypto.MACSigner;
import com.nimbusds.jose.crypto.RSASSASigner;
import com.nimbusds.jose.jwk.JWK;
import com.nimbusds.jose.jwk.OctetKeyPair;
import com.nimbusds.jose.jwk.RSAKey;
import com.nimbusds.jose.jwk.gen.RSAKeyGenerator;
import com.nimbusds.jose.util.Base64URL;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.PlainJWT;
import com.nimbusds.jwt.SignedJWT;
import io.zerogate.chain.ReasonCode;
import io.zerogate.config.PostureConfig;
import io.zerogate.identity.jwt.KeyLookup;
import io.zerogate.testing.MutableClock;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.Signature;
import java.time.Duration;
import java.util.Arrays;
import java.util.Date;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

class AttestationVerifierTest {

    private final Attestations issuer = new Attestations();
    private final MutableClock clock = new MutableClock(NOW);
    private final AtomicInteger lookups = new AtomicInteger();
    private final AttestationVerifier verifier = new AttestationVerifier(Attestations.config(Duration.ofMinutes(10)),
            issuer.keys(lookups), clock);

    private PostureAnswer verify(String attestation) throws Exception {
        return now(verifier.verify(attestation));
    }

    private static void assertRefused(PostureAnswer answer, ReasonCode reason, String detail) {
        assertThat(answer).isInstanceOf(PostureAnswer.Refused.class);
        PostureAnswer.Refused refused = (PostureAnswer.Refused) answer;
        assertThat(refused.reason()).isEqualTo(reason);
        assertThat(refused.detail()).contains(detail);
    }

    @Test
    void aValidAttestationGivesTheDeviceAndItsFacts() throws Exception {
        PostureAnswer answer = verify(issuer.sign(Attestations.claims("alice", NOW)));

        assertThat(answer).isEqualTo(new PostureAnswer.Known(new Device("laptop-1", "alice", true, true, true, "macOS",
                "15.1", "2026-11-01", true, NOW.minusSeconds(60), Device.Source.ATTESTATION)));
    }

    @Test
    void absentFactsAreFalseOrEmptyAndTheCheckTimeIsTheIssueTime() throws Exception {
        JWTClaimsSet.Builder claims = new JWTClaimsSet.Builder().issuer(Attestations.ISSUER)
                .issueTime(Date.from(NOW.minusSeconds(5))).expirationTime(Date.from(NOW.plusSeconds(60)))
                .claim("device_id", "kiosk-9");

        assertThat(verify(issuer.sign(claims))).isEqualTo(new PostureAnswer.Known(new Device("kiosk-9", null, false,
                false, false, "", "", "", false, NOW.minusSeconds(5), Device.Source.ATTESTATION)));
    }

    @Test
    void anAttestationSignedByAnotherKeyIsInvalid() throws Exception {
        // Same kid, other key: the signature does not verify with the issuer's key.
        String forged = Attestations.sign(Attestations.newKey("mdm-1"), Attestations.claims("alice", NOW));

        assertRefused(verify(forged), ReasonCode.DEVICE_ATTESTATION_INVALID, "signature does not verify");
    }

    @Test
    void aKidTheIssuerDoesNotPublishIsInvalid() throws Exception {
        AttestationVerifier v = new AttestationVerifier(Attestations.config(Duration.ofMinutes(10)),
                Attestations.answering(new KeyLookup.Unknown("no such kid")), clock);

        assertRefused(now(v.verify(issuer.sign(Attestations.claims("alice", NOW)))),
                ReasonCode.DEVICE_ATTESTATION_INVALID, "no key of the posture issuer has the attestation's kid");
    }

    @Test
    void anAttestationOlderThanMaxAgeHasExpired() throws Exception {
        clock.set(NOW.plus(Duration.ofMinutes(4)));
        String old = issuer.sign(Attestations.claims("alice", NOW.minus(Duration.ofMinutes(7)))
                .expirationTime(Date.from(NOW.plus(Duration.ofHours(1)))));

        assertRefused(verify(old), ReasonCode.DEVICE_ATTESTATION_EXPIRED, "issued 660s ago (expected at most 600s)");
    }

    @Test
    void anAttestationPastItsExpiryHasExpired() throws Exception {
        String expired = issuer.sign(c -> c.issueTime(Date.from(NOW.minusSeconds(120)))
                .expirationTime(Date.from(NOW.minusSeconds(1))));

        assertRefused(verify(expired), ReasonCode.DEVICE_ATTESTATION_EXPIRED, "attestation expired at");
    }

    @Test
    void anAttestationIssuedInTheFutureIsInvalid() throws Exception {
        String future = issuer.sign(c -> c.issueTime(Date.from(NOW.plusSeconds(31))));

        assertRefused(verify(future), ReasonCode.DEVICE_ATTESTATION_INVALID, "issued in the future");
        assertThat(verify(issuer.sign(c -> c.issueTime(Date.from(NOW.plusSeconds(29))))))
                .as("within the clock skew").isInstanceOf(PostureAnswer.Known.class);
    }

    @Test
    void registeredClaimsMustBeThere() throws Exception {
        assertRefused(verify(issuer.sign(c -> c.issuer("https://other.test"))), ReasonCode.DEVICE_ATTESTATION_INVALID,
                "iss is not the posture issuer");
        assertRefused(verify(issuer.sign(c -> c.issuer(null))), ReasonCode.DEVICE_ATTESTATION_INVALID, "no iss");
        assertRefused(verify(issuer.sign(c -> c.expirationTime(null))), ReasonCode.DEVICE_ATTESTATION_INVALID, "no exp");
        assertRefused(verify(issuer.sign(c -> c.issueTime(null))), ReasonCode.DEVICE_ATTESTATION_INVALID, "no iat");
        assertRefused(verify(issuer.sign(c -> c.claim("device_id", null))), ReasonCode.DEVICE_ATTESTATION_INVALID,
                "device_id is missing");
        assertRefused(verify(issuer.sign(c -> c.claim("device_id", ""))), ReasonCode.DEVICE_ATTESTATION_INVALID,
                "device_id");
    }

    @Test
    void theAudienceIsCheckedWhenConfigured() throws Exception {
        PostureConfig.Attestation withAudience = new PostureConfig.Attestation("Device-Attestation", Attestations.ISSUER,
                URI.create("http://127.0.0.1:9/keys"), "zerogate", List.of("ES256"), Duration.ofMinutes(10), 1);
        AttestationVerifier v = new AttestationVerifier(withAudience, issuer.keys(lookups), clock);

        assertRefused(now(v.verify(issuer.sign(c -> {}))), ReasonCode.DEVICE_ATTESTATION_INVALID, "aud does not name zerogate");
        assertRefused(now(v.verify(issuer.sign(c -> c.audience("other")))), ReasonCode.DEVICE_ATTESTATION_INVALID, "aud");
        assertThat(now(v.verify(issuer.sign(c -> c.audience(List.of("other", "zerogate"))))))
                .isInstanceOf(PostureAnswer.Known.class);
    }

    @Test
    void factsOfTheWrongTypeAreInvalid() throws Exception {
        assertRefused(verify(issuer.sign(c -> c.claim("compliant", "yes"))), ReasonCode.DEVICE_ATTESTATION_INVALID,
                "compliant is not a boolean");
        assertRefused(verify(issuer.sign(c -> c.claim("managed", 1))), ReasonCode.DEVICE_ATTESTATION_INVALID,
                "managed is not a boolean");
        assertRefused(verify(issuer.sign(c -> c.claim("os", 14))), ReasonCode.DEVICE_ATTESTATION_INVALID,
                "os is not a string");
        assertRefused(verify(issuer.sign(c -> c.claim("patch_level", List.of("2026")))),
                ReasonCode.DEVICE_ATTESTATION_INVALID, "patch_level is not a string");
        assertRefused(verify(issuer.sign(c -> c.claim("checked_at", "yesterday"))),
                ReasonCode.DEVICE_ATTESTATION_INVALID, "checked_at is not a date");
        assertRefused(verify(issuer.sign(c -> c.claim("checked_at", NOW.plusSeconds(3600).getEpochSecond()))),
                ReasonCode.DEVICE_ATTESTATION_INVALID, "checked_at lies in the future");
        assertRefused(verify(issuer.sign(c -> c.claim("device_id", 42))), ReasonCode.DEVICE_ATTESTATION_INVALID,
                "device_id");
        assertRefused(verify(issuer.sign(c -> c.claim("sub", 7))), ReasonCode.DEVICE_ATTESTATION_INVALID,
                "sub is not a string");
        assertRefused(verify(issuer.sign(c -> c.claim("exp", "tomorrow"))), ReasonCode.DEVICE_ATTESTATION_INVALID,
                "claims are not a JSON object with well-typed registered claims");
    }

    @Test
    void unsignedAndHmacAttestationsAreInvalid() throws Exception {
        String none = new PlainJWT(Attestations.claims("alice", NOW).build()).serialize();
        assertRefused(verify(none), ReasonCode.DEVICE_ATTESTATION_INVALID, "not a signed JWT");

        SignedJWT hmac = new SignedJWT(new JWSHeader.Builder(JWSAlgorithm.HS256).keyID("mdm-1").build(),
                Attestations.claims("alice", NOW).build());
        hmac.sign(new MACSigner("a-shared-secret-of-at-least-32-bytes!".getBytes(StandardCharsets.UTF_8)));
        assertRefused(verify(hmac.serialize()), ReasonCode.DEVICE_ATTESTATION_INVALID,
                "alg is not among posture.attestation.algorithms");
        assertThat(lookups).as("no key is looked up for an algorithm that is not accepted").hasValue(0);
    }

    @Test
    void malformedAttestationsAreInvalid() throws Exception {
        assertRefused(verify(""), ReasonCode.DEVICE_ATTESTATION_INVALID, "empty");
        assertRefused(verify("not-a-jwt"), ReasonCode.DEVICE_ATTESTATION_INVALID, "not a signed JWT");
        assertRefused(verify("a".repeat(AttestationVerifier.MAX_LENGTH + 1)), ReasonCode.DEVICE_ATTESTATION_INVALID,
                "longer than");
        String good = issuer.sign(Attestations.claims("alice", NOW));
        String tampered = good.substring(0, good.lastIndexOf('.')) + "." + Base64URL.encode(new byte[64]);
        assertRefused(verify(tampered), ReasonCode.DEVICE_ATTESTATION_INVALID, "signature does not verify");
    }

    @Test
    void anAlgorithmWithoutAFittingKeyIsInvalid() throws Exception {
        RSAKey rsa = new RSAKeyGenerator(2048).keyID("rsa-1").generate();
        SignedJWT jwt = new SignedJWT(new JWSHeader.Builder(JWSAlgorithm.RS256).keyID("rsa-1").build(),
                Attestations.claims("alice", NOW).build());
        jwt.sign(new RSASSASigner(rsa));

        assertRefused(verify(jwt.serialize()), ReasonCode.DEVICE_ATTESTATION_INVALID, "no key of the posture issuer fits alg RS256");

        AttestationVerifier withRsa = new AttestationVerifier(Attestations.config(Duration.ofMinutes(10)),
                Attestations.answering(new KeyLookup.Found(List.<JWK>of(rsa.toPublicJWK()))), clock);
        assertThat(now(withRsa.verify(jwt.serialize()))).isInstanceOf(PostureAnswer.Known.class);
    }

    @Test
    void ed25519AttestationsVerifyWithTheJdk() throws Exception {
        KeyPair pair = KeyPairGenerator.getInstance("Ed25519").generateKeyPair();
        byte[] spki = pair.getPublic().getEncoded();
        OctetKeyPair jwk = new OctetKeyPair.Builder(com.nimbusds.jose.jwk.Curve.Ed25519,
                Base64URL.encode(Arrays.copyOfRange(spki, spki.length - 32, spki.length))).keyID("ed-1").build();
        String header = Base64URL.encode("{\"alg\":\"EdDSA\",\"kid\":\"ed-1\"}").toString();
        String payload = Base64URL.encode(Attestations.claims("alice", NOW).build().toString()).toString();
        Signature signer = Signature.getInstance("Ed25519");
        signer.initSign(pair.getPrivate());
        signer.update((header + "." + payload).getBytes(StandardCharsets.US_ASCII));
        String token = header + "." + payload + "." + Base64URL.encode(signer.sign());
        PostureConfig.Attestation eddsa = new PostureConfig.Attestation("Device-Attestation", Attestations.ISSUER,
                URI.create("http://127.0.0.1:9/keys"), null, List.of("EdDSA"), Duration.ofMinutes(10), 1);

        AttestationVerifier v = new AttestationVerifier(eddsa,
                Attestations.answering(new KeyLookup.Found(List.<JWK>of(jwk))), clock);
        assertThat(now(v.verify(token))).isInstanceOf(PostureAnswer.Known.class);

        AttestationVerifier other = new AttestationVerifier(eddsa, Attestations.answering(new KeyLookup.Found(List.<JWK>of(
                new OctetKeyPair.Builder(com.nimbusds.jose.jwk.Curve.Ed25519, Base64URL.encode(new byte[32])).build()))), clock);
        assertRefused(now(other.verify(token)), ReasonCode.DEVICE_ATTESTATION_INVALID, "signature does not verify");
    }

    @Test
    void unreachableKeysFailClosed() throws Exception {
        String attestation = issuer.sign(Attestations.claims("alice", NOW));
        AttestationVerifier unavailable = new AttestationVerifier(Attestations.config(Duration.ofMinutes(10)),
                Attestations.answering(new KeyLookup.Unavailable("issuer down")), clock);
        assertRefused(now(unavailable.verify(attestation)), ReasonCode.POSTURE_UNAVAILABLE, "issuer down");

        AttestationVerifier failing = new AttestationVerifier(Attestations.config(Duration.ofMinutes(10)),
                Attestations.failing(new IllegalStateException("boom")), clock);
        assertRefused(now(failing.verify(attestation)), ReasonCode.POSTURE_UNAVAILABLE, "the key source failed");

        AttestationVerifier throwing = new AttestationVerifier(Attestations.config(Duration.ofMinutes(10)),
                kid -> { throw new IllegalStateException("boom"); }, clock);
        assertRefused(now(throwing.verify(attestation)), ReasonCode.DEVICE_ATTESTATION_INVALID, "verification failed");

        AttestationVerifier silent = new AttestationVerifier(Attestations.config(Duration.ofMinutes(10)), kid -> null, clock);
        assertRefused(now(silent.verify(attestation)), ReasonCode.POSTURE_UNAVAILABLE, "no answer");
    }

    @Test
    void anAnswerWaitsForKeysThatArriveLater() throws Exception {
        CompletableFuture<KeyLookup> keys = new CompletableFuture<>();
        AttestationVerifier v = new AttestationVerifier(Attestations.config(Duration.ofMinutes(10)),
                Attestations.later(keys), clock);

        CompletionStage<PostureAnswer> answer = v.verify(issuer.sign(Attestations.claims("alice", NOW)));
        assertThat(answer.toCompletableFuture()).isNotDone();

        keys.complete(new KeyLookup.Found(List.<JWK>of(issuer.key.toPublicJWK())));
        assertThat(now(answer)).isInstanceOf(PostureAnswer.Known.class);
    }

    @Test
    void aVerifiedAttestationIsRememberedUntilItWouldBeRefused() throws Exception {
        String attestation = issuer.sign(Attestations.claims("alice", NOW));

        assertThat(verify(attestation)).isInstanceOf(PostureAnswer.Known.class);
        assertThat(verify(attestation)).isInstanceOf(PostureAnswer.Known.class);
        assertThat(lookups).as("the second one costs no key lookup").hasValue(1);
        assertThat(verifier.cached()).isEqualTo(1);

        // exp is five minutes after iat, sooner than max_age: the cached answer ends there.
        clock.advance(Duration.ofMinutes(5));
        assertRefused(verify(attestation), ReasonCode.DEVICE_ATTESTATION_EXPIRED, "expired");
        assertThat(lookups).hasValue(2);
    }

    @Test
    void refusedAttestationsAreNotRemembered() throws Exception {
        String wrongKey = Attestations.sign(Attestations.newKey("mdm-1"), Attestations.claims("alice", NOW));
        verify(wrongKey);
        verify(wrongKey);

        assertThat(lookups).hasValue(2);
        assertThat(verifier.cached()).isZero();
    }

    @Test
    void onlyAsymmetricAlgorithmsCanBeConfigured() {
        PostureConfig.Attestation hmac = new PostureConfig.Attestation("Device-Attestation", Attestations.ISSUER,
                URI.create("http://127.0.0.1:9/keys"), null, List.of("HS256"), Duration.ofMinutes(10), 1);
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> new AttestationVerifier(hmac, kid -> null, clock))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("HS256");
    }

}
