package io.zerogate.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.params.provider.Arguments.arguments;

import io.zerogate.config.PathTemplate.CatchAll;
import io.zerogate.config.PathTemplate.Literal;
import io.zerogate.config.PathTemplate.Parameter;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

class PathTemplateTest {

    @Test
    void parsesLiteralsParametersAndCatchAll() {
        PathTemplate template = PathTemplate.parse("/users/{id}/files/{path...}");

        assertThat(template.segments()).containsExactly(
                new Literal("users"), new Parameter("id"), new Literal("files"), new CatchAll("path"));
        assertThat(template.parameterNames()).containsExactly("id", "path");
        assertThat(template.hasTrailingSlash()).isFalse();
        assertThat(template.text()).isEqualTo("/users/{id}/files/{path...}");
        assertThat(template).hasToString("/users/{id}/files/{path...}");
        assertThat(template.shape()).isEqualTo("/users/{}/files/{...}");
    }

    @Test
    void rootIsTheEmptyPathWithATrailingSlash() {
        PathTemplate root = PathTemplate.parse("/");

        assertThat(root.segments()).isEmpty();
        assertThat(root.hasTrailingSlash()).isTrue();
        assertThat(root.shape()).isEqualTo("/");
    }

    @Test
    void trailingSlashIsSignificant() {
        PathTemplate withSlash = PathTemplate.parse("/orders/{id}/");
        PathTemplate without = PathTemplate.parse("/orders/{id}");

        assertThat(withSlash.hasTrailingSlash()).isTrue();
        assertThat(withSlash.segments()).isEqualTo(without.segments());
        assertThat(withSlash.shape()).isEqualTo("/orders/{}/");
        assertThat(withSlash).isNotEqualTo(without);
    }

    @Test
    void shapeIgnoresParameterNames() {
        assertThat(PathTemplate.parse("/a/{x}/b/{rest...}").shape())
                .isEqualTo(PathTemplate.parse("/a/{y}/b/{tail...}").shape());
        assertThat(PathTemplate.parse("/a/{x}")).isNotEqualTo(PathTemplate.parse("/a/{y}"));
        assertThat(PathTemplate.parse("/a/{x}")).isEqualTo(PathTemplate.parse("/a/{x}"))
                .hasSameHashCodeAs(PathTemplate.parse("/a/{x}"));
    }

    @Test
    void acceptsLiteralsInNormalForm() {
        assertThat(PathTemplate.parse("/a=1/%E2%82%AC/~user/-._!$&'()*+,=:@/...").segments())
                .containsExactly(new Literal("a=1"), new Literal("%E2%82%AC"), new Literal("~user"),
                        new Literal("-._!$&'()*+,=:@"), new Literal("..."));
        assertThat(PathTemplate.parse("/{_}/{a1}/{A_b9}").parameterNames()).containsExactly("_", "a1", "A_b9");
        assertThat(PathTemplate.parse("/Case/case").segments()).containsExactly(new Literal("Case"), new Literal("case"));
    }

    static Stream<Arguments> invalid() {
        return Stream.of(
                arguments("", "path template '': must start with '/'"),
                arguments("orders/{id}", "path template 'orders/{id}': must start with '/'"),
                arguments("/a//b", "path template '/a//b': segment 2 is empty ('//' at index 2)"),
                arguments("//", "path template '//': segment 1 is empty ('//' at index 0)"),
                arguments("/a//", "path template '/a//': segment 2 is empty ('//' at index 2)"),
                arguments("/{path...}/x",
                        "path template '/{path...}/x': segment 1 '{path...}': a catch-all must be the last segment"),
                arguments("/files/{path...}/", "path template '/files/{path...}/': segment 2 '{path...}': "
                        + "a catch-all must be the last segment (no trailing '/' after it)"),
                arguments("/a/{id}/b/{id}", "path template '/a/{id}/b/{id}': segment 4 '{id}': "
                        + "duplicate parameter name 'id' (already used in segment 2)"),
                arguments("/{id}/{id...}", "path template '/{id}/{id...}': segment 2 '{id...}': "
                        + "duplicate parameter name 'id' (already used in segment 1)"),
                arguments("/{1st}", "path template '/{1st}': segment 1 '{1st}': "
                        + "parameter name '1st' is invalid (expected: [A-Za-z_][A-Za-z0-9_]*)"),
                arguments("/t/{enterprise-team}", "path template '/t/{enterprise-team}': segment 2 '{enterprise-team}': "
                        + "parameter name 'enterprise-team' is invalid (expected: [A-Za-z_][A-Za-z0-9_]*)"),
                arguments("/{a{b}", "path template '/{a{b}': segment 1 '{a{b}': "
                        + "parameter name 'a{b' is invalid (expected: [A-Za-z_][A-Za-z0-9_]*)"),
                arguments("/{}", "path template '/{}': segment 1 '{}': empty parameter name"),
                arguments("/{...}", "path template '/{...}': segment 1 '{...}': empty parameter name"),
                arguments("/a{b}c", "path template '/a{b}c': segment 1 'a{b}c': "
                        + "a parameter must be the whole segment (text before or after '{...}' is not supported)"),
                arguments("/compare/{base}...{head}", "path template '/compare/{base}...{head}': segment 2 "
                        + "'{base}...{head}': a parameter must be the whole segment "
                        + "(text before or after '{...}' is not supported)"),
                arguments("/v{version}", "path template '/v{version}': segment 1 'v{version}': "
                        + "a parameter must be the whole segment (text before or after '{...}' is not supported)"),
                arguments("/users/{id", "path template '/users/{id': segment 2 '{id': unclosed '{'"),
                arguments("/a}", "path template '/a}': segment 1 'a}': '}' without a preceding '{'"),
                arguments("/}a{", "path template '/}a{': segment 1 '}a{': '}' without a preceding '{'"),
                arguments("/a?b=1", "path template '/a?b=1': '?' at index 2: a template matches the path only, "
                        + "not the query"),
                arguments("/caches{?key,ref}", "path template '/caches{?key,ref}': '?' at index 8: "
                        + "a template matches the path only, not the query"),
                arguments("/a#b", "path template '/a#b': '#' at index 2: a request path never carries a fragment"),
                arguments("/a/../b", "path template '/a/../b': segment 2 '..': "
                        + "dot segments are not allowed (paths are matched after '..' is resolved or refused)"),
                arguments("/./b", "path template '/./b': segment 1 '.': "
                        + "dot segments are not allowed (paths are matched after '.' is resolved or refused)"),
                arguments("/a/..;x", "path template '/a/..;x': segment 2 '..;x': "
                        + "dot segments are not allowed (paths are matched after '..' is resolved or refused)"),
                arguments("/a b", "path template '/a b': segment 1 'a b': not a valid path segment: "
                        + "request target contains a character that is not allowed in a URI"),
                arguments("/a\\b", "path template '/a\\b': segment 1 'a\\b': not a valid path segment: "
                        + "path contains '\\'"),
                arguments("/a%2fb", "path template '/a%2fb': segment 1 'a%2fb': not a valid path segment: "
                        + "path contains an encoded '/' (%2F)"),
                arguments("/a%zz", "path template '/a%zz': segment 1 'a%zz': not a valid path segment: "
                        + "'%' is not followed by two hex digits"),
                arguments("/%7euser", "path template '/%7euser': segment 1 '%7euser': not in normalised form, "
                        + "which is '~user' (a request path is normalised before it is matched)"),
                arguments("/%e2%82%ac", "path template '/%e2%82%ac': segment 1 '%e2%82%ac': not in normalised "
                        + "form, which is '%E2%82%AC' (a request path is normalised before it is matched)"));
    }

    @ParameterizedTest(name = "[{index}] {0}")
    @MethodSource("invalid")
    void refusesWithAPreciseMessage(String template, String message) {
        assertThatIllegalArgumentException().isThrownBy(() -> PathTemplate.parse(template)).withMessage(message);
    }

    @Test
    void parameterNamesAreImmutable() {
        List<String> names = PathTemplate.parse("/{a}/{b}").parameterNames();
        assertThatThrownBy(() -> names.add("c"))
                .isInstanceOf(UnsupportedOperationException.class);
    }
}
