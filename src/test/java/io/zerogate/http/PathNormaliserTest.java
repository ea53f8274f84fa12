package io.zerogate.http;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatNullPointerException;
import static org.junit.jupiter.params.provider.Arguments.arguments;

import io.zerogate.http.PathNormaliser.Ok;
import io.zerogate.http.PathNormaliser.Reason;
import io.zerogate.http.PathNormaliser.Rejected;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

class PathNormaliserTest {

    static Stream<Arguments> accepted() {
        return Stream.of(
                // already normal
                arguments("/", "/", null),
                arguments("/a/b", "/a/b", null),
                arguments("/a/b/", "/a/b/", null),
                arguments("/...", "/...", null),
                arguments("/.a/..b/a.", "/.a/..b/a.", null),
                arguments("/-._~!$&'()*+,=:@", "/-._~!$&'()*+,=:@", null),
                arguments("/a%20b", "/a%20b", null),
                arguments("/a/%3F/%23", "/a/%3F/%23", null),
                // dot segments (RFC 3986 5.2.4)
                arguments("/a/./b/../c", "/a/c", null),
                arguments("/a/b/..", "/a/", null),
                arguments("/a/b/../", "/a/", null),
                arguments("/a/.", "/a/", null),
                arguments("/a/./", "/a/", null),
                arguments("/.", "/", null),
                arguments("/a/..", "/", null),
                arguments("/a/b/../../c", "/c", null),
                arguments("/a/./././b", "/a/b", null),
                // empty segments
                arguments("//a///b", "/a/b", null),
                arguments("/a//", "/a/", null),
                arguments("//", "/", null),
                arguments("///", "/", null),
                arguments("/a/..//b", "/b", null),
                // percent-encoding
                arguments("/%7euser", "/~user", null),
                arguments("/%7Euser", "/~user", null),
                arguments("/%41%62%63%2D%5F%2E%30", "/Abc-_.0", null),
                arguments("/a%2eb", "/a.b", null),
                arguments("/a/%2e%2ex", "/a/..x", null),
                arguments("/a%e2%82%ac", "/a%E2%82%AC", null),
                arguments("/a%E2%82%AC", "/a%E2%82%AC", null),
                arguments("/%2a%3f", "/%2A%3F", null),
                arguments("/a/../%7e", "/~", null),
                // query: validated, kept verbatim
                arguments("/a?x=1", "/a", "x=1"),
                arguments("/a?", "/a", ""),
                arguments("/?", "/", ""),
                arguments("/a/./b?q", "/a/b", "q"),
                arguments("/a?x=%2f&y=/?z", "/a", "x=%2f&y=/?z"),
                arguments("/a?x=%e2%82%ac&%7e", "/a", "x=%e2%82%ac&%7e"),
                arguments("/a?x=../..&y=%00", "/a", "x=../..&y=%00"),
                arguments("/%7e/?a=b", "/~/", "a=b"));
    }

    @ParameterizedTest(name = "{0} -> {1} ? {2}")
    @MethodSource("accepted")
    void acceptsAndNormalises(String target, String path, String query) {
        assertThat(PathNormaliser.normalise(target)).isEqualTo(new Ok(path, query));
        // Normal form is a fixed point: normalising again changes nothing.
        assertThat(PathNormaliser.normalise(path)).isEqualTo(new Ok(path, null));
    }

    static Stream<Arguments> refused() {
        return Stream.of(
                arguments("", Reason.NOT_ORIGIN_FORM),
                arguments("a/b", Reason.NOT_ORIGIN_FORM),
                arguments("*", Reason.NOT_ORIGIN_FORM),
                arguments("http://example.com/a", Reason.NOT_ORIGIN_FORM),
                arguments("?x", Reason.NOT_ORIGIN_FORM),
                arguments("/a%", Reason.BAD_PERCENT_ENCODING),
                arguments("/a%4", Reason.BAD_PERCENT_ENCODING),
                arguments("/a%4/b", Reason.BAD_PERCENT_ENCODING),
                arguments("/a%zz", Reason.BAD_PERCENT_ENCODING),
                arguments("/a%g0", Reason.BAD_PERCENT_ENCODING),
                arguments("/a%4?x", Reason.BAD_PERCENT_ENCODING),
                arguments("/a%\u0661\u0662", Reason.BAD_PERCENT_ENCODING), // Arabic-Indic digits are not HEXDIG
                arguments("/a%2fb", Reason.ENCODED_SLASH),
                arguments("/a%2Fb", Reason.ENCODED_SLASH),
                arguments("/a%5cb", Reason.ENCODED_BACKSLASH),
                arguments("/a%5C", Reason.ENCODED_BACKSLASH),
                arguments("/a%00", Reason.ENCODED_NUL),
                arguments("/a/%2e%2e/b", Reason.ENCODED_DOT_SEGMENT),
                arguments("/%2E./x", Reason.ENCODED_DOT_SEGMENT),
                arguments("/.%2e/x", Reason.ENCODED_DOT_SEGMENT),
                arguments("/%2E%2e", Reason.ENCODED_DOT_SEGMENT),
                arguments("/a/%2e", Reason.ENCODED_DOT_SEGMENT),
                arguments("/a/%2e/", Reason.ENCODED_DOT_SEGMENT),
                arguments("/%2e%2e;x/", Reason.PATH_PARAMETERS),
                arguments("/api/admin;x", Reason.PATH_PARAMETERS),
                arguments("/api/admin;jsessionid=1", Reason.PATH_PARAMETERS),
                arguments("/api/admin%3Bx", Reason.PATH_PARAMETERS),
                arguments("/a;b=c/d", Reason.PATH_PARAMETERS),
                arguments("/..", Reason.DOT_SEGMENT_ABOVE_ROOT),
                arguments("/../a", Reason.DOT_SEGMENT_ABOVE_ROOT),
                arguments("/a/../../b", Reason.DOT_SEGMENT_ABOVE_ROOT),
                arguments("/a/./../..", Reason.DOT_SEGMENT_ABOVE_ROOT),
                arguments("//..", Reason.DOT_SEGMENT_ABOVE_ROOT),
                arguments("/a\\b", Reason.BACKSLASH),
                arguments("/a/..\\..\\b", Reason.BACKSLASH),
                arguments("/..;/admin", Reason.PATH_PARAMETERS),
                arguments("/a/.;x/b", Reason.PATH_PARAMETERS),
                arguments("/a/..;jsessionid=1", Reason.PATH_PARAMETERS),
                arguments("/a/.;", Reason.PATH_PARAMETERS),
                arguments("/..%3B/admin", Reason.PATH_PARAMETERS),
                arguments("/.%3bx", Reason.PATH_PARAMETERS),
                arguments("/a#b", Reason.FRAGMENT),
                arguments("/a#", Reason.FRAGMENT),
                arguments("/a/#", Reason.FRAGMENT),
                arguments("/a?x#y", Reason.FRAGMENT),
                arguments("/a?x=%", Reason.BAD_PERCENT_ENCODING),
                arguments("/a?x=%zz", Reason.BAD_PERCENT_ENCODING),
                arguments("/a?x=%4", Reason.BAD_PERCENT_ENCODING),
                arguments("/a?x y", Reason.INVALID_CHARACTER),
                arguments("/a?x=\u0001", Reason.INVALID_CHARACTER),
                arguments("/a?x=\u00e9", Reason.INVALID_CHARACTER),
                arguments("/a?x=\"", Reason.INVALID_CHARACTER),
                arguments("/a?x=\\", Reason.INVALID_CHARACTER),
                arguments("/a b", Reason.INVALID_CHARACTER),
                arguments("/a\tb", Reason.INVALID_CHARACTER),
                arguments("/a\u0000", Reason.INVALID_CHARACTER),
                arguments("/a\u007f", Reason.INVALID_CHARACTER),
                arguments("/a\r\nb", Reason.INVALID_CHARACTER),
                arguments("/caf\u00e9", Reason.INVALID_CHARACTER),
                // "café" as raw UTF-8 bytes read one char per byte
                arguments("/caf\u00c3\u00a9", Reason.INVALID_CHARACTER),
                arguments("/\u20ac", Reason.INVALID_CHARACTER));
    }

    @ParameterizedTest(name = "{0} -> {1}")
    @MethodSource("refused")
    void refuses(String target, Reason reason) {
        assertThat(PathNormaliser.normalise(target)).isEqualTo(new Rejected(reason));
    }

    @ParameterizedTest(name = "raw {0}")
    @MethodSource("unsafeCharacters")
    void refusesEachCharacterOutsidePathCharacters(String character) {
        assertThat(PathNormaliser.normalise("/a" + character + "b")).isEqualTo(new Rejected(Reason.INVALID_CHARACTER));
    }

    static Stream<String> unsafeCharacters() {
        return Stream.of(" ", "\"", "<", ">", "^", "`", "{", "|", "}", "[", "]", "\u0000", "\u001f", "\u0080");
    }

    @Test
    void everyAsciiCharacterIsEitherAPathCharacterOrRefused() {
        String allowed = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~!$&'()*+,=:@";
        for (char c = 0; c < 128; c++) {
            if (c == '/' || c == '?' || c == '%' || c == '#' || c == '.') {
                continue;
            }
            String target = "/x" + c + "y";
            if (allowed.indexOf(c) >= 0) {
                assertThat(PathNormaliser.normalise(target)).as("char %d", (int) c).isEqualTo(new Ok(target, null));
            } else {
                assertThat(PathNormaliser.normalise(target)).as("char %d", (int) c)
                        .isEqualTo(new Rejected(c == '\\' ? Reason.BACKSLASH : c == ';' ? Reason.PATH_PARAMETERS
                                : Reason.INVALID_CHARACTER));
            }
        }
    }

    @Test
    void returnsTheInputItselfWhenNothingChanges() {
        String target = "/users/42/orders/";
        assertThat(((Ok) PathNormaliser.normalise(target)).path()).isSameAs(target);
    }

    @Test
    void refusalsAreSharedAndEveryReasonHasAMessage() {
        assertThat(PathNormaliser.normalise("/a%2f")).isSameAs(PathNormaliser.normalise("/b%2F"));
        for (Reason reason : Reason.values()) {
            assertThat(reason.message()).isNotBlank();
        }
        assertThat(Reason.ENCODED_SLASH.message()).isEqualTo("path contains an encoded '/' (%2F)");
    }

    @Test
    void refusesNull() {
        assertThatNullPointerException().isThrownBy(() -> PathNormaliser.normalise(null))
                .withMessage("requestTarget");
        assertThatNullPointerException().isThrownBy(() -> PathNormaliser.decodeSegment(null)).withMessage("s");
    }

    static Stream<Arguments> decoded() {
        return Stream.of(
                arguments("abc", "abc"),
                arguments("", ""),
                arguments("a%20b", "a b"),
                arguments("a+b", "a+b"),
                arguments("%E2%82%AC", "\u20ac"),
                arguments("%e2%82%ac", "\u20ac"),
                arguments("%C3%A9t%C3%A9", "\u00e9t\u00e9"),
                arguments("%F0%9F%98%80", "\ud83d\ude00"),
                arguments("%EF%BF%BF", "\uffff"),
                arguments("%2F%3B%00", "/;\u0000"),
                arguments("%7Euser", "~user"));
    }

    @ParameterizedTest(name = "{0} -> {1}")
    @MethodSource("decoded")
    void decodesSegments(String segment, String expected) {
        assertThat(PathNormaliser.decodeSegment(segment)).isEqualTo(expected);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("undecodable")
    void refusesToDecodeMalformedSegments(String segment) {
        assertThat(PathNormaliser.decodeSegment(segment)).isNull();
    }

    static Stream<String> undecodable() {
        return Stream.of(
                "%", "%4", "a%zz", "%G1",
                "%FF", "%80", "%C0%AF", "%C1%BF", // bare continuation, overlong '/'
                "%E0%80%AF", "%ED%A0%80", "%ED%BF%BF", // overlong, UTF-16 surrogates
                "%F0%80%80%AF", "%F4%90%80%80", "%F5%80%80%80", // overlong, above U+10FFFF
                "%E2%82", "%E2%82x", "%C3", "%C3%28", // truncated, bad continuation
                "caf\u00e9"); // raw non-ASCII never occurs in a normalised path
    }

    @Test
    void returnsAnUnescapedSegmentItself() {
        String segment = "plain-segment";
        assertThat(PathNormaliser.decodeSegment(segment)).isSameAs(segment);
    }
}
