package io.zerogate.identity.jwt;

import static io.zerogate.identity.jwt.JwtFixtures.EC;
import static io.zerogate.identity.jwt.JwtFixtures.NOW;
import static io.zerogate.identity.jwt.JwtFixtures.accepted;
import static io.zerogate.identity.jwt.JwtFixtures.claims;
import static io.zerogate.identity.jwt.JwtFixtures.header;
import static io.zerogate.identity.jwt.JwtFixtures.issuer;
import static io.zerogate.identity.jwt.JwtFixtures.refused;
import static io.zerogate.identity.jwt.JwtFixtures.token;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.zerogate.chain.ReasonCode;
import io.zerogate.identity.Verification;
import io.zerogate.identity.jwt.JwtFixtures.StaticKeys;
import io.zerogate.identity.jwt.JwtFixtures.TestClock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

class JwtAuthenticatorTest {

    private static final String PARTNER = "https://login.partner.example";

    private final TestClock clock = new TestClock(NOW);
    private final StaticKeys corpKeys = new StaticKeys(EC);
    private final StaticKeys partnerKeys = new StaticKeys(JwtFixtures.RSA);

    private final JwtVerifier corp = new JwtVerifier(issuer().config(), corpKeys, clock);
    private final JwtVerifier partner = new JwtVerifier(partnerIssuer().config(), partnerKeys, clock);

    private static JwtFixtures.Issuer partnerIssuer() {
        JwtFixtures.Issuer partner = issuer().name("partner");
        partner.issuer = PARTNER;
        return partner;
    }

    private JwtAuthenticator authenticator(int cacheSize) {
        return new JwtAuthenticator(Map.of("corp", corp, "partner", partner), cacheSize, clock);
    }

    private static String corpToken() {
        return token("ES256", EC);
    }

    @Test
    void aRepeatedTokenIsVerifiedOnce() {
        JwtAuthenticator authenticator = authenticator(100);
        String token = corpToken();
        Verification.Accepted first = accepted(authenticator.authenticate(token, List.of("corp")));
        Verification.Accepted second = accepted(authenticator.authenticate(token, List.of("corp")));
        assertThat(second).isSameAs(first);
        assertThat(corpKeys.calls).hasValue(1);

        accepted(authenticator.authenticate(token(header("ES256", EC.kid()), claims("sub", "bob"), EC),
                List.of("corp")));
        assertThat(corpKeys.calls).hasValue(2);
    }

    @Test
    void withoutACacheEveryTokenIsVerified() {
        JwtAuthenticator authenticator = authenticator(0);
        String token = corpToken();
        for (int i = 0; i < 3; i++) {
            accepted(authenticator.authenticate(token, List.of("corp")));
        }
        assertThat(corpKeys.calls).hasValue(3);
    }

    @Test
    void theCacheEndsAtTheTokensExpiry() {
        JwtAuthenticator authenticator = authenticator(100);
        String token = corpToken();
        accepted(authenticator.authenticate(token, List.of("corp")));
        clock.advance(Duration.ofSeconds(599));
        accepted(authenticator.authenticate(token, List.of("corp")));
        assertThat(corpKeys.calls).hasValue(1);

        clock.advance(Duration.ofSeconds(1));
        // At exp the remembered acceptance is gone; the verifier still accepts within the clock skew, and an
        // acceptance that ends now is not remembered.
        accepted(authenticator.authenticate(token, List.of("corp")));
        accepted(authenticator.authenticate(token, List.of("corp")));
        assertThat(corpKeys.calls).hasValue(3);

        clock.advance(Duration.ofSeconds(30));
        refused(authenticator.authenticate(token, List.of("corp")), token, ReasonCode.TOKEN_EXPIRED);
    }

    @Test
    void refusalsAreNotRemembered() {
        JwtAuthenticator authenticator = authenticator(100);
        String token = token(header("ES256", "unknown"), claims(), EC);
        refused(authenticator.authenticate(token, List.of("corp")), token, ReasonCode.TOKEN_INVALID);
        refused(authenticator.authenticate(token, List.of("corp")), token, ReasonCode.TOKEN_INVALID);
        assertThat(corpKeys.calls).hasValue(2);
    }

    @Test
    void theIssIsOnlyAChoiceAmongTheAcceptedIssuers() {
        JwtAuthenticator authenticator = authenticator(100);
        String partnerToken = token(header("RS256", JwtFixtures.RSA.kid()), claims("iss", PARTNER),
                JwtFixtures.RSA);
        assertThat(accepted(authenticator.authenticate(partnerToken, List.of("corp", "partner"))).subject()
                .issuer()).isEqualTo("partner");
        assertThat(refused(authenticator.authenticate(partnerToken, List.of("corp", "api_key")), partnerToken,
                ReasonCode.TOKEN_ISSUER_REJECTED).detail()).isEqualTo("the token's iss is not an issuer accepted here");
        assertThat(refused(authenticator.authenticate(partnerToken, List.of("api_key")), partnerToken,
                ReasonCode.TOKEN_ISSUER_REJECTED).detail()).isEqualTo("no token issuer is accepted here");
        assertThat(partnerKeys.calls).hasValue(1);
        assertThat(corpKeys.calls).hasValue(0);
    }

    @Test
    void aRememberedTokenCountsOnlyForTheIssuerThatAcceptedIt() {
        JwtAuthenticator authenticator = authenticator(100);
        String partnerToken = token(header("RS256", JwtFixtures.RSA.kid()), claims("iss", PARTNER),
                JwtFixtures.RSA);
        accepted(authenticator.authenticate(partnerToken, List.of("partner")));
        refused(authenticator.authenticate(partnerToken, List.of("corp")), partnerToken,
                ReasonCode.TOKEN_ISSUER_REJECTED);
    }

    @Test
    void issuersSharingAnIssAreTriedInTheRoutesOrder() {
        JwtVerifier orders = new JwtVerifier(issuer().name("orders").audiences("orders-api").config(), corpKeys,
                clock);
        JwtVerifier billing = new JwtVerifier(issuer().name("billing").audiences("billing-api").config(), corpKeys,
                clock);
        JwtAuthenticator authenticator = new JwtAuthenticator(Map.of("orders", orders, "billing", billing), 100,
                clock);
        String billingToken = token(header("ES256", EC.kid()), claims("aud", "billing-api"), EC);
        assertThat(accepted(authenticator.authenticate(billingToken, List.of("orders", "billing"))).subject()
                .issuer()).isEqualTo("billing");
        assertThat(refused(authenticator.authenticate(billingToken, List.of("orders")), billingToken,
                ReasonCode.TOKEN_AUDIENCE_REJECTED).detail()).isEqualTo("aud names none of [orders-api]");

        String neither = token(header("ES256", EC.kid()), claims("aud", "other-api"), EC);
        assertThat(refused(authenticator.authenticate(neither, List.of("orders", "billing")), neither,
                ReasonCode.TOKEN_AUDIENCE_REJECTED).detail()).isEqualTo("aud names none of [orders-api]");
    }

    @Test
    void malformedTokensAreRefusedBeforeAnyIssuerIsAsked() {
        JwtAuthenticator authenticator = authenticator(100);
        String noIss = token(header("ES256", EC.kid()), claims("iss", null), EC);
        assertThat(refused(authenticator.authenticate(noIss, List.of("corp")), noIss,
                ReasonCode.TOKEN_ISSUER_REJECTED).detail()).isEqualTo("token has no iss");
        String numericIss = token(header("ES256", EC.kid()), claims("iss", 1), EC);
        refused(authenticator.authenticate(numericIss, List.of("corp")), numericIss, ReasonCode.TOKEN_MALFORMED);
        String garbage = "not.a.jwt!";
        refused(authenticator.authenticate(garbage, List.of("corp")), garbage, ReasonCode.TOKEN_MALFORMED);
        String notJson = JwtFixtures.b64("{\"alg\":\"ES256\"}") + "." + JwtFixtures.b64("[]") + ".AAAA";
        assertThat(refused(authenticator.authenticate(notJson, List.of("corp")), notJson,
                ReasonCode.TOKEN_MALFORMED).detail()).isEqualTo("payload is not a JSON object");
        String huge = "a".repeat(TokenShape.MAX_LENGTH + 1);
        refused(authenticator.authenticate(huge, List.of("corp")), huge, ReasonCode.TOKEN_MALFORMED);
        assertThat(corpKeys.calls).hasValue(0);
    }

    @Test
    void anAnswerThatComesLaterIsRememberedToo() throws Exception {
        CompletableFuture<KeyLookup> later = new CompletableFuture<>();
        StaticKeys counted = new StaticKeys(EC);
        KeySource slow = kid -> {
            counted.keys(kid);
            return later;
        };
        JwtAuthenticator authenticator = new JwtAuthenticator(
                Map.of("corp", new JwtVerifier(issuer().config(), slow, clock)), 100, clock);
        String token = corpToken();
        CompletionStage<Verification> first = authenticator.authenticate(token, List.of("corp"));
        assertThat(first.toCompletableFuture()).isNotDone();
        Thread fetcher = new Thread(() -> later.complete(new KeyLookup.Found(List.of(EC.publicJwk()))));
        fetcher.start();
        assertThat(first.toCompletableFuture().get(5, TimeUnit.SECONDS)).isInstanceOf(Verification.Accepted.class);
        fetcher.join(5_000);
        accepted(authenticator.authenticate(token, List.of("corp")));
        assertThat(counted.calls).hasValue(1);
    }

    @Test
    void verifiersMustBeFiledUnderTheirIssuersName() {
        assertThatThrownBy(() -> new JwtAuthenticator(Map.of("partner", corp), 10, clock))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("issuer partner: the verifier is for issuer corp (expected the same name)");
    }
}
