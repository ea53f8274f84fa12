package io.zerogate.testing;

import com.sun.management.GarbageCollectionNotificationInfo;
import io.netty.buffer.PooledByteBufAllocator;
import io.netty.buffer.PooledByteBufAllocatorMetric;
import java.lang.management.GarbageCollectorMXBean;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryPoolMXBean;
import java.lang.management.MemoryType;
import java.lang.management.MemoryUsage;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import javax.management.Notification;
import javax.management.NotificationEmitter;
import javax.management.NotificationListener;
import javax.management.openmbean.CompositeData;

/**
 * Watches this JVM's memory while a test moves a lot of data through an in-process gateway: the heap as
 * sampled (live data plus garbage not yet collected), the heap after every collection (what is really
 * retained), and the memory Netty's pooled allocator holds (where a buffering gateway would put bytes).
 */
public final class MemoryWatch implements AutoCloseable {

    private final long baselineHeap;
    private final long baselineNetty;
    private final AtomicLong peakSampledHeap = new AtomicLong();
    private final AtomicLong peakRetainedHeap = new AtomicLong();
    private final AtomicLong peakNetty = new AtomicLong();
    private final AtomicLong collections = new AtomicLong();
    private final List<NotificationEmitter> emitters = new ArrayList<>();
    private final NotificationListener listener = this::onGc;
    private final Thread sampler;
    private volatile boolean running = true;

    private MemoryWatch() {
        System.gc();
        this.baselineHeap = ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed();
        this.baselineNetty = nettyPooled();
        peakSampledHeap.set(baselineHeap);
        peakRetainedHeap.set(baselineHeap);
        peakNetty.set(baselineNetty);
        for (GarbageCollectorMXBean gc : ManagementFactory.getGarbageCollectorMXBeans()) {
            if (gc instanceof NotificationEmitter e) {
                e.addNotificationListener(listener, null, null);
                emitters.add(e);
            }
        }
        sampler = new Thread(this::sample, "memory-watch");
        sampler.setDaemon(true);
        sampler.start();
    }

    /** Collects garbage, takes the baseline and starts watching. */
    public static MemoryWatch start() {
        return new MemoryWatch();
    }

    private static long nettyPooled() {
        PooledByteBufAllocatorMetric m = PooledByteBufAllocator.DEFAULT.metric();
        return m.usedDirectMemory() + m.usedHeapMemory();
    }

    private void sample() {
        while (running) {
            peakSampledHeap.accumulateAndGet(ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed(), Math::max);
            peakNetty.accumulateAndGet(nettyPooled(), Math::max);
            try {
                Thread.sleep(20);
            } catch (InterruptedException e) {
                return;
            }
        }
    }

    private void onGc(Notification n, Object handback) {
        if (!GarbageCollectionNotificationInfo.GARBAGE_COLLECTION_NOTIFICATION.equals(n.getType())) {
            return;
        }
        GarbageCollectionNotificationInfo info = GarbageCollectionNotificationInfo.from((CompositeData) n.getUserData());
        long used = 0;
        for (Map.Entry<String, MemoryUsage> e : info.getGcInfo().getMemoryUsageAfterGc().entrySet()) {
            if (isHeapPool(e.getKey())) {
                used += e.getValue().getUsed();
            }
        }
        collections.incrementAndGet();
        peakRetainedHeap.accumulateAndGet(used, Math::max);
    }

    private static boolean isHeapPool(String name) {
        for (MemoryPoolMXBean pool : ManagementFactory.getMemoryPoolMXBeans()) {
            if (pool.getName().equals(name)) {
                return pool.getType() == MemoryType.HEAP;
            }
        }
        return false;
    }

    /** Highest sampled heap use above the baseline: includes garbage a collection would free. */
    public long peakSampledHeapDelta() {
        return peakSampledHeap.get() - baselineHeap;
    }

    /** Highest heap use right after a collection, above the baseline: what was really retained. */
    public long peakRetainedHeapDelta() {
        return peakRetainedHeap.get() - baselineHeap;
    }

    /** Highest memory held by Netty's pooled allocator, above the baseline. */
    public long peakNettyPooledDelta() {
        return peakNetty.get() - baselineNetty;
    }

    /** Collections seen while watching; a retained-heap figure from zero collections means little. */
    public long collections() {
        return collections.get();
    }

    @Override
    public void close() throws InterruptedException {
        running = false;
        sampler.interrupt();
        sampler.join(1000);
        for (NotificationEmitter e : emitters) {
            try {
                e.removeNotificationListener(listener);
            } catch (javax.management.ListenerNotFoundException ignored) {
                // already gone
            }
        }
    }

    @Override
    public String toString() {
        return String.format("sampled heap +%d MiB, retained heap +%d MiB after %d collections, netty pool +%d MiB",
                peakSampledHeapDelta() >> 20, peakRetainedHeapDelta() >> 20, collections(), peakNettyPooledDelta() >> 20);
    }
}
