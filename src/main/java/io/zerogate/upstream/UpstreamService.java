package io.zerogate.upstream;

import io.zerogate.config.ServiceConfig;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.jspecify.annotations.Nullable;

/** A configured service and its targets, picking a healthy target per request. */
public final class UpstreamService {

    private final ServiceConfig config;
    private final UpstreamTarget[] targets;
    private final AtomicInteger cursor = new AtomicInteger();

    UpstreamService(ServiceConfig config, List<UpstreamTarget> targets) {
        this.config = config;
        this.targets = targets.toArray(UpstreamTarget[]::new);
    }

    public ServiceConfig config() {
        return config;
    }

    public List<UpstreamTarget> targets() {
        return List.of(targets);
    }

    /**
     * Picks an available target, skipping {@code exclude} (a target that already failed this request).
     *
     * @return null when no target is available
     */
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
