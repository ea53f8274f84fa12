package io.zerogate.server;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.util.concurrent.DefaultThreadFactory;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import org.junit.jupiter.api.Test;

class ThreadCounterTest {

    @Test
    void startsAtZero() {
        assertThat(new ThreadCounter().sum()).isZero();
    }

    @Test
    void sumsWhatEveryThreadCountedAndKeepsItAfterTheThreadsEnd() throws Exception {
        ThreadCounter counter = new ThreadCounter();
        int threads = 4;
        int each = 100_000;
        CountDownLatch start = new CountDownLatch(1);
        List<Thread> started = new ArrayList<>();
        // Event loop threads (FastThreadLocalThread) and plain ones both count.
        DefaultThreadFactory loops = new DefaultThreadFactory("counter-test");
        for (int t = 0; t < threads; t++) {
            Runnable work = () -> {
                try {
                    start.await();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    return;
                }
                for (int i = 0; i < each; i++) {
                    counter.increment();
                }
            };
            Thread thread = t % 2 == 0 ? loops.newThread(work) : new Thread(work);
            thread.start();
            started.add(thread);
        }
        start.countDown();
        for (Thread thread : started) {
            thread.join();
        }
        counter.increment();
        assertThat(counter.sum()).isEqualTo((long) threads * each + 1);
    }

    @Test
    void aScrapeDuringCountingNeverSeesTheCountGoBack() throws Exception {
        ThreadCounter counter = new ThreadCounter();
        Thread writer = new DefaultThreadFactory("counter-writer").newThread(() -> {
            for (int i = 0; i < 2_000_000; i++) {
                counter.increment();
            }
        });
        writer.start();
        long last = 0;
        while (writer.isAlive()) {
            long now = counter.sum();
            assertThat(now).isGreaterThanOrEqualTo(last);
            last = now;
        }
        writer.join();
        assertThat(counter.sum()).isEqualTo(2_000_000L);
    }

    @Test
    void aDecrementOnAnotherThreadThanItsIncrementKeepsTheSumRight() throws Exception {
        ThreadCounter counter = new ThreadCounter();
        counter.increment();
        Thread other = new DefaultThreadFactory("counter-other").newThread(counter::decrement);
        other.start();
        other.join();
        assertThat(counter.sum()).isZero();
    }
}
