package io.zerogate.audit.sink;

import java.time.Duration;

/**
 * The daemon thread that posts to one destination (the audit collector, the alert webhook), and its bounded end:
 * it is given a grace period to finish what it is sending, then interrupted.
 */
public final class HttpSender {

    private static final Duration AFTER_INTERRUPT = Duration.ofSeconds(1);

    private final Thread thread;

    public HttpSender(String name, Runnable body) {
        this.thread = Thread.ofPlatform().daemon().name(name).start(body);
    }

    /**
     * Waits up to {@code grace} for the thread to end, then interrupts it and waits a second more; an interrupt of
     * the caller cuts the wait short and is kept.
     */
    public void stop(Duration grace) {
        try {
            thread.join(grace);
            if (thread.isAlive()) {
                thread.interrupt();
                thread.join(AFTER_INTERRUPT);
            }
        } catch (InterruptedException e) {
            thread.interrupt();
            Thread.currentThread().interrupt();
        }
    }
}
