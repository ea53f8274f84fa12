package io.zerogate.policy;

import static org.assertj.core.api.Assertions.assertThat;

import io.zerogate.chain.Decision;
import io.zerogate.chain.Exchange;
import io.zerogate.chain.ReasonCode;
import io.zerogate.config.ServiceConfig;
import io.zerogate.identity.ClientCertificate;
import io.zerogate.identity.SpiffeId;
import io.zerogate.testing.Exchanges;
import java.time.Instant;
import java.util.List;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.Test;

class SegmentationStageTest {

    private final SegmentationStage stage = new SegmentationStage();

    private static Exchange call(ServiceConfig service, @Nullable String spiffeId, boolean withCertificate) {
        Exchange ex = Exchanges.exchange("r1", false, false, service);
        if (withCertificate) {
            ex.put(ClientCertificate.KEY, new ClientCertificate("CN=caller", List.of(), spiffeId == null ? List.of() : List.of(spiffeId),
                    "thumb", spiffeId == null ? null : SpiffeId.parse(spiffeId), Instant.EPOCH, Instant.EPOCH));
        }
        return ex;
    }

    private Decision run(Exchange ex) {
        return stage.evaluate(ex).toCompletableFuture().getNow(null);
    }

    @Test
    void aServiceWithoutCallersIsNotRestricted() {
        assertThat(run(call(Exchanges.service("open"), null, false))).isEqualTo(Decision.proceed());
    }

    @Test
    void listedWorkloadsPass() {
        ServiceConfig orders = Exchanges.service("orders", "spiffe://example.org/ns/prod/sa/checkout",
                "spiffe://example.org/ns/*/sa/billing", "spiffe://example.org/batch/**");
        for (String caller : List.of("spiffe://example.org/ns/prod/sa/checkout", "spiffe://example.org/ns/staging/sa/billing",
                "spiffe://example.org/batch/nightly", "spiffe://example.org/batch/nightly/run-7")) {
            assertThat(run(call(orders, caller, true))).as(caller).isEqualTo(Decision.proceed());
        }
    }

    @Test
    void otherWorkloadsAreRefusedWithTheServiceNamed() {
        ServiceConfig orders = Exchanges.service("orders", "spiffe://example.org/ns/prod/sa/checkout",
                "spiffe://example.org/ns/*/sa/billing", "spiffe://example.org/batch/**");
        for (String caller : List.of("spiffe://example.org/ns/prod/sa/checkout/extra", "spiffe://example.org/ns/prod/sa/shipping",
                "spiffe://example.org/ns/a/b/sa/billing", "spiffe://example.org/batch", "spiffe://other.org/ns/prod/sa/checkout")) {
            Decision.Deny deny = (Decision.Deny) run(call(orders, caller, true));
            assertThat(deny.reason()).as(caller).isEqualTo(ReasonCode.CALLER_NOT_ALLOWED);
            assertThat(deny.status()).isEqualTo(403);
            assertThat(deny.detail()).contains("service orders").contains(caller);
        }
    }

    @Test
    void aCallerWithoutWorkloadIdentityIsRefused() {
        ServiceConfig orders = Exchanges.service("orders", "spiffe://example.org/ns/prod/sa/checkout");
        for (Exchange ex : List.of(call(orders, null, false), call(orders, null, true))) {
            Decision.Deny deny = (Decision.Deny) run(ex);
            assertThat(deny.reason()).isEqualTo(ReasonCode.CALLER_NOT_ALLOWED);
            assertThat(deny.detail()).contains("service orders").contains("no workload identity");
        }
    }

    @Test
    void callersAreARuleForRouteAccess() {
        RouteAccessStage access = new RouteAccessStage();
        Exchange governed = call(Exchanges.service("orders", "spiffe://example.org/ns/prod/sa/checkout"),
                "spiffe://example.org/ns/prod/sa/checkout", true);
        assertThat(access.evaluate(governed).toCompletableFuture().getNow(null)).isEqualTo(Decision.proceed());
        Decision.Deny ungoverned = (Decision.Deny) access.evaluate(call(Exchanges.service("open"), null, false))
                .toCompletableFuture().getNow(null);
        assertThat(ungoverned.reason()).isEqualTo(ReasonCode.NO_RULE);
    }
}
