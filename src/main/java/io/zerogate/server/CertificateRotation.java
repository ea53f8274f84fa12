package io.zerogate.server;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Checks the TLS files of every listener on one daemon thread, off the event loops, so that rotated
 * certificates, keys, client CAs and CRLs are picked up without a restart.
 */
final class CertificateRotation implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(CertificateRotation.class);

    private final List<DownstreamTls> listeners;
    private final ScheduledExecutorService thread;

    CertificateRotation(List<DownstreamTls> listeners, Duration interval) {
        this.listeners = List.copyOf(listeners);
        this.thread = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "zerogate-tls-rotation");
            t.setDaemon(true);
            return t;
        });
        long millis = interval.toMillis();
        thread.scheduleWithFixedDelay(this::check, millis, millis, TimeUnit.MILLISECONDS);
    }

    private void check() {
        for (DownstreamTls l : listeners) {
            try {
                l.checkForChanges();
            } catch (RuntimeException e) {
                // One listener's failure must not stop the checks of the others, or the next ones.
                log.error("checking TLS files for changes failed", e);
            }
        }
    }

    @Override
    public void close() {
        thread.shutdownNow();
    }
}
