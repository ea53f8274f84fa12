package io.zerogate.upstream;

import io.zerogate.config.ConfigException;
import io.zerogate.config.GatewayConfig;
import io.zerogate.config.ServiceConfig;
import io.zerogate.config.TargetAddress;
import io.zerogate.config.UpstreamTls;
import java.io.IOException;
import java.security.GeneralSecurityException;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.jspecify.annotations.Nullable;

/**
 * All configured services with their live target state. Rebuilt on every reload; a target that stays
 * configured keeps its state (health, in-flight count) across the rebuild, while each TLS service gets a
 * new client context from the certificates of the new configuration.
 */
public final class Upstreams {

    private final Map<String, UpstreamService> services;
    private final Map<TargetAddress, UpstreamTarget> targets;

    private Upstreams(Map<String, UpstreamService> services, Map<TargetAddress, UpstreamTarget> targets) {
        this.services = Map.copyOf(services);
        this.targets = Map.copyOf(targets);
    }

    /**
     * Builds the services of {@code config}, each with a fresh TLS client context when it uses TLS.
     *
     * @throws ConfigException when a service's TLS client context cannot be built from its certificates
     */
    public static Upstreams build(GatewayConfig config, @Nullable Upstreams previous) throws ConfigException {
        Map<TargetAddress, UpstreamTarget> targets = new HashMap<>();
        Map<String, UpstreamService> services = new HashMap<>();
        for (ServiceConfig service : config.services().values()) {
            List<UpstreamTarget> list = new ArrayList<>();
            for (TargetAddress address : service.targets()) {
                UpstreamTarget t = targets.get(address);
                if (t == null) {
                    t = previous != null && previous.targets.containsKey(address)
                            ? previous.targets.get(address) : new UpstreamTarget(address);
                    targets.put(address, t);
                }
                list.add(t);
            }
            services.put(service.name(), new UpstreamService(service, list, tlsProfile(config, service)));
        }
        return new Upstreams(services, targets);
    }

    private static @Nullable UpstreamTlsProfile tlsProfile(GatewayConfig config, ServiceConfig service)
            throws ConfigException {
        if (!(service.tls() instanceof UpstreamTls.Verified verified)) {
            return null;
        }
        try {
            return UpstreamTlsProfile.build(service.name(), verified, service.targets());
        } catch (GeneralSecurityException | IOException | RuntimeException e) {
            throw new ConfigException(config.source(), 0, "services." + service.name() + ".tls",
                    "the TLS client context cannot be built (" + UpstreamTlsException.describe(e) + ")", e);
        }
    }

    public @Nullable UpstreamService service(String name) {
        return services.get(name);
    }

    public Collection<UpstreamService> services() {
        return services.values();
    }

    public Collection<UpstreamTarget> targets() {
        return targets.values();
    }
}
