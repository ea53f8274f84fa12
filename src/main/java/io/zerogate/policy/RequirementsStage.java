package io.zerogate.policy;

import io.zerogate.chain.Decision;
import io.zerogate.chain.Exchange;
import io.zerogate.chain.ReasonCode;
import io.zerogate.chain.Stage;
import io.zerogate.config.CompiledRoute;
import io.zerogate.config.RouteRequirements;
import io.zerogate.identity.Authentication;
import io.zerogate.identity.Challenges;
import io.zerogate.identity.Subject;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

/**
 * A route's {@code require:} demands on an authenticated caller: the scopes it needs (403
 * {@code insufficient_scope}), the roles it needs (403 {@code insufficient_role}), and how strongly and how recently the person behind the token authenticated
 * (401 with an RFC 9470 step-up challenge naming what would do).
 */
public final class RequirementsStage implements Stage {

    private static final CompletableFuture<Decision> PROCEED = CompletableFuture.completedFuture(Decision.proceed());

    private final Clock clock;

    public RequirementsStage(Clock clock) {
        this.clock = clock;
    }

    @Override
    public boolean actsOn(CompiledRoute route) {
        return route.config().require().needsCredential();
    }

    @Override
    public CompletionStage<Decision> evaluate(Exchange exchange) {
        RouteRequirements require = exchange.route().config().require();
        if (!require.needsCredential()) {
            return PROCEED;
        }
        String routeId = exchange.route().id();
        Subject subject = exchange.get(Subject.KEY);
        if (subject == null) {
            // The identity stage runs first and refuses a route's callers without a credential; reaching here
            // without a subject means the chain is wired wrongly, and that must not let anything through.
            return CompletableFuture.completedFuture(Decision.deny(ReasonCode.CREDENTIAL_MISSING,
                    "route " + routeId + " has requirements but no authenticated subject", routeId));
        }
        if (!subject.scopes().containsAll(require.scopes())) {
            List<String> missing = new ArrayList<>(require.scopes());
            missing.removeAll(subject.scopes());
            return CompletableFuture.completedFuture(Challenges.insufficientScope(require.scopes(),
                    "missing scopes " + missing.stream().sorted().toList(), routeId));
        }
        if (!subject.roles().containsAll(require.roles())) {
            List<String> missing = new ArrayList<>(require.roles());
            missing.removeAll(subject.roles());
            return CompletableFuture.completedFuture(Decision.deny(ReasonCode.INSUFFICIENT_ROLE,
                    "missing roles " + missing.stream().sorted().toList(), routeId));
        }
        String stepUp = stepUpReason(require, subject.authentication(), clock.instant());
        if (stepUp != null) {
            return CompletableFuture.completedFuture(Challenges.stepUp(require.acr(), require.maxAuthAge(), stepUp, routeId));
        }
        return PROCEED;
    }

    /** Why the person must authenticate again, or null when how they did is enough. */
    static @org.jspecify.annotations.Nullable String stepUpReason(RouteRequirements require, Authentication auth, Instant now) {
        if (require.mfa() && !auth.multiFactor()) {
            return "route requires multi-factor authentication; amr " + auth.methods();
        }
        if (!require.acr().isEmpty() && (auth.acr() == null || !require.acr().contains(auth.acr()))) {
            return "route requires acr " + require.acr() + "; token has " + (auth.acr() == null ? "none" : "'" + auth.acr() + "'");
        }
        Duration maxAge = require.maxAuthAge();
        if (maxAge != null) {
            if (auth.authTime() == null) {
                return "route requires authentication within " + maxAge + "; token has no auth_time";
            }
            if (auth.authTime().plus(maxAge).isBefore(now)) {
                return "route requires authentication within " + maxAge + "; last at " + auth.authTime();
            }
        }
        return null;
    }
}
