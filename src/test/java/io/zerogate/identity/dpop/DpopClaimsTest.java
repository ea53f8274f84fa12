package io.zerogate.identity.dpop;

import static io.zerogate.identity.dpop.DpopFixture.METHOD;
import static io.zerogate.identity.dpop.DpopFixture.TOKEN;
import static io.zerogate.identity.dpop.DpopFixture.URI;
import static io.zerogate.identity.dpop.DpopFixture.assertInvalid;
import static io.zerogate.identity.dpop.DpopFixture.assertValid;
import static io.zerogate.identity.dpop.DpopFixture.done;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** The proof's claims: made for this request, recently, for this token and key (RFC 9449 section 4.3, steps 8 to 12). */
class DpopClaimsTest {

    private final DpopFixture fixture = new DpopFixture();
    private ProofMaker.ClientKey key;

    @BeforeEach
    void makeKey() throws Exception {
        key = ProofMaker.es256();
    }

    private DpopCheck withClaim(String name, Object value) throws Exception {
        Map<String, Object> claims = fixture.claims();
        if (value == null) {
            claims.remove(name);
        } else {
            claims.put(name, value);
        }
        return fixture.check(ProofMaker.sign(key, ProofMaker.header(key), claims));
    }

    @Test
    void jtiMustBeAStringOfBoundedLength() throws Exception {
        String refused = "jti is missing, not a string or longer than 256 characters";
        assertInvalid(withClaim("jti", null), refused);
        assertInvalid(withClaim("jti", ""), refused);
        assertInvalid(withClaim("jti", 12345), refused);
        assertInvalid(withClaim("jti", List.of("a")), refused);
        assertInvalid(withClaim("jti", "j".repeat(257)), refused);
        assertValid(withClaim("jti", "j".repeat(256)), key);
    }

    @Test
    void htmMustBeTheRequestMethodExactly() throws Exception {
        String refused = "htm does not match the request method";
        assertInvalid(withClaim("htm", "POST"), refused);
        assertInvalid(withClaim("htm", "get"), refused);
        assertInvalid(withClaim("htm", null), refused);
        assertInvalid(withClaim("htm", 1), refused);
        assertValid(withClaim("htm", "GET"), key);
    }

    @ParameterizedTest
    @ValueSource(strings = {
            "https://api.example.com/orders/42",
            "https://API.Example.COM/orders/42",
            "HTTPS://api.example.com/orders/42",
            "https://api.example.com:443/orders/42",
            "https://api.example.com/orders/42?page=2",
            "https://api.example.com/orders/42#top",
            "https://api.example.com/orders/42?",
            "https://api.example.com/%6Frders/%34%32",
    })
    void htuMatchesAfterNormalisation(String htu) throws Exception {
        assertValid(withClaim("htu", htu), key);
    }

    @ParameterizedTest
    @ValueSource(strings = {
            "https://api.example.com:8443/orders/42",
            "http://api.example.com/orders/42",
            "https://api.example.com:80/orders/42",
            "https://other.example.com/orders/42",
            "https://api.example.com.evil.test/orders/42",
            "https://api.example.com/orders/43",
            "https://api.example.com/Orders/42",
            "https://api.example.com/orders/42/",
            "https://api.example.com/orders//42",
            "https://api.example.com/orders/./42",
            "https://api.example.com/orders%2F42",
            "https://user@api.example.com/orders/42",
            "/orders/42",
            "api.example.com/orders/42",
            "wss://api.example.com/orders/42",
            "https://api.example.com/orders/42 ",
    })
    void htuForAnotherResourceIsRefused(String htu) throws Exception {
        assertInvalid(withClaim("htu", htu), "htu does not match the request URI");
    }

    @Test
    void htuMustBeAString() throws Exception {
        assertInvalid(withClaim("htu", null), "htu does not match the request URI");
        assertInvalid(withClaim("htu", Map.of("href", URI)), "htu does not match the request URI");
    }

    @Test
    void theRequestUriIsNormalisedTheSameWay() throws Exception {
        String proof = fixture.proof(key);
        assertValid(done(fixture.verifier.verify(proof, METHOD, "https://api.example.com:443/orders/42", TOKEN, null)), key);
        assertInvalid(done(fixture.verifier.verify(proof, METHOD, "not a uri", TOKEN, null)),
                "the request URI cannot be compared with htu");
    }

    @Test
    void iatMayBeAtMostTheMaximumAgeOldOrAhead() throws Exception {
        long now = DpopFixture.START.getEpochSecond();
        assertValid(withClaim("iat", now - 60), key);
        assertValid(withClaim("iat", now + 60), key);
        assertValid(withClaim("iat", now + 0.5), key);
        assertInvalid(withClaim("iat", now - 61), "iat is older than the proof's maximum age");
        assertInvalid(withClaim("iat", now - 60.001), "iat is older than the proof's maximum age");
        assertInvalid(withClaim("iat", now + 61), "iat is further in the future than the proof's maximum age");
        assertInvalid(withClaim("iat", 0), "iat is older than the proof's maximum age");
        assertInvalid(withClaim("iat", Long.MAX_VALUE), "iat is further in the future than the proof's maximum age");
    }

    @Test
    void aProofGrowsTooOldAsTheClockMoves() throws Exception {
        String proof = fixture.proof(key);
        fixture.clock.advance(Duration.ofSeconds(61));
        assertInvalid(fixture.check(proof), "iat is older than the proof's maximum age");
    }

    @Test
    void iatMustBeANumber() throws Exception {
        String refused = "iat is missing or not a number";
        assertInvalid(withClaim("iat", null), refused);
        assertInvalid(withClaim("iat", Long.toString(DpopFixture.START.getEpochSecond())), refused);
        assertInvalid(withClaim("iat", true), refused);
    }

    @Test
    void athMustHashTheAccessTokenOfTheRequest() throws Exception {
        String refused = "ath is missing or does not match the access token";
        assertInvalid(withClaim("ath", null), refused);
        assertInvalid(withClaim("ath", ProofMaker.ath(TOKEN + "x")), refused);
        assertInvalid(withClaim("ath", ProofMaker.ath(TOKEN) + "="), refused);
        assertInvalid(withClaim("ath", TOKEN), refused);
        String proof = fixture.proof(key);
        assertInvalid(done(fixture.verifier.verify(proof, METHOD, URI, "another-token", null)), refused);
        assertValid(fixture.check(proof), key);
    }

    @Test
    void aBoundTokenAcceptsOnlyItsOwnKey() throws Exception {
        assertValid(fixture.check(fixture.proof(key), key.thumbprint()), key);
        ProofMaker.ClientKey other = ProofMaker.es256();
        assertInvalid(fixture.check(fixture.proof(other), key.thumbprint()),
                "the proof's key is not the key the access token is bound to (cnf.jkt)");
        assertInvalid(fixture.check(fixture.proof(key), ""),
                "the proof's key is not the key the access token is bound to (cnf.jkt)");
    }
}
