package io.zerogate.policy;

import io.zerogate.chain.ClientAddress;
import io.zerogate.chain.Decision;
import io.zerogate.chain.Exchange;
import io.zerogate.chain.ReasonCode;
import io.zerogate.chain.RequestHead;
import io.zerogate.chain.Stage;
import io.zerogate.config.CompiledRoute;
import io.zerogate.config.ConfigException;
import io.zerogate.config.GatewayConfig;
import io.zerogate.config.GatewaySnapshot;
import io.zerogate.config.PolicyCases;
import io.zerogate.config.Router;
import io.zerogate.identity.Authentication;
import io.zerogate.identity.SpiffeId;
import io.zerogate.identity.SpiffeIdPattern;
import io.zerogate.identity.Subject;
import io.zerogate.identity.TokenBinding;
import io.zerogate.network.LocalBlocks;
import io.zerogate.network.NetworkStage;
import io.zerogate.posture.Device;
import io.zerogate.posture.PostureStage;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.UnknownHostException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Supplier;
import org.jspecify.annotations.Nullable;

/**
 * Runs a table of policy cases against the routes of a configuration, offline. Each case's request is routed as the
 * gateway routes it and decided by the gateway's own stages — network rules, device requirements, scope, role and
 * step-up requirements, deny by default, the CEL rules, the ownership check and the decision point — with the
 * caller, the device and the answers of the owner service and the decision point taken from the case instead of
 * from tokens, attestations and HTTP calls. Rate limits are not part of a policy test.
 */
public final class PolicyTestRunner {

    /** A case's outcome: what it expected, what it got, and the refusal's internal detail when there was one. */
    public record Result(PolicyCases.Case testCase, boolean passed, String got, @Nullable String detail) {}

    private final GatewayConfig config;
    private final Router<CompiledRoute> router;
    private final CaseClock clock = new CaseClock();
    private final CaseAnswers answers = new CaseAnswers();
    private final List<Stage> stages;

    private PolicyTestRunner(GatewayConfig config, Router<CompiledRoute> router, List<Stage> stages) {
        this.config = config;
        this.router = router;
        this.stages = stages;
    }

    /** Compiles a configuration's routes and policies, as the gateway would (a bad rule fails here with its line). */
    public static PolicyTestRunner compile(GatewayConfig config) throws ConfigException {
        GatewaySnapshot snapshot = GatewaySnapshot.compile(config);
        PolicyTestRunner runner = new PolicyTestRunner(config, snapshot.router(), new ArrayList<>());
        CaseClock clock = runner.clock;
        // The chain's order, without the stages whose facts a case states (identity, posture) and without limits.
        runner.stages.addAll(List.of(
                new NetworkStage(config.networks(), config.routes(), new LocalBlocks(clock)),
                runner::identity,
                runner::segmentation,
                runner::device,
                new RequirementsStage(clock),
                new RouteAccessStage(),
                PolicyStage.compile(config, clock, PolicyObserver.NONE),
                OwnershipStage.compile(config, runner.answers, clock, LookupObserver.NONE),
                DecisionPointStage.compile(config, runner.answers, clock, LookupObserver.NONE)));
        return runner;
    }

    /** Runs every case, in order. */
    public List<Result> run(PolicyCases cases) {
        List<Result> results = new ArrayList<>(cases.cases().size());
        for (PolicyCases.Case c : cases.cases()) {
            results.add(run(c));
        }
        return results;
    }

    /** Runs one case. */
    public Result run(PolicyCases.Case c) {
        clock.now = c.now() == null ? Instant.now() : c.now();
        answers.current = c;
        Decision.Deny refusal;
        try {
            refusal = decide(c);
        } catch (CaseException e) {
            return new Result(c, false, "error", e.getMessage());
        }
        String got = refusal == null ? "allow" : describe(refusal);
        PolicyCases.Expect expect = c.expect();
        boolean passed = refusal == null ? expect.allow()
                : !expect.allow() && (expect.reason() == null || expect.reason().equals(refusal.reason().code()))
                        && (expect.rule() == null || expect.rule().equals(refusal.ruleId()));
        return new Result(c, passed, got, refusal == null ? null : refusal.detail());
    }

    private static String describe(Decision.Deny refusal) {
        return "deny " + refusal.reason().code() + (refusal.ruleId() == null ? "" : " (rule " + refusal.ruleId() + ")");
    }

    private Decision.@Nullable Deny decide(PolicyCases.Case c) throws CaseException {
        PolicyCases.Request r = c.request();
        String host = r.host().toLowerCase(Locale.ROOT);
        Router.Result<CompiledRoute> routed = router.route(host, r.method(), r.path());
        CompiledRoute route;
        Map<String, String> params;
        switch (routed) {
            case Router.Found<CompiledRoute> found -> {
                route = found.value();
                params = found.params();
            }
            case Router.MethodNotAllowed<CompiledRoute> m -> {
                return Decision.deny(ReasonCode.METHOD_NOT_ALLOWED, "the route allows " + m.allowed());
            }
            case Router.NotFound<CompiledRoute> n -> {
                return Decision.deny(ReasonCode.NO_ROUTE, "no route matches " + r.method() + " " + host + r.path());
            }
        }
        Exchange exchange = new Exchange("case-" + c.line(), "policy-test", new CaseRequest(r, host),
                new ClientAddress(new InetSocketAddress(address(c.client()), 1), null), route, params, 0);
        if (c.subject() != null) {
            if (!route.config().authenticate().required() && route.service().callers().isEmpty()) {
                throw new CaseException("the case gives a subject, but route " + route.id()
                        + " does not authenticate its callers (a subject would never be established there)");
            }
            exchange.put(Subject.KEY, subject(c.subject()));
        }
        if (c.device() != null) {
            if (config.posture() == null) {
                throw new CaseException("the case gives a device, but the configuration has no posture section");
            }
            exchange.put(Device.KEY, device(c.device()));
        }
        if (route.config().policy().owner() != null && c.owner() == null) {
            throw new CaseException("route " + route.id() + " asks an owner service; the case must give owner");
        }
        if (route.config().policy().opa() != null && c.decision() == null) {
            throw new CaseException("route " + route.id() + " asks a decision point; the case must give decision");
        }
        for (Stage stage : stages) {
            Decision decision;
            try {
                decision = stage.evaluate(exchange).toCompletableFuture().get(10, TimeUnit.SECONDS);
            } catch (ExecutionException e) {
                throw new CaseException("a stage failed: " + e.getCause());
            } catch (TimeoutException e) {
                throw new CaseException("a stage gave no answer within 10s");
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new CaseException("interrupted");
            }
            if (decision instanceof Decision.Deny deny) {
                return deny;
            }
        }
        return null;
    }

    /** What the identity stage decides about a case's caller: a route that authenticates needs one. */
    private CompletableFuture<Decision> identity(Exchange exchange) {
        if (exchange.route().config().authenticate().required() && exchange.get(Subject.KEY) == null) {
            return CompletableFuture.completedFuture(Decision.deny(ReasonCode.CREDENTIAL_MISSING,
                    "the route authenticates its callers and the case gives no subject"));
        }
        return CompletableFuture.completedFuture(Decision.proceed());
    }

    /** Micro-segmentation for a case: a service's callers must be a workload subject whose SPIFFE ID matches. */
    private CompletableFuture<Decision> segmentation(Exchange exchange) {
        List<SpiffeIdPattern> callers = exchange.route().service().callers();
        if (callers.isEmpty()) {
            return CompletableFuture.completedFuture(Decision.proceed());
        }
        Subject subject = exchange.get(Subject.KEY);
        if (subject != null && subject.kind() == Subject.Kind.WORKLOAD) {
            SpiffeId id;
            try {
                id = SpiffeId.parse(subject.id());
            } catch (IllegalArgumentException e) {
                id = null;
            }
            for (SpiffeIdPattern pattern : callers) {
                if (id != null && pattern.matches(id)) {
                    return CompletableFuture.completedFuture(Decision.proceed());
                }
            }
        }
        return CompletableFuture.completedFuture(Decision.deny(ReasonCode.CALLER_NOT_ALLOWED,
                "service " + exchange.route().service().name() + " admits only its listed callers"));
    }

    /** The route's device requirement, judged on the case's device as the posture stage judges a verified one. */
    private CompletableFuture<Decision> device(Exchange exchange) {
        return CompletableFuture.completedFuture(PostureStage.judge(exchange.get(Device.KEY), exchange.get(Subject.KEY),
                exchange.route().config().require().device(), exchange.route().id()));
    }

    private static Subject subject(PolicyCases.SubjectSpec s) {
        Subject.Kind kind = switch (s.kind()) {
            case "workload" -> Subject.Kind.WORKLOAD;
            case "api_key" -> Subject.Kind.API_KEY;
            default -> Subject.Kind.USER;
        };
        TokenBinding binding = switch (s.binding()) {
            case "mtls" -> TokenBinding.certificate("case");
            case "dpop" -> TokenBinding.dpop("case");
            default -> TokenBinding.NONE;
        };
        return new Subject(s.id(), kind, s.issuer(), new HashSet<>(s.scopes()), new HashSet<>(s.roles()), s.claims(),
                new Authentication(s.amr(), s.acr(), s.authTime()), binding);
    }

    private Device device(PolicyCases.DeviceSpec d) {
        return new Device(d.id(), d.user(), d.managed(), d.compliant(), d.diskEncrypted(), d.os(), d.osVersion(),
                d.patchLevel(), d.edrRunning(), d.checkedAt() == null ? clock.instant() : d.checkedAt(),
                Device.Source.ATTESTATION);
    }

    private static InetAddress address(String literal) throws CaseException {
        try {
            // A literal checked when the table was read: never a name lookup.
            return InetAddress.getByName(literal.indexOf(':') >= 0 ? "[" + literal + "]" : literal);
        } catch (UnknownHostException e) {
            throw new CaseException("client " + literal + " is not an IP address");
        }
    }

    /** A case that cannot be run as written. */
    private static final class CaseException extends Exception {
        CaseException(String message) {
            super(message, null, false, false);
        }
    }

    /** The time a case runs at; moved by each case. */
    private static final class CaseClock extends Clock {
        Instant now = Instant.EPOCH;

        @Override
        public ZoneId getZone() {
            return ZoneOffset.UTC;
        }

        @Override
        public Clock withZone(ZoneId zone) {
            return new InZone(this, zone);
        }

        @Override
        public Instant instant() {
            return now;
        }
    }

    /** A case clock seen from another zone: the same moving instant. */
    private static final class InZone extends Clock {
        private final CaseClock clock;
        private final ZoneId zone;

        InZone(CaseClock clock, ZoneId zone) {
            this.clock = clock;
            this.zone = zone;
        }

        @Override
        public ZoneId getZone() {
            return zone;
        }

        @Override
        public Clock withZone(ZoneId other) {
            return clock.withZone(other);
        }

        @Override
        public Instant instant() {
            return clock.now;
        }
    }

    /** The owner service's and the decision point's answers, as the case running now gives them. */
    private static final class CaseAnswers implements OwnerSource, DecisionSource {
        PolicyCases.@Nullable Case current;

        @Override
        public CompletableFuture<OwnerAnswer> owners(String routeId, URI url, Duration timeout, Duration ttl) {
            List<String> owners = Objects.requireNonNull(current).owner();
            return CompletableFuture.completedFuture(owners == null || owners.isEmpty() ? OwnerAnswer.NotFound.INSTANCE
                    : new OwnerAnswer.Owners(Set.copyOf(owners)));
        }

        @Override
        public CompletableFuture<DecisionAnswer> decide(String routeId, URI url, byte[] facts, Supplier<byte[]> body,
                                                        Duration timeout, Duration ttl) {
            Boolean decision = Objects.requireNonNull(current).decision();
            return CompletableFuture.completedFuture(Boolean.TRUE.equals(decision) ? DecisionAnswer.Allow.INSTANCE
                    : new DecisionAnswer.Deny("the case's decision point says deny"));
        }
    }

    /** A case's request as the chain reads it. */
    private record CaseRequest(PolicyCases.Request request, String host) implements RequestHead {
        @Override public String method() { return request.method(); }
        @Override public String scheme() { return "https"; }
        @Override public String path() { return request.path(); }
        @Override public String rawPath() { return request.path(); }
        @Override public @Nullable String query() { return request.query(); }

        @Override
        public @Nullable String header(String name) {
            List<String> values = request.headers().get(name.toLowerCase(Locale.ROOT));
            return values == null || values.isEmpty() ? null : values.getFirst();
        }

        @Override
        public List<String> headers(String name) {
            List<String> values = request.headers().get(name.toLowerCase(Locale.ROOT));
            return values == null ? List.of() : values;
        }

        @Override
        public List<String> headerNames() {
            return List.copyOf(request.headers().keySet());
        }
    }
}
