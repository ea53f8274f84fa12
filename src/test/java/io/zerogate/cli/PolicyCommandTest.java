package io.zerogate.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/** {@code zerogate policy test} through the real command line: the shipped example, failures, bad tables. */
class PolicyCommandTest {

    @TempDir
    Path dir;

    private record Run(int exit, String out, String err) {}

    private static Run run(String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        CommandLine cli = new CommandLine(new Main());
        cli.setOut(new PrintWriter(out, true));
        cli.setErr(new PrintWriter(err, true));
        int exit = cli.execute(args);
        return new Run(exit, out.toString(), err.toString());
    }

    private static final String CONFIG = """
            version: 1
            listeners: [{ address: 127.0.0.1:0 }]
            identity:
              issuers:
                - { name: corp, issuer: https://sso.example.com, audiences: [api], jwks_uri: https://sso.example.com/keys }
            networks:
              office: [203.0.113.0/24]
            services:
              api: { targets: [http://127.0.0.1:9], tls: none }
            routes:
              - id: orders
                match: { methods: [GET], path: "/users/{userId}/orders" }
                service: api
                authenticate: [corp]
                allow:
                  - { id: own, when: params.userId == subject.id }
                  - { id: office, when: '"office" in network.networks', mode: shadow }
              - id: order
                match: { methods: [GET], path: "/orders/{orderId}" }
                service: api
                authenticate: [corp]
                owner: { url: "https://owners.example.com/o/{orderId}" }
                opa: { url: "https://opa.example.com/v1/data/api/allow" }
            """;

    private Path table(String cases) throws Exception {
        Files.writeString(dir.resolve("gateway.yaml"), CONFIG);
        return Files.writeString(dir.resolve("cases.yaml"), "config: gateway.yaml\ncases:\n" + cases);
    }

    @Test
    void theShippedExampleTablePassesAgainstTheShippedConfiguration() {
        Run r = run("policy", "test", "examples/policy-tests.yaml");

        assertThat(r.exit()).as(r.out() + r.err()).isZero();
        assertThat(r.out()).contains("21 cases: 21 passed, 0 failed").doesNotContain("FAIL");
    }

    @Test
    void aCaseThatGetsAnotherDecisionFailsWithWhatItGotAndWhy() throws Exception {
        Path cases = table("""
                  - name: alice reads her own orders
                    request: { path: /users/alice/orders }
                    subject: { id: alice }
                    expect: allow
                  - name: alice reads bob's orders
                    request: { path: /users/bob/orders }
                    subject: { id: alice }
                    expect: allow
                  - name: the wrong rule is expected
                    request: { path: /users/bob/orders }
                    subject: { id: alice }
                    expect: { deny: policy_denied, rule: "orders:office" }
                """);

        Run r = run("policy", "test", cases.toString());

        assertThat(r.exit()).as(r.out() + r.err()).isEqualTo(1);
        assertThat(r.out())
                .contains("FAIL  " + cases + ":7  alice reads bob's orders\n"
                        + "        expected allow, got deny policy_denied (rule orders:own)\n"
                        + "        because: rule orders:own does not hold")
                .contains("FAIL  " + cases + ":11  the wrong rule is expected\n"
                        + "        expected deny policy_denied (rule orders:office), got deny policy_denied (rule orders:own)")
                .contains("3 cases: 1 passed, 2 failed")
                .doesNotContain("alice reads her own orders");
        assertThat(run("policy", "test", "--verbose", cases.toString()).out())
                .contains("ok    " + cases + ":3  alice reads her own orders: allow");
    }

    @Test
    void theOwnerServiceAndDecisionPointAnswerAsTheCaseSays() throws Exception {
        Path cases = table("""
                  - name: owner and decision point agree
                    request: { path: /orders/o-1 }
                    subject: { id: alice }
                    owner: [bob, alice]
                    decision: allow
                    expect: allow
                  - name: someone else's order
                    request: { path: /orders/o-2 }
                    subject: { id: alice }
                    owner: bob
                    decision: allow
                    expect: { deny: object_not_owned, rule: "order:owner" }
                  - name: the decision point says no
                    request: { path: /orders/o-1 }
                    subject: { id: alice }
                    owner: alice
                    decision: deny
                    expect: { deny: policy_denied, rule: "order:opa" }
                  - name: anonymous
                    request: { path: /orders/o-1 }
                    owner: alice
                    decision: allow
                    expect: { deny: credential_missing }
                  - name: the case forgets the decision point
                    request: { path: /orders/o-1 }
                    subject: { id: alice }
                    owner: alice
                    expect: allow
                """);

        Run r = run("policy", "test", cases.toString());

        assertThat(r.exit()).as(r.out() + r.err()).isEqualTo(1);
        assertThat(r.out()).contains("5 cases: 4 passed, 1 failed")
                .contains("the case forgets the decision point\n        expected allow, got error\n"
                        + "        because: route order asks a decision point; the case must give decision");
    }

    @Test
    void anInvalidTableIsRefusedWithItsLine() throws Exception {
        Path cases = table("""
                  - name: a case
                    request: { path: /users/alice/orders }
                    subject: { id: alice, binding: tls }
                    expect: allow
                """);

        Run r = run("policy", "test", cases.toString());

        assertThat(r.exit()).isEqualTo(2);
        assertThat(r.err()).contains(cases + ":5: cases[0].subject.binding: unknown value 'tls' (expected: none, mtls, dpop)");
    }

    @Test
    void aConfigurationWithABadRuleIsRefusedWithItsLine() throws Exception {
        Files.writeString(dir.resolve("gateway.yaml"), CONFIG.replace("params.userId == subject.id",
                "params.userId == subject.idd"));
        Path cases = Files.writeString(dir.resolve("cases.yaml"), """
                config: gateway.yaml
                cases:
                  - { name: c, request: { path: /users/a/orders }, subject: { id: a }, expect: allow }
                """);

        Run r = run("policy", "test", cases.toString());

        assertThat(r.exit()).isEqualTo(2);
        assertThat(r.err()).contains("gateway.yaml:16").contains("route orders, rule own")
                .contains("undefined field 'idd'");
    }

    @Test
    void aTableWithoutAConfigurationNeedsOneOnTheCommandLine() throws Exception {
        Files.writeString(dir.resolve("gateway.yaml"), CONFIG);
        Path cases = Files.writeString(dir.resolve("cases.yaml"), """
                cases:
                  - { name: c, request: { path: /users/a/orders }, subject: { id: a }, expect: allow }
                """);

        assertThat(run("policy", "test", cases.toString()).exit()).isEqualTo(2);
        Run r = run("policy", "test", "--config", dir.resolve("gateway.yaml").toString(), cases.toString());
        assertThat(r.exit()).as(r.out() + r.err()).isZero();
        assertThat(r.out()).contains("1 cases: 1 passed, 0 failed");
    }
}
