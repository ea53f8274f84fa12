package io.zerogate.policy;

import io.zerogate.chain.Decision;
import io.zerogate.chain.Exchange;
import io.zerogate.chain.ReasonCode;
import io.zerogate.chain.Stage;
import io.zerogate.config.CompiledRoute;
import io.zerogate.identity.ClientCertificate;
import io.zerogate.identity.SpiffeId;
import io.zerogate.identity.SpiffeIdPattern;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

/**
 * Micro-segmentation: a service that lists {@code callers} is reached only by workloads whose verified client
 * certificate carries a SPIFFE ID matching one of them. Everything else, including a caller with no workload
 * identity at all, is refused with {@link ReasonCode#CALLER_NOT_ALLOWED}. A service without {@code callers}
 * is not restricted here.
 */
public final class SegmentationStage implements Stage {

    private static final CompletableFuture<Decision> PROCEED = CompletableFuture.completedFuture(Decision.proceed());

    @Override
    public boolean actsOn(CompiledRoute route) {
        return !route.service().callers().isEmpty();
    }

    @Override
    public CompletionStage<Decision> evaluate(Exchange exchange) {
        List<SpiffeIdPattern> callers = exchange.route().service().callers();
        if (callers.isEmpty()) {
            return PROCEED;
        }
        String service = exchange.route().service().name();
        ClientCertificate certificate = exchange.get(ClientCertificate.KEY);
        SpiffeId caller = certificate == null ? null : certificate.spiffeId();
        if (caller == null) {
            return deny("service " + service + " admits only its listed callers; the request carries no workload identity");
        }
        for (SpiffeIdPattern pattern : callers) {
            if (pattern.matches(caller)) {
                return PROCEED;
            }
        }
        return deny("workload " + caller + " is not among the callers of service " + service);
    }

    private static CompletionStage<Decision> deny(String detail) {
        return CompletableFuture.completedFuture(Decision.deny(ReasonCode.CALLER_NOT_ALLOWED, detail));
    }
}
