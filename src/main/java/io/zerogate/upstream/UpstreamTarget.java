package io.zerogate.upstream;

import io.zerogate.config.ServiceConfig;
import io.zerogate.config.TargetAddress;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.LongAdder;

/**
 * The live state of one upstream target, shared by every event loop: requests in flight, passive health
 * (ejected for a cool-down after consecutive connect failures) and active health (probe results).
 * State survives configuration reloads for as long as the target stays configured.
 */
public final class UpstreamTarget {

    private final TargetAddress address;
    /** The address as a URL, made once: every exchange's outcome names its target. */
    private final String url;
    /**
     * Exchanges leased to this target by services that balance by load, from every event loop: an adder, since
     * one shared counter would bounce between the cores twice per request.
     */
    private final LongAdder inFlight = new LongAdder();
    private final AtomicInteger connectFailures = new AtomicInteger();
    private volatile long ejectedUntilNanos;
    private volatile boolean ejected;
    private volatile boolean probeHealthy = true;

    UpstreamTarget(TargetAddress address) {
        this.address = address;
        this.url = address.toString();
    }

    public TargetAddress address() {
        return address;
    }

    /** The target as a URL, {@code scheme://host:port}. */
    public String url() {
        return url;
    }

    /** True when neither passive ejection nor failed probes keep the target out of rotation. */
    public boolean isAvailable(long nowNanos) {
        return probeHealthy && (!ejected || nowNanos - ejectedUntilNanos >= 0);
    }

    public boolean isProbeHealthy() {
        return probeHealthy;
    }

    /** Exchanges in flight on this target, as counted by the services that balance by load. */
    public int inFlight() {
        return (int) inFlight.sum();
    }

    void begin() {
        inFlight.increment();
    }

    void end() {
        inFlight.decrement();
    }

    /** A connection attempt succeeded: the target is back in rotation. */
    public void onConnected() {
        if (connectFailures.get() != 0) {
            connectFailures.set(0);
        }
        ejected = false;
    }

    /** A connection attempt failed; after enough failures in a row the target sits out a cool-down. */
    public void onConnectFailure(long nowNanos, ServiceConfig.PassiveHealth policy) {
        if (connectFailures.incrementAndGet() >= policy.consecutiveFailures()) {
            ejectedUntilNanos = nowNanos + policy.coolDown().toNanos();
            ejected = true;
            connectFailures.set(0);
        }
    }

    void setProbeHealthy(boolean healthy) {
        probeHealthy = healthy;
    }

    @Override
    public String toString() {
        return address.toString();
    }
}
