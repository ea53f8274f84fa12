package io.zerogate;

import io.zerogate.admin.AdminApi;
import io.zerogate.admin.AdminServer;
import io.zerogate.admin.AuditMetrics;
import io.zerogate.admin.SpanExport;
import io.zerogate.audit.AuditLog;
import io.zerogate.audit.AuditSink;
import io.zerogate.audit.incident.GatewayIncidents;
import io.zerogate.audit.incident.IncidentBook;
import io.zerogate.audit.sink.HttpAuditSink;
import io.zerogate.audit.ExchangeRecorder;
import io.zerogate.chain.OutcomeSink;
import io.zerogate.config.AuditConfig;
import io.zerogate.admin.AuditTail;
import io.zerogate.admin.GatewayMetrics;
import io.zerogate.chain.Chain;
import io.zerogate.chain.ChainStep;
import io.zerogate.config.ConfigException;
import io.zerogate.config.ConfigLoader;
import io.zerogate.config.ConfigWatcher;
import io.zerogate.config.GatewayConfig;
import io.zerogate.config.GatewaySnapshot;
import io.zerogate.config.ListenerTls;
import io.zerogate.identity.Authenticators;
import io.zerogate.identity.ClientCertificateStage;
import io.zerogate.identity.IdentityAssertionStage;
import io.zerogate.identity.IdentityStage;
import io.zerogate.identity.TransportIdentity;
import io.zerogate.limits.LimitsStage;
import io.zerogate.network.ClientBlocks;
import io.zerogate.network.LocalBlocks;
import io.zerogate.network.NetworkStage;
import io.zerogate.policy.PolicyStage;
import io.zerogate.policy.DecisionPointStage;
import io.zerogate.policy.OwnershipStage;
import io.zerogate.policy.RequirementsStage;
import io.zerogate.policy.RouteAccessStage;
import io.zerogate.policy.SegmentationStage;
import io.zerogate.posture.PostureKeys;
import io.zerogate.posture.PostureStage;
import io.zerogate.server.GatewayServer;
import io.zerogate.server.RuntimeSnapshot;
import io.zerogate.server.Transport;
import io.zerogate.state.SharedState;
import io.zerogate.upstream.HealthChecker;
import io.zerogate.upstream.Upstreams;
import io.netty.util.concurrent.DefaultThreadFactory;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.http.HttpClient;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.atomic.AtomicReference;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A running gateway, assembled by hand from its parts: the compiled configuration, the verification chain
 * in its one fixed order, the upstreams, the data plane, the admin listener and the configuration watcher.
 */
public final class Gateway implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(Gateway.class);

    private final AtomicReference<RuntimeSnapshot> current;
    private final GatewayServer server;
    private final GatewayMetrics metrics;
    private final IdentityRuntime identity;
    /** Blocks on client addresses outlive configurations: a reload keeps them. */
    private final ClientBlocks blocks;
    private volatile Authenticators authenticators;
    private volatile SharedState state;
    private volatile LimitsStage limits;
    private volatile @Nullable AdminServer admin;
    private final AuditTail auditTail = AuditTail.withDefaults();
    private volatile HealthChecker health;
    private volatile @Nullable ConfigWatcher<Compiled> watcher;
    private volatile boolean ready;
    private volatile boolean closed;
    private final @Nullable AuditLog audit;
    private final @Nullable IncidentBook incidents;
    private final @Nullable SpanExport spans;

    private Gateway(AtomicReference<RuntimeSnapshot> current, GatewayServer server, GatewayMetrics metrics,
                    HealthChecker health, IdentityRuntime identity, Compiled compiled, Trail trail,
                    @Nullable SpanExport spans, ClientBlocks blocks) {
        this.blocks = blocks;
        this.audit = trail.log();
        this.incidents = trail.incidents();
        this.spans = spans;
        this.current = current;
        this.server = server;
        this.metrics = metrics;
        this.health = health;
        this.identity = identity;
        this.authenticators = compiled.authenticators();
        this.state = compiled.state();
        this.limits = compiled.limits();
    }

    /**
     * What the credential checkers share for the life of the process: the HTTP client that fetches keys and
     * introspects tokens (its own threads, never an event loop), the scheduler of key refreshes, and the clock.
     */
    private record IdentityRuntime(HttpClient http, ScheduledExecutorService scheduler, Clock clock,
                                   PostureKeys postureKeys) implements AutoCloseable {

        static IdentityRuntime create() {
            HttpClient http = HttpClient.newBuilder()
                    .followRedirects(HttpClient.Redirect.NEVER)
                    .connectTimeout(Duration.ofSeconds(5))
                    .build();
            ScheduledExecutorService scheduler =
                    Executors.newSingleThreadScheduledExecutor(new DefaultThreadFactory("zerogate-identity", true));
            return new IdentityRuntime(http, scheduler, Clock.systemUTC(),
                    new PostureKeys(http, scheduler, Clock.systemUTC()));
        }

        @Override
        public void close() {
            postureKeys.close();
            scheduler.shutdownNow();
            http.shutdownNow();
        }
    }

    /**
     * A compiled configuration: what requests read, the credential checkers and limits its chain uses, and the
     * state store they share.
     */
    record Compiled(RuntimeSnapshot runtime, Authenticators authenticators, SharedState state, LimitsStage limits) {}

    /**
     * Compiles {@code config}, binds every listener and starts serving.
     *
     * @param watchFile  when not null, the file is watched and reloaded atomically on change
     * @param eventLoops number of event loops; 0 for one per available processor
     */
    public static Gateway start(GatewayConfig config, @Nullable Path watchFile, int eventLoops)
            throws ConfigException, InterruptedException {
        IdentityRuntime identity = IdentityRuntime.create();
        GatewayMetrics metrics = new GatewayMetrics();
        ClientBlocks blocks = new LocalBlocks(identity.clock());
        metrics.watchBlocks(blocks);
        Compiled first;
        try {
            first = compile(config, null, identity, metrics, blocks);
        } catch (ConfigException | RuntimeException e) {
            identity.close();
            throw e;
        }
        Trail trail;
        try {
            trail = startAudit(config, metrics);
        } catch (ConfigException | RuntimeException e) {
            first.state().close();
            identity.close();
            throw e;
        }
        AuditLog audit = trail.log();
        OutcomeSink outcomes = audit == null ? metrics
                : OutcomeSink.both(metrics, new ExchangeRecorder(audit, config.audit().headers(), Clock.systemUTC()));
        SpanExport spans = config.tracing() == null ? null : SpanExport.start(config.tracing(), Clock.systemUTC());
        if (spans != null) {
            outcomes = OutcomeSink.both(outcomes, spans);
            log.info("tracing: exporting spans to {}", config.tracing().endpoint());
        }
        AtomicReference<RuntimeSnapshot> current = new AtomicReference<>(first.runtime());
        Transport transport = Transport.best();
        GatewayServer server = new GatewayServer(transport, eventLoops, current::get, outcomes, System::nanoTime,
                chain -> {
                    // Read against the trust domains configured when the connection's first request arrives.
                    TransportIdentity peer = TransportIdentity.of(chain,
                            current.get().config().config().workloads().trustDomains());
                    return exchange -> exchange.put(TransportIdentity.KEY, peer);
                },
                metrics, metrics);
        HealthChecker health = new HealthChecker(server.group().next(), server.upstreamBootstrap());
        Gateway g = new Gateway(current, server, metrics, health, identity, first, trail, spans, blocks);
        if (audit != null) {
            audit.addListener(g.auditTail);
        }
        try {
            if (!config.identity().issuers().isEmpty() || config.identity().assertion().enabled()) {
                log.info("signature provider: {}", io.zerogate.identity.SignatureProviders.describe());
            }
            // Keys first: a listener that accepted traffic before it could check tokens would refuse them all.
            g.authenticators.awaitKeys(maxFetchTimeout(config).plusSeconds(1));
            InetSocketAddress adminAddress = config.admin().address();
            if (adminAddress != null) {
                g.admin = AdminServer.start(transport, config.admin(), new AdminApi(metrics,
                        () -> g.ready && !g.closed && g.auditHealthy(), () -> g.limits, g::publicKeys,
                        () -> current.get().config().config(), watchFile == null ? null : () -> g.reloadFile(watchFile),
                        g.incidents == null ? List::of : g.incidents::open, g.auditTail, blocks));
            }
            metrics.watch(current.get().upstreams());
            metrics.watchKeyFetches(g.authenticators.keyFetches());
            health.start(current.get().upstreams());
            server.start();
            g.ready = true;
            if (watchFile != null) {
                ConfigWatcher<Compiled> w = new ConfigWatcher<>(watchFile, g::compileNext, g::apply,
                        e -> log.error("configuration reload rejected; keeping the last good configuration: {}", e.getMessage()));
                w.start();
                g.watcher = w;
            }
            return g;
        } catch (InterruptedException | ConfigException | RuntimeException e) {
            g.shutdown(Duration.ZERO);
            throw e;
        }
    }

    /** The audit trail and the incident book fed by it; both null when auditing is off. */
    private record Trail(@Nullable AuditLog log, @Nullable IncidentBook incidents) {}

    /** Opens the audit trail with its sinks and incident book, or returns an empty trail when auditing is off. */
    private static Trail startAudit(GatewayConfig config, GatewayMetrics metrics) throws ConfigException {
        AuditConfig settings = config.audit();
        if (settings == null) {
            log.warn("audit: off (the configuration has no audit section); exchanges are not recorded");
            return new Trail(null, null);
        }
        AuditMetrics observer = new AuditMetrics(metrics);
        Clock clock = Clock.systemUTC();
        IncidentBook incidents = new IncidentBook(settings.incidents(), nodeName(), clock, observer);
        HttpAuditSink http = null;
        try {
            List<AuditSink> remote = new java.util.ArrayList<>();
            if (settings.http() != null) {
                http = new HttpAuditSink(settings.http(), clock);
                remote.add(http);
            }
            AuditLog audit = AuditLog.start(settings, remote, new GatewayIncidents(observer, incidents), clock);
            audit.addListener(incidents);
            observer.watch(audit);
            log.info("audit: recording to {} (checkpoint key {})", audit.sinks().stream().map(s -> s.name()).toList(),
                    audit.keys().keyId());
            return new Trail(audit, incidents);
        } catch (IOException | RuntimeException e) {
            incidents.close();
            if (http != null) {
                try {
                    http.close();
                } catch (IOException suppressed) {
                    e.addSuppressed(suppressed);
                }
            }
            throw new ConfigException(config.source(), 0, "audit", "cannot open the audit trail: " + e.getMessage(), e);
        }
    }

    /** How alerts name this gateway: the host name the environment gives it. */
    private static String nodeName() {
        String host = System.getenv("HOSTNAME");
        return host == null || host.isBlank() ? "zerogate" : host;
    }

    /** The audit trail, or null when auditing is off. */
    public @Nullable AuditLog audit() {
        return audit;
    }

    /**
     * The gateway's public keys as one JWK set: the identity assertion's signing keys, for services that check
     * assertions, and the audit checkpoint key, for whoever verifies the trail.
     */
    private String publicKeys() {
        String assertion = authenticators.assertionKeys();
        AuditLog a = audit;
        if (a == null) {
            return assertion;
        }
        try {
            com.fasterxml.jackson.databind.ObjectMapper json = new com.fasterxml.jackson.databind.ObjectMapper();
            com.fasterxml.jackson.databind.node.ObjectNode set = (com.fasterxml.jackson.databind.node.ObjectNode) json.readTree(assertion);
            set.withArray("keys").add(json.readTree(a.keys().jwk()));
            return json.writeValueAsString(set);
        } catch (java.io.IOException | ClassCastException e) {
            throw new IllegalStateException("the public key set could not be assembled", e);
        }
    }

    /** False while the audit trail cannot be written: the gateway is then not ready for traffic. */
    private boolean auditHealthy() {
        AuditLog a = audit;
        return a == null || a.problem() == null;
    }

    private static Duration maxFetchTimeout(GatewayConfig config) {
        return config.identity().issuers().stream().map(i -> i.fetchTimeout()).max(Duration::compareTo).orElse(Duration.ZERO);
    }

    /** Compiles a replacement for the running configuration, reusing live upstream, credential and shared state. */
    private Compiled compileNext(GatewayConfig config) throws ConfigException {
        return compile(config, new Compiled(current.get(), authenticators, state, limits), identity, metrics, blocks);
    }

    /** Compiles a configuration into everything a request reads, reusing what {@code previous} has live. */
    static Compiled compile(GatewayConfig config, @Nullable Compiled previous, IdentityRuntime identity,
                            GatewayMetrics metrics, ClientBlocks blocks) throws ConfigException {
        GatewaySnapshot snapshot = GatewaySnapshot.compile(config);
        SharedState shared;
        if (previous != null && previous.state().config().equals(config.state())) {
            shared = previous.state();
        } else {
            try {
                shared = SharedState.open(config.state(), identity.clock());
            } catch (RuntimeException e) {
                throw new ConfigException(config.source(), 0, "state", "cannot open the state store: " + e.getMessage(), e);
            }
        }
        Authenticators previousAuth = previous == null ? null : previous.authenticators();
        Authenticators authenticators;
        try {
            authenticators = Authenticators.build(config.identity(), shared.store(), previousAuth, identity.http(),
                    identity.scheduler(), identity.clock());
        } catch (Exception e) {
            if (previous == null || shared != previous.state()) {
                shared.close();
            }
            if (e instanceof ConfigException ce) {
                throw ce;
            }
            throw new ConfigException(config.source(), 0, "identity", "cannot set up identity checks: " + e.getMessage());
        }
        try {
            LimitsStage limits = LimitsStage.compile(config, shared, identity.clock(), System::nanoTime, metrics);
            PolicyStage policy = PolicyStage.compile(config, identity.clock(), metrics);
            OwnershipStage owner = OwnershipStage.compile(config, identity.http(), identity.clock(), System::nanoTime, metrics);
            DecisionPointStage decisionPoint = DecisionPointStage.compile(config, identity.http(), identity.clock(),
                    System::nanoTime, metrics);
            PostureStage posture = PostureStage.create(config.posture(), identity.postureKeys(), identity.http(),
                    identity.clock(), metrics);
            Chain chain = new Chain(List.of(
                    new ChainStep("network", new NetworkStage(config.networks(), config.routes(), blocks)),
                    new ChainStep("client-certificate", new ClientCertificateStage()),
                    new ChainStep("identity", new IdentityStage(authenticators)),
                    new ChainStep("segmentation", new SegmentationStage()),
                    new ChainStep("posture", posture),
                    new ChainStep("requirements", new RequirementsStage(identity.clock())),
                    new ChainStep("route-access", new RouteAccessStage()),
                    new ChainStep("policy", policy),
                    new ChainStep("owner", owner),
                    new ChainStep("decision-point", decisionPoint),
                    new ChainStep("limits", limits),
                    new ChainStep("identity-assertion", new IdentityAssertionStage(config.identity().assertion(), authenticators.signer()))
            ), config.timeouts().stage(), metrics, snapshot.routes());
            return new Compiled(new RuntimeSnapshot(snapshot, chain, Upstreams.build(config,
                    previous == null ? null : previous.runtime().upstreams())), authenticators, shared, limits);
        } catch (ConfigException | RuntimeException e) {
            // Nothing of a configuration that is not applied may keep running; the one in force keeps its parts.
            if (previousAuth == null) {
                authenticators.close();
            } else {
                previousAuth.closeReplaced(authenticators);
            }
            if (previous == null || shared != previous.state()) {
                shared.close();
            }
            throw e;
        }
    }

    /**
     * Swaps in a new configuration; requests in flight finish on the one they started with. Serialised, so
     * that a reload through the API and one from the file watcher never interleave their health checkers.
     */
    synchronized void apply(Compiled compiled) {
        RuntimeSnapshot next = compiled.runtime();
        RuntimeSnapshot previous = current.get();
        if (!listenerShapes(next).equals(listenerShapes(previous))
                || !next.config().config().admin().listenerSettings().equals(previous.config().config().admin().listenerSettings())) {
            log.warn("listener settings or the admin address or TLS changed in {}; they take effect on restart", next.config().config().source());
        }
        if (!java.util.Objects.equals(next.config().config().audit(), previous.config().config().audit())
                || !java.util.Objects.equals(next.config().config().tracing(), previous.config().config().tracing())) {
            log.warn("audit or tracing settings changed in {}; they take effect on restart", next.config().config().source());
        }
        current.set(next);
        Authenticators replaced = authenticators;
        authenticators = compiled.authenticators();
        if (replaced != compiled.authenticators()) {
            compiled.authenticators().closeReplaced(replaced);
        }
        limits = compiled.limits();
        identity.postureKeys().retain(next.config().config().posture());
        SharedState replacedState = state;
        state = compiled.state();
        if (replacedState != compiled.state()) {
            // Requests still on the old configuration may find its store closed; they are refused, never let through.
            replacedState.close();
        }
        metrics.watch(next.upstreams());
        metrics.watchKeyFetches(compiled.authenticators().keyFetches());
        // The old checker stops first so that none of its probes lands after the new one has taken over.
        health.close();
        HealthChecker fresh = new HealthChecker(server.group().next(), server.upstreamBootstrap());
        fresh.start(next.upstreams());
        health = fresh;
        log.info("configuration reloaded from {}: {} routes, {} services", next.config().config().source(),
                next.config().config().routes().size(), next.config().config().services().size());
    }

    /**
     * What of the listeners only a restart changes. The contents of TLS files are left out: rotated
     * certificates are picked up by the listeners themselves.
     */
    private static List<List<Object>> listenerShapes(RuntimeSnapshot snapshot) {
        return snapshot.config().config().listeners().stream().map(l -> {
            ListenerTls tls = l.tls();
            return tls == null ? List.<Object>of(l.name(), l.address())
                    : List.<Object>of(l.name(), l.address(), tls.files(), tls.clientAuth(), tls.maxChainDepth(), tls.protocols(),
                            tls.sni().stream().map(ListenerTls.SniCertificate::hosts).toList());
        }).toList();
    }

    /** Reloads from an already parsed configuration (the watcher does this for files). */
    public synchronized void reload(GatewayConfig config) throws ConfigException {
        apply(compileNext(config));
    }

    /** Reads {@code file} again and applies it (the admin API's reload); a refused file leaves the running configuration. */
    GatewayConfig reloadFile(Path file) throws ConfigException {
        GatewayConfig config = ConfigLoader.load(file);
        reload(config);
        return config;
    }

    public RuntimeSnapshot snapshot() {
        return current.get();
    }

    public Map<String, InetSocketAddress> listeners() {
        return server.boundAddresses();
    }

    public @Nullable InetSocketAddress adminAddress() {
        AdminServer a = admin;
        return a == null ? null : a.address();
    }

    public GatewayMetrics metrics() {
        return metrics;
    }

    public int inFlight() {
        return server.inFlight();
    }

    /** Graceful shutdown: stop accepting, let in-flight requests finish within {@code grace}, then stop. */
    public void shutdown(Duration grace) {
        if (closed) {
            return;
        }
        closed = true;
        ConfigWatcher<Compiled> w = watcher;
        if (w != null) {
            w.close();
        }
        health.close();
        // The shared state closes after the last request and before the event loops stop: its Redis connections
        // live on them.
        server.shutdown(grace, () -> state.close());
        AdminServer a = admin;
        if (a != null) {
            a.close();
        }
        authenticators.close();
        identity.close();
        AuditLog trail = audit;
        if (trail != null) {
            // After the listeners: every request that ended has handed over its record.
            trail.close();
        }
        IncidentBook book = incidents;
        if (book != null) {
            book.close();
        }
        SpanExport exporter = spans;
        if (exporter != null) {
            exporter.close();
        }
        log.info("gateway stopped");
    }

    @Override
    public void close() {
        shutdown(current.get().config().config().timeouts().shutdownGrace());
    }
}
