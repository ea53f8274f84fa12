package io.zerogate.identity;

import io.zerogate.chain.Decision;
import io.zerogate.chain.Exchange;
import io.zerogate.chain.Stage;
import io.zerogate.config.AssertionConfig;
import io.zerogate.identity.assertion.AssertionSigner;
import io.zerogate.posture.Device;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import org.jspecify.annotations.Nullable;

/**
 * The last step before forwarding: the upstream learns who is calling from an assertion the gateway signs
 * itself, never from anything the client sent. An inbound header with the assertion's name is always removed,
 * on every route, so that a client cannot pose as the gateway; a signed assertion is added when the exchange has
 * a subject.
 */
public final class IdentityAssertionStage implements Stage {

    private static final CompletableFuture<Decision> PROCEED = CompletableFuture.completedFuture(Decision.proceed());

    private final AssertionConfig config;
    private final @Nullable AssertionSigner signer;

    /** @param signer null when assertions are disabled */
    public IdentityAssertionStage(AssertionConfig config, @Nullable AssertionSigner signer) {
        this.config = config;
        this.signer = signer;
    }

    @Override
    public CompletionStage<Decision> evaluate(Exchange exchange) {
        Subject subject = exchange.get(Subject.KEY);
        if (subject != null && signer != null) {
            // Setting replaces every inbound field of that name.
            exchange.upstreamEdits().setHeader(config.header(),
                    signer.sign(subject, exchange.route().service().name(), exchange.requestId(), deviceId(exchange)));
        } else if (exchange.request().header(config.header()) != null) {
            exchange.upstreamEdits().removeHeader(config.header());
        }
        return PROCEED;
    }

    private static @Nullable String deviceId(Exchange exchange) {
        Device device = exchange.get(Device.KEY);
        return device == null ? null : device.id();
    }
}
