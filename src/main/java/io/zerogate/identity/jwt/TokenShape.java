package io.zerogate.identity.jwt;

import io.zerogate.chain.ReasonCode;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.Map;
import org.jspecify.annotations.Nullable;

/**
 * A token in JWS compact serialisation, checked for syntax only: at most {@link #MAX_LENGTH} characters, exactly
 * three segments, each strict and canonical base64url (no padding, no other characters, unused bits zero, so one
 * token has exactly one spelling), and a header that is a JSON object describing neither an encrypted token (JWE)
 * nor a nested one ({@code cty: JWT}). Nothing here is trusted yet.
 */
final class TokenShape {

    /** Longer tokens are refused unread: real access tokens are a few kilobytes at most. */
    static final int MAX_LENGTH = 16 * 1024;

    private static final Base64.Decoder DECODER = Base64.getUrlDecoder();
    private static final Base64.Encoder ENCODER = Base64.getUrlEncoder().withoutPadding();

    private final Map<String, Object> header;
    private final byte[] payload;
    private final byte[] signature;
    private final byte[] signingInput;

    private TokenShape(Map<String, Object> header, byte[] payload, byte[] signature, byte[] signingInput) {
        this.header = header;
        this.payload = payload;
        this.signature = signature;
        this.signingInput = signingInput;
    }

    /** The decoded JOSE header. */
    Map<String, Object> header() {
        return header;
    }

    /** The decoded payload bytes (the caller must not change them). */
    byte[] payload() {
        return payload;
    }

    /** The decoded signature bytes (the caller must not change them). */
    byte[] signature() {
        return signature;
    }

    /** The ASCII bytes the signature covers: the first two segments and the dot between them. */
    byte[] signingInput() {
        return signingInput;
    }

    /** The token's parts, or why it is malformed. */
    static Checked<TokenShape> parse(String token) {
        if (token.length() > MAX_LENGTH) {
            return Checked.no(ReasonCode.TOKEN_MALFORMED,
                    "token is " + token.length() + " characters long (expected at most " + MAX_LENGTH + ")");
        }
        int first = token.indexOf('.');
        int second = first < 0 ? -1 : token.indexOf('.', first + 1);
        if (second < 0) {
            return Checked.no(ReasonCode.TOKEN_MALFORMED, "token has " + segments(token)
                    + " segments (expected 3: header.payload.signature)");
        }
        if (token.indexOf('.', second + 1) >= 0) {
            int count = segments(token);
            return Checked.no(ReasonCode.TOKEN_MALFORMED, count == 5
                    ? "token is encrypted (JWE); only signed tokens are accepted"
                    : "token has " + count + " segments (expected 3: header.payload.signature)");
        }
        String headerText = token.substring(0, first);
        String payloadText = token.substring(first + 1, second);
        String signatureText = token.substring(second + 1);
        if (headerText.isEmpty()) {
            return Checked.no(ReasonCode.TOKEN_MALFORMED, "header segment is empty");
        }
        if (signatureText.isEmpty()) {
            return Checked.no(ReasonCode.TOKEN_MALFORMED, "signature segment is empty");
        }
        byte[] headerBytes = decode(headerText);
        if (headerBytes == null) {
            return Checked.no(ReasonCode.TOKEN_MALFORMED, "header segment is not canonical base64url");
        }
        byte[] payload = decode(payloadText);
        if (payload == null) {
            return Checked.no(ReasonCode.TOKEN_MALFORMED, "payload segment is not canonical base64url");
        }
        byte[] signature = decode(signatureText);
        if (signature == null) {
            return Checked.no(ReasonCode.TOKEN_MALFORMED, "signature segment is not canonical base64url");
        }
        return switch (StrictJson.object(headerBytes, "header")) {
            case Checked.No<Map<String, Object>> no -> no.as();
            case Checked.Ok<Map<String, Object>>(Map<String, Object> header) -> {
                String unsupported = unsupportedForm(header);
                yield unsupported != null
                        ? Checked.no(ReasonCode.TOKEN_MALFORMED, unsupported)
                        : Checked.ok(new TokenShape(header, payload, signature,
                                token.substring(0, second).getBytes(StandardCharsets.US_ASCII)));
            }
        };
    }

    /** Why the header describes a token form that is never accepted, or null when it does not. */
    private static @Nullable String unsupportedForm(Map<String, Object> header) {
        if (header.containsKey("enc")) {
            return "header has enc: encrypted tokens (JWE) are not accepted";
        }
        Object cty = header.get("cty");
        if (cty != null && !(cty instanceof String)) {
            return "header cty is not a string";
        }
        if (cty instanceof String contentType && HeaderPolicy.mediaType(contentType).equals("jwt")) {
            return "header has cty JWT: nested tokens are not accepted";
        }
        return null;
    }

    /**
     * True when the text has the shape of a signed JWT (three non-empty base64url segments, within the size
     * bound), so that other bearer tokens can be sent elsewhere (introspection) without being parsed as one.
     */
    static boolean looksLikeJwt(String token) {
        // Only tells JWTs from opaque tokens: a JOSE header is a JSON object, so its base64url starts with "eyJ",
        // and a compact JWS has exactly two dots. Everything else about the token is checked strictly when it
        // is verified; a token already verified is recognised from the cache without a full scan.
        if (token.length() > MAX_LENGTH || !token.startsWith("eyJ")) {
            return false;
        }
        int first = token.indexOf('.');
        int second = first < 0 ? -1 : token.indexOf('.', first + 1);
        return second > first + 1 && second < token.length() - 1 && token.indexOf('.', second + 1) < 0;
    }

    /** The decoded bytes, or null unless the text is the one canonical unpadded base64url spelling of them. */
    private static byte @Nullable [] decode(String text) {
        for (int i = 0; i < text.length(); i++) {
            if (!isBase64Url(text.charAt(i))) {
                return null;
            }
        }
        if (text.length() % 4 == 1) {
            return null;
        }
        byte[] bytes = DECODER.decode(text);
        // The last character may carry unused bits; a decoder ignores them, so only re-encoding tells whether
        // the text is the one spelling of these bytes.
        return ENCODER.encodeToString(bytes).equals(text) ? bytes : null;
    }

    private static final boolean[] BASE64URL = new boolean[128];

    static {
        for (char c = 'A'; c <= 'Z'; c++) {
            BASE64URL[c] = true;
        }
        for (char c = 'a'; c <= 'z'; c++) {
            BASE64URL[c] = true;
        }
        for (char c = '0'; c <= '9'; c++) {
            BASE64URL[c] = true;
        }
        BASE64URL['-'] = true;
        BASE64URL['_'] = true;
    }

    private static boolean isBase64Url(char c) {
        return c < 128 && BASE64URL[c];
    }

    private static int segments(String token) {
        int count = 1;
        for (int i = 0; i < token.length(); i++) {
            if (token.charAt(i) == '.') {
                count++;
            }
        }
        return count;
    }
}
