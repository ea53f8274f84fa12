package io.zerogate.chain;

import io.zerogate.config.CompiledRoute;
import java.util.concurrent.CompletionStage;

/**
 * One step of the verification chain. It looks at the exchange, may attach typed facts for later stages,
 * and decides. A stage that may wait (a key fetch, a remote call) returns a stage that completes later;
 * everything else returns an already-completed one. Throwing, completing exceptionally, completing with
 * null or taking longer than the stage timeout all count as a denial.
 */
@FunctionalInterface
public interface Stage {

    CompletionStage<Decision> evaluate(Exchange exchange);

    /**
     * Whether this stage can act on exchanges of {@code route}: refuse them, attach facts or edit the
     * request. A stage answers false only when its {@link #evaluate} would proceed at once, touching nothing,
     * for every exchange of the route under this configuration; the chain then leaves it out for that route.
     */
    default boolean actsOn(CompiledRoute route) {
        return true;
    }
}
