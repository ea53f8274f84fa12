package io.zerogate.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The {@code audit} section: defaults, every key, and the errors an operator sees, with their lines. */
class AuditConfigTest {

    private static final String HEAD = """
            version: 1
            listeners: [{ address: 127.0.0.1:0 }]
            services:
              orders: { targets: [http://127.0.0.1:9], tls: none }
            routes: []
            """;

    private static GatewayConfig parse(String body) throws ConfigException {
        return ConfigLoader.parse("gateway.yaml", HEAD + body, Map.of("COLLECTOR_TOKEN", "Bearer s3cr3t-collector")::get);
    }

    private static ConfigException refused(String body) {
        return catchThrowableOfType(ConfigException.class, () -> parse(body));
    }

    @Test
    void withoutTheSectionAuditingIsOff() throws Exception {
        assertThat(parse("").audit()).isNull();
        assertThat(parse("audit: { enabled: false, stdout: true }\n").audit()).isNull();
    }

    @Test
    void aFileSinkGetsSafeDefaults() throws Exception {
        AuditConfig a = parse("audit:\n  file: { directory: /var/log/zerogate }\n").audit();
        assertThat(a.file().directory()).isEqualTo(Path.of("/var/log/zerogate"));
        assertThat(a.file().rotateBytes()).isEqualTo(100L << 20);
        assertThat(a.file().rotateInterval()).isEqualTo(Duration.ofHours(24));
        assertThat(a.file().fsyncInterval()).isEqualTo(Duration.ofSeconds(1));
        assertThat(a.signingKey()).isEqualTo(Path.of("/var/log/zerogate/audit-signing-key.pem"));
        assertThat(a.checkpointEvery()).isEqualTo(1000);
        assertThat(a.checkpointInterval()).isEqualTo(Duration.ofSeconds(10));
        assertThat(a.queueCapacity()).isEqualTo(65_536);
        assertThat(a.onOverflow()).isEqualTo(AuditConfig.Overflow.BLOCK_NEW_REQUESTS);
        assertThat(a.headers()).containsExactly("user-agent");
        assertThat(a.http()).isNull();
        assertThat(a.incidents().webhook()).isNull();
    }

    @Test
    void everyKeyIsBound() throws Exception {
        AuditConfig a = parse("""
                audit:
                  file: { directory: /audit, rotate_size: 10MiB, rotate_interval: 1h, fsync_interval: 200ms }
                  stdout: true
                  http:
                    url: https://siem.example.com/_bulk
                    format: elasticsearch_bulk
                    index: zerogate-audit
                    batch_size: 200
                    flush_interval: 2s
                    timeout: 3s
                    headers: { Authorization: "${env:COLLECTOR_TOKEN}" }
                    spool_directory: /spool
                    spool_max_size: 1GiB
                  signing_key: /keys/audit.pem
                  checkpoint_every: 500
                  checkpoint_interval: 5s
                  queue_capacity: 1024
                  on_overflow: drop_and_count
                  headers: [User-Agent, X-Tenant]
                  incidents:
                    window: 1m
                    max_open: 50
                    webhook: { url: https://alerts.example.com/hook, threshold: 5, timeout: 2s, headers: { X-Key: abc } }
                """).audit();
        assertThat(a.file().rotateBytes()).isEqualTo(10L << 20);
        assertThat(a.stdout()).isTrue();
        assertThat(a.http().url()).isEqualTo(URI.create("https://siem.example.com/_bulk"));
        assertThat(a.http().format()).isEqualTo(AuditConfig.HttpSink.Format.ELASTICSEARCH_BULK);
        assertThat(a.http().index()).isEqualTo("zerogate-audit");
        assertThat(a.http().headers().get("Authorization").reveal()).isEqualTo("Bearer s3cr3t-collector");
        assertThat(a.http().headers().toString()).doesNotContain("s3cr3t");
        assertThat(a.http().spoolMaxBytes()).isEqualTo(1L << 30);
        assertThat(a.signingKey()).isEqualTo(Path.of("/keys/audit.pem"));
        assertThat(a.onOverflow()).isEqualTo(AuditConfig.Overflow.DROP_AND_COUNT);
        assertThat(a.headers()).containsExactly("user-agent", "x-tenant");
        assertThat(a.incidents().window()).isEqualTo(Duration.ofMinutes(1));
        assertThat(a.incidents().webhook().threshold()).isEqualTo(5);
    }

    @Test
    void mistakesAreNamedWithTheirLine() {
        assertThat(refused("audit: { checkpoint_every: 10 }\n").getMessage())
                .isEqualTo("gateway.yaml:6: audit: audit has no sink (expected at least one of: file, http, stdout: true)");
        assertThat(refused("audit:\n  stdout: true\n  headers: [Authorization]\n").getMessage())
                .isEqualTo("gateway.yaml:8: audit.headers[0]: 'Authorization' carries credentials and is never recorded");
        assertThat(refused("audit:\n  stdout: true\n  on_overflow: ignore\n").getMessage())
                .contains("gateway.yaml:8:", "unknown on_overflow 'ignore' (expected: block_new_requests, drop_and_count)");
        assertThat(refused("audit:\n  http: { url: http://collector.example.com/in }\n").getMessage())
                .contains("gateway.yaml:7:", "plain http to a non-loopback host");
        assertThat(refused("audit:\n  http: { url: https://es.example.com, format: elasticsearch_bulk }\n").getMessage())
                .contains("gateway.yaml:7:", "elasticsearch_bulk needs the index");
        assertThat(refused("audit:\n  file: { directory: /a, rotate_size: 0 }\n").getMessage())
                .contains("gateway.yaml:7:", "greater than 0");
    }

    @Test
    void theApiKeyHeaderIsNeverRecorded() {
        ConfigException e = catchThrowableOfType(ConfigException.class, () -> ConfigLoader.parse("gateway.yaml", """
                version: 1
                listeners: [{ address: 127.0.0.1:0 }]
                identity:
                  api_keys: { file: /dev/null, hash_key: "0123456789abcdef0123456789abcdef", header: X-Partner-Key }
                services:
                  orders: { targets: [http://127.0.0.1:9], tls: none }
                routes: []
                audit:
                  stdout: true
                  headers: [x-partner-key]
                """, Map.<String, String>of()::get));
        assertThat(e.getMessage()).contains("audit.headers[0]", "carries credentials");
    }

    @Test
    void tracingNamesAnOtlpEndpointWithSecretHeaders() throws Exception {
        TracingConfig t = parse("""
                tracing:
                  otlp: { endpoint: "https://otel.example.com/v1/traces", headers: { X-Key: "${env:COLLECTOR_TOKEN}" } }
                """).tracing();
        assertThat(t.endpoint()).isEqualTo(URI.create("https://otel.example.com/v1/traces"));
        assertThat(t.serviceName()).isEqualTo("zerogate");
        assertThat(t.timeout()).isEqualTo(Duration.ofSeconds(10));
        assertThat(t.headers().get("X-Key").reveal()).isEqualTo("Bearer s3cr3t-collector");
        assertThat(parse("").tracing()).isNull();
        assertThat(refused("tracing: { service_name: x }\n").getMessage())
                .isEqualTo("gateway.yaml:6: tracing.otlp: required key is missing");
        assertThat(refused("tracing:\n  otlp: { endpoint: http://otel.example.com/v1/traces }\n").getMessage())
                .contains("gateway.yaml:7:", "plain http to a non-loopback host");
    }
}
