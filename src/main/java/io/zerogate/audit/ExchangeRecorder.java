package io.zerogate.audit;

import io.zerogate.chain.ClientAddress;
import io.zerogate.chain.Decision;
import io.zerogate.chain.Exchange;
import io.zerogate.chain.ExchangeOutcome;
import io.zerogate.chain.OutcomeSink;
import io.zerogate.chain.ReasonCode;
import io.zerogate.chain.RequestHead;
import io.zerogate.identity.Subject;
import io.zerogate.limits.LimitFacts;
import io.zerogate.policy.PolicyFacts;
import io.zerogate.posture.Device;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.jspecify.annotations.Nullable;

/**
 * Turns every exchange's outcome into its audit record, on the event loop that served it, and queues it in the
 * audit log. Reads only facts the stages attached and the header allowlist: never a credential.
 */
public final class ExchangeRecorder implements OutcomeSink {

    /** Header values longer than this are cut; a record stays small whatever a client sends. */
    private static final int MAX_HEADER_VALUE = 512;

    private final AuditLog log;
    private final List<String> headers;
    private final Clock clock;

    public ExchangeRecorder(AuditLog log, List<String> headers, Clock clock) {
        this.log = log;
        this.headers = List.copyOf(headers);
        this.clock = clock;
    }

    @Override
    public void record(ExchangeOutcome outcome) {
        if (outcome.reason() == ReasonCode.AUDIT_UNAVAILABLE) {
            log.refusedUnrecorded();
            return;
        }
        log.record(toRecord(outcome));
    }

    @Override
    public boolean accepting() {
        return log.accepting();
    }

    AuditRecord toRecord(ExchangeOutcome o) {
        Instant now = clock.instant();
        Instant started = now.minusNanos(o.durationNanos());
        RequestHead head = o.request();
        Exchange exchange = o.exchange();
        ClientAddress client = o.client();
        Decision.Deny refusal = o.refusal();
        AuditRecord.SubjectFacts subject = null;
        AuditRecord.DeviceFacts device = null;
        List<String> shadow = List.of();
        AuditRecord.LimitState limit = null;
        if (exchange != null) {
            subject = subject(exchange.get(Subject.KEY));
            Device d = exchange.get(Device.KEY);
            if (d != null) {
                device = new AuditRecord.DeviceFacts(d.id(), d.verdict());
            }
            shadow = shadowHits(exchange);
            LimitFacts limits = exchange.get(LimitFacts.KEY);
            if (limits != null) {
                if (limits.tightest() != null) {
                    limit = new AuditRecord.LimitState(limits.tightest(), limits.remaining(), limits.local());
                }
            }
        }
        return new AuditRecord(started, o.requestId(), o.trace().traceId(), o.listener(), o.routeId(), o.method(),
                head == null ? "-" : head.host(),
                exchange == null ? null : exchange.route().config().path(),
                head == null ? "-" : head.path(),
                client.directText(),
                client.forwarded() == null ? null : client.forwarded().getHostAddress(),
                subject, device, outcome(o), refusal == null ? null : refusal.reason().code(),
                refusal == null ? null : refusal.ruleId(), refusal == null ? null : refusal.detail(), shadow, limit,
                o.upstream(), o.status(), o.bytesIn(), o.bytesOut(), o.durationNanos() / 1000, o.chainNanos() / 1000,
                o.upstreamNanos() / 1000, head == null ? Map.of() : allowedHeaders(head), o.trace().spanId(),
                o.trace().parentId(), o.trace().sampled());
    }

    /** Every shadow control that would have refused the exchange, as {@code stage:rule}, in chain order. */
    private static List<String> shadowHits(Exchange exchange) {
        List<String> hits = null;
        for (var key : PolicyFacts.KEYS) {
            PolicyFacts facts = exchange.get(key);
            if (facts != null && !facts.wouldDeny().isEmpty()) {
                if (hits == null) {
                    hits = new ArrayList<>(facts.wouldDeny().size() + 1);
                }
                for (String rule : facts.wouldDeny()) {
                    hits.add("policy:" + rule);
                }
            }
        }
        LimitFacts limits = exchange.get(LimitFacts.KEY);
        if (limits != null && !limits.wouldLimit().isEmpty()) {
            if (hits == null) {
                hits = new ArrayList<>(limits.wouldLimit().size());
            }
            for (String id : limits.wouldLimit()) {
                hits.add("limits:" + id);
            }
        }
        return hits == null ? List.of() : hits;
    }

    private static AuditRecord.Outcome outcome(ExchangeOutcome o) {
        if (o.clientAborted()) {
            return AuditRecord.Outcome.ABANDONED;
        }
        Decision.Deny refusal = o.refusal();
        if (refusal == null) {
            return AuditRecord.Outcome.ALLOWED;
        }
        // A refusal with a 4xx is the gateway saying no; anything else is the gateway or the upstream failing.
        return o.status() >= 400 && o.status() < 500 ? AuditRecord.Outcome.DENIED : AuditRecord.Outcome.ERRORED;
    }

    private static AuditRecord.@Nullable SubjectFacts subject(@Nullable Subject s) {
        if (s == null) {
            return null;
        }
        String credential = switch (s.kind()) {
            case USER -> "token";
            case WORKLOAD -> "client_certificate";
            case API_KEY -> "api_key";
        };
        String binding = switch (s.binding().kind()) {
            case NONE -> "none";
            case CERTIFICATE -> "mtls";
            case DPOP -> "dpop";
        };
        Object clientId = s.claims().get("client_id");
        if (!(clientId instanceof String)) {
            clientId = s.claims().get("azp");
        }
        return new AuditRecord.SubjectFacts(s.id(), s.kind().name().toLowerCase(Locale.ROOT), s.issuer(),
                clientId instanceof String c ? c : null, credential, binding);
    }

    private Map<String, String> allowedHeaders(RequestHead head) {
        if (headers.isEmpty()) {
            return Map.of();
        }
        Map<String, String> out = null;
        for (String name : headers) {
            String value = head.header(name);
            if (value != null) {
                if (out == null) {
                    out = new HashMap<>(4);
                }
                out.put(name, value.length() > MAX_HEADER_VALUE ? value.substring(0, MAX_HEADER_VALUE) : value);
            }
        }
        return out == null ? Map.of() : out;
    }
}
