package io.zerogate.chain;

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
}
