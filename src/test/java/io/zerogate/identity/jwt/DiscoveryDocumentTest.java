package io.zerogate.identity.jwt;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.URI;
import org.junit.jupiter.api.Test;

class DiscoveryDocumentTest {

    private static final String ISSUER = "https://sso.example.com/realms/corp";

    private static String document(String issuer, String jwksUri) {
        return "{\"issuer\":" + issuer + ",\"jwks_uri\":" + jwksUri + ",\"token_endpoint\":\"https://sso.example.com/t\"}";
    }

    @Test
    void theIssuerMustMatchExactly() throws Exception {
        DiscoveryDocument document = DiscoveryDocument.parse(
                document("\"" + ISSUER + "\"", "\"https://keys.example.com/jwks\""), ISSUER);
        assertThat(document).isEqualTo(new DiscoveryDocument(ISSUER, URI.create("https://keys.example.com/jwks")));

        for (String other : new String[] {ISSUER + "/", "https://SSO.example.com/realms/corp", "https://sso.example.com/realms/cor",
                "http://sso.example.com/realms/corp", "https://sso.example.com/realms/corp?x", "https://evil.example/realms/corp"}) {
            assertThatThrownBy(() -> DiscoveryDocument.parse(document("\"" + other + "\"", "\"https://keys.example.com/jwks\""), ISSUER))
                    .as(other)
                    .isInstanceOf(JwksFetchException.class)
                    .hasMessage("discovery document names issuer \"" + other + "\" (expected: exactly \"" + ISSUER + "\")");
        }
    }

    @Test
    void anIssuerAndAKeyLocationAreRequired() {
        assertThatThrownBy(() -> DiscoveryDocument.parse("{\"jwks_uri\":\"https://keys.example.com/jwks\"}", ISSUER))
                .isInstanceOf(JwksFetchException.class).hasMessage("discovery document has no issuer");
        assertThatThrownBy(() -> DiscoveryDocument.parse("{\"issuer\":\"" + ISSUER + "\"}", ISSUER))
                .isInstanceOf(JwksFetchException.class).hasMessage("discovery document has no jwks_uri");
    }

    @Test
    void wrongTypesAndNonJsonAreRefused() {
        for (String json : new String[] {document("42", "\"https://keys.example.com/jwks\""),
                document("[\"" + ISSUER + "\"]", "\"https://keys.example.com/jwks\""), document("\"" + ISSUER + "\"", "7"),
                "<html></html>", "{\"issuer\":", ""}) {
            assertThatThrownBy(() -> DiscoveryDocument.parse(json, ISSUER)).as(json)
                    .isInstanceOf(JwksFetchException.class)
                    .hasMessageStartingWith("discovery document is not valid metadata");
        }
        assertThatThrownBy(() -> DiscoveryDocument.parse("[]", ISSUER)).isInstanceOf(JwksFetchException.class);
    }

    @Test
    void theKeyLocationMustBeAnAbsoluteWebAddressAndNoWeakerThanTheIssuer() {
        for (String jwks : new String[] {"\"/jwks\"", "\"file:///etc/passwd\"", "\"ftp://keys.example.com/jwks\"",
                "\"http://keys.example.com/jwks\"", "\"https:///jwks\""}) {
            assertThatThrownBy(() -> DiscoveryDocument.parse(document("\"" + ISSUER + "\"", jwks), ISSUER)).as(jwks)
                    .isInstanceOf(JwksFetchException.class)
                    .hasMessageStartingWith("discovery document's jwks_uri");
        }
    }

    @Test
    void aPlainHttpIssuerMayListPlainHttpKeys() throws Exception {
        String local = "http://127.0.0.1:8080/realms/dev";
        DiscoveryDocument document = DiscoveryDocument.parse(document("\"" + local + "\"", "\"http://127.0.0.1:8080/jwks\""), local);
        assertThat(document.jwksUri()).isEqualTo(URI.create("http://127.0.0.1:8080/jwks"));
    }
}
