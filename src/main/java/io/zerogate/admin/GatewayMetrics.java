package io.zerogate.admin;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.MultiGauge;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.Timer;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.zerogate.chain.Decision;
import io.zerogate.chain.ExchangeOutcome;
import io.zerogate.chain.ReasonCode;
import io.zerogate.chain.StageObserver;
import io.zerogate.chain.StageObserver.StageMeter;
import io.zerogate.chain.OutcomeSink;
import io.zerogate.limits.LimitObserver;
import io.zerogate.policy.PolicyObserver;
import io.zerogate.policy.LookupObserver;
import io.zerogate.posture.PostureObserver;
import io.zerogate.server.Http2Events;
import io.zerogate.server.TlsEvents;
import io.zerogate.upstream.UpstreamService;
import io.zerogate.upstream.UpstreamTarget;
import io.zerogate.upstream.Upstreams;
import io.zerogate.server.ThreadCounter;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import org.jspecify.annotations.Nullable;

/**
 * Prometheus metrics of the data plane: requests by listener, route, status and decision, request latency
 * by route, failed TLS handshakes by listener and reason, HTTP/2 connections cut off for resetting streams too fast,
 * the health of every upstream target, and refused calls to the admin API. Meters are created once per label set and cached, so recording an
 * outcome costs a map lookup and two atomic updates.
 */
public final class GatewayMetrics implements OutcomeSink, TlsEvents, Http2Events, LimitObserver, StageObserver,
        PolicyObserver, LookupObserver, PostureObserver {

    private final PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    /** Counted on every request: per thread (see {@link ThreadCounter}). */
    private final ConcurrentHashMap<Labels, ThreadCounter> requests = new ConcurrentHashMap<>();
    private final ConcurrentHashMap<String, Timer> latency = new ConcurrentHashMap<>();
    private final ConcurrentHashMap<NamedOutcome, Counter> handshakeFailures = new ConcurrentHashMap<>();
    private final ConcurrentHashMap<NamedOutcome, Counter> reloads = new ConcurrentHashMap<>();
    private final ConcurrentHashMap<String, Counter> resetFloods = new ConcurrentHashMap<>();
    private final ConcurrentHashMap<String, Counter> adminAuthFailures = new ConcurrentHashMap<>();
    private final ConcurrentHashMap<String, Counter[]> limitChecks = new ConcurrentHashMap<>();
    private final Counter limitStoreErrors = Counter.builder("zerogate_limit_store_errors")
            .description("calls of the limits stage to the shared state store that failed or timed out")
            .register(registry);
    private final java.util.concurrent.atomic.AtomicInteger limitsDegraded = registry.gauge("zerogate_limit_store_degraded",
            new java.util.concurrent.atomic.AtomicInteger());
    private final MultiGauge upstreamHealth = MultiGauge.builder("zerogate_upstream_healthy")
            .description("1 when the upstream target is in rotation, 0 when ejected or failing probes")
            .register(registry);
    private final MultiGauge keyFetches = MultiGauge.builder("zerogate_identity_key_fetches")
            .description("JWK set fetches per issuer since start")
            .register(registry);
    private final MultiGauge upstreamInFlight = MultiGauge.builder("zerogate_upstream_in_flight")
            .description("requests in flight per upstream target")
            .register(registry);

    private final ConcurrentHashMap<String, StageMeters> stages = new ConcurrentHashMap<>();

    private record Labels(String listener, String route, int status, String decision) {}

    /** The meters of one stage of the chain: decisions by outcome, and the time of the sampled runs. */
    private final class StageMeters implements StageMeter {
        private final String stage;
        /** Every exchange passes every stage: counted per thread, not in an adder all event loops share. */
        private final ThreadCounter proceeded;
        private final Timer duration;
        private final ConcurrentHashMap<ReasonCode, Counter> denied;

        StageMeters(String stage, ThreadCounter proceeded, Timer duration, ConcurrentHashMap<ReasonCode, Counter> denied) {
            this.stage = stage;
            this.proceeded = proceeded;
            this.duration = duration;
            this.denied = denied;
        }

        @Override
        public void decided(Decision decision, long nanos) {
            if (decision instanceof Decision.Deny deny) {
                denied.computeIfAbsent(deny.reason(), r -> stageDecisions(stage, r.code())).increment();
            } else {
                proceeded.increment();
            }
            if (nanos >= 0) {
                duration.record(nanos, TimeUnit.NANOSECONDS);
            }
        }
    }

    /** A name (a listener, a limit) and one word for what happened to it (a failure reason, a reload result). */
    private record NamedOutcome(String name, String outcome) {}

    @Override
    public void record(ExchangeOutcome outcome) {
        String route = outcome.routeId() == null ? "-" : outcome.routeId();
        String decision = decision(outcome);
        Labels labels = new Labels(outcome.listener(), route, outcome.status(), decision);
        ThreadCounter c = requests.get(labels);
        if (c == null) {
            c = requests.computeIfAbsent(labels, l -> {
                ThreadCounter count = new ThreadCounter();
                FunctionCounter.builder("zerogate_requests", count, ThreadCounter::sum)
                        .description("requests by listener, route, status and decision")
                        .tags("listener", l.listener(), "route", l.route(), "status", Integer.toString(l.status()),
                                "decision", l.decision())
                        .register(registry);
                return count;
            });
        }
        c.increment();
        Timer t = latency.get(route);
        if (t == null) {
            t = latency.computeIfAbsent(route, r -> Timer.builder("zerogate_request_duration")
                    .description("time from a complete request head to the end of the response")
                    .tags("route", r)
                    .publishPercentileHistogram()
                    .register(registry));
        }
        t.record(outcome.durationNanos(), TimeUnit.NANOSECONDS);
    }

    private static String decision(ExchangeOutcome outcome) {
        if (outcome.reason() != null) {
            return outcome.reason().code();
        }
        return outcome.clientAborted() ? "client_aborted" : "forwarded";
    }

    /** Counts one failed TLS handshake on a client listener ({@code zerogate_tls_handshake_failures_total}). */
    @Override
    public void handshakeFailed(String listener, String reason) {
        NamedOutcome labels = new NamedOutcome(listener, reason);
        Counter c = handshakeFailures.get(labels);
        if (c == null) {
            c = handshakeFailures.computeIfAbsent(labels, l -> Counter.builder("zerogate_tls_handshake_failures")
                    .description("failed TLS handshakes on client listeners by listener and reason")
                    .tags("listener", l.name(), "reason", l.outcome())
                    .register(registry));
        }
        c.increment();
    }

    /** Counts one reading of changed TLS files ({@code zerogate_tls_certificate_reloads_total}, result applied or rejected). */
    @Override
    public void certificatesReloaded(String listener, boolean applied) {
        NamedOutcome labels = new NamedOutcome(listener, applied ? "applied" : "rejected");
        Counter c = reloads.get(labels);
        if (c == null) {
            c = reloads.computeIfAbsent(labels, l -> Counter.builder("zerogate_tls_certificate_reloads")
                    .description("changed TLS files of client listeners read again, by whether they were applied")
                    .tags("listener", l.name(), "result", l.outcome())
                    .register(registry));
        }
        c.increment();
    }

    /**
     * Counts one limit's check of one request ({@code zerogate_limit_checks_total}, by limit and outcome: allowed,
     * limited, or would_limit for a shadow limit).
     */
    @Override
    public void checked(String limitId, LimitObserver.Outcome outcome) {
        // Called for every limit of every request: one lookup by id, the outcome's counter by position.
        Counter[] byOutcome = limitChecks.get(limitId);
        if (byOutcome == null) {
            byOutcome = limitChecks.computeIfAbsent(limitId, id -> {
                LimitObserver.Outcome[] outcomes = LimitObserver.Outcome.values();
                Counter[] counters = new Counter[outcomes.length];
                for (LimitObserver.Outcome o : outcomes) {
                    counters[o.ordinal()] = Counter.builder("zerogate_limit_checks")
                            .description("requests counted by each rate limit, quota or concurrency limit, by outcome")
                            .tags("limit", id, "outcome", o.name().toLowerCase(java.util.Locale.ROOT))
                            .register(registry);
                }
                return counters;
            });
        }
        byOutcome[outcome.ordinal()].increment();
    }

    @Override
    public void storeFailed() {
        limitStoreErrors.increment();
    }

    /** {@code zerogate_limit_store_degraded} is 1 while limits count on this node alone. */
    @Override
    public void degraded(boolean degraded) {
        limitsDegraded.set(degraded ? 1 : 0);
    }

    /** Counts one HTTP/2 connection closed for resetting streams too fast ({@code zerogate_http2_reset_floods_total}). */
    @Override
    public void resetFloodClosed(String listener) {
        Counter c = resetFloods.get(listener);
        if (c == null) {
            c = resetFloods.computeIfAbsent(listener, l -> Counter.builder("zerogate_http2_reset_floods")
                    .description("HTTP/2 connections closed with GOAWAY because the client reset streams too fast")
                    .tags("listener", l)
                    .register(registry));
        }
        c.increment();
    }

    /**
     * Counts one call to the admin API refused for its credentials ({@code zerogate_admin_auth_failures_total}, by
     * reason: {@code missing}, {@code malformed}, {@code invalid_token}, {@code tls_handshake}).
     */
    public void adminAuthFailed(String reason) {
        Counter c = adminAuthFailures.get(reason);
        if (c == null) {
            c = adminAuthFailures.computeIfAbsent(reason, r -> Counter.builder("zerogate_admin_auth_failures")
                    .description("calls to the admin API refused for missing or wrong credentials, by reason")
                    .tags("reason", r)
                    .register(registry));
        }
        c.increment();
    }

    /** Admin API calls refused so far for one reason (for tests and the console). */
    public double adminAuthFailures(String reason) {
        Counter c = adminAuthFailures.get(reason);
        return c == null ? 0 : c.count();
    }

    /** HTTP/2 connections of one listener closed so far for resetting streams too fast. */
    public double http2ResetFloods(String listener) {
        Counter c = resetFloods.get(listener);
        return c == null ? 0 : c.count();
    }

    /** TLS file reloads counted so far for one listener; {@code result} is applied or rejected. */
    public double tlsCertificateReloads(String listener, String result) {
        Counter c = reloads.get(new NamedOutcome(listener, result));
        return c == null ? 0 : c.count();
    }

    /** Failed TLS handshakes counted so far for one listener and reason (for tests and the console). */
    public double tlsHandshakeFailures(String listener, String reason) {
        Counter c = handshakeFailures.get(new NamedOutcome(listener, reason));
        return c == null ? 0 : c.count();
    }

    /** Tracks the targets of the current configuration; called at start and after every reload. */
    public void watch(Upstreams upstreams) {
        List<MultiGauge.Row<?>> health = new ArrayList<>();
        List<MultiGauge.Row<?>> inFlight = new ArrayList<>();
        for (UpstreamService service : upstreams.services()) {
            for (UpstreamTarget target : service.targets()) {
                Tags tags = Tags.of("service", service.config().name(), "target", target.address().toString());
                health.add(MultiGauge.Row.of(tags, target, t -> t.isAvailable(System.nanoTime()) ? 1 : 0));
                inFlight.add(MultiGauge.Row.of(tags, target, UpstreamTarget::inFlight));
            }
        }
        upstreamHealth.register(health, true);
        upstreamInFlight.register(inFlight, true);
    }

    /**
     * Tracks how often each issuer's keys were fetched (discovery excluded): a number that climbs fast means
     * the issuer rotates keys often, or tokens with unknown key ids are arriving.
     */
    public void watchKeyFetches(java.util.Map<String, java.util.function.LongSupplier> fetchesByIssuer) {
        List<MultiGauge.Row<?>> rows = new ArrayList<>();
        fetchesByIssuer.forEach((issuer, fetches) ->
                rows.add(MultiGauge.Row.of(Tags.of("issuer", issuer), fetches, f -> (double) f.getAsLong())));
        keyFetches.register(rows, true);
    }

    @Override
    public void decided(String stage, Decision decision, long nanos) {
        stageMeters(stage).decided(decision, nanos);
    }

    /** The meters of one stage, made on first use and shared by every chain that has the stage. */
    @Override
    public StageMeter meter(String stage) {
        return stageMeters(stage);
    }

    private StageMeters stageMeters(String stage) {
        StageMeters m = stages.get(stage);
        if (m == null) {
            m = stages.computeIfAbsent(stage, s -> new StageMeters(s, stageContinues(s),
                    Timer.builder("zerogate_stage_duration").description("time a stage of the chain takes (sampled requests)")
                            .tag("stage", s).register(registry), new ConcurrentHashMap<>()));
        }
        return m;
    }

    private ThreadCounter stageContinues(String stage) {
        ThreadCounter count = new ThreadCounter();
        FunctionCounter.builder("zerogate_stage_decisions", count, ThreadCounter::sum)
                .description("decisions of each stage of the chain")
                .tags("stage", stage, "decision", "continue").register(registry);
        return count;
    }

    private Counter stageDecisions(String stage, String decision) {
        return Counter.builder("zerogate_stage_decisions").description("decisions of each stage of the chain")
                .tags("stage", stage, "decision", decision).register(registry);
    }

    /** The registry every meter of the gateway lives in. */
    io.micrometer.core.instrument.MeterRegistry registry() {
        return registry;
    }

    /** The Prometheus text exposition of every meter. */
    public String scrape() {
        return registry.scrape();
    }

    /** The count recorded so far for one label set (for tests and the console). */
    public double requestCount(String listener, @Nullable String route, int status, String decision) {
        ThreadCounter c = requests.get(new Labels(listener, route == null ? "-" : route, status, decision));
        return c == null ? 0 : c.sum();
    }

    /** Tracks how many blocks on client addresses are active ({@code zerogate_network_blocks_active}); called once. */
    public void watchBlocks(io.zerogate.network.ClientBlocks blocks) {
        io.micrometer.core.instrument.Gauge.builder("zerogate_network_blocks_active", blocks, b -> b.active())
                .description("blocks on client addresses or CIDR blocks that are in effect")
                .strongReference(true)
                .register(registry);
    }

    /**
     * The counters of one policy rule ({@code zerogate_policy_decisions_total}, by route, rule and result: allow,
     * deny, would_deny for a shadow rule that would have refused, error), made when a configuration is compiled so
     * that a request counts by position, without a lookup.
     */
    @Override
    public PolicyObserver.RuleMeter rule(String routeId, String ruleId) {
        PolicyObserver.Result[] results = PolicyObserver.Result.values();
        Counter[] counters = new Counter[results.length];
        for (PolicyObserver.Result r : results) {
            counters[r.ordinal()] = Counter.builder("zerogate_policy_decisions")
                    .description("outcomes of each policy rule (CEL allow and deny rules), by route, rule and result")
                    .tags("route", routeId, "rule", ruleId, "result", r.name().toLowerCase(java.util.Locale.ROOT))
                    .register(registry);
        }
        return result -> counters[result.ordinal()].increment();
    }

    /** How often a policy rule had this result so far (for tests and the console). */
    public double policyDecisionCount(String routeId, String ruleId, PolicyObserver.Result result) {
        Counter c = registry.find("zerogate_policy_decisions").tags("route", routeId, "rule", ruleId, "result",
                result.name().toLowerCase(java.util.Locale.ROOT)).counter();
        return c == null ? 0 : c.count();
    }

    // Ownership lookups and decision points (io.zerogate.policy.LookupObserver).

    private final ConcurrentHashMap<LookupLabels, Counter> policyLookups = new ConcurrentHashMap<>();
    private final ConcurrentHashMap<LookupLabels, Counter> policyLookupCacheHits = new ConcurrentHashMap<>();
    private final ConcurrentHashMap<LookupObserver.Kind, Timer> policyLookupDurations = new ConcurrentHashMap<>();

    /** A remote check (owner, opa) on a route, and one word for what happened. */
    private record LookupLabels(LookupObserver.Kind kind, String route, String result) {}

    /**
     * Counts one request's ownership or decision point check ({@code zerogate_policy_lookups_total}, by kind: owner
     * or opa, route and result: allow, deny, would_deny or unavailable).
     */
    @Override
    public void checked(LookupObserver.Kind kind, String routeId, LookupObserver.Result result) {
        LookupLabels labels = new LookupLabels(kind, routeId, result.name().toLowerCase(java.util.Locale.ROOT));
        Counter c = policyLookups.get(labels);
        if (c == null) {
            c = policyLookups.computeIfAbsent(labels, l -> Counter.builder("zerogate_policy_lookups")
                    .description("ownership lookups and decision point checks of requests, by result")
                    .tags("kind", kindLabel(l.kind()), "route", l.route(), "result", l.result()).register(registry));
        }
        c.increment();
    }

    /** Times one call to an owner service or decision point ({@code zerogate_policy_lookup_duration_seconds}). */
    @Override
    public void called(LookupObserver.Kind kind, long nanos) {
        Timer t = policyLookupDurations.get(kind);
        if (t == null) {
            t = policyLookupDurations.computeIfAbsent(kind, k -> Timer.builder("zerogate_policy_lookup_duration")
                    .description("time of calls to owner services and decision points, answered or failed")
                    .tag("kind", kindLabel(k)).register(registry));
        }
        t.record(Math.max(0, nanos), TimeUnit.NANOSECONDS);
    }

    /** Counts a check answered from the cache ({@code zerogate_policy_lookup_cache_hits_total}, by kind and route). */
    @Override
    public void cacheHit(LookupObserver.Kind kind, String routeId) {
        LookupLabels labels = new LookupLabels(kind, routeId, "hit");
        Counter c = policyLookupCacheHits.get(labels);
        if (c == null) {
            c = policyLookupCacheHits.computeIfAbsent(labels, l -> Counter.builder("zerogate_policy_lookup_cache_hits")
                    .description("ownership lookups and decision point checks answered from the cache")
                    .tags("kind", kindLabel(l.kind()), "route", l.route()).register(registry));
        }
        c.increment();
    }

    /** The count of checks so far for one label set (for tests and the console). */
    public double policyLookupCount(LookupObserver.Kind kind, String routeId, LookupObserver.Result result) {
        Counter c = policyLookups.get(new LookupLabels(kind, routeId, result.name().toLowerCase(java.util.Locale.ROOT)));
        return c == null ? 0 : c.count();
    }

    private static String kindLabel(LookupObserver.Kind kind) {
        return kind.name().toLowerCase(java.util.Locale.ROOT);
    }

    // Device posture: one counter per source and result, registered up front so that failures show as a rise from 0.
    private final Counter[][] postureChecks = postureCounters();

    private Counter[][] postureCounters() {
        PostureObserver.Source[] sources = PostureObserver.Source.values();
        PostureObserver.Result[] results = PostureObserver.Result.values();
        Counter[][] counters = new Counter[sources.length][results.length];
        for (PostureObserver.Source source : sources) {
            for (PostureObserver.Result result : results) {
                counters[source.ordinal()][result.ordinal()] = Counter.builder("zerogate_posture_checks")
                        .description("device checks by how the device's facts were sought and what the check came to")
                        .tags("source", source.name().toLowerCase(java.util.Locale.ROOT),
                                "result", result.name().toLowerCase(java.util.Locale.ROOT))
                        .register(registry);
            }
        }
        return counters;
    }

    /** Counts one device check ({@code zerogate_posture_checks_total}, by source and result). */
    @Override
    public void checked(PostureObserver.Source source, PostureObserver.Result result) {
        postureChecks[source.ordinal()][result.ordinal()].increment();
    }

    /** Device checks counted so far for one source and result (for tests and the console). */
    public double postureChecks(PostureObserver.Source source, PostureObserver.Result result) {
        return postureChecks[source.ordinal()][result.ordinal()].count();
    }
}
