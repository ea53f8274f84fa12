package io.zerogate.identity.jwt;

import static io.zerogate.identity.jwt.JwksTestServer.kids;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.nimbusds.jose.jwk.Curve;
import com.nimbusds.jose.jwk.ECKey;
import com.nimbusds.jose.jwk.JWK;
import com.nimbusds.jose.jwk.KeyOperation;
import com.nimbusds.jose.jwk.KeyUse;
import com.nimbusds.jose.jwk.OctetSequenceKey;
import com.nimbusds.jose.jwk.RSAKey;
import com.nimbusds.jose.jwk.gen.ECKeyGenerator;
import com.nimbusds.jose.jwk.gen.OctetSequenceKeyGenerator;
import com.nimbusds.jose.jwk.gen.RSAKeyGenerator;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

class JwksKeySetTest {

    private static String set(JWK... keys) {
        // Serialises keys as given, private parts included, the way a careless issuer would publish them.
        return List.of(keys).stream().map(JWK::toJSONString).collect(Collectors.joining(",", "{\"keys\":[", "]}"));
    }

    @Test
    void onlyPublicSignatureKeysAreKept() throws Exception {
        ECKey signing = new ECKeyGenerator(Curve.P_256).keyID("sig").keyUse(KeyUse.SIGNATURE).generate();
        ECKey unmarked = new ECKeyGenerator(Curve.P_256).keyID("any").generate();
        ECKey encryption = new ECKeyGenerator(Curve.P_256).keyID("enc").keyUse(KeyUse.ENCRYPTION).generate();
        ECKey wrapOnly = new ECKeyGenerator(Curve.P_256).keyID("wrap").keyOperations(Set.of(KeyOperation.WRAP_KEY)).generate();
        ECKey verifyOnly = new ECKeyGenerator(Curve.P_256).keyID("verify").keyOperations(Set.of(KeyOperation.VERIFY)).generate();
        OctetSequenceKey secret = new OctetSequenceKeyGenerator(256).keyID("hmac").generate();

        JwksKeySet keys = JwksKeySet.parse(set(signing, unmarked, encryption, wrapOnly, verifyOnly, secret));

        assertThat(kids(keys.candidates(null))).containsExactly("sig", "any", "verify");
        assertThat(keys.candidates("enc")).isEmpty();
        assertThat(keys.candidates("wrap")).isEmpty();
        assertThat(keys.candidates("hmac")).isEmpty();
        assertThat(keys.size()).isEqualTo(3);
    }

    @Test
    void privatePartsPublishedByMistakeAreDropped() throws Exception {
        RSAKey rsa = new RSAKeyGenerator(2048).keyID("rsa").generate();
        ECKey ec = new ECKeyGenerator(Curve.P_256).keyID("ec").generate();
        assertThat(rsa.isPrivate()).isTrue();

        JwksKeySet keys = JwksKeySet.parse(set(rsa, ec));

        assertThat(keys.candidates(null)).noneMatch(JWK::isPrivate);
        assertThat(keys.candidates("rsa")).containsExactly(rsa.toPublicJWK());
        assertThat(keys.candidates("ec")).containsExactly(ec.toPublicJWK());
    }

    @Test
    void aKidNamesEveryKeyThatCarriesItAndKeysWithoutKidServeOnlyTokensWithoutKid() throws Exception {
        ECKey first = new ECKeyGenerator(Curve.P_256).keyID("same").generate();
        ECKey second = new ECKeyGenerator(Curve.P_384).keyID("same").generate();
        ECKey anonymous = new ECKeyGenerator(Curve.P_256).generate();

        JwksKeySet keys = JwksKeySet.parse(set(first, anonymous, second));

        assertThat(keys.candidates("same")).containsExactly(first.toPublicJWK(), second.toPublicJWK());
        assertThat(keys.candidates(null)).containsExactly(first.toPublicJWK(), anonymous.toPublicJWK(), second.toPublicJWK());
        assertThat(keys.candidates("other")).isEmpty();
        assertThat(keys.candidates("")).isEmpty();
    }

    @Test
    void anEmptySetIsASet() throws Exception {
        assertThat(JwksKeySet.parse("{\"keys\":[]}").candidates(null)).isEmpty();
    }

    @Test
    void somethingElseIsNotASet() {
        for (String json : List.of("", "[]", "{}x", "{\"keys\":{}}", "{\"keys\":[{\"kty\":\"EC\",\"crv\":\"P-256\"}]}", "null")) {
            assertThatThrownBy(() -> JwksKeySet.parse(json)).as(json)
                    .isInstanceOf(JwksFetchException.class)
                    .hasMessageStartingWith("not a JWK set");
        }
    }
}
