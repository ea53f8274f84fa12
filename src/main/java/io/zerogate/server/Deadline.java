package io.zerogate.server;

import io.netty.util.concurrent.EventExecutor;
import io.netty.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.LongSupplier;

/**
 * A deadline for one connection that is cheap to move: setting or clearing it writes a field, and the
 * event loop is asked to wake up only when no earlier wake-up is already pending. A wake-up before the
 * current deadline simply waits again. Keep-alive traffic that sets and clears a deadline per request
 * therefore costs no timer-queue work per request. Confined to one event loop.
 */
final class Deadline {

    private static final long NONE = Long.MIN_VALUE;

    private final EventExecutor loop;
    private final LongSupplier nanoClock;
    private final Runnable onExpiry;
    private long deadline = NONE;
    private ScheduledFuture<?> wakeUp;
    private long wakeUpAt;

    Deadline(EventExecutor loop, LongSupplier nanoClock, Runnable onExpiry) {
        this.loop = loop;
        this.nanoClock = nanoClock;
        this.onExpiry = onExpiry;
    }

    /** Expires {@code timeoutNanos} from now, replacing any earlier setting. */
    void startNanos(long timeoutNanos) {
        startNanos(timeoutNanos, nanoClock.getAsLong());
    }

    /** As {@link #startNanos(long)}, counted from {@code now}, a fresh reading of the same clock. */
    void startNanos(long timeoutNanos, long now) {
        deadline = now + timeoutNanos;
        if (wakeUp == null || wakeUpAt - deadline > 0) {
            if (wakeUp != null) {
                wakeUp.cancel(false);
            }
            schedule(now, deadline);
        }
    }

    void clear() {
        deadline = NONE;
    }

    boolean isSet() {
        return deadline != NONE;
    }

    /** Cancels any pending wake-up; for when the connection closes. */
    void cancel() {
        deadline = NONE;
        if (wakeUp != null) {
            wakeUp.cancel(false);
            wakeUp = null;
        }
    }

    private void schedule(long now, long at) {
        wakeUpAt = at;
        wakeUp = loop.schedule(this::wake, Math.max(0, at - now), TimeUnit.NANOSECONDS);
    }

    private void wake() {
        wakeUp = null;
        if (deadline == NONE) {
            return;
        }
        long now = nanoClock.getAsLong();
        if (now - deadline >= 0) {
            deadline = NONE;
            onExpiry.run();
        } else {
            schedule(now, deadline);
        }
    }
}
