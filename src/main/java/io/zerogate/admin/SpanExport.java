package io.zerogate.admin;

import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.common.Attributes;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanBuilder;
import io.opentelemetry.api.trace.SpanContext;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.api.trace.StatusCode;
import io.opentelemetry.api.trace.TraceFlags;
import io.opentelemetry.api.trace.TraceState;
import io.opentelemetry.api.trace.Tracer;
import io.opentelemetry.context.Context;
import io.opentelemetry.exporter.otlp.http.trace.OtlpHttpSpanExporter;
import io.opentelemetry.exporter.otlp.http.trace.OtlpHttpSpanExporterBuilder;
import io.opentelemetry.sdk.resources.Resource;
import io.opentelemetry.sdk.trace.IdGenerator;
import io.opentelemetry.sdk.trace.SdkTracerProvider;
import io.opentelemetry.sdk.trace.export.BatchSpanProcessor;
import io.opentelemetry.sdk.trace.samplers.Sampler;
import io.zerogate.chain.ExchangeOutcome;
import io.zerogate.chain.OutcomeSink;
import io.zerogate.chain.RequestHead;
import io.zerogate.chain.TraceContext;
import io.zerogate.config.Secret;
import io.zerogate.config.TracingConfig;
import java.time.Clock;
import java.time.Instant;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.jspecify.annotations.Nullable;

/**
 * Exports one OTLP span per sampled exchange: the gateway's own span, with the ids the upstream was told in its
 * {@code traceparent}, so that the upstream's spans hang under it. Spans are built when the exchange ends, from
 * its outcome, and sent in batches from the SDK's own thread; a slow or absent collector costs dropped spans,
 * never a stalled request.
 */
public final class SpanExport implements OutcomeSink, AutoCloseable {

    private static final AttributeKey<String> METHOD = AttributeKey.stringKey("http.request.method");
    private static final AttributeKey<String> ROUTE = AttributeKey.stringKey("http.route");
    private static final AttributeKey<String> PATH = AttributeKey.stringKey("url.path");
    private static final AttributeKey<String> HOST = AttributeKey.stringKey("server.address");
    private static final AttributeKey<String> CLIENT = AttributeKey.stringKey("client.address");
    private static final AttributeKey<Long> STATUS = AttributeKey.longKey("http.response.status_code");
    private static final AttributeKey<String> REQUEST_ID = AttributeKey.stringKey("zerogate.request_id");
    private static final AttributeKey<String> ROUTE_ID = AttributeKey.stringKey("zerogate.route_id");
    private static final AttributeKey<String> REASON = AttributeKey.stringKey("zerogate.reason");
    private static final AttributeKey<String> UPSTREAM = AttributeKey.stringKey("zerogate.upstream");

    /** The ids of the span being built on this thread: the SDK asks for them while the span starts. */
    private static final ThreadLocal<TraceContext> BUILDING = new ThreadLocal<>();

    private final SdkTracerProvider provider;
    private final Tracer tracer;
    private final Clock clock;

    private SpanExport(SdkTracerProvider provider, Clock clock) {
        this.provider = provider;
        this.tracer = provider.get("io.zerogate");
        this.clock = clock;
    }

    public static SpanExport start(TracingConfig config, Clock clock) {
        OtlpHttpSpanExporterBuilder exporter = OtlpHttpSpanExporter.builder()
                .setEndpoint(config.endpoint().toString())
                .setTimeout(config.timeout().toMillis(), TimeUnit.MILLISECONDS);
        for (Map.Entry<String, Secret> h : config.headers().entrySet()) {
            exporter.addHeader(h.getKey(), h.getValue().reveal());
        }
        SdkTracerProvider provider = SdkTracerProvider.builder()
                .setResource(Resource.getDefault().merge(Resource.create(
                        Attributes.of(AttributeKey.stringKey("service.name"), config.serviceName()))))
                .setSampler(Sampler.alwaysOn())
                .setIdGenerator(new PresetIds())
                .addSpanProcessor(BatchSpanProcessor.builder(exporter.build())
                        .setScheduleDelay(1, TimeUnit.SECONDS).setMaxQueueSize(8192).build())
                .build();
        return new SpanExport(provider, clock);
    }

    @Override
    public void record(ExchangeOutcome o) {
        TraceContext trace = o.trace();
        if (!trace.sampled()) {
            return;
        }
        RequestHead head = o.request();
        String route = o.exchange() == null ? null : o.exchange().route().config().path();
        String name = head == null ? "HTTP" : route == null ? head.method() : head.method() + " " + route;
        Instant end = clock.instant();
        long endNanos = end.getEpochSecond() * 1_000_000_000L + end.getNano();
        SpanBuilder b = tracer.spanBuilder(name).setSpanKind(SpanKind.SERVER)
                .setStartTimestamp(endNanos - o.durationNanos(), TimeUnit.NANOSECONDS)
                .setAttribute(REQUEST_ID, o.requestId())
                .setAttribute(CLIENT, o.client().effective().getHostAddress())
                .setAttribute(STATUS, (long) o.status());
        String parent = trace.parentId();
        if (parent != null) {
            b.setParent(Context.root().with(Span.wrap(SpanContext.createFromRemoteParent(trace.traceId(), parent,
                    TraceFlags.getSampled(), TraceState.getDefault()))));
        } else {
            b.setNoParent();
        }
        if (head != null) {
            b.setAttribute(METHOD, head.method()).setAttribute(PATH, head.path()).setAttribute(HOST, head.host());
        }
        if (route != null) {
            b.setAttribute(ROUTE, route);
        }
        setIfPresent(b, ROUTE_ID, o.routeId());
        setIfPresent(b, REASON, o.reason() == null ? null : o.reason().code());
        setIfPresent(b, UPSTREAM, o.upstream());
        Span span;
        BUILDING.set(trace);
        try {
            span = b.startSpan();
        } finally {
            BUILDING.remove();
        }
        if (o.status() >= 500 || o.status() == 0) {
            span.setStatus(StatusCode.ERROR);
        }
        span.end(endNanos, TimeUnit.NANOSECONDS);
    }

    private static void setIfPresent(SpanBuilder b, AttributeKey<String> key, @Nullable String value) {
        if (value != null) {
            b.setAttribute(key, value);
        }
    }

    /** Sends what is queued (bounded) and stops the exporter. */
    @Override
    public void close() {
        provider.shutdown().join(5, TimeUnit.SECONDS);
    }

    /** Hands the SDK the ids the exchange already has, so that the exported span is the one the upstream saw. */
    private static final class PresetIds implements IdGenerator {

        private final IdGenerator random = IdGenerator.random();

        @Override
        public String generateSpanId() {
            TraceContext t = BUILDING.get();
            return t == null ? random.generateSpanId() : t.spanId();
        }

        @Override
        public String generateTraceId() {
            TraceContext t = BUILDING.get();
            return t == null ? random.generateTraceId() : t.traceId();
        }
    }
}
