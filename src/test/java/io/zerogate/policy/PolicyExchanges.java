package io.zerogate.policy;

import io.zerogate.chain.ClientAddress;
import io.zerogate.chain.Exchange;
import io.zerogate.chain.RequestHead;
import io.zerogate.config.CompiledRoute;
import io.zerogate.config.ConfigLoader;
import io.zerogate.config.GatewayConfig;
import io.zerogate.config.RouteConfig;
import io.zerogate.identity.Authentication;
import io.zerogate.identity.Subject;
import io.zerogate.identity.TokenBinding;
import io.zerogate.testing.RunningGateway;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import org.jspecify.annotations.Nullable;

/** Configurations from YAML and hand-made exchanges on their routes, for the policy stage tests. */
final class PolicyExchanges {

    private PolicyExchanges() {}

    /** A configuration from {@code yamlBody}, with an issuer {@code corp} (keys never fetched) unless it has its own. */
    static GatewayConfig config(String yamlBody) throws Exception {
        String identity = yamlBody.contains("identity:") ? "" : """
                identity:
                  issuers:
                    - name: corp
                      issuer: https://issuer.test
                      audiences: [orders-api]
                      jwks_uri: http://127.0.0.1:9/jwks
                """;
        return ConfigLoader.parse("test.yaml", RunningGateway.document(identity + yamlBody), name -> null);
    }

    static Subject user(String id) {
        return new Subject(id, Subject.Kind.USER, "corp", Set.of("orders:read"), Set.of("clerk"),
                Map.of("tenant", "acme"), new Authentication(List.of("pwd", "otp"), "gold", null), TokenBinding.NONE);
    }

    /** A request on {@code routeId} with these path parameters and header fields (name, value, name, value ...). */
    static Exchange exchange(GatewayConfig config, String routeId, Map<String, String> params, @Nullable Subject subject,
                             String path, @Nullable String query, String... headers) {
        RouteConfig route = config.routes().stream().filter(r -> r.id().equals(routeId)).findFirst().orElseThrow();
        Exchange exchange = new Exchange("req-1", "public", new Head("GET", path, query, headers),
                new ClientAddress(new InetSocketAddress("127.0.0.1", 40000), null),
                new CompiledRoute(route, config.services().get(route.service())), params, 0);
        if (subject != null) {
            exchange.put(Subject.KEY, subject);
        }
        return exchange;
    }

    /** A request head with the given fields; names are matched case-insensitively as HTTP does. */
    record Head(String method, String path, @Nullable String query, String... fields) implements RequestHead {

        @Override
        public String scheme() {
            return "https";
        }

        @Override
        public String host() {
            return "api.example.com";
        }

        @Override
        public String rawPath() {
            return path;
        }

        @Override
        public @Nullable String header(String name) {
            List<String> all = headers(name);
            return all.isEmpty() ? null : all.get(0);
        }

        @Override
        public List<String> headers(String name) {
            List<String> values = new ArrayList<>();
            for (int i = 0; i < fields.length; i += 2) {
                if (fields[i].equalsIgnoreCase(name)) {
                    values.add(fields[i + 1]);
                }
            }
            return values;
        }

        @Override
        public List<String> headerNames() {
            List<String> names = new ArrayList<>();
            for (int i = 0; i < fields.length; i += 2) {
                String lower = fields[i].toLowerCase(Locale.ROOT);
                if (!names.contains(lower)) {
                    names.add(lower);
                }
            }
            return names;
        }
    }

    /** Records what the stages report. */
    static final class RecordingObserver implements LookupObserver {

        final List<String> checks = new java.util.concurrent.CopyOnWriteArrayList<>();
        final List<String> hits = new java.util.concurrent.CopyOnWriteArrayList<>();
        final List<Kind> calls = new java.util.concurrent.CopyOnWriteArrayList<>();

        @Override
        public void checked(Kind kind, String routeId, Result result) {
            checks.add(kind.name().toLowerCase(Locale.ROOT) + " " + routeId + " " + result.name().toLowerCase(Locale.ROOT));
        }

        @Override
        public void called(Kind kind, long nanos) {
            calls.add(kind);
        }

        @Override
        public void cacheHit(Kind kind, String routeId) {
            hits.add(kind.name().toLowerCase(Locale.ROOT) + " " + routeId);
        }
    }
}
