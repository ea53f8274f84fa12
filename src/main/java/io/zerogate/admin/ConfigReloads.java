package io.zerogate.admin;

import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.util.concurrent.DefaultThreadFactory;
import io.zerogate.config.ConfigException;
import io.zerogate.config.GatewayConfig;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicBoolean;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs {@code POST /admin/reload} on a thread of its own: reading, validating and compiling a configuration reads
 * files and may wait for key sets and the state store, which the admin event loop must never do. One reload at a
 * time; a second one asked for meanwhile is refused rather than queued.
 */
final class ConfigReloads implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(ConfigReloads.class);

    private final AdminApi.@Nullable Reload reload;
    private final ExecutorService worker = Executors.newSingleThreadExecutor(new DefaultThreadFactory("zerogate-admin-reload", true));
    private final AtomicBoolean running = new AtomicBoolean();

    ConfigReloads(AdminApi.@Nullable Reload reload) {
        this.reload = reload;
    }

    /** What the configuration now in force holds, as {@code POST /admin/reload} answers it. */
    record Summary(String source, int listeners, int services, int routes, boolean audit) {

        static Summary of(GatewayConfig config) {
            return new Summary(config.source(), config.listeners().size(), config.services().size(), config.routes().size(),
                    config.audit() != null);
        }
    }

    /** Reloads, and completes with the answer: 200 with a summary, 422 with the problem, 409 when one runs already. */
    CompletionStage<FullHttpResponse> reload(String caller) {
        AdminApi.Reload r = reload;
        if (r == null) {
            return CompletableFuture.completedFuture(AdminResponses.problem(HttpResponseStatus.CONFLICT, "reload_unavailable",
                    "the gateway was started from a configuration held in memory, so there is no file to read again"));
        }
        if (!running.compareAndSet(false, true)) {
            return CompletableFuture.completedFuture(AdminResponses.problem(HttpResponseStatus.CONFLICT, "reload_in_progress",
                    "another reload is running; ask again when it has answered"));
        }
        try {
            return CompletableFuture.supplyAsync(() -> run(r, caller), worker);
        } catch (RuntimeException e) {
            running.set(false);
            throw e;
        }
    }

    private FullHttpResponse run(AdminApi.Reload r, String caller) {
        try {
            GatewayConfig applied = r.reload();
            log.info("configuration reloaded through the admin API by {}", caller);
            return AdminResponses.json(HttpResponseStatus.OK, Summary.of(applied));
        } catch (ConfigException e) {
            // The message names file, line and key path; by contract it never holds a secret's value.
            log.error("configuration reload through the admin API by {} rejected; keeping the last good configuration: {}",
                    caller, e.getMessage());
            return AdminResponses.problem(HttpResponseStatus.UNPROCESSABLE_ENTITY, "config_invalid", e.getMessage());
        } catch (RuntimeException e) {
            log.error("configuration reload through the admin API by {} failed; keeping the last good configuration", caller, e);
            return AdminResponses.problem(HttpResponseStatus.INTERNAL_SERVER_ERROR, "reload_failed",
                    "the configuration could not be applied (" + e.getClass().getSimpleName() + "); the last good one stays");
        } finally {
            running.set(false);
        }
    }

    @Override
    public void close() {
        worker.shutdownNow();
    }
}
