package io.zerogate.policy.cel;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.zerogate.chain.ClientAddress;
import io.zerogate.chain.Exchange;
import io.zerogate.chain.RequestHead;
import io.zerogate.identity.Authentication;
import io.zerogate.identity.Subject;
import io.zerogate.identity.TokenBinding;
import io.zerogate.testing.Exchanges;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.Test;

class ExpressionTest {

    private static final Instant NOW = Instant.parse("2025-03-01T12:00:00Z");
    private static final Clock CLOCK = Clock.fixed(NOW, ZoneOffset.UTC);

    // --- compiling ---

    @Test
    void unknownVariableIsRefusedWithItsColumn() {
        assertThatThrownBy(() -> Expression.condition("request.method == \"GET\" && usr.id == \"a\""))
                .isInstanceOf(ExpressionException.class)
                .hasMessage("column 28: undeclared reference to 'usr'")
                .extracting(e -> ((ExpressionException) e).column()).isEqualTo(28);
    }

    @Test
    void misspeltFieldIsRefusedWithItsColumn() {
        assertThatThrownBy(() -> Expression.condition("subject.authenticted"))
                .hasMessage("column 8: undefined field 'authenticted'")
                .extracting(e -> ((ExpressionException) e).column()).isEqualTo(8);
    }

    @Test
    void typeErrorIsRefusedAtCompileTime() {
        assertThatThrownBy(() -> Expression.condition("subject.mfa == \"yes\""))
                .isInstanceOf(ExpressionException.class)
                .hasMessageContaining("found no matching overload for '_==_' applied to '(bool, string)'")
                .extracting(e -> ((ExpressionException) e).column()).isEqualTo(13);
    }

    @Test
    void conditionMustBeBool() {
        assertThatThrownBy(() -> Expression.condition("request.path"))
                .hasMessage("a condition must be a bool, but this expression is a string")
                .extracting(e -> ((ExpressionException) e).column()).isEqualTo(1);
        assertThatThrownBy(() -> Expression.condition("subject.claims.admin"))
                .hasMessage("a condition must be a bool, but this expression is a dyn (convert it, as in string(x), "
                        + "or compare it, as in x == true)");
    }

    @Test
    void keyMustBeStringOrNumber() throws Exception {
        assertThatThrownBy(() -> Expression.key("subject.scopes"))
                .hasMessage("a key must be a string, int or uint, but this expression is a list(string)");
        assertThatThrownBy(() -> Expression.key("subject.claims.tenant"))
                .hasMessageStartingWith("a key must be a string, int or uint, but this expression is a dyn");
        assertThat(Expression.key("string(subject.claims.tenant)").source()).isEqualTo("string(subject.claims.tenant)");
    }

    @Test
    void syntaxErrorIsRefusedWithItsLineAndColumn() {
        assertThatThrownBy(() -> Expression.condition("request.method == \"GET\" &&\n  (subject.id == )"))
                .isInstanceOf(ExpressionException.class)
                .hasMessageStartingWith("line 2, column 18: ")
                .extracting(e -> ((ExpressionException) e).column()).isEqualTo(18);
    }

    @Test
    void malformedCidrLiteralIsRefusedAtCompileTime() {
        assertThatThrownBy(() -> Expression.condition("cidr(client.ip, \"10.0.0.0/33\")"))
                .hasMessage("cidr: '10.0.0.0/33' has prefix length 33 (expected: 0..32)")
                .extracting(e -> ((ExpressionException) e).column()).isEqualTo(17);
        assertThatThrownBy(() -> Expression.condition("cidr(client.ip, \"10.0.0/8\")"))
                .hasMessage("cidr: '10.0.0/8' is not an IPv4 or IPv6 address or CIDR block");
    }

    @Test
    void prefixLengthLiteralsAreCheckedAtCompileTime() {
        assertThatThrownBy(() -> Expression.key("ip_prefix(client.ip, 24, 129)"))
                .hasMessage("ip_prefix: v6 bits 129 (expected: 0..128)")
                .extracting(e -> ((ExpressionException) e).column()).isEqualTo(26);
        assertThatThrownBy(() -> Expression.key("ip_prefix(client.ip, 33, 64)"))
                .hasMessage("ip_prefix: v4 bits 33 (expected: 0..32)");
    }

    @Test
    void headersAndQueryAreReadByNameOnly() throws Exception {
        assertThatThrownBy(() -> Expression.condition("request.headers.exists(h, h.startsWith(\"x-\"))"))
                .hasMessage("request.headers can only be read by name (expected: request.headers[\"name\"] or "
                        + "\"name\" in request.headers)")
                .extracting(e -> ((ExpressionException) e).column()).isEqualTo(8);
        assertThatThrownBy(() -> Expression.condition("size(request.query) > 2"))
                .hasMessageStartingWith("request.query can only be read by name");
        Expression.condition("request.headers[\"x-a\"] == \"1\" && \"x-b\" in request.headers && has(request.query.q)"
                + " && request.query.q == \"1\"");
    }

    @Test
    void overlongSourceIsRefused() {
        String source = "true" + " && true".repeat(600);
        assertThatThrownBy(() -> Expression.condition(source))
                .hasMessage("expression: " + source.length() + " characters (expected: at most 4096)")
                .extracting(e -> ((ExpressionException) e).column()).isEqualTo(0);
    }

    // --- evaluating ---

    @Test
    void readsTheRequest() throws Exception {
        Exchange exchange = exchange(user());
        assertThat(condition("request.method == \"POST\" && request.path == \"/orders/42/items\""
                + " && request.host == \"api.example.com\"").test(exchange)).isTrue();
        assertThat(key("request.headers[\"accept\"]").text(exchange)).isEqualTo("text/html, application/json");
        assertThat(key("request.headers[\"x-tenant\"]").text(exchange)).isEqualTo("acme");
        assertThat(condition("\"X-Tenant\" in request.headers").test(exchange)).isFalse();
        assertThat(condition("\"x-missing\" in request.headers").test(exchange)).isFalse();
        assertThat(key("request.query.page").text(exchange)).isEqualTo("2");
        assertThat(key("request.query[\"sort by\"]").text(exchange)).isEqualTo("name");
        assertThat(condition("has(request.query.debug)").test(exchange)).isFalse();
        assertThat(key("params.orderId + \"/\" + route.id").text(exchange)).isEqualTo("42/orders");
        assertThat(key("client.ip + \" via \" + client.peer_ip").text(exchange)).isEqualTo("2001:db8::7 via 10.1.2.3");
    }

    @Test
    void readsTheSubject() throws Exception {
        Exchange exchange = exchange(user());
        assertThat(key("subject.id + \" \" + subject.kind + \" \" + subject.issuer + \" \" + subject.acr")
                .text(exchange)).isEqualTo("alice user corp urn:acr:gold");
        assertThat(condition("subject.authenticated && subject.mfa && \"orders:write\" in subject.scopes"
                + " && subject.roles == [\"admin\"]").test(exchange)).isTrue();
        assertThat(condition("subject.claims.tenant == \"acme\" && subject.claims.level == 3"
                + " && subject.claims.groups.exists(g, g.name == \"ops\") && subject.claims.ratio > 0.5"
                + " && subject.claims.profile.nickname == null").test(exchange)).isTrue();
        assertThat(condition("now - subject.auth_time < duration(\"15m\")").test(exchange)).isTrue();
        assertThat(condition("now == timestamp(\"2025-03-01T12:00:00Z\")").test(exchange)).isTrue();
        assertThat(key("string(subject.claims.level)").text(exchange)).isEqualTo("3");
        assertThat(key("int(subject.claims.level) * 2").text(exchange)).isEqualTo("6");
        assertThat(key("uint(7)").text(exchange)).isEqualTo("7");
    }

    @Test
    void anonymousCallerIsASubjectToo() throws Exception {
        Exchange exchange = exchange(null);
        assertThat(condition("!subject.authenticated && subject.id == \"\" && subject.kind == \"\""
                + " && subject.scopes.size() == 0 && !(\"admin\" in subject.roles) && subject.claims.size() == 0"
                + " && !subject.mfa && subject.issuer == \"\"").test(exchange)).isTrue();
        assertThat(condition("now - subject.auth_time < duration(\"15m\")").test(exchange)).isFalse();
        assertThat(condition("request.method == \"POST\" && !subject.authenticated").test(exchange)).isTrue();
    }

    @Test
    void workloadAndApiKeyKinds() throws Exception {
        Subject workload = new Subject("spiffe://corp/svc", Subject.Kind.WORKLOAD, null, Set.of(), Set.of(), Map.of(),
                Authentication.NONE, TokenBinding.NONE);
        Subject apiKey = new Subject("k1", Subject.Kind.API_KEY, null, Set.of(), Set.of(), Map.of(),
                Authentication.NONE, TokenBinding.NONE);
        assertThat(key("subject.kind").text(exchange(workload))).isEqualTo("workload");
        assertThat(key("subject.kind").text(exchange(apiKey))).isEqualTo("api_key");
    }

    @Test
    void cidrTestsIpv4AndIpv6() throws Exception {
        Exchange exchange = exchange(user());
        assertThat(condition("cidr(client.ip, \"2001:db8::/32\") && !cidr(client.ip, \"2001:db9::/32\")")
                .test(exchange)).isTrue();
        assertThat(condition("cidr(client.peer_ip, \"10.0.0.0/8\") && !cidr(client.peer_ip, \"10.2.0.0/16\")"
                + " && cidr(client.peer_ip, \"10.1.2.3\")").test(exchange)).isTrue();
        assertThat(condition("cidr(\"::ffff:192.168.1.9\", \"192.168.0.0/16\")").test(exchange)).isTrue();
        assertThat(condition("cidr(client.peer_ip, request.headers[\"x-net\"])").test(exchange)).isTrue();
    }

    @Test
    void cidrOfAnAddressThatIsNoneFails() throws Exception {
        Expression e = condition("cidr(request.headers[\"x-tenant\"], \"10.0.0.0/8\")");
        assertThatThrownBy(() -> e.test(exchange(user())))
                .isInstanceOf(ExpressionException.class)
                .hasMessageContaining("'acme' is not an IPv4 or IPv6 address");
    }

    @Test
    void globMatchesWithinAndAcrossSegments() throws Exception {
        Exchange exchange = exchange(user());
        assertThat(condition("glob(request.path, \"/orders/*/items\")").test(exchange)).isTrue();
        assertThat(condition("glob(request.path, \"/orders/*\")").test(exchange)).isFalse();
        assertThat(condition("glob(request.path, \"/orders/**\")").test(exchange)).isTrue();
        assertThat(condition("glob(request.path, \"/**/items\")").test(exchange)).isTrue();
        assertThat(condition("glob(request.path, \"/orders/4*/it*s\")").test(exchange)).isTrue();
        assertThat(condition("glob(request.path, \"/orders/\" + subject.id + \"/**\")").test(exchange)).isFalse();
    }

    @Test
    void globCases() {
        assertThat(Glob.matches("/api/users", "/api/*")).isTrue();
        assertThat(Glob.matches("/api/users/7", "/api/*")).isFalse();
        assertThat(Glob.matches("/api/users/7", "/api/**")).isTrue();
        assertThat(Glob.matches("/api", "/api/**")).isFalse();
        assertThat(Glob.matches("/api/", "/api/*")).isTrue();
        assertThat(Glob.matches("", "")).isTrue();
        assertThat(Glob.matches("", "*")).isTrue();
        assertThat(Glob.matches("a", "")).isFalse();
        assertThat(Glob.matches("/a/b/c/d", "/a/**/d")).isTrue();
        assertThat(Glob.matches("/a/d", "/a/**/d")).isFalse();
        assertThat(Glob.matches("abcabd", "*abd")).isTrue();
        assertThat(Glob.matches("a".repeat(2_000), "*a*a*a*a*a*a*a*a*a*b")).isFalse();
    }

    @Test
    void ipPrefixGivesTheNetworkAddress() throws Exception {
        Exchange exchange = exchange(user());
        assertThat(key("ip_prefix(client.ip, 24, 48)").text(exchange)).isEqualTo("2001:db8::");
        assertThat(key("ip_prefix(client.peer_ip, 24, 64)").text(exchange)).isEqualTo("10.1.2.0");
        assertThat(key("ip_prefix(client.peer_ip, 12, 64)").text(exchange)).isEqualTo("10.0.0.0");
        assertThat(key("ip_prefix(\"2001:db8:aaaa:bbbb:cccc::1\", 24, 52)").text(exchange))
                .isEqualTo("2001:db8:aaaa:b000::");
        assertThat(key("ip_prefix(\"203.0.113.77\", 32, 0)").text(exchange)).isEqualTo("203.0.113.77");
        assertThat(key("ip_prefix(\"::ffff:203.0.113.77\", 0, 128)").text(exchange)).isEqualTo("0.0.0.0");
    }

    @Test
    void runtimeErrorsSurfaceAsExpressionExceptions() throws Exception {
        Exchange exchange = exchange(null);
        assertThatThrownBy(() -> condition("request.headers[\"x-missing\"] == \"1\"").test(exchange))
                .isInstanceOf(ExpressionException.class).hasMessageContaining("x-missing");
        assertThatThrownBy(() -> condition("params.missing == \"1\"").test(exchange))
                .isInstanceOf(ExpressionException.class).hasMessageContaining("missing");
        assertThatThrownBy(() -> condition("subject.claims.tenant == \"acme\"").test(exchange))
                .isInstanceOf(ExpressionException.class).hasMessageContaining("tenant");
        assertThatThrownBy(() -> key("string(10 / (size(subject.roles)))").text(exchange))
                .isInstanceOf(ExpressionException.class).hasMessageContaining("/ by zero");
    }

    @Test
    void hostileComprehensionRunsOutOfIterations() throws Exception {
        String ten = "[0,1,2,3,4,5,6,7,8,9]";
        Expression hostile = condition(ten + ".all(a, " + ten + ".all(b, " + ten + ".all(c, " + ten + ".all(d, "
                + ten + ".all(e, a + b + c + d + e >= 0)))))");
        assertThatThrownBy(() -> hostile.test(exchange(null)))
                .isInstanceOf(ExpressionException.class)
                .hasMessageContaining("Iteration budget exceeded: 1000");
        assertThat(condition(ten + ".all(a, " + ten + ".all(b, a + b >= 0))").test(exchange(null))).isTrue();
    }

    @Test
    void typicalConditionIsCheap() throws Exception {
        Expression e = condition("request.method == \"POST\" && !subject.authenticated");
        Exchange anonymous = exchange(null);
        Exchange signedIn = exchange(user());
        int rounds = 100_000;
        boolean sink = false;
        double nsPerOp = Double.MAX_VALUE;
        // The best of several batches, the first of which warm the code up.
        for (int batch = 0; batch < 8; batch++) {
            long start = System.nanoTime();
            for (int i = 0; i < rounds; i++) {
                sink ^= e.test((i & 1) == 0 ? anonymous : signedIn);
            }
            nsPerOp = Math.min(nsPerOp, (System.nanoTime() - start) / (double) rounds);
        }
        System.out.printf(Locale.ROOT, "condition %s: %.0f ns/op (%s)%n", e.source(), nsPerOp, sink);
        assertThat(nsPerOp).isLessThan(50_000);
    }

    // --- fixtures ---

    private static Expression condition(String source) throws ExpressionException {
        return Expression.condition(source, CLOCK);
    }

    private static Expression key(String source) throws ExpressionException {
        return Expression.key(source, CLOCK);
    }

    private static Subject user() {
        Map<String, Object> claims = new java.util.HashMap<>();
        claims.put("tenant", "acme");
        claims.put("level", 3);
        claims.put("ratio", 0.75);
        claims.put("groups", List.of(Map.of("name", "dev"), Map.of("name", "ops")));
        Map<String, Object> profile = new java.util.HashMap<>();
        profile.put("nickname", null);
        claims.put("profile", profile);
        return new Subject("alice", Subject.Kind.USER, "corp", Set.of("orders:read", "orders:write"), Set.of("admin"),
                java.util.Collections.unmodifiableMap(claims),
                new Authentication(List.of("pwd", "otp"), "urn:acr:gold", NOW.minusSeconds(300)),
                TokenBinding.NONE);
    }

    private static Exchange exchange(@Nullable Subject subject) throws Exception {
        Map<String, List<String>> headers = Map.of(
                "accept", List.of("text/html", "application/json"),
                "x-tenant", List.of("acme"),
                "x-net", List.of("10.0.0.0/8"));
        RequestHead head = new RequestHead() {
            @Override public String method() { return "POST"; }
            @Override public String scheme() { return "https"; }
            @Override public String host() { return "api.example.com"; }
            @Override public String path() { return "/orders/42/items"; }
            @Override public String rawPath() { return "/orders/42/./items"; }
            @Override public String query() { return "page=2&page=3&sort%20by=name"; }
            @Override public @Nullable String header(String name) {
                List<String> v = headers(name);
                return v.isEmpty() ? null : v.get(0);
            }
            @Override public List<String> headers(String name) {
                return headers.getOrDefault(name.toLowerCase(Locale.ROOT), List.of());
            }
        };
        ClientAddress client = new ClientAddress(new InetSocketAddress(InetAddress.getByName("10.1.2.3"), 44321),
                InetAddress.getByName("2001:db8:0:0::7"));
        Exchange base = Exchanges.exchange("orders", false, false, Exchanges.service("orders-svc"));
        Exchange exchange = new Exchange("r1", "public", head, client, base.route(), Map.of("orderId", "42"), 0);
        if (subject != null) {
            exchange.put(Subject.KEY, subject);
        }
        return exchange;
    }
}
