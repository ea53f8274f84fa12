package io.zerogate.testing;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.PooledByteBufAllocator;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The leak check itself: a buffer dropped without release is reported, so the build can fail on it. */
class LeakCheckTest {

    @Test
    void aDroppedBufferIsReported() throws InterruptedException {
        leakOne();
        List<String> leaks = new ArrayList<>();
        for (int i = 0; i < 50 && leaks.isEmpty(); i++) {
            System.gc();
            Thread.sleep(10);
            PooledByteBufAllocator.DEFAULT.directBuffer(16).release();
            leaks.addAll(RecordingLeakDetector.drain());
        }
        assertThat(leaks).isNotEmpty();
        assertThat(leaks.get(0)).contains("ByteBuf");
    }

    private static void leakOne() {
        ByteBuf leaked = PooledByteBufAllocator.DEFAULT.directBuffer(64);
        leaked.writeLong(42);
    }
}
