package io.zerogate.policy;

import static org.assertj.core.api.Assertions.assertThat;

import io.zerogate.chain.Decision;
import io.zerogate.chain.Exchange;
import io.zerogate.chain.ReasonCode;
import io.zerogate.config.CompiledRoute;
import io.zerogate.config.RouteConfig;
import io.zerogate.config.RouteRequirements;
import io.zerogate.identity.Authentication;
import io.zerogate.identity.Subject;
import io.zerogate.identity.TokenBinding;
import io.zerogate.testing.Exchanges;
import io.zerogate.testing.MutableClock;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** Role and scope requirements checked without a socket; the step-up cases are in the identity gateway tests. */
class RequirementsStageTest {

    private final RequirementsStage stage = new RequirementsStage(new MutableClock(Instant.parse("2026-06-01T10:00:00Z")));

    @Test
    void everyRequiredRoleIsNeededAndTheMissingOnesAreNamed() {
        RouteRequirements require = new RouteRequirements(false, Set.of(), false, List.of(), null,
                RouteRequirements.BoundToken.NONE, Set.of("admin", "auditor", "billing"), RouteRequirements.DeviceRequirement.NONE);

        Decision.Deny deny = (Decision.Deny) decide(require, Set.of(), Set.of("admin", "dev"));

        assertThat(deny.reason()).isEqualTo(ReasonCode.INSUFFICIENT_ROLE);
        assertThat(deny.status()).isEqualTo(403);
        assertThat(deny.ruleId()).isEqualTo("reports");
        assertThat(deny.detail()).isEqualTo("missing roles [auditor, billing]");
        assertThat(deny.headers()).isEmpty();

        assertThat(decide(require, Set.of(), Set.of("billing", "auditor", "admin"))).isEqualTo(Decision.proceed());
    }

    @Test
    void scopesAreCheckedBeforeRoles() {
        RouteRequirements require = new RouteRequirements(false, Set.of("reports:read"), false, List.of(), null,
                RouteRequirements.BoundToken.NONE, Set.of("auditor"), RouteRequirements.DeviceRequirement.NONE);

        Decision.Deny deny = (Decision.Deny) decide(require, Set.of(), Set.of());
        assertThat(deny.reason()).isEqualTo(ReasonCode.INSUFFICIENT_SCOPE);

        Decision.Deny role = (Decision.Deny) decide(require, Set.of("reports:read"), Set.of());
        assertThat(role.reason()).isEqualTo(ReasonCode.INSUFFICIENT_ROLE);
        assertThat(role.detail()).isEqualTo("missing roles [auditor]");

        assertThat(decide(require, Set.of("reports:read"), Set.of("auditor"))).isEqualTo(Decision.proceed());
    }

    @Test
    void aRoleRequirementWithoutASubjectRefuses() {
        RouteRequirements require = new RouteRequirements(false, Set.of(), false, List.of(), null,
                RouteRequirements.BoundToken.NONE, Set.of("auditor"), RouteRequirements.DeviceRequirement.NONE);

        Decision.Deny deny = (Decision.Deny) stage.evaluate(exchange(require)).toCompletableFuture().join();

        assertThat(deny.reason()).isEqualTo(ReasonCode.CREDENTIAL_MISSING);
    }

    private Decision decide(RouteRequirements require, Set<String> scopes, Set<String> roles) {
        Exchange exchange = exchange(require);
        exchange.put(Subject.KEY, new Subject("alice", Subject.Kind.USER, "corp", scopes, roles, Map.of(),
                Authentication.NONE, TokenBinding.NONE));
        return stage.evaluate(exchange).toCompletableFuture().join();
    }

    private static Exchange exchange(RouteRequirements require) {
        Exchange base = Exchanges.exchange("reports", false, false, Exchanges.service("orders"));
        RouteConfig c = base.route().config();
        RouteConfig route = new RouteConfig(c.id(), c.host(), c.methods(), c.path(), c.service(), c.isPublic(),
                c.authenticate(), require, c.limits(), c.line());
        return new Exchange("r1", "public", base.request(), base.client(), new CompiledRoute(route, base.route().service()),
                Map.of(), 0);
    }
}
