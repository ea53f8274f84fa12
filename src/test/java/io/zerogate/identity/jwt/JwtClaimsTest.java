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

import io.zerogate.chain.ReasonCode;
import io.zerogate.identity.Verification;
import io.zerogate.identity.jwt.JwtFixtures.StaticKeys;
import io.zerogate.identity.jwt.JwtFixtures.TestClock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** The claim rules, each refusal with its reason code and detail. */
class JwtClaimsTest {

    private final TestClock clock = new TestClock(NOW);
    private final JwtVerifier verifier = verifier(issuer());

    private JwtVerifier verifier(JwtFixtures.Issuer issuer) {
        return new JwtVerifier(issuer.config(), new StaticKeys(EC), clock);
    }

    private Verification.Refused refuse(JwtVerifier verifier, Map<String, Object> claims, ReasonCode reason) {
        String token = token(header("ES256", EC.kid()), claims, EC);
        return refused(verifier.verify(token), token, reason);
    }

    private Verification.Accepted accept(JwtVerifier verifier, Map<String, Object> claims) {
        return accepted(verifier.verify(token(header("ES256", EC.kid()), claims, EC)));
    }

    static Stream<Arguments> refusals() {
        long now = NOW.getEpochSecond();
        return Stream.of(
                Arguments.of(claims("exp", null), ReasonCode.TOKEN_CLAIMS_REJECTED, "token has no exp"),
                Arguments.of(claims("exp", String.valueOf(now + 600)), ReasonCode.TOKEN_MALFORMED,
                        "claim exp is not a number"),
                Arguments.of(claims("exp", true), ReasonCode.TOKEN_MALFORMED, "claim exp is not a number"),
                Arguments.of(claims("exp", List.of(now + 600)), ReasonCode.TOKEN_MALFORMED,
                        "claim exp is not a number"),
                Arguments.of(claims("exp", 1e30), ReasonCode.TOKEN_MALFORMED,
                        "claim exp is not a date from 1970 to 9999"),
                Arguments.of(claims("exp", -1), ReasonCode.TOKEN_MALFORMED,
                        "claim exp is not a date from 1970 to 9999"),
                Arguments.of(claims("nbf", "soon"), ReasonCode.TOKEN_MALFORMED, "claim nbf is not a number"),
                Arguments.of(claims("iat", Map.of()), ReasonCode.TOKEN_MALFORMED, "claim iat is not a number"),
                Arguments.of(claims("exp", now - 31), ReasonCode.TOKEN_EXPIRED,
                        "token expired at " + NOW.minusSeconds(31)),
                Arguments.of(claims("exp", now - 30), ReasonCode.TOKEN_EXPIRED,
                        "token expired at " + NOW.minusSeconds(30)),
                Arguments.of(claims("nbf", now + 31), ReasonCode.TOKEN_NOT_YET_VALID,
                        "token is not valid before " + NOW.plusSeconds(31)),
                Arguments.of(claims("iat", now + 31), ReasonCode.TOKEN_NOT_YET_VALID,
                        "token is issued in the future, at " + NOW.plusSeconds(31)),
                Arguments.of(claims("iss", "https://evil.example.com"), ReasonCode.TOKEN_ISSUER_REJECTED,
                        "iss is not " + JwtFixtures.ISSUER),
                Arguments.of(claims("iss", JwtFixtures.ISSUER + "/"), ReasonCode.TOKEN_ISSUER_REJECTED,
                        "iss is not " + JwtFixtures.ISSUER),
                Arguments.of(claims("iss", null), ReasonCode.TOKEN_ISSUER_REJECTED, "token has no iss"),
                Arguments.of(claims("iss", 42), ReasonCode.TOKEN_MALFORMED, "claim iss is not a string"),
                Arguments.of(claims("aud", "billing-api"), ReasonCode.TOKEN_AUDIENCE_REJECTED,
                        "aud names none of [orders-api]"),
                Arguments.of(claims("aud", List.of("billing-api", "x")), ReasonCode.TOKEN_AUDIENCE_REJECTED,
                        "aud names none of [orders-api]"),
                Arguments.of(claims("aud", List.of()), ReasonCode.TOKEN_AUDIENCE_REJECTED,
                        "aud names none of [orders-api]"),
                Arguments.of(claims("aud", null), ReasonCode.TOKEN_AUDIENCE_REJECTED, "token has no aud"),
                Arguments.of(claims("aud", 1), ReasonCode.TOKEN_MALFORMED,
                        "claim aud is neither a string nor a list of strings"),
                Arguments.of(claims("aud", List.of("orders-api", 1)), ReasonCode.TOKEN_MALFORMED,
                        "claim aud is neither a string nor a list of strings"),
                Arguments.of(claims("sub", null), ReasonCode.TOKEN_CLAIMS_REJECTED, "token has no sub"),
                Arguments.of(claims("sub", ""), ReasonCode.TOKEN_CLAIMS_REJECTED, "token has no sub"),
                Arguments.of(claims("sub", 7), ReasonCode.TOKEN_MALFORMED, "claim sub is not a string"),
                Arguments.of(claims("jti", 7), ReasonCode.TOKEN_MALFORMED, "claim jti is not a string"),
                Arguments.of(claims("iat", null), ReasonCode.TOKEN_CLAIMS_REJECTED,
                        "token has no iat, needed to bound its lifetime to PT1H"),
                Arguments.of(claims("exp", now + 3601), ReasonCode.TOKEN_LIFETIME_EXCEEDED,
                        "token lives PT1H1S (expected at most PT1H)"),
                Arguments.of(claims("iat", now - 3000, "exp", now + 601), ReasonCode.TOKEN_LIFETIME_EXCEEDED,
                        "token lives PT1H1S (expected at most PT1H)"),
                Arguments.of(claims("scope", 5), ReasonCode.TOKEN_MALFORMED,
                        "claim scope is neither a string nor a list of strings"),
                Arguments.of(claims("scope", List.of("a", List.of("b"))), ReasonCode.TOKEN_MALFORMED,
                        "claim scope is neither a string nor a list of strings"),
                Arguments.of(claims("realm_access", Map.of("roles", "admin")), ReasonCode.TOKEN_MALFORMED,
                        "claim realm_access.roles is not a list of strings"),
                Arguments.of(claims("amr", "pwd"), ReasonCode.TOKEN_MALFORMED, "claim amr is not a list of strings"),
                Arguments.of(claims("acr", 2), ReasonCode.TOKEN_MALFORMED, "claim acr is not a string"),
                Arguments.of(claims("auth_time", "yesterday"), ReasonCode.TOKEN_MALFORMED,
                        "claim auth_time is not a number"),
                Arguments.of(claims("cnf", "bound"), ReasonCode.TOKEN_MALFORMED, "claim cnf is not an object"),
                Arguments.of(claims("cnf", Map.of("x5t#S256", "short")), ReasonCode.TOKEN_MALFORMED,
                        "cnf x5t#S256 is not a base64url SHA-256 thumbprint"),
                Arguments.of(claims("cnf", Map.of("jkt", 12)), ReasonCode.TOKEN_MALFORMED,
                        "cnf jkt is not a base64url SHA-256 thumbprint"),
                Arguments.of(claims("cnf", Map.of("jwk", Map.of("kty", "EC"))), ReasonCode.TOKEN_CLAIMS_REJECTED,
                        "cnf names no confirmation method the gateway can check (x5t#S256 or jkt)"),
                Arguments.of(claims("cnf", Map.of("x5t#S256", JwtVerifierTest.CERT_THUMBPRINT, "jkt",
                        JwtVerifierTest.KEY_THUMBPRINT)), ReasonCode.TOKEN_CLAIMS_REJECTED,
                        "cnf binds to both a certificate and a DPoP key"));
    }

    @ParameterizedTest(name = "{2}")
    @MethodSource("refusals")
    void refusesWithThePreciseReason(Map<String, Object> claims, ReasonCode reason, String detail) {
        assertThat(refuse(verifier, claims, reason).detail()).isEqualTo(detail);
    }

    @Test
    void theClockSkewIsToleratedAndNoMore() {
        long now = NOW.getEpochSecond();
        accept(verifier, claims("exp", now - 29, "iat", now - 600));
        accept(verifier, claims("nbf", now + 30));
        accept(verifier, claims("iat", now + 30, "exp", now + 600));
        accept(verifier, claims("exp", now + 3600));
    }

    @Test
    void aTokenExpiresAsTheClockMoves() {
        Map<String, Object> claims = claims();
        accept(verifier, claims);
        clock.advance(Duration.ofSeconds(600 + 29));
        accept(verifier, claims);
        clock.advance(Duration.ofSeconds(1));
        refuse(verifier, claims, ReasonCode.TOKEN_EXPIRED);
    }

    @Test
    void fractionalDatesAreNumericDates() {
        Verification.Accepted accepted = accept(verifier, claims("exp", NOW.getEpochSecond() + 600.25));
        assertThat(accepted.expiresAt()).isEqualTo(NOW.plusSeconds(600).plusMillis(250));
    }

    @Test
    void audienceMayBeAnyOfSeveral() {
        JwtVerifier several = verifier(issuer().audiences("orders-api", "billing-api"));
        accept(several, claims("aud", "billing-api"));
        accept(several, claims("aud", List.of("unrelated", "orders-api")));
    }

    @Test
    void noConfiguredAudienceAcceptsNoToken() {
        refuse(verifier(issuer().audiences()), claims(), ReasonCode.TOKEN_AUDIENCE_REJECTED);
    }

    @Test
    void requiredClaimsMustBePresent() {
        JwtVerifier strict = verifier(issuer().requiredClaims("sub", "tenant"));
        assertThat(refuse(strict, claims(), ReasonCode.TOKEN_CLAIMS_REJECTED).detail())
                .isEqualTo("token has no tenant claim");
        assertThat(refuse(strict, claims("tenant", null), ReasonCode.TOKEN_CLAIMS_REJECTED).detail())
                .isEqualTo("token has no tenant claim");
        accept(strict, claims("tenant", "acme"));
    }

    @Test
    void theExpiryIsTheTokensExp() {
        Instant exp = NOW.plusSeconds(42);
        assertThat(accept(verifier, claims("exp", exp.getEpochSecond())).expiresAt()).isEqualTo(exp);
    }

    @Test
    void aMissingRolesPathMeansNoRoles() {
        assertThat(accept(verifier, claims("realm_access", "not an object")).subject().roles()).isEmpty();
        assertThat(accept(verifier, claims()).subject().roles()).isEmpty();
    }
}
