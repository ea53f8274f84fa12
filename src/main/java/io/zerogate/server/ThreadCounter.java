package io.zerogate.server;

import io.netty.util.concurrent.FastThreadLocal;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * A count kept in one cell per thread that counts. Each event loop adds to its own cell with a plain store, so
 * a count taken on every request shares no cache line between cores and needs no atomic instruction; a reader
 * adds the cells up. A cell outlives its thread, so a count that is only incremented never goes back. A
 * decrement may land on another thread's behalf than its increment: the cells then differ, the sum stays right.
 */
public final class ThreadCounter {

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

    public void increment() {
        add(1);
    }

    public void decrement() {
        add(-1);
    }

    private void add(long delta) {
        long[] cell = own.get();
        // Only this thread writes the cell: a release store publishes the whole 64-bit value to readers.
        CELL.setRelease(cell, 0, cell[0] + delta);
    }

    /** The count so far. */
    public long sum() {
        long sum = 0;
        for (long[] cell : cells) {
            sum += (long) CELL.getAcquire(cell, 0);
        }
        return sum;
    }
}
