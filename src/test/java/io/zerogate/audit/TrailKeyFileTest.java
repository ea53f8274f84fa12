package io.zerogate.audit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.util.Base64;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class TrailKeyFileTest {

    @TempDir
    Path dir;

    KeyPair key;

    @BeforeEach
    void generate() throws Exception {
        key = KeyPairGenerator.getInstance("Ed25519").generateKeyPair();
    }

    Path file(String name, String text) throws IOException {
        return Files.writeString(dir.resolve(name), text);
    }

    @Test
    void readsAPemPublicKey() throws Exception {
        Path file = file("audit.pub.pem", TrailFixture.pem("PUBLIC KEY", key.getPublic().getEncoded()));

        assertThat(TrailKeyFile.read(file).getEncoded()).isEqualTo(key.getPublic().getEncoded());
    }

    @Test
    void readsTheJwkOfAnEd25519Key() throws Exception {
        Path file = file("audit.jwk", "  " + TrailFixture.jwk(key) + "\n");

        assertThat(CheckpointSignature.keyId(TrailKeyFile.read(file))).isEqualTo(CheckpointSignature.keyId(key.getPublic()));
    }

    @Test
    void refusesPrivateKeys() throws Exception {
        Path pem = file("audit.key", TrailFixture.pem("PRIVATE KEY", key.getPrivate().getEncoded()));
        String d = Base64.getUrlEncoder().withoutPadding().encodeToString(new byte[32]);
        Path jwk = file("audit-private.jwk", TrailFixture.jwk(key).replace("}", ",\"d\":\"" + d + "\"}"));

        assertThatThrownBy(() -> TrailKeyFile.read(pem)).isInstanceOf(IllegalArgumentException.class)
                .hasMessage(pem + " holds a private key: give the public key only (openssl pkey -in KEY -pubout)");
        assertThatThrownBy(() -> TrailKeyFile.read(jwk)).isInstanceOf(IllegalArgumentException.class)
                .hasMessage(jwk + " holds a private key (the JWK has \"d\"): give the public key only");
    }

    @Test
    void refusesKeysOfOtherAlgorithms() throws Exception {
        Path ec = file("ec.pem", TrailFixture.pem("PUBLIC KEY", KeyPairGenerator.getInstance("EC").generateKeyPair().getPublic().getEncoded()));
        Path x25519 = file("x25519.jwk", TrailFixture.jwk(key).replace("Ed25519", "X25519"));
        Path rsaJwk = file("rsa.jwk", "{\"kty\":\"RSA\",\"n\":\"sXchDaQebHnPiGvyDOAT4saGEUetSyo9MKLOoWFsueri23bOdgWp4Dy1Wl"
                + "UzewbgBHod5pcM9H95GQRV3JDXboIRROSBigeC5yjU1hGzHHyXss8UDprecbAYxknTcQkhslANGRUZmdTOQ5qTRsLAt6BTYuyvVRdhS8exSZEy_c4gs_"
                + "7svlJJQ4H9_NxsiIoLwAEk7-Q3UXERGYw_75IDrGA84-lA_-Ct4eTlXHBIY2EaV7t7LjJaynVJCpkv4LKjTTAumiGUIuQhrNhZLuF_RJLqHpM2kgWFLU7-"
                + "VTdL1VbC2tejvcI2BlMkEpk1BzBZI0KQB0GaDWFLN-aEAw3vRw\",\"e\":\"AQAB\"}");
        Path cert = file("cert.pem", TrailFixture.pem("CERTIFICATE", new byte[] {0x30, 0x00}));

        assertThatThrownBy(() -> TrailKeyFile.read(ec)).hasMessage(ec
                + " holds a public key of another algorithm (OID 1.2.840.10045.2.1; expected: Ed25519)");
        assertThatThrownBy(() -> TrailKeyFile.read(x25519)).hasMessage(x25519
                + " holds an OKP JWK on curve X25519 (expected: kty OKP with crv Ed25519)");
        assertThatThrownBy(() -> TrailKeyFile.read(rsaJwk)).hasMessage(rsaJwk
                + " holds a JWK of type RSA (expected: kty OKP with crv Ed25519)");
        assertThatThrownBy(() -> TrailKeyFile.read(cert)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageStartingWith(cert.toString());
    }

    @Test
    void refusesWhatIsNoKeyAtAll() throws Exception {
        Path text = file("notes.txt", "an Ed25519 key, honestly");
        Path json = file("broken.jwk", "{\"kty\":");
        Path huge = file("huge.pem", "x".repeat(70_000));
        Path missing = dir.resolve("missing.pem");

        assertThatThrownBy(() -> TrailKeyFile.read(text)).hasMessage(text
                + " is neither PEM nor JSON (expected: a PEM PUBLIC KEY or the JWK of an Ed25519 key)");
        assertThatThrownBy(() -> TrailKeyFile.read(json)).hasMessageStartingWith(json + " is not a JWK: ");
        assertThatThrownBy(() -> TrailKeyFile.read(huge)).hasMessage(huge + ": 70000 bytes is too large for a public key file");
        assertThatThrownBy(() -> TrailKeyFile.read(missing)).isInstanceOf(IOException.class)
                .hasMessage(missing + ": cannot read: no such file");
    }
}
