package io.zerogate.admin;

import io.netty.util.concurrent.FastThreadLocal;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * A count that only grows, kept in one cell per thread that counts. Each event loop adds to its own cell
 * with a plain store, so a count taken on every request shares no cache line between cores and needs no
 * atomic instruction; a scrape adds the cells up. A cell outlives its thread, so the sum never goes back.
 */
final class ThreadCounter {

    private static final VarHandle CELL = MethodHandles.arrayElementVarHandle(long[].class);

    private final List<long[]> cells = new CopyOnWriteArrayList<>();
    private final FastThreadLocal<long[]> own = new FastThreadLocal<>() {
        @Override
        protected long[] initialValue() {
            long[] cell = new long[1];
            cells.add(cell);
            return cell;
        }
    };

    void increment() {
        long[] cell = own.get();
        // Only this thread writes the cell: a release store publishes the whole 64-bit value to readers.
        CELL.setRelease(cell, 0, cell[0] + 1);
    }

    /** The count so far, for a scrape. */
    double sum() {
        long sum = 0;
        for (long[] cell : cells) {
            sum += (long) CELL.getAcquire(cell, 0);
        }
        return sum;
    }
}
