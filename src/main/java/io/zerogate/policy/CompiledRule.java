package io.zerogate.policy;

import io.zerogate.policy.cel.Expression;

/**
 * One compiled rule of a route's policy.
 *
 * @param id         {@code route-id:rule-id}, as decisions, facts and audit records name it
 * @param expression the compiled condition
 * @param shadow     evaluated and counted, never enforced (the rule's own mode or its route's)
 * @param meter      where its outcomes are counted
 */
record CompiledRule(String id, Expression expression, boolean shadow, PolicyObserver.RuleMeter meter) {}
