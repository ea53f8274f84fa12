package io.zerogate.testing;

import java.time.Duration;
import java.util.function.BooleanSupplier;

/**
 * Waits for a condition that another thread makes true, polling briefly, and fails with a message when it
 * stays false past a bound. For state that offers no latch to wait on (gateway counters, target health).
 */
public final class Await {

    private Await() {}

    public static void until(String what, Duration bound, BooleanSupplier condition) throws InterruptedException {
        long deadline = System.nanoTime() + bound.toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() - deadline > 0) {
                throw new AssertionError("not true within " + bound + ": " + what);
            }
            Thread.sleep(5);
        }
    }
}
