package io.zerogate.upstream;

import io.zerogate.config.ServiceConfig;
import io.zerogate.config.UpstreamTls;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.jspecify.annotations.Nullable;

/** A configured service and its targets, picking a healthy target per request. */
public final class UpstreamService {

    private final ServiceConfig config;
    private final UpstreamTarget[] targets;
    private final @Nullable UpstreamTlsProfile tls;
    private final AtomicInteger cursor = new AtomicInteger();

    /** @param tls the TLS client side for the service's targets; null when the service is {@code tls: none} */
    UpstreamService(ServiceConfig config, List<UpstreamTarget> targets, @Nullable UpstreamTlsProfile tls) {
        if ((tls == null) != (config.tls() instanceof UpstreamTls.Plain)) {
            throw new IllegalArgumentException("service " + config.name() + ": TLS profile " + tls
                    + " does not fit tls setting " + config.tls().getClass().getSimpleName());
        }
        this.config = config;
        this.targets = targets.toArray(UpstreamTarget[]::new);
        this.tls = tls;
    }

    public ServiceConfig config() {
        return config;
    }

    public List<UpstreamTarget> targets() {
        return List.of(targets);
    }

    @Nullable UpstreamTlsProfile tls() {
        return tls;
    }

    /**
     * Picks an available target, skipping {@code exclude} (a target that already failed this request).
     *
     * @return null when no target is available
     */
    /** Whether picking reads the targets' in-flight load (least in flight among several targets). */
    public boolean balancesByLoad() {
        return targets.length > 1 && config.balance() != ServiceConfig.Balance.ROUND_ROBIN;
    }

    public @Nullable UpstreamTarget pick(long nowNanos, @Nullable UpstreamTarget exclude) {
        int n = targets.length;
        if (n == 1) {
            UpstreamTarget only = targets[0];
            return only != exclude && only.isAvailable(nowNanos) ? only : null;
        }
        int start = Math.floorMod(cursor.getAndIncrement(), n);
        if (config.balance() == ServiceConfig.Balance.ROUND_ROBIN) {
            for (int i = 0; i < n; i++) {
                UpstreamTarget t = targets[(start + i) % n];
                if (t != exclude && t.isAvailable(nowNanos)) {
                    return t;
                }
            }
            return null;
        }
        // Least in flight; the rotating start spreads ties instead of piling them on the first target.
        UpstreamTarget best = null;
        int bestLoad = Integer.MAX_VALUE;
        for (int i = 0; i < n; i++) {
            UpstreamTarget t = targets[(start + i) % n];
            if (t == exclude || !t.isAvailable(nowNanos)) {
                continue;
            }
            int load = t.inFlight();
            if (load < bestLoad) {
                best = t;
                bestLoad = load;
            }
        }
        return best;
    }
}
