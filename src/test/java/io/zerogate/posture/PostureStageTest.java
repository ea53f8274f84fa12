package io.zerogate.posture;

import static io.zerogate.posture.Attestations.NOW;
import static io.zerogate.posture.Attestations.now;
import static org.assertj.core.api.Assertions.assertThat;

import com.nimbusds.jose.jwk.JWK;
import io.zerogate.chain.ClientAddress;
import io.zerogate.chain.Decision;
import io.zerogate.chain.Exchange;
import io.zerogate.chain.ReasonCode;
import io.zerogate.chain.RequestHead;
import io.zerogate.config.CompiledRoute;
import io.zerogate.config.PostureConfig;
import io.zerogate.config.RouteAuthentication;
import io.zerogate.config.RouteConfig;
import io.zerogate.config.RouteRequirements;
import io.zerogate.config.RouteRequirements.DeviceRequirement;
import io.zerogate.identity.Authentication;
import io.zerogate.identity.Subject;
import io.zerogate.identity.TokenBinding;
import io.zerogate.identity.jwt.KeyLookup;
import io.zerogate.identity.jwt.KeySource;
import io.zerogate.testing.Exchanges;
import io.zerogate.testing.MutableClock;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.atomic.AtomicInteger;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.Test;

class PostureStageTest {

    private final Attestations issuer = new Attestations();
    private final MutableClock clock = new MutableClock(NOW);
    private final List<String> checks = new ArrayList<>();
    private final PostureObserver observer = (source, result) -> checks.add(source + " " + result);

    private PostureStage stage(KeySource keys) {
        PostureConfig.Attestation config = Attestations.config(Duration.ofMinutes(10));
        return new PostureStage(new PostureConfig(config, null), new AttestationVerifier(config, keys, clock), null, observer);
    }

    private PostureStage stage() {
        return stage(issuer.keys(new AtomicInteger()));
    }

    /** A GET on route {@code route} requiring {@code device}, with these request headers (name, value, …). */
    static Exchange exchange(DeviceRequirement device, String... headers) {
        RouteRequirements require = new RouteRequirements(false, Set.of(), false, List.of(), null,
                RouteRequirements.BoundToken.NONE, Set.of(), device);
        RouteConfig route = new RouteConfig("orders", null, Set.of(), "/", "orders", true, RouteAuthentication.NONE,
                require, List.of(), 1);
        RequestHead head = new RequestHead() {
            @Override public String method() { return "GET"; }
            @Override public String scheme() { return "https"; }
            @Override public String host() { return "example.com"; }
            @Override public String path() { return "/"; }
            @Override public String rawPath() { return "/"; }
            @Override public @Nullable String query() { return null; }
            @Override public @Nullable String header(String name) {
                List<String> all = headers(name);
                return all.isEmpty() ? null : all.getFirst();
            }
            @Override public List<String> headers(String name) {
                List<String> values = new ArrayList<>();
                for (int i = 0; i < headers.length; i += 2) {
                    if (headers[i].equalsIgnoreCase(name)) {
                        values.add(headers[i + 1]);
                    }
                }
                return values;
            }
        };
        return new Exchange("id", "l", head, new ClientAddress(new InetSocketAddress("127.0.0.1", 1), null),
                new CompiledRoute(route, Exchanges.service("orders")), Map.of(), 0);
    }

    static Subject user(String id) {
        return new Subject(id, Subject.Kind.USER, "corp", Set.of(), Set.of(), Map.of(), Authentication.NONE, TokenBinding.NONE);
    }

    static void assertDenied(Decision decision, ReasonCode reason) {
        assertThat(decision).isInstanceOf(Decision.Deny.class);
        Decision.Deny deny = (Decision.Deny) decision;
        assertThat(deny.reason()).isEqualTo(reason);
        assertThat(deny.status()).isEqualTo(reason.status());
        assertThat(deny.ruleId()).isEqualTo("orders");
    }

    @Test
    void aCompliantDeviceIsAttachedAndPasses() throws Exception {
        Exchange exchange = exchange(DeviceRequirement.COMPLIANT, "Device-Attestation",
                issuer.sign(Attestations.claims("alice", NOW)));
        exchange.put(Subject.KEY, user("alice"));

        assertThat(now(stage().evaluate(exchange))).isEqualTo(Decision.proceed());
        Device device = exchange.get(Device.KEY);
        assertThat(device).isNotNull();
        assertThat(device.id()).isEqualTo("laptop-1");
        assertThat(device.verdict()).isEqualTo("compliant");
        assertThat(exchange.upstreamEdits().removedHeaders()).containsExactly("device-attestation");
        assertThat(checks).containsExactly("ATTESTATION OK");
    }

    @Test
    void aManagedButNotCompliantDeviceIsRefusedWhereComplianceIsRequired() throws Exception {
        String attestation = issuer.sign(c -> c.claim("compliant", false));

        assertDenied(now(stage().evaluate(exchange(DeviceRequirement.COMPLIANT, "Device-Attestation", attestation))),
                ReasonCode.DEVICE_NOT_COMPLIANT);
        assertThat(now(stage().evaluate(exchange(DeviceRequirement.MANAGED, "Device-Attestation", attestation))))
                .isEqualTo(Decision.proceed());
    }

    @Test
    void anUnmanagedDeviceIsRefusedWhereManagementIsRequired() throws Exception {
        String attestation = issuer.sign(c -> c.claim("managed", false));

        assertDenied(now(stage().evaluate(exchange(DeviceRequirement.MANAGED, "Device-Attestation", attestation))),
                ReasonCode.DEVICE_NOT_MANAGED);
        // Compliant but not managed is not enough for a compliance requirement either.
        String odd = issuer.sign(c -> c.claim("managed", false).claim("compliant", true));
        assertDenied(now(stage().evaluate(exchange(DeviceRequirement.COMPLIANT, "Device-Attestation", odd))),
                ReasonCode.DEVICE_NOT_COMPLIANT);
    }

    @Test
    void noDeviceIsRefusedOnlyWhereOneIsRequired() throws Exception {
        assertDenied(now(stage().evaluate(exchange(DeviceRequirement.MANAGED))), ReasonCode.DEVICE_ATTESTATION_MISSING);
        assertThat(checks).containsExactly("ATTESTATION MISSING");

        Exchange open = exchange(DeviceRequirement.NONE);
        assertThat(now(stage().evaluate(open))).isEqualTo(Decision.proceed());
        assertThat(open.get(Device.KEY)).isNull();
    }

    @Test
    void aBadAttestationIsRefusedEvenWhereNoDeviceIsRequired() throws Exception {
        String forged = Attestations.sign(Attestations.newKey("mdm-1"), Attestations.claims("alice", NOW));

        assertDenied(now(stage().evaluate(exchange(DeviceRequirement.NONE, "Device-Attestation", forged))),
                ReasonCode.DEVICE_ATTESTATION_INVALID);
        assertThat(checks).containsExactly("ATTESTATION INVALID");
    }

    @Test
    void tooOldAndExpiredAttestationsAreCountedAsExpired() throws Exception {
        String attestation = issuer.sign(Attestations.claims("alice", NOW));
        clock.advance(Duration.ofMinutes(6));

        assertDenied(now(stage().evaluate(exchange(DeviceRequirement.COMPLIANT, "Device-Attestation", attestation))),
                ReasonCode.DEVICE_ATTESTATION_EXPIRED);
        assertThat(checks).containsExactly("ATTESTATION EXPIRED");
    }

    @Test
    void anotherUsersAttestationIsRefused() throws Exception {
        Exchange exchange = exchange(DeviceRequirement.NONE, "Device-Attestation", issuer.sign(Attestations.claims("bob", NOW)));
        exchange.put(Subject.KEY, user("alice"));

        assertDenied(now(stage().evaluate(exchange)), ReasonCode.DEVICE_SUBJECT_MISMATCH);
        assertThat(exchange.get(Device.KEY)).isNull();
        assertThat(checks).containsExactly("ATTESTATION MISMATCH");
    }

    @Test
    void anAttestationWithoutAUserIsNotTiedToTheSubject() throws Exception {
        Exchange exchange = exchange(DeviceRequirement.COMPLIANT, "Device-Attestation", issuer.sign(c -> c.subject(null)));
        exchange.put(Subject.KEY, user("alice"));

        assertThat(now(stage().evaluate(exchange))).isEqualTo(Decision.proceed());
        assertThat(exchange.get(Device.KEY).user()).isNull();
    }

    @Test
    void twoAttestationsAreRefused() throws Exception {
        String attestation = issuer.sign(Attestations.claims("alice", NOW));

        assertDenied(now(stage().evaluate(exchange(DeviceRequirement.NONE, "Device-Attestation", attestation,
                "device-attestation", attestation))), ReasonCode.DEVICE_ATTESTATION_INVALID);
    }

    @Test
    void unreachableKeysAreRefusedWith503() throws Exception {
        PostureStage stage = stage(Attestations.answering(new KeyLookup.Unavailable("issuer down")));

        Decision decision = now(stage.evaluate(exchange(DeviceRequirement.NONE, "Device-Attestation",
                issuer.sign(Attestations.claims("alice", NOW)))));
        assertDenied(decision, ReasonCode.POSTURE_UNAVAILABLE);
        assertThat(((Decision.Deny) decision).status()).isEqualTo(503);
        assertThat(checks).containsExactly("ATTESTATION UNAVAILABLE");
    }

    @Test
    void keysThatArriveLaterResumeTheStage() throws Exception {
        CompletableFuture<KeyLookup> keys = new CompletableFuture<>();
        Exchange exchange = exchange(DeviceRequirement.COMPLIANT, "Device-Attestation",
                issuer.sign(Attestations.claims("alice", NOW)));

        CompletionStage<Decision> decision = stage(Attestations.later(keys)).evaluate(exchange);
        assertThat(decision.toCompletableFuture()).isNotDone();
        assertThat(exchange.get(Device.KEY)).isNull();

        keys.complete(new KeyLookup.Found(List.<JWK>of(issuer.key.toPublicJWK())));
        assertThat(now(decision)).isEqualTo(Decision.proceed());
        assertThat(exchange.get(Device.KEY)).isNotNull();
    }

    @Test
    void keysThatFailLaterAreRefused() throws Exception {
        CompletableFuture<KeyLookup> keys = new CompletableFuture<>();
        CompletionStage<Decision> decision = stage(Attestations.later(keys)).evaluate(
                exchange(DeviceRequirement.NONE, "Device-Attestation", issuer.sign(Attestations.claims("alice", NOW))));

        keys.completeExceptionally(new IllegalStateException("connection reset"));
        assertDenied(now(decision), ReasonCode.POSTURE_UNAVAILABLE);
    }

    @Test
    void withoutPostureEveryRequestProceedsButADeviceRequirementFailsClosed() throws Exception {
        PostureStage none = new PostureStage(null, null, null, observer);

        assertThat(now(none.evaluate(exchange(DeviceRequirement.NONE, "Device-Attestation", "x")))).isEqualTo(Decision.proceed());
        assertDenied(now(none.evaluate(exchange(DeviceRequirement.COMPLIANT))), ReasonCode.DEVICE_ATTESTATION_MISSING);
    }

    @Test
    void observerNamesAreTheMetricLabels() {
        assertThat(List.of(PostureObserver.Result.values()).stream().map(r -> r.name().toLowerCase(Locale.ROOT)).toList())
                .containsExactly("ok", "invalid", "expired", "mismatch", "unavailable", "missing");
    }
}
