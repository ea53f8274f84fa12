package io.zerogate.config;

import java.net.URI;
import java.time.Duration;
import java.util.Map;
import java.util.Objects;

/**
 * The {@code tracing} section: where the gateway's spans go. Trace context ({@code traceparent}) is always
 * continued and passed on; this section adds exporting one span per sampled exchange over OTLP/HTTP.
 *
 * @param endpoint    the OTLP/HTTP traces endpoint (for a collector: {@code http://host:4318/v1/traces})
 * @param headers     extra request headers (an API key of a tracing backend); values are secrets
 * @param serviceName the {@code service.name} of the spans
 */
public record TracingConfig(URI endpoint, Map<String, Secret> headers, Duration timeout, String serviceName) {

    public TracingConfig {
        Objects.requireNonNull(endpoint, "endpoint");
        headers = Map.copyOf(headers);
        Objects.requireNonNull(timeout, "timeout");
        Objects.requireNonNull(serviceName, "serviceName");
    }
}
