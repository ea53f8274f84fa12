package io.zerogate.config;

import java.net.URI;
import java.time.Duration;
import java.util.List;
import java.util.Objects;
import org.jspecify.annotations.Nullable;

/**
 * A route's policy: CEL rules over the exchange, an ownership lookup for the object in the path, and an external
 * decision point. A request passes when no {@code deny} rule holds, every {@code allow} rule holds, the caller owns
 * the object and the decision point agrees. A rule (or the whole policy, {@code policy_mode: shadow}) in shadow
 * mode is evaluated and counted but never refuses.
 *
 * @param allow  rules that must all hold, in configuration order
 * @param deny   rules of which none may hold, in configuration order
 * @param owner  the ownership lookup, or null
 * @param opa    the external decision point, or null
 * @param shadow the whole policy is in shadow mode
 */
public record RoutePolicy(List<Rule> allow, List<Rule> deny, @Nullable OwnerLookup owner, @Nullable DecisionPoint opa,
                          boolean shadow) {

    public static final RoutePolicy NONE = new RoutePolicy(List.of(), List.of(), null, null, false);

    public RoutePolicy {
        allow = List.copyOf(allow);
        deny = List.copyOf(deny);
    }

    /** True when the route has no policy of its own. */
    public boolean isEmpty() {
        return allow.isEmpty() && deny.isEmpty() && owner == null && opa == null;
    }

    /**
     * True when something here decides who gets in (the route is then governed by a rule): an enforced {@code allow}
     * rule, ownership lookup or decision point. {@code deny} rules alone only take some callers away, and shadow mode
     * decides nothing.
     */
    public boolean governs() {
        return !shadow && (allow.stream().anyMatch(r -> !r.shadow()) || owner != null && !owner.shadow()
                || opa != null && !opa.shadow());
    }

    /**
     * One CEL rule.
     *
     * @param id         the rule's id, unique within its route; {@code allow} or {@code deny} for the short form
     * @param expression the CEL condition
     * @param shadow     evaluated and counted, never enforced
     * @param line       line of the expression in the configuration file
     */
    public record Rule(String id, String expression, boolean shadow, int line) {
        public Rule {
            Objects.requireNonNull(id, "id");
            Objects.requireNonNull(expression, "expression");
        }
    }

    /**
     * Who owns the object a request names, asked of an owner service ({@code GET url} with the path parameters
     * filled in) and compared with the caller.
     *
     * @param url      the URL template; each {@code {param}} is replaced by that path parameter, percent-encoded
     * @param subject  a CEL key expression for who the caller is, compared with the owner ({@code subject.id})
     * @param timeout  how long a lookup may take before the request is refused
     * @param cacheTtl how long an answer is reused
     * @param shadow   evaluated and counted, never enforced
     * @param line     line of the section in the configuration file
     */
    public record OwnerLookup(String url, String subject, Duration timeout, Duration cacheTtl, boolean shadow, int line) {
        public OwnerLookup {
            Objects.requireNonNull(url, "url");
            Objects.requireNonNull(subject, "subject");
            Objects.requireNonNull(timeout, "timeout");
            Objects.requireNonNull(cacheTtl, "cacheTtl");
        }
    }

    /**
     * An external decision point (OPA's data API): the same input document the rules see is posted, and the answer's
     * {@code result} (a bool, or an object with an {@code allow} bool) decides.
     *
     * @param url      the decision's URL ({@code http://opa:8181/v1/data/zerogate/allow})
     * @param timeout  how long a decision may take before the request is refused
     * @param cacheTtl how long a decision for the same input is reused; zero for never
     * @param shadow   evaluated and counted, never enforced
     * @param line     line of the section in the configuration file
     */
    public record DecisionPoint(URI url, Duration timeout, Duration cacheTtl, boolean shadow, int line) {
        public DecisionPoint {
            Objects.requireNonNull(url, "url");
            Objects.requireNonNull(timeout, "timeout");
            Objects.requireNonNull(cacheTtl, "cacheTtl");
        }
    }
}
