package io.zerogate.identity;

import io.zerogate.chain.QueryString;
import io.zerogate.chain.ReasonCode;
import io.zerogate.chain.RequestHead;
import io.zerogate.config.RouteAuthentication;
import java.util.List;
import java.util.Locale;
import org.jspecify.annotations.Nullable;

/**
 * The one credential a request presents, read from where credentials may be: the {@code Authorization}
 * header ({@code Bearer} or {@code DPoP} with a token68), the API key header, and the API key query parameter
 * where the route allows it. Two credentials, or one in two places, are refused: which of them the caller
 * meant is a guess the gateway does not make.
 */
public sealed interface PresentedCredential {

    /** Tokens and keys longer than this are refused before anything parses them. */
    int MAX_LENGTH = 16 * 1024;

    /** Nothing was presented. */
    enum None implements PresentedCredential {
        INSTANCE
    }

    /** An access token from {@code Authorization}. {@code dpop} is true for the {@code DPoP} scheme. */
    record Token(String token, boolean dpop) implements PresentedCredential {}

    /** An API key, from the header or (where allowed) the query. */
    record ApiKey(String key, boolean fromQuery) implements PresentedCredential {}

    /** Something was presented that cannot be used; the reason says why. */
    record Unusable(ReasonCode reason, String detail) implements PresentedCredential {}

    /**
     * Reads the credential of a request.
     *
     * @param apiKeyHeader the API key header name, or null when API keys are not configured
     */
    static PresentedCredential read(RequestHead request, RouteAuthentication route, @Nullable String apiKeyHeader) {
        List<String> authorization = request.headers("authorization");
        List<String> keyHeaders = apiKeyHeader == null ? List.of() : request.headers(apiKeyHeader);
        List<String> keyParams = route.apiKeyQuery() == null ? List.of() : QueryString.values(request.query(), route.apiKeyQuery());
        int places = authorization.size() + keyHeaders.size() + keyParams.size();
        if (places > 1) {
            return new Unusable(ReasonCode.CREDENTIAL_AMBIGUOUS,
                    "credentials in " + places + " places (authorization: " + authorization.size() + ", api key header: "
                            + keyHeaders.size() + ", api key query: " + keyParams.size() + ")");
        }
        if (!QueryString.values(request.query(), "access_token").isEmpty()) {
            // RFC 6750 section 2.3: tokens in URLs end up in logs and histories; they are never accepted.
            return new Unusable(ReasonCode.CREDENTIAL_NOT_ACCEPTED, "access_token in the query string is not accepted");
        }
        if (places == 0) {
            return None.INSTANCE;
        }
        if (!authorization.isEmpty()) {
            return authorization(authorization.get(0));
        }
        boolean fromQuery = keyHeaders.isEmpty();
        String key = fromQuery ? keyParams.get(0) : keyHeaders.get(0).strip();
        if (key.isEmpty() || key.length() > MAX_LENGTH) {
            return new Unusable(ReasonCode.API_KEY_REJECTED, "API key is empty or longer than " + MAX_LENGTH + " characters");
        }
        return new ApiKey(key, fromQuery);
    }

    private static PresentedCredential authorization(String value) {
        int space = value.indexOf(' ');
        if (space <= 0) {
            return new Unusable(ReasonCode.TOKEN_MALFORMED, "Authorization header has no scheme and credentials");
        }
        String scheme = value.substring(0, space).toLowerCase(Locale.ROOT);
        boolean dpop = scheme.equals("dpop");
        if (!dpop && !scheme.equals("bearer")) {
            return new Unusable(ReasonCode.CREDENTIAL_NOT_ACCEPTED,
                    "Authorization scheme " + printable(value.substring(0, space)) + " is not accepted (expected: Bearer or DPoP)");
        }
        String token = value.substring(space + 1).strip();
        if (token.isEmpty() || token.length() > MAX_LENGTH) {
            return new Unusable(ReasonCode.TOKEN_MALFORMED, "token is empty or longer than " + MAX_LENGTH + " characters");
        }
        if (!isToken68(token)) {
            return new Unusable(ReasonCode.TOKEN_MALFORMED, "token is not a token68 value");
        }
        return new Token(token, dpop);
    }

    /** RFC 9110 section 11.2: {@code 1*( ALPHA / DIGIT / "-" / "." / "_" / "~" / "+" / "/" ) *"="}. */
    private static boolean isToken68(String s) {
        int i = 0;
        int n = s.length();
        while (i < n && token68Char(s.charAt(i))) {
            i++;
        }
        if (i == 0) {
            return false;
        }
        while (i < n && s.charAt(i) == '=') {
            i++;
        }
        return i == n;
    }

    private static boolean token68Char(char c) {
        return c < 128 && Token68.CHARS[c];
    }

    /** The token68 alphabet as a table: every request with a token is scanned against it. */
    final class Token68 {
        static final boolean[] CHARS = new boolean[128];

        static {
            for (char c = 'A'; c <= 'Z'; c++) {
                CHARS[c] = true;
                CHARS[Character.toLowerCase(c)] = true;
            }
            for (char c = '0'; c <= '9'; c++) {
                CHARS[c] = true;
            }
            for (char c : "-._~+/".toCharArray()) {
                CHARS[c] = true;
            }
        }

        private Token68() {}
    }

    /** The scheme as it may appear in a log: at most 20 visible ASCII characters. */
    private static String printable(String scheme) {
        StringBuilder b = new StringBuilder();
        for (int i = 0; i < scheme.length() && b.length() < 20; i++) {
            char c = scheme.charAt(i);
            b.append(c > 0x20 && c < 0x7f ? c : '?');
        }
        return "'" + b + "'";
    }
}
