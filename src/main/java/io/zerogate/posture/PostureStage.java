package io.zerogate.posture;

import io.zerogate.chain.Decision;
import io.zerogate.chain.Exchange;
import io.zerogate.chain.ReasonCode;
import io.zerogate.chain.Stage;
import io.zerogate.config.CompiledRoute;
import io.zerogate.config.PostureConfig;
import io.zerogate.config.RouteRequirements.DeviceRequirement;
import io.zerogate.identity.Subject;
import java.net.http.HttpClient;
import java.time.Clock;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.function.Function;
import org.jspecify.annotations.Nullable;

/**
 * Establishes the calling device and enforces the route's {@code require.device}. A request that presents an
 * attestation (in {@code posture.attestation.header}) has it verified; one that presents only a device id (in
 * {@code posture.lookup.device_header}) has it looked up. Either way the device must belong to the authenticated
 * subject when a user is named, and becomes the {@link Device} later stages read. A presented attestation or
 * device id that does not hold is refused on every route, whether or not it requires a device: what a client
 * presents is either good or the request ends. Then {@code device: managed} needs a managed device and
 * {@code device: compliant} a managed and compliant one; a route that requires a device refuses a request that
 * names none. Every denial names the route as its rule.
 */
public final class PostureStage implements Stage {

    private static final CompletableFuture<Decision> PROCEED = CompletableFuture.completedFuture(Decision.proceed());

    private final @Nullable PostureConfig config;
    private final @Nullable AttestationVerifier attestations;
    private final @Nullable PostureLookup lookup;
    private final PostureObserver observer;

    PostureStage(@Nullable PostureConfig config, @Nullable AttestationVerifier attestations,
                 @Nullable PostureLookup lookup, PostureObserver observer) {
        this.config = config;
        this.attestations = attestations;
        this.lookup = lookup;
        this.observer = java.util.Objects.requireNonNull(observer, "observer");
    }

    /**
     * The stage for a configuration's {@code posture} section.
     *
     * @param posture the section, or null when devices are not checked (every request then proceeds, and the
     *                configuration has no route that requires a device)
     * @param keys    keeps the posture issuer's keys across reloads
     * @param http    queries the posture service; its threads, never an event loop, complete the answers
     */
    public static PostureStage create(@Nullable PostureConfig posture, PostureKeys keys, HttpClient http, Clock clock,
                                      PostureObserver observer) {
        if (posture == null) {
            return new PostureStage(null, null, null, observer);
        }
        PostureConfig.Attestation a = posture.attestation();
        PostureConfig.Lookup l = posture.lookup();
        return new PostureStage(posture,
                a == null ? null : new AttestationVerifier(a, keys.cache(a), clock),
                l == null ? null : new PostureLookup(l, http, clock), observer);
    }

    @Override
    public boolean actsOn(CompiledRoute route) {
        return config != null || route.config().require().device() != DeviceRequirement.NONE;
    }

    @Override
    public CompletionStage<Decision> evaluate(Exchange exchange) {
        String routeId = exchange.route().config().id();
        DeviceRequirement required = exchange.route().config().require().device();
        PostureConfig posture = config;
        if (posture == null) {
            return required == DeviceRequirement.NONE ? PROCEED
                    : denied(ReasonCode.DEVICE_ATTESTATION_MISSING, "devices are not checked (no posture section)", routeId);
        }
        AttestationVerifier verifier = attestations;
        if (verifier != null && posture.attestation() != null) {
            String header = posture.attestation().header();
            List<String> values = exchange.request().headers(header);
            if (!values.isEmpty()) {
                // The upstream learns of the device from the gateway's own assertion, never from the client's token.
                exchange.upstreamEdits().removeHeader(header);
                if (values.size() > 1) {
                    return refused(PostureObserver.Source.ATTESTATION, ReasonCode.DEVICE_ATTESTATION_INVALID,
                            "the request carries " + values.size() + " attestation headers (expected one)", routeId);
                }
                return onLoop(exchange, verifier.verify(values.getFirst()),
                        answer -> decide(exchange, PostureObserver.Source.ATTESTATION, answer, required, routeId));
            }
        }
        PostureLookup devices = lookup;
        if (devices != null && posture.lookup() != null) {
            List<String> values = exchange.request().headers(posture.lookup().deviceHeader());
            if (values.size() > 1) {
                return refused(PostureObserver.Source.LOOKUP, ReasonCode.DEVICE_ATTESTATION_INVALID,
                        "the request carries " + values.size() + " device id headers (expected one)", routeId);
            }
            if (values.size() == 1) {
                return onLoop(exchange, devices.find(values.getFirst()),
                        answer -> decide(exchange, PostureObserver.Source.LOOKUP, answer, required, routeId));
            }
        }
        if (required == DeviceRequirement.NONE) {
            return PROCEED;
        }
        observer.checked(verifier != null ? PostureObserver.Source.ATTESTATION : PostureObserver.Source.LOOKUP,
                PostureObserver.Result.MISSING);
        return denied(ReasonCode.DEVICE_ATTESTATION_MISSING, "the route requires device: "
                + required.name().toLowerCase(java.util.Locale.ROOT) + " and the request names no device", routeId);
    }

    private CompletionStage<Decision> decide(Exchange exchange, PostureObserver.Source source,
                                             @Nullable PostureAnswer answer, DeviceRequirement required, String routeId) {
        if (answer == null) {
            return refused(source, ReasonCode.POSTURE_UNAVAILABLE, "the device check gave no answer", routeId);
        }
        return switch (answer) {
            case PostureAnswer.Refused r -> refused(source, r.reason(), r.detail(), routeId);
            case PostureAnswer.Known k -> known(exchange, source, k.device(), required, routeId);
        };
    }

    private CompletionStage<Decision> known(Exchange exchange, PostureObserver.Source source, Device device,
                                            DeviceRequirement required, String routeId) {
        Subject subject = exchange.get(Subject.KEY);
        if (device.user() != null && subject != null && !subject.id().equals(device.user())) {
            return refused(source, ReasonCode.DEVICE_SUBJECT_MISMATCH,
                    "the device belongs to another user than the authenticated subject", routeId);
        }
        observer.checked(source, PostureObserver.Result.OK);
        exchange.put(Device.KEY, device);
        Decision decision = judge(device, subject, required, routeId);
        return decision == Decision.proceed() ? PROCEED : CompletableFuture.completedFuture(decision);
    }

    /**
     * What a route's device requirement says of a verified device (or of none): the one judgement the posture stage
     * makes, also used where a device is stated rather than verified ({@code zerogate policy test}).
     *
     * @param device  the verified device, or null when the request named none
     * @param subject the authenticated caller, or null
     */
    public static Decision judge(@Nullable Device device, @Nullable Subject subject, DeviceRequirement required,
                                 String routeId) {
        if (device == null) {
            return required == DeviceRequirement.NONE ? Decision.proceed()
                    : Decision.deny(ReasonCode.DEVICE_ATTESTATION_MISSING, "the route requires device: "
                            + required.name().toLowerCase(java.util.Locale.ROOT) + " and the request names no device", routeId);
        }
        if (device.user() != null && subject != null && !subject.id().equals(device.user())) {
            return Decision.deny(ReasonCode.DEVICE_SUBJECT_MISMATCH,
                    "the device belongs to another user than the authenticated subject", routeId);
        }
        return switch (required) {
            case NONE -> Decision.proceed();
            case MANAGED -> device.managed() ? Decision.proceed()
                    : Decision.deny(ReasonCode.DEVICE_NOT_MANAGED, "the route requires device: managed; the device is "
                            + device.verdict(), routeId);
            case COMPLIANT -> !device.managed() || !device.compliant()
                    ? Decision.deny(ReasonCode.DEVICE_NOT_COMPLIANT, "the route requires device: compliant; the device is "
                            + device.verdict(), routeId)
                    : Decision.proceed();
        };
    }

    private CompletionStage<Decision> refused(PostureObserver.Source source, ReasonCode reason, String detail,
                                              String routeId) {
        observer.checked(source, switch (reason) {
            case DEVICE_ATTESTATION_EXPIRED -> PostureObserver.Result.EXPIRED;
            case DEVICE_SUBJECT_MISMATCH -> PostureObserver.Result.MISMATCH;
            case POSTURE_UNAVAILABLE -> PostureObserver.Result.UNAVAILABLE;
            default -> PostureObserver.Result.INVALID;
        });
        return denied(reason, detail, routeId);
    }

    private static CompletionStage<Decision> denied(ReasonCode reason, String detail, String routeId) {
        return CompletableFuture.completedFuture(Decision.deny(reason, detail, routeId));
    }

    /**
     * Continues with {@code next} once {@code answer} is there: at once when it already is, otherwise on the
     * exchange's event loop, so that the device is attached by the exchange's own thread.
     */
    private static CompletionStage<Decision> onLoop(Exchange exchange, CompletionStage<PostureAnswer> answer,
                                                    Function<@Nullable PostureAnswer, CompletionStage<Decision>> next) {
        Function<PostureAnswer, CompletionStage<Decision>> safe = a -> next.apply(a);
        if (answer instanceof CompletableFuture<PostureAnswer> f && f.isDone()) {
            return f.exceptionally(e -> null).thenCompose(safe);
        }
        return answer.exceptionally(e -> null).thenComposeAsync(safe, exchange.loop());
    }
}
