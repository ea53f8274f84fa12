package io.zerogate.identity.jwt;

import static io.zerogate.identity.jwt.JwtFixtures.b64;
import static org.assertj.core.api.Assertions.assertThat;

import io.zerogate.chain.ReasonCode;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

class TokenShapeTest {

    private static final String HEADER = b64("{\"alg\":\"ES256\",\"kid\":\"k\"}");
    private static final String PAYLOAD = b64("{\"sub\":\"alice\"}");
    private static final String SIGNATURE = b64(new byte[64]);

    private static String detail(String token) {
        Checked<TokenShape> parsed = TokenShape.parse(token);
        assertThat(parsed).isInstanceOf(Checked.No.class);
        Checked.No<TokenShape> no = (Checked.No<TokenShape>) parsed;
        assertThat(no.refusal().reason()).isEqualTo(ReasonCode.TOKEN_MALFORMED);
        return no.refusal().detail();
    }

    @Test
    void splitsAWellFormedToken() {
        String token = HEADER + "." + PAYLOAD + "." + SIGNATURE;
        TokenShape shape = ((Checked.Ok<TokenShape>) TokenShape.parse(token)).value();
        assertThat(shape.header()).isEqualTo(Map.of("alg", "ES256", "kid", "k"));
        assertThat(new String(shape.payload(), StandardCharsets.UTF_8)).isEqualTo("{\"sub\":\"alice\"}");
        assertThat(shape.signature()).hasSize(64).containsOnly(0);
        assertThat(new String(shape.signingInput(), StandardCharsets.US_ASCII)).isEqualTo(HEADER + "." + PAYLOAD);
    }

    @Test
    void anEmptyPayloadIsStillAJws() {
        assertThat(TokenShape.parse(HEADER + ".." + SIGNATURE)).isInstanceOf(Checked.Ok.class);
    }

    @Test
    void countsSegments() {
        assertThat(detail("")).isEqualTo("token has 1 segments (expected 3: header.payload.signature)");
        assertThat(detail(HEADER)).isEqualTo("token has 1 segments (expected 3: header.payload.signature)");
        assertThat(detail(HEADER + "." + PAYLOAD))
                .isEqualTo("token has 2 segments (expected 3: header.payload.signature)");
        assertThat(detail(HEADER + "." + PAYLOAD + "." + SIGNATURE + "."))
                .isEqualTo("token has 4 segments (expected 3: header.payload.signature)");
        assertThat(detail(HEADER + "." + PAYLOAD + "." + SIGNATURE + ".x.y"))
                .isEqualTo("token is encrypted (JWE); only signed tokens are accepted");
        assertThat(detail("." + PAYLOAD + "." + SIGNATURE)).isEqualTo("header segment is empty");
        assertThat(detail(HEADER + "." + PAYLOAD + ".")).isEqualTo("signature segment is empty");
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
            "=      | header",
            "+      | header",
            "/      | header",
            "' '    | header",
            "%      | header",
            "\u00e9 | header"})
    void refusesCharactersOutsideBase64url(String bad, String segment) {
        assertThat(detail(HEADER + bad + "." + PAYLOAD + "." + SIGNATURE))
                .isEqualTo(segment + " segment is not canonical base64url");
        assertThat(detail(HEADER + "." + PAYLOAD + bad + "." + SIGNATURE))
                .isEqualTo("payload segment is not canonical base64url");
        assertThat(detail(HEADER + "." + PAYLOAD + "." + SIGNATURE + bad))
                .isEqualTo("signature segment is not canonical base64url");
    }

    @Test
    void refusesPaddedSegments() {
        String padded = java.util.Base64.getUrlEncoder().encodeToString(new byte[64]);
        assertThat(padded).endsWith("==");
        assertThat(detail(HEADER + "." + PAYLOAD + "." + padded))
                .isEqualTo("signature segment is not canonical base64url");
    }

    @Test
    void refusesAnImpossibleLength() {
        assertThat(detail(HEADER + "." + PAYLOAD + "." + SIGNATURE.substring(0, 85)))
                .isEqualTo("signature segment is not canonical base64url");
        assertThat(SIGNATURE.length() % 4).isEqualTo(2);
        assertThat(detail(HEADER + "." + PAYLOAD + "." + SIGNATURE + "AAA"))
                .isEqualTo("signature segment is not canonical base64url");
    }

    @Test
    void refusesANonCanonicalLastCharacter() {
        // 64 bytes take 86 characters: the last carries four unused bits, which a lenient decoder ignores.
        String respelled = SIGNATURE.substring(0, 85) + "B";
        assertThat(java.util.Base64.getUrlDecoder().decode(respelled)).isEqualTo(new byte[64]);
        assertThat(detail(HEADER + "." + PAYLOAD + "." + respelled))
                .isEqualTo("signature segment is not canonical base64url");
        String header = HEADER.substring(0, HEADER.length() - 1)
                + (char) (HEADER.charAt(HEADER.length() - 1) + 1);
        assertThat(java.util.Base64.getUrlDecoder().decode(header))
                .isEqualTo(java.util.Base64.getUrlDecoder().decode(HEADER));
        assertThat(detail(header + "." + PAYLOAD + "." + SIGNATURE))
                .isEqualTo("header segment is not canonical base64url");
    }

    @Test
    void refusesOversizeTokensUnread() {
        String big = HEADER + "." + "A".repeat(TokenShape.MAX_LENGTH) + "." + SIGNATURE;
        assertThat(detail(big)).isEqualTo("token is " + big.length() + " characters long (expected at most 16384)");
        assertThat(TokenShape.looksLikeJwt(big)).isFalse();
    }

    @ParameterizedTest
    @ValueSource(strings = {
            "[]",
            "\"alg\"",
            "null",
            "",
            "{\"alg\":\"ES256\"}{}",
            "{\"alg\":\"ES256\"}x",
            "{\"alg\":\"ES256\",}",
            "{'alg':'ES256'}",
            "{\"alg\":\"ES256\",\"alg\":\"none\"}"})
    void refusesAHeaderThatIsNotOneStrictJsonObject(String header) {
        String detail = detail(b64(header) + "." + PAYLOAD + "." + SIGNATURE);
        assertThat(detail).startsWith("header ");
        if (header.isEmpty()) {
            assertThat(detail).isEqualTo("header segment is empty");
        }
    }

    @Test
    void namesDuplicatesWithoutRepeatingThem() {
        String detail = detail(b64("{\"alg\":\"ES256\",\"kid\":\"secret-kid\",\"kid\":\"x\"}") + "." + PAYLOAD + "."
                + SIGNATURE);
        assertThat(detail).isEqualTo("header names a member twice");
    }

    @Test
    void whitespaceInsideJsonIsFine() {
        assertThat(TokenShape.parse(b64("{ \"alg\" :\n\t\"ES256\" }") + "." + PAYLOAD + "." + SIGNATURE))
                .isInstanceOf(Checked.Ok.class);
    }

    @Test
    void refusesAHeaderThatIsNotUtf8() {
        byte[] latin1 = "{\"alg\":\"ES256\",\"kid\":\"caf\u00e9\"}".getBytes(StandardCharsets.ISO_8859_1);
        assertThat(detail(b64(latin1) + "." + PAYLOAD + "." + SIGNATURE)).isEqualTo("header is not UTF-8");
        byte[] utf16 = "{\"alg\":\"ES256\"}".getBytes(StandardCharsets.UTF_16);
        assertThat(detail(b64(utf16) + "." + PAYLOAD + "." + SIGNATURE)).isEqualTo("header is not UTF-8");
    }

    @Test
    void refusesDeeplyNestedJson() {
        String nested = "{\"alg\":\"ES256\",\"x\":" + "[".repeat(100) + "]".repeat(100) + "}";
        assertThat(detail(b64(nested) + "." + PAYLOAD + "." + SIGNATURE)).startsWith("header is not valid JSON");
    }

    @Test
    void jsonValuesBecomePlainImmutableJava() {
        Map<String, Object> object = ((Checked.Ok<Map<String, Object>>) StrictJson.object(
                ("{\"s\":\"x\",\"n\":1,\"l\":12345678901,\"d\":1.5,\"b\":false,\"z\":null,"
                        + "\"a\":[1,null,\"y\"],\"o\":{\"k\":[]}}")
                        .getBytes(StandardCharsets.UTF_8), "payload")).value();
        assertThat(object).containsOnlyKeys("s", "n", "l", "d", "b", "a", "o")
                .containsEntry("s", "x").containsEntry("n", 1).containsEntry("l", 12345678901L)
                .containsEntry("d", 1.5).containsEntry("b", false).containsEntry("a", List.of(1, "y"))
                .containsEntry("o", Map.of("k", List.of()));
        assertThat(object.get("a")).isInstanceOf(List.class);
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> object.put("x", 1))
                .isInstanceOf(UnsupportedOperationException.class);
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
            "eyJhbGciOiJFUzI1NiJ9.eyJzdWIiOiJhIn0.c2ln | true",
            "a.b.c | false",
            "eyJ.b.c | true",
            "eyJ.b. | false",
            "eyJ..c | false",
            "opaque-token-value | false",
            "a.b | false",
            "a.b.c.d | false",
            ".b.c | false",
            "a..c | false",
            "a.b. | false",
            "a.b.c= | false",
            "a.b+.c | false",
            "a b.c.d | false"})
    void recognisesTheShapeOfAJwt(String token, boolean jwt) {
        assertThat(TokenShape.looksLikeJwt(token)).isEqualTo(jwt);
        assertThat(JwtAuthenticator.looksLikeJwt(token)).isEqualTo(jwt);
    }
}
