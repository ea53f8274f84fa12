package io.zerogate.config;

import java.util.Set;

/** The SPIFFE trust domains whose workload identities the gateway accepts in client certificates. */
public record WorkloadConfig(Set<String> trustDomains) {

    public WorkloadConfig {
        trustDomains = Set.copyOf(trustDomains);
    }
}
