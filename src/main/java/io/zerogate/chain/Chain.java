package io.zerogate.chain;

import io.zerogate.config.CompiledRoute;
import java.time.Duration;
import java.util.Arrays;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs the stages of the verification chain in their fixed order. The first denial ends the run. A stage
 * that throws, completes exceptionally, completes with null or exceeds the stage timeout denies; nothing
 * lets a request through by accident. Stages that answer at once cost no scheduling; a stage that answers
 * later resumes the chain on the exchange's event loop. For each route the configuration knows, the chain runs
 * only the stages that can act on it ({@link Stage#actsOn}); forwarding on a route with nothing to check
 * then costs only the stages every exchange needs.
 */
public final class Chain {

    private static final Logger log = LoggerFactory.getLogger(Chain.class);

    /** One exchange in this many has its stages timed: a clock read per stage is not free at full load. */
    static final int TIMED_ONE_IN = 16;

    private final ChainStep[] steps;
    private final long stageTimeoutNanos;
    private final StageObserver.StageMeter[] meters;
    private final int timedOneIn;
    /** For each known route, the indexes of the steps that act on it, in order; other routes run every step. */
    private final Map<CompiledRoute, int[]> plans;
    private final int[] everyStep;

    public Chain(List<ChainStep> steps, Duration stageTimeout) {
        this(steps, stageTimeout, StageObserver.NONE);
    }

    public Chain(List<ChainStep> steps, Duration stageTimeout, StageObserver observer) {
        this(steps, stageTimeout, observer, TIMED_ONE_IN);
    }

    /** @param routes the configuration's routes: each gets the plan of the steps that act on it */
    public Chain(List<ChainStep> steps, Duration stageTimeout, StageObserver observer, List<CompiledRoute> routes) {
        this(steps, stageTimeout, observer, TIMED_ONE_IN, routes);
    }

    /** @param timedOneIn one exchange in this many has its stages timed (1: every exchange) */
    Chain(List<ChainStep> steps, Duration stageTimeout, StageObserver observer, int timedOneIn) {
        this(steps, stageTimeout, observer, timedOneIn, List.of());
    }

    private Chain(List<ChainStep> steps, Duration stageTimeout, StageObserver observer, int timedOneIn,
                  List<CompiledRoute> routes) {
        if (timedOneIn < 1) {
            throw new IllegalArgumentException("timedOneIn: " + timedOneIn + " (expected: >= 1)");
        }
        this.timedOneIn = timedOneIn;
        this.steps = steps.toArray(ChainStep[]::new);
        Objects.requireNonNull(observer, "observer");
        this.meters = new StageObserver.StageMeter[this.steps.length];
        for (int i = 0; i < this.steps.length; i++) {
            meters[i] = observer.meter(this.steps[i].name());
        }
        if (stageTimeout.isNegative() || stageTimeout.isZero()) {
            throw new IllegalArgumentException("stageTimeout: " + stageTimeout + " (expected: > 0)");
        }
        this.stageTimeoutNanos = stageTimeout.toNanos();
        this.everyStep = new int[this.steps.length];
        for (int i = 0; i < everyStep.length; i++) {
            everyStep[i] = i;
        }
        // Identity keys: a route is the very object the router hands out, and hashing a record would walk it.
        Map<CompiledRoute, int[]> byRoute = new IdentityHashMap<>();
        for (CompiledRoute route : routes) {
            int[] plan = new int[this.steps.length];
            int n = 0;
            for (int i = 0; i < this.steps.length; i++) {
                if (this.steps[i].stage().actsOn(route)) {
                    plan[n++] = i;
                }
            }
            byRoute.put(route, Arrays.copyOf(plan, n));
        }
        this.plans = byRoute;
    }

    /** Every step, in order, whichever route it runs for. */
    public List<ChainStep> steps() {
        return List.of(steps);
    }

    /** The names of the stages that run for exchanges of {@code route}, in order. */
    public List<String> stageNames(CompiledRoute route) {
        return Arrays.stream(plan(route)).mapToObj(i -> steps[i].name()).toList();
    }

    private int[] plan(CompiledRoute route) {
        int[] plan = plans.get(route);
        return plan != null ? plan : everyStep;
    }

    /** The names of the stages, in order. */
    public List<String> stageNames() {
        return Arrays.stream(steps).map(ChainStep::name).toList();
    }

    /**
     * Runs every stage against the exchange.
     *
     * @param loop the exchange's event loop: late answers resume here, and timeouts are scheduled here
     * @return the final decision; it never completes exceptionally
     */
    public CompletionStage<Decision> run(Exchange exchange, ScheduledExecutorService loop) {
        exchange.bindLoop(loop);
        boolean timed = timedOneIn == 1 || ThreadLocalRandom.current().nextInt(timedOneIn) == 0;
        int[] plan = plan(exchange.route());
        for (int p = 0; p < plan.length; p++) {
            int i = plan[p];
            long started = timed ? System.nanoTime() : 0;
            CompletableFuture<Decision> answer = invoke(steps[i], exchange);
            if (!answer.isDone()) {
                CompletableFuture<Decision> result = new CompletableFuture<>();
                awaitThenContinue(answer, plan, p, exchange, loop, result, timed, started);
                return result;
            }
            Decision d = settled(steps[i], answer);
            observe(i, d, timed, started);
            if (d instanceof Decision.Deny) {
                return CompletableFuture.completedFuture(d);
            }
        }
        return CompletableFuture.completedFuture(Decision.proceed());
    }

    private void observe(int index, Decision d, boolean timed, long started) {
        try {
            meters[index].decided(d, timed ? System.nanoTime() - started : -1);
        } catch (RuntimeException e) {
            log.warn("stage observer failed for stage {}", steps[index].name(), e);
        }
    }

    /** Waits for the step at {@code plan[position]}, then runs the rest of the plan on {@code loop}. */
    private void awaitThenContinue(CompletableFuture<Decision> answer, int[] plan, int position, Exchange exchange,
                                   ScheduledExecutorService loop, CompletableFuture<Decision> result,
                                   boolean timed, long started) {
        int index = plan[position];
        ChainStep step = steps[index];
        ScheduledFuture<?> timer = loop.schedule(() -> {
            if (answer.complete(Decision.deny(ReasonCode.STAGE_TIMEOUT, "stage " + step.name() + " timed out"))) {
                log.warn("stage {} timed out for request {}", step.name(), exchange.requestId());
            }
        }, stageTimeoutNanos, TimeUnit.NANOSECONDS);
        answer.whenComplete((d, t) -> {
            timer.cancel(false);
            Runnable resume = () -> {
                Decision decision = settled(step, answer);
                observe(index, decision, timed, started);
                if (decision instanceof Decision.Deny) {
                    result.complete(decision);
                    return;
                }
                for (int p = position + 1; p < plan.length; p++) {
                    int i = plan[p];
                    long nextStarted = timed ? System.nanoTime() : 0;
                    CompletableFuture<Decision> next = invoke(steps[i], exchange);
                    if (!next.isDone()) {
                        awaitThenContinue(next, plan, p, exchange, loop, result, timed, nextStarted);
                        return;
                    }
                    Decision nd = settled(steps[i], next);
                    observe(i, nd, timed, nextStarted);
                    if (nd instanceof Decision.Deny) {
                        result.complete(nd);
                        return;
                    }
                }
                result.complete(Decision.proceed());
            };
            try {
                loop.execute(resume);
            } catch (RuntimeException rejected) {
                result.complete(Decision.deny(ReasonCode.STAGE_ERROR, "event loop rejected the continuation"));
            }
        });
    }

    private static CompletableFuture<Decision> invoke(ChainStep step, Exchange exchange) {
        CompletionStage<Decision> answer;
        try {
            answer = step.stage().evaluate(exchange);
        } catch (RuntimeException | Error e) {
            log.warn("stage {} failed for request {}", step.name(), exchange.requestId(), e);
            return CompletableFuture.completedFuture(
                    Decision.deny(ReasonCode.STAGE_ERROR, "stage " + step.name() + " threw " + e.getClass().getName()));
        }
        if (answer == null) {
            return CompletableFuture.completedFuture(
                    Decision.deny(ReasonCode.STAGE_NO_DECISION, "stage " + step.name() + " returned no answer"));
        }
        if (answer instanceof CompletableFuture<Decision> done && done.isDone()) {
            return done;
        }
        // A private copy: the timeout completes it without touching the stage's own future.
        CompletableFuture<Decision> copy = new CompletableFuture<>();
        answer.whenComplete((d, t) -> {
            if (t != null) {
                copy.completeExceptionally(t);
            } else {
                copy.complete(d);
            }
        });
        return copy;
    }

    private static Decision settled(ChainStep step, CompletableFuture<Decision> answer) {
        Decision d;
        try {
            d = answer.getNow(null);
        } catch (RuntimeException e) {
            Throwable cause = e.getCause() != null ? e.getCause() : e;
            log.warn("stage {} failed", step.name(), cause);
            return Decision.deny(ReasonCode.STAGE_ERROR, "stage " + step.name() + " failed: " + cause.getClass().getName());
        }
        if (d == null) {
            return Decision.deny(ReasonCode.STAGE_NO_DECISION, "stage " + step.name() + " answered null");
        }
        return d;
    }
}
