package io.zerogate.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.zerogate.config.Router.Found;
import io.zerogate.config.Router.MethodNotAllowed;
import io.zerogate.config.Router.NotFound;
import io.zerogate.config.Router.Result;
import io.zerogate.http.PathNormaliser;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

class RouterTest {

    private static final Set<String> ANY = Set.of();

    private static <T> Found<T> found(T value, String... keysAndValues) {
        Map<String, String> params = new LinkedHashMap<>();
        for (int i = 0; i < keysAndValues.length; i += 2) {
            params.put(keysAndValues[i], keysAndValues[i + 1]);
        }
        return new Found<>(value, params);
    }

    private static <T> MethodNotAllowed<T> notAllowed(String... methods) {
        return new MethodNotAllowed<>(Set.of(methods));
    }

    @Nested
    class PathPrecedence {

        @Test
        void literalBeatsParameterWithBacktracking() {
            Router<String> router = Router.<String>builder()
                    .add(null, ANY, "/a/{x}/c", "x-c")
                    .add(null, ANY, "/a/b/{y}", "b-y")
                    .build();

            assertThat(router.route("h", "GET", "/a/b/c")).isEqualTo(found("b-y", "y", "c"));
            assertThat(router.route("h", "GET", "/a/z/c")).isEqualTo(found("x-c", "x", "z"));
            assertThat(router.route("h", "GET", "/a/b/d")).isEqualTo(found("b-y", "y", "d"));
            assertThat(router.route("h", "GET", "/a/z/d")).isSameAs(NotFound.instance());
        }

        @Test
        void literalBeatsParameterBeatsCatchAll() {
            Router<String> router = Router.<String>builder()
                    .add(null, ANY, "/files/{path...}", "catch-all")
                    .add(null, ANY, "/files/{name}", "parameter")
                    .add(null, ANY, "/files/readme", "literal")
                    .build();

            assertThat(router.route("h", "GET", "/files/readme")).isEqualTo(found("literal"));
            assertThat(router.route("h", "GET", "/files/x")).isEqualTo(found("parameter", "name", "x"));
            assertThat(router.route("h", "GET", "/files/readme/x")).isEqualTo(found("catch-all", "path", "readme/x"));
            assertThat(router.route("h", "GET", "/files/x/y/")).isEqualTo(found("catch-all", "path", "x/y/"));
            assertThat(router.route("h", "GET", "/files/x/")).isEqualTo(found("catch-all", "path", "x/"));
            // A catch-all takes one or more segments, never none.
            assertThat(router.route("h", "GET", "/files/")).isSameAs(NotFound.instance());
            assertThat(router.route("h", "GET", "/files")).isSameAs(NotFound.instance());
        }

        @Test
        void deeperLiteralDoesNotOverrideEarlierLiteral() {
            Router<String> router = Router.<String>builder()
                    .add(null, ANY, "/pulls/comments/{comment_id}", "comment")
                    .add(null, ANY, "/pulls/{pull_number}/comments", "pull-comments")
                    .build();

            // Both take the path; the literal at the first differing position decides.
            assertThat(router.route("h", "GET", "/pulls/comments/comments"))
                    .isEqualTo(found("comment", "comment_id", "comments"));
            assertThat(router.route("h", "GET", "/pulls/7/comments"))
                    .isEqualTo(found("pull-comments", "pull_number", "7"));
        }

        @Test
        void trailingSlashAndRootAreSignificant() {
            Router<String> router = Router.<String>builder()
                    .add(null, ANY, "/", "root")
                    .add(null, ANY, "/a", "a")
                    .add(null, ANY, "/a/", "a/")
                    .add(null, ANY, "/b/{id}/", "b/id/")
                    .build();

            assertThat(router.route("h", "GET", "/")).isEqualTo(found("root"));
            assertThat(router.route("h", "GET", "/a")).isEqualTo(found("a"));
            assertThat(router.route("h", "GET", "/a/")).isEqualTo(found("a/"));
            assertThat(router.route("h", "GET", "/b/1/")).isEqualTo(found("b/id/", "id", "1"));
            assertThat(router.route("h", "GET", "/b/1")).isSameAs(NotFound.instance());
            assertThat(router.route("h", "GET", "/b")).isSameAs(NotFound.instance());
        }

        @Test
        void literalsAreCaseSensitiveAndWhole() {
            Router<String> router = Router.<String>builder()
                    .add(null, ANY, "/Admin", "admin")
                    .add(null, ANY, "/ab", "ab")
                    .build();

            assertThat(router.route("h", "GET", "/Admin")).isEqualTo(found("admin"));
            assertThat(router.route("h", "GET", "/admin")).isSameAs(NotFound.instance());
            assertThat(router.route("h", "GET", "/a")).isSameAs(NotFound.instance());
            assertThat(router.route("h", "GET", "/abc")).isSameAs(NotFound.instance());
        }

        @Test
        void pathsThatAreNotNormalisedMatchNothing() {
            Router<String> router = Router.<String>builder()
                    .add(null, ANY, "/{a}/{b}", "two")
                    .add(null, ANY, "/x/{rest...}", "rest")
                    .build();

            assertThat(router.route("h", "GET", "")).isSameAs(NotFound.instance());
            assertThat(router.route("h", "GET", "a/b")).isSameAs(NotFound.instance());
            assertThat(router.route("h", "GET", "//b")).isSameAs(NotFound.instance());
            assertThat(router.route("h", "GET", "/a//")).isSameAs(NotFound.instance());
        }
    }

    @Nested
    class Methods {

        @Test
        void methodSpecificBeatsAnyMethodOnTheSameTemplate() {
            Router<String> router = Router.<String>builder()
                    .add(null, ANY, "/a/{x}", "any")
                    .add(null, Set.of("GET"), "/a/{y}", "get")
                    .build();

            assertThat(router.route("h", "GET", "/a/1")).isEqualTo(found("get", "y", "1"));
            assertThat(router.route("h", "DELETE", "/a/1")).isEqualTo(found("any", "x", "1"));
        }

        @Test
        void searchGoesOnWhenABranchDoesNotTakeTheMethod() {
            Router<String> router = Router.<String>builder()
                    .add(null, Set.of("GET"), "/a/b", "get-literal")
                    .add(null, Set.of("POST"), "/a/{x}", "post-parameter")
                    .build();

            assertThat(router.route("h", "GET", "/a/b")).isEqualTo(found("get-literal"));
            assertThat(router.route("h", "POST", "/a/b")).isEqualTo(found("post-parameter", "x", "b"));
            assertThat(router.route("h", "PUT", "/a/b")).isEqualTo(notAllowed("GET", "POST"));
            assertThat(router.route("h", "GET", "/a/z")).isEqualTo(notAllowed("POST"));
            assertThat(router.route("h", "GET", "/z")).isSameAs(NotFound.instance());
        }

        @Test
        void methodNotAllowedListsTheMethodsSorted() {
            Router<String> router = Router.<String>builder()
                    .add(null, Set.of("PUT", "DELETE"), "/r/{id}", "write")
                    .add(null, Set.of("GET"), "/r/{id}", "read")
                    .add(null, Set.of("PATCH"), "/r/{id}/x", "other path")
                    .build();

            Result<String> result = router.route("h", "post", "/r/1");

            assertThat(result).isEqualTo(notAllowed("DELETE", "GET", "PUT"));
            assertThat(((MethodNotAllowed<String>) result).allowed()).containsExactly("DELETE", "GET", "PUT");
            assertThatThrownBy(() -> ((MethodNotAllowed<String>) result).allowed().add("POST"))
                    .isInstanceOf(UnsupportedOperationException.class);
        }

        @Test
        void refusesMalformedMethods() {
            Router.Builder<String> builder = Router.builder();

            assertThatIllegalArgumentException().isThrownBy(() -> builder.add(null, Set.of("get"), "/a", "v"))
                    .withMessage("method 'get': expected an upper-case HTTP method token such as 'GET'");
            assertThatIllegalArgumentException().isThrownBy(() -> builder.add(null, Set.of(""), "/a", "v"))
                    .withMessage("method '': expected an upper-case HTTP method token such as 'GET'");
            assertThatIllegalArgumentException().isThrownBy(() -> builder.add(null, Set.of("GE T"), "/a", "v"))
                    .withMessage("method 'GE T': expected an upper-case HTTP method token such as 'GET'");
        }
    }

    @Nested
    class Hosts {

        private final Router<String> router = Router.<String>builder()
                .add(null, ANY, "/{x}", "any host")
                .add(null, ANY, "/shared", "any host shared")
                .add("*.example.com", ANY, "/{x}", "*.example.com")
                .add("*.api.example.com", ANY, "/{x}", "*.api.example.com")
                .add("*.api.example.com", ANY, "/only/wildcard", "*.api.example.com only")
                .add("v1.api.example.com", Set.of("GET"), "/{x}", "exact")
                .build();

        @Test
        void exactBeatsLongerWildcardBeatsShorterWildcardBeatsAny() {
            assertThat(router.route("v1.api.example.com", "GET", "/p")).isEqualTo(found("exact", "x", "p"));
            assertThat(router.route("v2.api.example.com", "GET", "/p")).isEqualTo(found("*.api.example.com", "x", "p"));
            assertThat(router.route("a.b.api.example.com", "GET", "/p"))
                    .isEqualTo(found("*.api.example.com", "x", "p"));
            assertThat(router.route("api.example.com", "GET", "/p")).isEqualTo(found("*.example.com", "x", "p"));
            assertThat(router.route("example.com", "GET", "/p")).isEqualTo(found("any host", "x", "p"));
            assertThat(router.route("other.org", "GET", "/p")).isEqualTo(found("any host", "x", "p"));
        }

        @Test
        void wildcardNeedsALabelBeforeTheDomainAndALabelBoundary() {
            assertThat(router.route("badexample.com", "GET", "/p")).isEqualTo(found("any host", "x", "p"));
            assertThat(router.route(".example.com", "GET", "/p")).isEqualTo(found("any host", "x", "p"));
            assertThat(router.route("xapi.example.com", "GET", "/p")).isEqualTo(found("*.example.com", "x", "p"));
        }

        @Test
        void fallsBackToALessSpecificBucketOnlyWhenThePathMatchesNothing() {
            // The exact bucket has no '/a/b' route at all: the wildcard and then the any-host bucket answer.
            assertThat(router.route("v1.api.example.com", "GET", "/only/wildcard"))
                    .isEqualTo(found("*.api.example.com only"));
            assertThat(router.route("v1.api.example.com", "GET", "/shared")).isEqualTo(found("exact", "x", "shared"));
            assertThat(router.route("v1.api.example.com", "GET", "/a/b")).isSameAs(NotFound.instance());
            // The exact bucket takes the path but not the method: it answers, without falling back.
            assertThat(router.route("v1.api.example.com", "POST", "/p")).isEqualTo(notAllowed("GET"));
        }

        @Test
        void hostIsComparedCaseInsensitively() {
            assertThat(router.route("V1.API.Example.COM", "GET", "/p")).isEqualTo(found("exact", "x", "p"));
            Router<String> upper = Router.<String>builder().add("API.Example.com", ANY, "/", "folded").build();
            assertThat(upper.route("api.example.com", "GET", "/")).isEqualTo(found("folded"));
            assertThat(upper.route("api.example.com:443", "GET", "/")).isSameAs(NotFound.instance());
        }

        @Test
        void refusesMalformedHostPatterns() {
            Router.Builder<String> builder = Router.builder();

            assertThatIllegalArgumentException().isThrownBy(() -> builder.add("", ANY, "/", "v"))
                    .withMessage("host '': expected a host name, '*.' and a domain, or null for any host");
            assertThatIllegalArgumentException().isThrownBy(() -> builder.add("*.", ANY, "/", "v"))
                    .withMessage("host '*.': expected a host name, '*.' and a domain, or null for any host");
            assertThatIllegalArgumentException().isThrownBy(() -> builder.add("*", ANY, "/", "v"))
                    .withMessage("host '*': '*' is only allowed as the whole first label, as in '*.example.com'");
            assertThatIllegalArgumentException().isThrownBy(() -> builder.add("a.*.com", ANY, "/", "v"))
                    .withMessage("host 'a.*.com': '*' is only allowed as the whole first label, as in '*.example.com'");
            assertThatIllegalArgumentException().isThrownBy(() -> builder.add("*.*.com", ANY, "/", "v"))
                    .withMessage("host '*.*.com': '*' is only allowed as the whole first label, as in '*.example.com'");
            assertThatIllegalArgumentException().isThrownBy(() -> builder.add("example.com:8080", ANY, "/", "v"))
                    .withMessage("host 'example.com:8080': a port is not part of a host pattern "
                            + "(requests are matched on the bare host)");
            assertThatIllegalArgumentException().isThrownBy(() -> builder.add("a..b", ANY, "/", "v"))
                    .withMessage("host 'a..b': empty label at index 2");
            assertThatIllegalArgumentException().isThrownBy(() -> builder.add("*.example.com.", ANY, "/", "v"))
                    .withMessage("host '*.example.com.': empty label at index 14");
            assertThatIllegalArgumentException().isThrownBy(() -> builder.add("a/b", ANY, "/", "v"))
                    .withMessage("host 'a/b': '/' cannot occur in a host name");
        }

        @Test
        void acceptsIpLiterals() {
            Router<String> ip = Router.<String>builder()
                    .add("[2001:DB8::1]", ANY, "/", "v6")
                    .add("192.0.2.1", ANY, "/", "v4")
                    .build();

            assertThat(ip.route("[2001:db8::1]", "GET", "/")).isEqualTo(found("v6"));
            assertThat(ip.route("192.0.2.1", "GET", "/")).isEqualTo(found("v4"));
        }
    }

    @Nested
    class Parameters {

        private final Router<String> router = Router.<String>builder()
                .add(null, ANY, "/users/{id}/orders/{orderId}", "order")
                .add(null, ANY, "/users/{id}", "user")
                .add(null, ANY, "/files/{path...}", "file")
                .add(null, ANY, "/static", "static")
                .build();

        @Test
        void valuesArePercentDecoded() {
            assertThat(router.route("h", "GET", "/users/a%20b")).isEqualTo(found("user", "id", "a b"));
            assertThat(router.route("h", "GET", "/users/%E2%82%AC/orders/%3B1"))
                    .isEqualTo(found("order", "id", "\u20ac", "orderId", ";1"));
            assertThat(router.route("h", "GET", "/files/a%20b/%C3%A9/c/"))
                    .isEqualTo(found("file", "path", "a b/\u00e9/c/"));
        }

        @Test
        void aValueThatDoesNotDecodeIsNoMatch() {
            assertThat(router.route("h", "GET", "/users/%FF")).isSameAs(NotFound.instance());
            assertThat(router.route("h", "GET", "/files/ok/%C0%AF")).isSameAs(NotFound.instance());
            Router<String> fallback = Router.<String>builder()
                    .add("api.example.com", ANY, "/u/{id}", "exact")
                    .add(null, ANY, "/u/%FF", "literal elsewhere")
                    .build();
            assertThat(fallback.route("api.example.com", "GET", "/u/%FF")).isEqualTo(found("literal elsewhere"));
        }

        @Test
        void paramsAreAnImmutableMapInTemplateOrder() {
            Found<String> order = (Found<String>) router.route("h", "GET", "/users/7/orders/9");

            assertThat(order.params()).containsExactly(Map.entry("id", "7"), Map.entry("orderId", "9"));
            assertThat(order.params()).isEqualTo(Map.of("id", "7", "orderId", "9"));
            assertThat(order.params().get("missing")).isNull();
            assertThatThrownBy(() -> order.params().put("id", "8")).isInstanceOf(UnsupportedOperationException.class);
            assertThat(((Found<String>) router.route("h", "GET", "/static")).params()).isEmpty();
        }
    }

    @Nested
    class Ambiguity {

        @Test
        void refusesTemplatesEqualButForParameterNames() {
            Router.Builder<String> builder = Router.<String>builder().add(null, Set.of("GET"), "/a/{x}", "x");

            assertThatIllegalArgumentException()
                    .isThrownBy(() -> builder.add(null, Set.of("POST", "GET"), "/a/{y}", "y"))
                    .withMessage("routes 'GET /a/{x}' and 'GET,POST /a/{y}' for any host are ambiguous: "
                            + "they match the same paths for method GET");
        }

        @Test
        void refusesTwoAnyMethodRoutesAndCatchAllsOnTheSameHost() {
            Router.Builder<String> builder = Router.<String>builder()
                    .add("*.example.com", ANY, "/f/{p...}", "p")
                    .add("api.example.com", ANY, "/f/{q...}", "other host");

            assertThatIllegalArgumentException()
                    .isThrownBy(() -> builder.add("*.EXAMPLE.com", ANY, "/f/{q...}", "q"))
                    .withMessage("routes '* /f/{p...}' and '* /f/{q...}' for host '*.example.com' are ambiguous: "
                            + "they match the same paths for any method");
        }

        @Test
        void refusesTheSameRouteTwice() {
            Router.Builder<String> builder = Router.<String>builder().add("h", Set.of("GET"), "/", "first");

            assertThatIllegalArgumentException().isThrownBy(() -> builder.add("h", Set.of("GET"), "/", "second"))
                    .withMessage("routes 'GET /' and 'GET /' for host 'h' are ambiguous: "
                            + "they match the same paths for method GET");
        }

        @Test
        void acceptsRoutesThatDifferInHostMethodsOrShape() {
            Router<String> router = Router.<String>builder()
                    .add(null, Set.of("GET"), "/a/{x}", "get")
                    .add(null, Set.of("POST"), "/a/{y}", "post")
                    .add(null, ANY, "/a/{z}", "any")
                    .add("h", Set.of("GET"), "/a/{x}", "host")
                    .add(null, Set.of("GET"), "/a/{x}/", "slash")
                    .add(null, Set.of("GET"), "/a/{x...}", "catch-all")
                    .add(null, Set.of("GET"), "/a/b", "literal")
                    .build();

            assertThat(router.route("other", "PUT", "/a/1")).isEqualTo(found("any", "z", "1"));
            assertThat(router.route("h", "GET", "/a/1")).isEqualTo(found("host", "x", "1"));
            assertThat(router.route("other", "GET", "/a/1/")).isEqualTo(found("slash", "x", "1"));
        }

        @Test
        void aRefusedRouteLeavesTheBuilderAsItWas() {
            Router.Builder<String> builder = Router.<String>builder().add(null, Set.of("GET"), "/a/{x}", "x");
            assertThatIllegalArgumentException()
                    .isThrownBy(() -> builder.add(null, Set.of("POST", "GET"), "/a/{y}", "y"));

            Router<String> router = builder.build();

            assertThat(router.route("h", "POST", "/a/1")).isEqualTo(notAllowed("GET"));
        }

        @Test
        void aBuiltRouterDoesNotSeeLaterAdditions() {
            Router.Builder<String> builder = Router.<String>builder().add(null, ANY, "/a", "a");
            Router<String> first = builder.build();
            builder.add(null, ANY, "/b", "b");

            assertThat(first.route("h", "GET", "/b")).isSameAs(NotFound.instance());
            assertThat(builder.build().route("h", "GET", "/b")).isEqualTo(found("b"));
        }

        @Test
        void templateErrorsReachTheCaller() {
            assertThatIllegalArgumentException()
                    .isThrownBy(() -> Router.<String>builder().add(null, ANY, "/users/{id", "v"))
                    .withMessage("path template '/users/{id': segment 2 '{id': unclosed '{'");
        }
    }

    /**
     * Ground truth: the GitHub REST API's route templates. Every template, filled in with concrete values,
     * must route to itself; every parameter position, filled in with a literal that a sibling template has
     * there, must route to the template a plain scan over all templates picks as most specific.
     */
    @Nested
    @TestInstance(TestInstance.Lifecycle.PER_CLASS)
    class GithubRestRoutes {

        private static final Path ROUTES = Path.of(System.getProperty("zerogate.githubRoutes",
                "../shared/research-data/github-routes/github-rest-routes.txt"));

        private static final Pattern QUERY_EXPANSION = Pattern.compile("\\{\\?[^}]*}");
        private static final Pattern PARAMETER = Pattern.compile("\\{([^}?]*)}");

        /** One line of the file; {@code template} is the form this router accepts. */
        record Line(int number, String method, String original, String template, @Nullable String rejection,
                List<String> segments) {

            Line(int number, String method, String original, String template, @Nullable String rejection) {
                this(number, method, original, template, rejection, List.of(template.substring(1).split("/", -1)));
            }

            @Override
            public String toString() {
                return method + " " + template;
            }
        }

        private List<Line> lines = List.of();
        /** Lines added to the router: all but those whose rewritten form repeats an accepted template. */
        private List<Line> routed = List.of();
        /** A rewritten line to the accepted line with the same method and shape, which takes its paths. */
        private final Map<Line, Line> coveredBy = new LinkedHashMap<>();
        private Router<Line> router = Router.<Line>builder().build();

        @BeforeAll
        void load() throws IOException {
            assertThat(ROUTES).as("ground truth (shared/research-data beside the repository)").isRegularFile();
            lines = read();
            Map<String, Line> byShape = new HashMap<>();
            for (Line line : lines) {
                if (line.rejection() == null) {
                    byShape.put(line.method() + " " + PathTemplate.parse(line.template()).shape(), line);
                }
            }
            List<Line> added = new ArrayList<>();
            Router.Builder<Line> builder = Router.builder();
            for (Line line : lines) {
                Line same = byShape.get(line.method() + " " + PathTemplate.parse(line.template()).shape());
                if (line.rejection() != null && same != null) {
                    coveredBy.put(line, same);
                    continue;
                }
                builder.add(null, Set.of(line.method()), line.template(), line);
                added.add(line);
            }
            routed = List.copyOf(added);
            router = builder.build();
        }

        @Test
        void reportsTheTemplatesWhoseSyntaxIsRefused() {
            List<Line> rejected = lines.stream().filter(l -> l.rejection() != null).toList();
            System.out.printf("github-rest-routes: %d of %d templates use syntax PathTemplate refuses; "
                    + "routed in the rewritten form:%n", rejected.size(), lines.size());
            rejected.forEach(l -> System.out.printf("  line %d: %s %s -> %s%s%n    %s%n",
                    l.number(), l.method(), l.original(), l.template(),
                    coveredBy.containsKey(l) ? " (already routed as line " + coveredBy.get(l).number() + ")" : "",
                    l.rejection()));

            assertThat(lines).hasSize(1015);
            // Exactly the lines with RFC 6570 query expansions, '-' in a name or a partial-segment parameter.
            for (Line line : lines) {
                String why = line.rejection();
                if (line.original().contains("{?")) {
                    assertThat(why).as(line.original()).contains("'?' at index");
                } else if (line.original().matches(".*\\{[^}]*-[^}]*}.*")) {
                    assertThat(why).as(line.original()).contains("is invalid (expected: [A-Za-z_][A-Za-z0-9_]*)");
                } else if (line.original().matches(".*(/[^/{]+\\{|}[^/]).*")) {
                    assertThat(why).as(line.original()).contains("a parameter must be the whole segment");
                } else {
                    assertThat(why).as(line.original()).isNull();
                }
            }
            assertThat(rejected).hasSize(21);
            // GitHub lists compare both as {basehead} and as {base}...{head}: one route once rewritten.
            assertThat(coveredBy).hasSize(1);
            Map.Entry<Line, Line> covered = coveredBy.entrySet().iterator().next();
            assertThat(covered.getKey().original()).isEqualTo("/repos/{owner}/{repo}/compare/{base}...{head}");
            assertThat(covered.getValue()).hasToString("GET /repos/{owner}/{repo}/compare/{basehead}");
        }

        @Test
        void everyTemplateFilledInRoutesToItself() {
            for (Line line : lines) {
                String path = instantiate(line.original());
                Line expected = coveredBy.getOrDefault(line, line);
                assertThat(PathNormaliser.normalise(path)).isEqualTo(new PathNormaliser.Ok(path, null));
                assertThat(router.route("api.github.com", line.method(), path))
                        .as("%s %s", line.method(), path)
                        .isEqualTo(new Found<>(expected, expectedParams(expected, path)));
            }
        }

        @Test
        void parameterFilledInWithASiblingLiteralRoutesToTheMostSpecificTemplate() {
            int probes = 0;
            int literalFirst = 0;
            for (Line line : routed) {
                List<String> segments = line.segments();
                String[] concrete = instantiate(line.original()).substring(1).split("/", -1);
                for (int depth = 0; depth < segments.size(); depth++) {
                    if (!segments.get(depth).startsWith("{")) {
                        continue;
                    }
                    for (String literal : siblingLiterals(routed, concrete, depth)) {
                        String[] probe = concrete.clone();
                        probe[depth] = literal;
                        String path = "/" + String.join("/", probe);
                        Result<Line> expected = mostSpecific(routed, line.method(), path);
                        assertThat(router.route("api.github.com", line.method(), path))
                                .as("%s %s", line.method(), path).isEqualTo(expected);
                        probes++;
                        if (expected instanceof Found<Line> f && f.value() != line) {
                            // The winner has a literal where the probed template has its parameter.
                            assertThat(f.value().segments().get(depth)).isEqualTo(literal);
                            literalFirst++;
                        }
                    }
                }
            }
            System.out.printf("github-rest-routes: %d overlap probes, %d decided by literal-first%n",
                    probes, literalFirst);
            assertThat(literalFirst).isPositive();
        }

        @Test
        void knownOverlaps() {
            assertThat(winner(router, "GET", "/repos/o/r/pulls/comments"))
                    .isEqualTo("GET /repos/{owner}/{repo}/pulls/comments");
            // No PATCH on the literal: the search backtracks to the parameter.
            assertThat(winner(router, "PATCH", "/repos/o/r/pulls/comments"))
                    .isEqualTo("PATCH /repos/{owner}/{repo}/pulls/{pull_number}");
            // .../pulls/comments/{comment_id} and .../pulls/{pull_number}/comments both take it.
            assertThat(winner(router, "GET", "/repos/o/r/pulls/comments/comments"))
                    .isEqualTo("GET /repos/{owner}/{repo}/pulls/comments/{comment_id}");
            assertThat(router.route("api.github.com", "GET", "/repos/o/r/compare/main...topic"))
                    .isEqualTo(new Found<>(coveredBy.values().iterator().next(),
                            Map.of("owner", "o", "repo", "r", "basehead", "main...topic")));
            assertThat(router.route("api.github.com", "TRACE", "/repos/o/r"))
                    .isEqualTo(notAllowed("DELETE", "GET", "PATCH"));
        }

        @Test
        void measureLookups() {
            String[] methods = lines.stream().map(Line::method).toArray(String[]::new);
            String[] paths = lines.stream().map(l -> instantiate(l.original())).toArray(String[]::new);
            int n = paths.length;
            int lookups = 200_000;
            long found = 0;
            for (int round = 1; round <= 3; round++) {
                long start = System.nanoTime();
                for (int i = 0; i < lookups; i++) {
                    int k = i % n;
                    if (router.route("api.github.com", methods[k], paths[k]) instanceof Found<Line>) {
                        found++;
                    }
                }
                long elapsed = System.nanoTime() - start;
                // Not asserted: timing depends on the machine. Rounds 1 and 2 are warm-up.
                System.out.printf("github-rest-routes: round %d, %d lookups over %d routes, %.0f ns per lookup%n",
                        round, lookups, n, (double) elapsed / lookups);
            }
            assertThat(found).isEqualTo(3L * lookups);
        }

        private static String winner(Router<Line> router, String method, String path) {
            return ((Found<Line>) router.route("api.github.com", method, path)).value().toString();
        }

        private List<Line> read() throws IOException {
            List<String> raw = Files.readAllLines(ROUTES);
            List<Line> lines = new ArrayList<>();
            for (int i = 0; i < raw.size(); i++) {
                String text = raw.get(i).strip();
                if (text.isEmpty() || text.startsWith("#")) {
                    continue;
                }
                int space = text.indexOf(' ');
                String method = text.substring(0, space);
                String original = text.substring(space + 1);
                String rejection = null;
                String template = original;
                try {
                    PathTemplate.parse(original);
                } catch (IllegalArgumentException e) {
                    rejection = e.getMessage();
                    template = rewrite(original);
                }
                lines.add(new Line(i + 1, method, original, template, rejection));
            }
            return lines;
        }

        /**
         * The nearest template this router accepts: query expansions dropped, '-' in names replaced,
         * and a segment with several parameters turned into one parameter named after them all.
         */
        private static String rewrite(String original) {
            String noQuery = QUERY_EXPANSION.matcher(original).replaceAll("");
            List<String> segments = new ArrayList<>();
            for (String segment : noQuery.substring(1).split("/", -1)) {
                Matcher m = PARAMETER.matcher(segment);
                List<String> names = new ArrayList<>();
                while (m.find()) {
                    names.add(m.group(1).replace('-', '_'));
                }
                segments.add(names.isEmpty() ? segment : "{" + String.join("_", names) + "}");
            }
            return "/" + String.join("/", segments);
        }

        /** The original template with its n-th parameter replaced by "vn" and query expansions dropped. */
        private static String instantiate(String original) {
            Matcher m = PARAMETER.matcher(QUERY_EXPANSION.matcher(original).replaceAll(""));
            StringBuilder path = new StringBuilder();
            int n = 0;
            while (m.find()) {
                m.appendReplacement(path, "v" + ++n);
            }
            return m.appendTail(path).toString();
        }

        private static Map<String, String> expectedParams(Line line, String path) {
            Map<String, String> params = new LinkedHashMap<>();
            String[] concrete = path.substring(1).split("/", -1);
            List<String> segments = line.segments();
            for (int i = 0; i < segments.size(); i++) {
                String segment = segments.get(i);
                if (segment.startsWith("{")) {
                    params.put(segment.substring(1, segment.length() - 1), concrete[i]);
                }
            }
            return params;
        }

        /** Literals that templates agreeing with {@code concrete} before {@code depth} have at {@code depth}. */
        private static Set<String> siblingLiterals(List<Line> lines, String[] concrete, int depth) {
            Set<String> literals = new TreeSet<>();
            for (Line other : lines) {
                List<String> segments = other.segments();
                if (segments.size() <= depth || segments.get(depth).startsWith("{")) {
                    continue;
                }
                boolean agrees = true;
                for (int i = 0; i < depth && agrees; i++) {
                    agrees = segments.get(i).startsWith("{") || segments.get(i).equals(concrete[i]);
                }
                if (agrees) {
                    literals.add(segments.get(depth));
                }
            }
            return literals;
        }

        /**
         * The reference answer, by a scan over every template: of those taking the path and the method,
         * the one whose segment kinds (literal before parameter) are lexicographically smallest.
         */
        private static Result<Line> mostSpecific(List<Line> lines, String method, String path) {
            String[] concrete = path.substring(1).split("/", -1);
            Line best = null;
            Set<String> allowed = new TreeSet<>();
            for (Line line : lines) {
                List<String> segments = line.segments();
                if (segments.size() != concrete.length) {
                    continue;
                }
                boolean matches = true;
                for (int i = 0; i < concrete.length && matches; i++) {
                    matches = segments.get(i).startsWith("{") ? !concrete[i].isEmpty()
                            : segments.get(i).equals(concrete[i]);
                }
                if (!matches) {
                    continue;
                }
                allowed.add(line.method());
                if (line.method().equals(method) && (best == null || moreSpecific(line, best))) {
                    best = line;
                }
            }
            if (best != null) {
                return new Found<>(best, expectedParams(best, path));
            }
            return allowed.isEmpty() ? NotFound.instance() : new MethodNotAllowed<>(allowed);
        }

        private static boolean moreSpecific(Line a, Line b) {
            List<String> x = a.segments();
            List<String> y = b.segments();
            for (int i = 0; i < x.size(); i++) {
                boolean literalX = !x.get(i).startsWith("{");
                boolean literalY = !y.get(i).startsWith("{");
                if (literalX != literalY) {
                    return literalX;
                }
            }
            throw new AssertionError("ambiguous templates in ground truth: " + a + " and " + b);
        }
    }

    @Test
    void resultTypesAreExhaustive() {
        Router<String> router = Router.<String>builder().add(null, Set.of("GET"), "/a", "a").build();
        List<String> outcomes = List.of("/a", "/b").stream()
                .flatMap(path -> List.of("GET", "PUT").stream().map(method -> router.route("h", method, path)))
                .map(result -> switch (result) {
                    case Found<String> f -> "found " + f.value();
                    case MethodNotAllowed<String> m -> "405 " + m.allowed();
                    case NotFound<String> n -> "404";
                })
                .toList();

        assertThat(outcomes).containsExactly("found a", "405 [GET]", "404", "404");
    }
}
