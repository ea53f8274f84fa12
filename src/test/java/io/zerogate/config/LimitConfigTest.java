package io.zerogate.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import io.zerogate.config.LimitConfig.Algorithm;
import io.zerogate.config.LimitConfig.KeyPart;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.time.ZoneId;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

class LimitConfigTest {

    private static final String HEAD = """
            version: 1
            listeners: [{ address: 127.0.0.1:0 }]
            services:
              orders: { targets: [http://127.0.0.1:9], tls: none }
            """;

    private static GatewayConfig parse(String body) throws ConfigException {
        return ConfigLoader.parse("gateway.yaml", HEAD + body, Map.<String, String>of()::get);
    }

    private static ConfigException refused(String body) {
        return catchThrowableOfType(ConfigException.class, () -> parse(body));
    }

    private static String route(String limits) {
        return """
                routes:
                  - id: login
                    match: { path: /login }
                    service: orders
                    public: true
                    limits:
                """ + limits.indent(6);
    }

    @Test
    void everyKindOfLimitIsBound() throws Exception {
        GatewayConfig c = parse("""
                rate_limits:
                  time_zone: Europe/Paris
                  headers: false
                  global:
                    - { id: per-network, key: client_ip, ipv4_prefix: 24, ipv6_prefix: 64, rate: 1000/1m, burst: 50 }
                """ + route("""
                - { key: [client_ip, route], rate: 5/m, algorithm: fixed_window, when: { methods: [post], authenticated: false } }
                - { id: sliding, key: header:X-Tenant, rate: 100/10s, algorithm: sliding_window, mode: shadow }
                - { id: inflight, key: subject, concurrency: 10, lease: 2m }
                - { id: monthly, key: client_id, quota: 10000/month }
                - { id: by-tenant, key: { cel: "request.headers['x-tenant']" }, rate: 10/s, when: "request.method == 'POST'" }
                """));
        assertThat(c.rateLimits().headers()).isFalse();
        assertThat(c.rateLimits().timeZone()).isEqualTo(ZoneId.of("Europe/Paris"));
        assertThat(c.rateLimits().global()).containsExactly(new LimitConfig("per-network", List.of(new KeyPart.ClientIp(24, 64)),
                Algorithm.GCRA, 1000, Duration.ofMinutes(1), 50, null, LimitConfig.Condition.ALWAYS, false, 9));
        List<LimitConfig> limits = c.routes().get(0).limits();
        assertThat(limits).hasSize(5);
        assertThat(limits.get(0)).isEqualTo(new LimitConfig("login.1", List.of(new KeyPart.ClientIp(32, 128), new KeyPart.Route()),
                Algorithm.FIXED_WINDOW, 5, Duration.ofMinutes(1), 0, null,
                new LimitConfig.Condition(Set.of("POST"), false, null, 0), false, 16));
        assertThat(limits.get(1).key()).containsExactly(new KeyPart.Header("x-tenant"));
        assertThat(limits.get(1).shadow()).isTrue();
        assertThat(limits.get(1).period()).isEqualTo(Duration.ofSeconds(10));
        assertThat(limits.get(2).algorithm()).isEqualTo(Algorithm.CONCURRENCY);
        assertThat(limits.get(2).period()).isEqualTo(Duration.ofMinutes(2));
        assertThat(limits.get(3).calendar()).isEqualTo(LimitConfig.CalendarPeriod.MONTH);
        assertThat(limits.get(3).key()).containsExactly(new KeyPart.ClientId());
        assertThat(limits.get(4).key()).containsExactly(new KeyPart.Expression("request.headers['x-tenant']", 20));
        assertThat(limits.get(4).when().expression()).isEqualTo("request.method == 'POST'");
        assertThat(limits.get(4).burst()).isEqualTo(10);
    }

    @Test
    void mistakesAreRefusedWithTheirLine() {
        assertProblem(refused(route("- { rate: 5/m, concurrency: 3 }")), 11, "expected exactly one of rate, concurrency, quota");
        assertProblem(refused(route("- { rate: 5 per minute }")), 11, "expected a rate like 100/1m");
        assertProblem(refused(route("- { rate: 5/0s }")), 11, "expected a period greater than 0");
        assertProblem(refused(route("- { rate: 0/s }")), 11, "expected a count in 1..");
        assertProblem(refused(route("- { rate: 5/500d }")), 11, "at most 400 days");
        assertProblem(refused(route("- { quota: 5/year }")), 11, "expected a quota like 10000/month");
        assertProblem(refused(route("- { rate: 5/s, algorithm: leaky }")), 11, "unknown algorithm 'leaky'");
        assertProblem(refused(route("- { rate: 5/s, algorithm: fixed_window, burst: 3 }")), 11, "burst is only used with algorithm: gcra");
        assertProblem(refused(route("- { concurrency: 5, burst: 3 }")), 11, "burst is only used with rate");
        assertProblem(refused(route("- { rate: 5/s, lease: 1m }")), 11, "lease is only used with concurrency");
        assertProblem(refused(route("- { rate: 5/s, key: user }")), 11, "unknown key part 'user'");
        assertProblem(refused(route("- { rate: 5/s, key: subject, ipv4_prefix: 24 }")), 11, "only used with the client_ip key part");
        assertProblem(refused(route("- { rate: 5/s, key: client_ip, ipv4_prefix: 40 }")), 11, "expected an integer in 8..32");
        assertProblem(refused(route("- { rate: 5/s, key: [subject, subject] }")), 11, "duplicate key part");
        assertProblem(refused(route("- { rate: 5/s, key: 'header:bad header' }")), 11, "expected a header name after header:");
        assertProblem(refused(route("- { rate: 5/s, mode: dry_run }")), 11, "unknown mode 'dry_run'");
        assertProblem(refused(route("- { rate: 5/s, when: { methods: [] } }")), 11, "expected at least one method");
        assertProblem(refused(route("- { id: 'bad id', rate: 5/s }")), 11, "is not a valid limit id");
        assertProblem(refused(route("- { id: a, rate: 5/s }\n- { id: a, rate: 6/s }")), 12, "duplicate limit id 'a' (first defined on line 11)");
        assertProblem(refused("rate_limits: { global: [ { rate: 5/s } ] }\nroutes: []\n"), 5, "a global limit needs an id");
        assertProblem(refused("rate_limits: { time_zone: Mars/Olympus }\nroutes: []\n"), 5, "unknown time zone 'Mars/Olympus'");
    }

    @Test
    void theStateSection() throws Exception {
        GatewayConfig local = parse("state: { store: local, data_dir: /var/lib/zerogate }\nroutes: []\n");
        assertThat(local.state()).isEqualTo(new StateConfig(StateConfig.Store.LOCAL, Path.of("/var/lib/zerogate"), null,
                StateConfig.OnStoreError.LOCAL, 1));
        GatewayConfig cluster = parse("""
                state:
                  store: redis
                  mode: cluster
                  nodes: [redis://10.0.0.1:7000, redis://10.0.0.2:7000]
                  timeout: 250ms
                  on_store_error: deny
                  expected_nodes: 3
                routes: []
                """);
        assertThat(cluster.state()).isEqualTo(new StateConfig(StateConfig.Store.REDIS, null,
                new StateConfig.RedisConfig(StateConfig.RedisConfig.Mode.CLUSTER,
                        List.of(URI.create("redis://10.0.0.1:7000"), URI.create("redis://10.0.0.2:7000")), null, Duration.ofMillis(250)),
                StateConfig.OnStoreError.DENY, 3));
        GatewayConfig sentinel = parse("state: { store: redis, mode: sentinel, master: main, nodes: [redis://10.0.0.1:26379] }\nroutes: []\n");
        assertThat(sentinel.state().redis().masterName()).isEqualTo("main");

        assertProblem(refused("state: { store: redis, mode: sentinel, nodes: [redis://a:1] }\nroutes: []\n"), 5, "required key is missing");
        assertProblem(refused("state: { store: redis, mode: cluster, uri: redis://a:1 }\nroutes: []\n"), 5, "uri is only used with mode: standalone");
        assertProblem(refused("state: { store: redis, uri: redis://a:1, master: m }\nroutes: []\n"), 5, "master is only used with mode: sentinel");
        assertProblem(refused("state: { store: redis, uri: redis://a:1, on_store_error: retry }\nroutes: []\n"), 5, "unknown on_store_error 'retry'");
        assertProblem(refused("state: { store: redis, uri: redis://a:1, data_dir: x }\nroutes: []\n"), 5, "data_dir is only used with store: local");
        assertProblem(refused("state: { store: local, expected_nodes: 2 }\nroutes: []\n"), 5, "expected_nodes is only used with store: redis");
    }

    private static void assertProblem(ConfigException e, int line, String problem) {
        assertThat(e).as("expected a refusal mentioning: " + problem).isNotNull();
        assertThat(e.getMessage()).contains(problem);
        assertThat(e.line()).as(e.getMessage()).isEqualTo(line);
    }
}
