package io.zerogate.testing;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.PooledByteBufAllocator;
import io.netty.util.ResourceLeakDetector;
import java.util.List;
import java.util.stream.Collectors;
import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.BeforeEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.slf4j.LoggerFactory;

/**
 * Fails a test after which Netty's leak detector reports a buffer that was never released. The detector
 * only notices a leak once the buffer has been collected and another buffer is allocated, so after each
 * test this collects garbage and allocates until the detector has had its look.
 */
public final class NoLeaks implements BeforeEachCallback, AfterEachCallback {

    private static final String DETECTOR_LOGGER = ResourceLeakDetector.class.getName();

    private final ListAppender<ILoggingEvent> reports = new ListAppender<>();

    @Override
    public void beforeEach(ExtensionContext context) {
        reports.list.clear();
        reports.start();
        ((Logger) LoggerFactory.getLogger(DETECTOR_LOGGER)).addAppender(reports);
    }

    @Override
    public void afterEach(ExtensionContext context) throws Exception {
        try {
            for (int i = 0; i < 3; i++) {
                System.gc();
                Thread.sleep(50);
                for (int j = 0; j < 64; j++) {
                    ByteBuf probe = PooledByteBufAllocator.DEFAULT.directBuffer(16);
                    probe.release();
                }
            }
            List<String> leaks = reports.list.stream().map(ILoggingEvent::getFormattedMessage)
                    .filter(m -> m.contains("LEAK")).collect(Collectors.toList());
            if (!leaks.isEmpty()) {
                throw new AssertionError("Netty reported " + leaks.size() + " leaked buffer(s):\n" + String.join("\n", leaks));
            }
        } finally {
            ((Logger) LoggerFactory.getLogger(DETECTOR_LOGGER)).detachAppender(reports);
            reports.stop();
        }
    }
}
