package io.zerogate.policy;

import io.zerogate.chain.ClientAddress;
import io.zerogate.chain.Decision;
import io.zerogate.chain.Exchange;
import io.zerogate.chain.RequestHead;
import io.zerogate.config.CompiledRoute;
import io.zerogate.config.ConfigLoader;
import io.zerogate.config.GatewayConfig;
import io.zerogate.config.RouteConfig;
import io.zerogate.identity.Authentication;
import io.zerogate.identity.Subject;
import io.zerogate.identity.TokenBinding;
import io.zerogate.network.NetworkContext;
import io.zerogate.policy.cel.Expression;
import io.zerogate.posture.Device;
import java.lang.management.ManagementFactory;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.time.Clock;
import java.time.Instant;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import org.jspecify.annotations.Nullable;

/**
 * Measures what one policy rule costs a request: three typical rules (an object-level check, a scope and MFA check,
 * a device and network check) evaluated one by one, and the policy stage running all three, after warm-up. Reports
 * nanoseconds and bytes allocated per rule. Run with {@code java -cp ... io.zerogate.policy.PolicyEvaluationBenchmark}.
 */
public final class PolicyEvaluationBenchmark {

    private static final List<String> RULES = List.of(
            "params.userId == subject.id",
            "\"orders:read\" in subject.scopes && subject.mfa",
            "device.compliant && cidr(network.ip, \"10.0.0.0/8\")");

    private static GatewayConfig config;
    private static final Instant NOW = Instant.now();
    private static final InetAddress IP = address();

    private PolicyEvaluationBenchmark() {}

    public static void main(String[] args) throws Exception {
        int rounds = args.length > 0 ? Integer.parseInt(args[0]) : 1_000_000;
        config = config();
        Exchange exchange = exchange();
        boolean sink = false;
        System.out.println("each rule alone, its variables already made for the exchange:");
        for (String source : RULES) {
            Expression rule = Expression.condition(source);
            for (int i = 0; i < rounds; i++) {
                sink ^= rule.test(exchange);
            }
            Result r = measure(rounds, () -> rule.test(exchange));
            System.out.printf(Locale.ROOT, "%-55s %7.0f ns/rule %6.0f bytes/rule%n", source, r.nanos(), r.bytes());
        }
        // A new exchange per request, as in the gateway: the first rule makes the variables, the others reuse them.
        // Building the exchange is measured alone and taken off.
        PolicyStage stage = PolicyStage.compile(config, Clock.systemUTC(), PolicyObserver.NONE);
        Body build = () -> exchange() != null;
        Body request = () -> stage.evaluate(exchange()).toCompletableFuture().getNow(null) == Decision.proceed();
        for (int i = 0; i < rounds; i++) {
            sink ^= build.run() ^ request.run();
        }
        Result base = measure(rounds, build);
        Result r = measure(rounds, request);
        double nanos = r.nanos() - base.nanos();
        double bytes = r.bytes() - base.bytes();
        System.out.println("the policy stage, a new exchange per request:");
        System.out.printf(Locale.ROOT, "%-55s %7.0f ns/rule %6.0f bytes/rule (%.0f ns, %.0f bytes per request)%n",
                "the three rules, all allowing", nanos / RULES.size(), bytes / RULES.size(), nanos, bytes);
        System.out.println(sink ? "" : " ");
    }

    private interface Body {
        boolean run() throws Exception;
    }

    private record Result(double nanos, double bytes) {}

    /** The best of five batches, and the bytes the measuring thread allocated per call in that batch. */
    private static Result measure(int rounds, Body body) throws Exception {
        com.sun.management.ThreadMXBean threads = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
        long thread = Thread.currentThread().threadId();
        double best = Double.MAX_VALUE;
        double bytes = 0;
        boolean sink = false;
        for (int batch = 0; batch < 5; batch++) {
            long allocated = threads.getThreadAllocatedBytes(thread);
            long start = System.nanoTime();
            for (int i = 0; i < rounds; i++) {
                sink ^= body.run();
            }
            double nanos = (System.nanoTime() - start) / (double) rounds;
            if (nanos < best) {
                best = nanos;
                bytes = (threads.getThreadAllocatedBytes(thread) - allocated) / (double) rounds;
            }
        }
        if (sink && best < 0) {
            System.out.println();
        }
        return new Result(best, bytes);
    }

    private static InetAddress address() {
        try {
            return InetAddress.getByName("10.1.2.3");
        } catch (java.net.UnknownHostException e) {
            throw new IllegalStateException(e);
        }
    }

    private static GatewayConfig config() throws Exception {
        StringBuilder yaml = new StringBuilder("""
                version: 1
                listeners: [{ address: 127.0.0.1:0 }]
                services:
                  orders: { targets: [http://127.0.0.1:9], tls: none }
                routes:
                  - id: user-orders
                    match: { path: "/users/{userId}/orders" }
                    service: orders
                    allow:
                """);
        for (int i = 0; i < RULES.size(); i++) {
            yaml.append("      - { id: r").append(i).append(", when: '").append(RULES.get(i)).append("' }\n");
        }
        return ConfigLoader.parse("benchmark.yaml", yaml.toString(), Map.<String, String>of()::get);
    }

    private static Exchange exchange() throws Exception {
        RouteConfig route = config.routes().get(0);
        RequestHead head = new RequestHead() {
            @Override public String method() { return "GET"; }
            @Override public String scheme() { return "https"; }
            @Override public String host() { return "api.example.com"; }
            @Override public String path() { return "/users/alice/orders"; }
            @Override public String rawPath() { return "/users/alice/orders"; }
            @Override public @Nullable String query() { return null; }
            @Override public @Nullable String header(String name) { return null; }
            @Override public List<String> headers(String name) { return List.of(); }
        };
        InetAddress ip = IP;
        Exchange exchange = new Exchange("r1", "public", head, new ClientAddress(new InetSocketAddress(ip, 40000), null),
                new CompiledRoute(route, config.services().get("orders")), Map.of("userId", "alice"), 0);
        exchange.put(Subject.KEY, new Subject("alice", Subject.Kind.USER, "corp", Set.of("orders:read", "profile"),
                Set.of(), Map.of(), new Authentication(List.of("pwd", "otp"), null, NOW), TokenBinding.NONE));
        exchange.put(Device.KEY, new Device("dev-1", "alice", true, true, true, "macOS", "15.1", "2026-05-01", true,
                NOW, Device.Source.ATTESTATION));
        exchange.put(NetworkContext.KEY, new NetworkContext(ip, ip, List.of("office")));
        return exchange;
    }
}
