package io.zerogate.limits;

import com.fasterxml.jackson.core.io.JsonStringEncoder;
import io.zerogate.chain.Exchange;
import io.zerogate.config.LimitConfig;
import io.zerogate.identity.Authentication;
import io.zerogate.identity.Subject;
import io.zerogate.identity.TokenBinding;
import io.zerogate.state.Charge;
import io.zerogate.state.ChargeResult;
import io.zerogate.state.StateStore;
import java.net.InetAddress;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import org.jspecify.annotations.Nullable;

/**
 * Reads what is left of every quota for one caller, described by the admin API's query parameters rather than by
 * a request: {@code subject} (with {@code issuer} and {@code kind}: user, workload or api_key), {@code client_id},
 * {@code api_key} (a key's id), {@code ip}, {@code route} and {@code header.<name>}. The caller's key is worked
 * out exactly as for a request with those facts; nothing is consumed. Quotas keyed by an expression need a real
 * request and are listed as unreadable.
 */
public final class QuotaReader {

    private static final Set<String> PARAMETERS = Set.of("subject", "issuer", "kind", "client_id", "api_key", "ip", "route");

    private final List<CompiledLimit> quotas;
    private final StateStore store;
    private final Clock clock;

    QuotaReader(List<CompiledLimit> quotas, StateStore store, Clock clock) {
        this.quotas = quotas;
        this.store = store;
        this.clock = clock;
    }

    /**
     * The quotas as JSON: {@code {"quotas":[{"limit":…,"period":…,"quota":…,"used":…,"remaining":…,"resets_at":…}]}}.
     *
     * @throws IllegalArgumentException when the query names an unknown parameter or an invalid value
     */
    public CompletionStage<String> read(Map<String, String> query) {
        Source source = source(query);
        Instant now = clock.instant();
        List<CompiledLimit> readable = new ArrayList<>();
        List<String> unreadable = new ArrayList<>();
        List<Charge> charges = new ArrayList<>();
        for (CompiledLimit quota : quotas) {
            if (quota.config().key().stream().anyMatch(p -> p instanceof LimitConfig.KeyPart.Expression)) {
                unreadable.add(quota.id());
                continue;
            }
            readable.add(quota);
            charges.add(quota.charge(source, now));
        }
        CompletionStage<List<ChargeResult>> results = charges.isEmpty()
                ? CompletableFuture.completedFuture(List.of()) : store.peek(charges);
        return results.thenApply(r -> render(readable, r, unreadable, now));
    }

    private static String render(List<CompiledLimit> quotas, List<ChargeResult> results, List<String> unreadable, Instant now) {
        StringBuilder json = new StringBuilder(128).append("{\"quotas\":[");
        for (int i = 0; i < quotas.size(); i++) {
            CompiledLimit q = quotas.get(i);
            ChargeResult r = results.get(i);
            QuotaPeriod period = q.period(now);
            // A peek that would be allowed reports what would be left after one more request.
            long remaining = r.allowed() ? r.remaining() + 1 : Math.max(0, r.remaining());
            if (i > 0) {
                json.append(',');
            }
            json.append("{\"limit\":\"");
            JsonStringEncoder.getInstance().quoteAsString(q.id(), json);
            json.append("\",\"period\":\"").append(period.label())
                    .append("\",\"quota\":").append(q.config().limit())
                    .append(",\"used\":").append(q.config().limit() - remaining)
                    .append(",\"remaining\":").append(remaining)
                    .append(",\"resets_at\":\"").append(Instant.ofEpochMilli(period.endEpochMillis())).append("\"}");
        }
        json.append("],\"unreadable\":[");
        for (int i = 0; i < unreadable.size(); i++) {
            json.append(i > 0 ? ",\"" : "\"");
            JsonStringEncoder.getInstance().quoteAsString(unreadable.get(i), json);
            json.append('"');
        }
        return json.append("]}\n").toString();
    }

    private static Source source(Map<String, String> query) {
        for (String name : query.keySet()) {
            if (!PARAMETERS.contains(name) && !name.startsWith("header.")) {
                throw new IllegalArgumentException("unknown parameter '" + name + "' (expected: subject, issuer, kind, "
                        + "client_id, api_key, ip, route, header.<name>)");
            }
        }
        String ipText = query.getOrDefault("ip", "0.0.0.0");
        InetAddress ip;
        try {
            // A literal only: never a name lookup.
            ip = com.google.common.net.InetAddresses.forString(ipText);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("ip: '" + ipText + "' (expected an IPv4 or IPv6 address)");
        }
        Subject subject = null;
        String apiKey = query.get("api_key");
        String id = query.get("subject");
        if (apiKey != null) {
            subject = subject(apiKey, Subject.Kind.API_KEY, null, null);
        } else if (id != null) {
            String kind = query.getOrDefault("kind", "user");
            Subject.Kind k = switch (kind) {
                case "user", "workload", "api_key" -> Subject.Kind.valueOf(kind.toUpperCase(Locale.ROOT));
                default -> throw new IllegalArgumentException("kind: '" + kind + "' (expected: user, workload, api_key)");
            };
            subject = subject(id, k, query.get("issuer"), query.get("client_id"));
        } else if (query.containsKey("client_id")) {
            throw new IllegalArgumentException("client_id needs the subject that holds it");
        }
        return new Source(subject, ip, query, query.getOrDefault("route", ""));
    }

    private static Subject subject(String id, Subject.Kind kind, @Nullable String issuer, @Nullable String clientId) {
        return new Subject(id, kind, issuer, Set.of(), Set.of(), clientId == null ? Map.of() : Map.of("client_id", clientId),
                Authentication.NONE, TokenBinding.NONE);
    }

    private record Source(@Nullable Subject subject, InetAddress address, Map<String, String> query, String routeId)
            implements LimitKey.Source {
        @Override
        public List<String> header(String lowerCaseName) {
            String v = query.get("header." + lowerCaseName);
            return v == null ? List.of() : List.of(v);
        }

        @Override
        public @Nullable Exchange exchange() {
            return null;
        }
    }
}
