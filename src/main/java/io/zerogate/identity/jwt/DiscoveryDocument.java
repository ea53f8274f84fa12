package io.zerogate.identity.jwt;

import com.nimbusds.jose.util.JSONObjectUtils;
import java.net.URI;
import java.text.ParseException;
import java.util.Locale;
import java.util.Map;

/**
 * The parts of an issuer's OpenID Provider metadata the key cache relies on. The document is accepted only when
 * it names exactly the configured issuer (OpenID Connect Discovery 1.0, section 4.3), so that a document served
 * from the wrong place cannot point the gateway at someone else's keys.
 *
 * @param issuer  the issuer the document speaks for
 * @param jwksUri where the issuer's JWK set is
 */
record DiscoveryDocument(String issuer, URI jwksUri) {

    static DiscoveryDocument parse(String json, String expectedIssuer) throws JwksFetchException {
        Map<String, Object> document;
        String issuer;
        URI jwksUri;
        try {
            document = JSONObjectUtils.parse(json);
            issuer = JSONObjectUtils.getString(document, "issuer");
            jwksUri = JSONObjectUtils.getURI(document, "jwks_uri");
        } catch (ParseException | RuntimeException e) {
            throw new JwksFetchException("discovery document is not valid metadata (" + e.getClass().getSimpleName() + ")");
        }
        if (issuer == null) {
            throw new JwksFetchException("discovery document has no issuer");
        }
        if (!issuer.equals(expectedIssuer)) {
            throw new JwksFetchException("discovery document names issuer \"" + shortened(issuer)
                    + "\" (expected: exactly \"" + expectedIssuer + "\")");
        }
        if (jwksUri == null) {
            throw new JwksFetchException("discovery document has no jwks_uri");
        }
        String scheme = jwksUri.getScheme() == null ? "" : jwksUri.getScheme().toLowerCase(Locale.ROOT);
        if (!jwksUri.isAbsolute() || jwksUri.getHost() == null || !(scheme.equals("https") || scheme.equals("http"))) {
            throw new JwksFetchException("discovery document's jwks_uri \"" + shortened(jwksUri.toString())
                    + "\" (expected: an absolute http or https URI)");
        }
        if (expectedIssuer.regionMatches(true, 0, "https:", 0, 6) && !scheme.equals("https")) {
            throw new JwksFetchException("discovery document's jwks_uri \"" + shortened(jwksUri.toString())
                    + "\" (expected: https, like the issuer)");
        }
        return new DiscoveryDocument(issuer, jwksUri);
    }

    private static String shortened(String value) {
        return value.length() <= 200 ? value : value.substring(0, 200) + "...";
    }
}
