package io.zerogate.identity.jwt;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.nimbusds.jose.jwk.JWK;
import io.zerogate.chain.ReasonCode;
import io.zerogate.identity.SignatureProviders;
import io.zerogate.identity.Verification;
import io.zerogate.identity.jwt.JwtFixtures.StaticKeys;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.Provider;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Stream;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Runs every JSON Web Signature vector of Project Wycheproof through the verifier's JWS checks (syntax, header
 * policy, key selection, signature), with each group's key as the issuer's only key, accepting every algorithm
 * the gateway supports (and HS256 with the group's key as the secret when the key is symmetric). The vectors'
 * payloads are not claim sets, so the full verification must refuse every one of them as well.
 */
class WycheproofJwsTest {

    private static final String VECTORS = "shared/research-data/wycheproof/json_web_signature_test.json";
    private static final int VECTOR_COUNT = 401;
    private static final int ACCEPTED_COUNT = 42;

    /** Vectors marked valid that the gateway refuses on purpose, and why. */
    private static final Map<Integer, String> REFUSED_BY_POLICY = Map.of(
            346, "key states alg PS256, token uses PS384: a key serves only the algorithm it names (RFC 8725 §3.1)",
            350, "key states alg PS256, token uses PS384: a key serves only the algorithm it names (RFC 8725 §3.1)",
            347, "key states alg ES521, token uses ES512: a key serves only the algorithm it names (RFC 8725 §3.1)",
            351, "key states alg ES521, token uses ES512: a key serves only the algorithm it names (RFC 8725 §3.1)",
            372, "'?' inside the header segment: only strict base64url is accepted",
            373, "'?' inside the payload segment: only strict base64url is accepted");

    /**
     * Vectors marked invalid whose text is byte for byte that of a vector marked valid (the padding they are
     * named after is not in the file), so they verify: the same bytes cannot be both.
     */
    private static final Map<Integer, Integer> IDENTICAL_TO_VALID = Map.of(367, 357, 370, 357);

    private static final Set<String> ASYMMETRIC = Set.of("RS256", "RS384", "RS512", "PS256", "PS384", "PS512",
            "ES256", "ES384", "ES512", "EdDSA");

    private static JsonNode suite;

    @BeforeAll
    static void readVectors() throws Exception {
        Path file = locate();
        // The vectors come with the repository's shared research data; without them this suite proves nothing,
        // so a missing file fails rather than skips.
        org.assertj.core.api.Assertions.assertThat(file)
                .as("Wycheproof vectors " + VECTORS + " in a parent directory").isNotNull();
        suite = new ObjectMapper().readTree(file.toFile());
    }

    private static @Nullable Path locate() {
        for (Path dir = Path.of("").toAbsolutePath(); dir != null; dir = dir.getParent()) {
            Path candidate = dir.resolve(VECTORS);
            if (Files.isRegularFile(candidate)) {
                return candidate;
            }
        }
        return null;
    }

    static Stream<@Nullable Provider> providers() {
        return Stream.of(null, SignatureProviders.preferred()).distinct();
    }

    @ParameterizedTest(name = "provider {0}")
    @MethodSource("providers")
    void everyVectorGetsTheExpectedAnswer(@Nullable Provider provider) throws Exception {
        assertThat(suite.get("numberOfTests").asInt()).isEqualTo(VECTOR_COUNT);
        List<String> wrong = new ArrayList<>();
        Set<Integer> acceptedIds = new HashSet<>();
        int run = 0;
        for (JsonNode group : suite.get("testGroups")) {
            JwtVerifier verifier = verifierFor(group, provider);
            for (JsonNode vector : group.get("tests")) {
                run++;
                int id = vector.get("tcId").asInt();
                JsonNode jws = vector.get("jws");
                String text = jws.isTextual() ? jws.textValue() : jws.toString();
                boolean accepted = signatureAccepted(verifier, text);
                if (accepted) {
                    acceptedIds.add(id);
                }
                boolean expected = expectation(id, vector.get("result").asText());
                if (accepted != expected) {
                    wrong.add(id + " " + vector.get("comment").asText() + ": " + (accepted ? "accepted" : "refused"));
                }
                Verification full = verifier.verify(text).toCompletableFuture().join();
                if (!(full instanceof Verification.Refused refused)) {
                    wrong.add(id + ": a payload that is not a claim set was accepted as a token");
                } else if (accepted && !(refused.reason() == ReasonCode.TOKEN_MALFORMED
                        && refused.detail().startsWith("payload "))) {
                    wrong.add(id + ": refused as a token for " + refused.detail() + " (expected: its payload)");
                }
            }
        }
        assertThat(wrong).isEmpty();
        assertThat(run).isEqualTo(VECTOR_COUNT);
        assertThat(acceptedIds).hasSize(ACCEPTED_COUNT)
                .doesNotContainAnyElementsOf(REFUSED_BY_POLICY.keySet())
                .containsAll(IDENTICAL_TO_VALID.keySet());
    }

    private static boolean expectation(int id, String result) {
        if (REFUSED_BY_POLICY.containsKey(id)) {
            assertThat(result).isEqualTo("valid");
            return false;
        }
        Integer twin = IDENTICAL_TO_VALID.get(id);
        if (twin != null) {
            assertThat(result).isEqualTo("invalid");
            assertThat(jwsOf(id)).isEqualTo(jwsOf(twin));
            return true;
        }
        return result.equals("valid");
    }

    private static boolean signatureAccepted(JwtVerifier verifier, String text) {
        return switch (TokenShape.parse(text)) {
            case Checked.No<TokenShape> no -> false;
            case Checked.Ok<TokenShape>(TokenShape shape) ->
                    verifier.verifySignature(shape).toCompletableFuture().join() instanceof Checked.Ok;
        };
    }

    private static JwtVerifier verifierFor(JsonNode group, @Nullable Provider provider) throws Exception {
        JsonNode key = group.has("public") ? group.get("public") : group.get("private");
        JwtFixtures.Issuer issuer = JwtFixtures.issuer();
        if (key.get("kty").asText().equals("oct")) {
            byte[] secret = Base64.getUrlDecoder().decode(key.get("k").asText());
            assertThat(secret).hasSize(32);
            Set<String> algorithms = new HashSet<>(ASYMMETRIC);
            algorithms.add("HS256");
            issuer.algorithms = algorithms;
            return new JwtVerifier(issuer.config(), new StaticKeys(new JWK[0]), JwtFixtures.NOW_CLOCK, provider,
                    secret);
        }
        issuer.algorithms = ASYMMETRIC;
        JWK jwk = JWK.parse(key.toString()).toPublicJWK();
        return new JwtVerifier(issuer.config(), new StaticKeys(jwk), JwtFixtures.NOW_CLOCK, provider, null);
    }

    private static String jwsOf(int id) {
        for (JsonNode group : suite.get("testGroups")) {
            for (JsonNode vector : group.get("tests")) {
                if (vector.get("tcId").asInt() == id) {
                    return vector.get("jws").toString();
                }
            }
        }
        throw new AssertionError("no vector " + id);
    }
}
