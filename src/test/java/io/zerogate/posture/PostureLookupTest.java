package io.zerogate.posture;

import static io.zerogate.posture.Attestations.NOW;
import static io.zerogate.posture.Attestations.now;
import static org.assertj.core.api.Assertions.assertThat;

import io.zerogate.chain.Decision;
import io.zerogate.chain.Exchange;
import io.zerogate.chain.ReasonCode;
import io.zerogate.config.PostureConfig;
import io.zerogate.config.RouteRequirements.DeviceRequirement;
import io.zerogate.identity.Subject;
import io.zerogate.testing.MutableClock;
import java.net.http.HttpClient;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class PostureLookupTest {

    private static final String COMPLIANT = """
            {"device_id": "laptop-1", "user": "alice", "managed": true, "compliant": true, "disk_encrypted": true,
             "os": "Windows", "os_version": "11 24H2", "patch_level": "2026-11", "edr_running": true,
             "checked_at": %d}
            """.formatted(NOW.minusSeconds(300).getEpochSecond());

    private final FakePostureService service;
    private final HttpClient http = HttpClient.newBuilder().followRedirects(HttpClient.Redirect.NEVER).build();
    private final MutableClock clock = new MutableClock(NOW);
    private final PostureLookup lookup;

    PostureLookupTest() throws Exception {
        service = new FakePostureService();
        lookup = new PostureLookup(config(Duration.ofMillis(300)), http, clock);
    }

    private PostureConfig.Lookup config(Duration timeout) {
        return new PostureConfig.Lookup(service.base() + "/devices/{device_id}", "Device-Id", timeout,
                Duration.ofSeconds(30), 1);
    }

    @AfterEach
    void close() {
        service.close();
        http.shutdownNow();
    }

    private static void assertRefused(PostureAnswer answer, ReasonCode reason, String detail) {
        assertThat(answer).isInstanceOf(PostureAnswer.Refused.class);
        assertThat(((PostureAnswer.Refused) answer).reason()).isEqualTo(reason);
        assertThat(((PostureAnswer.Refused) answer).detail()).contains(detail);
    }

    @Test
    void aKnownDeviceGivesItsFacts() throws Exception {
        service.answer("/devices/laptop-1", 200, COMPLIANT);

        assertThat(now(lookup.find("laptop-1"))).isEqualTo(new PostureAnswer.Known(new Device("laptop-1", "alice", true,
                true, true, "Windows", "11 24H2", "2026-11", true, NOW.minusSeconds(300), Device.Source.LOOKUP)));
    }

    @Test
    void theDeviceIdIsPercentEncodedAsOnePathSegment() throws Exception {
        service.answer("/devices/laptop%207%2F%C3%A9%3F%23", 200, "{\"managed\": true}");

        PostureAnswer answer = now(lookup.find("laptop 7/é?#"));
        assertThat(answer).isInstanceOf(PostureAnswer.Known.class);
        assertThat(((PostureAnswer.Known) answer).device().checkedAt()).as("defaults to the time of the answer").isEqualTo(NOW);
        assertThat(service.requests()).containsExactly("/devices/laptop%207%2F%C3%A9%3F%23");
    }

    @Test
    void implausibleIdsAreNeverSent() throws Exception {
        for (String id : List.of("", "..", ".", "a\nb", "x".repeat(257))) {
            assertRefused(now(lookup.find(id)), ReasonCode.DEVICE_ATTESTATION_INVALID, "device id");
        }
        assertThat(service.requests()).isEmpty();
    }

    @Test
    void anUnknownDeviceIsInvalidAndTheAnswerIsCached() throws Exception {
        assertRefused(now(lookup.find("ghost")), ReasonCode.DEVICE_ATTESTATION_INVALID, "does not know the device");
        assertRefused(now(lookup.find("ghost")), ReasonCode.DEVICE_ATTESTATION_INVALID, "does not know the device");
        assertThat(service.requests()).hasSize(1);
    }

    @Test
    void aServerErrorIsUnavailableAndNotCached() throws Exception {
        service.answer("/devices/laptop-1", 500, "{}");

        assertRefused(now(lookup.find("laptop-1")), ReasonCode.POSTURE_UNAVAILABLE, "answered 500");
        service.answer("/devices/laptop-1", 200, COMPLIANT);
        assertThat(now(lookup.find("laptop-1"))).isInstanceOf(PostureAnswer.Known.class);
        assertThat(service.requests()).hasSize(2);
    }

    @Test
    void aSlowServiceIsUnavailableWithinTheTimeout() throws Exception {
        service.answer("/devices/laptop-1", 200, COMPLIANT);
        service.hold();

        long start = System.nanoTime();
        assertRefused(now(lookup.find("laptop-1")), ReasonCode.POSTURE_UNAVAILABLE, "");
        assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(3));
        assertThat(lookup.cached()).isZero();
    }

    @Test
    void aServiceThatIsDownIsUnavailable() throws Exception {
        PostureLookup down = new PostureLookup(new PostureConfig.Lookup("http://127.0.0.1:1/devices/{device_id}",
                "Device-Id", Duration.ofMillis(500), Duration.ofSeconds(30), 1), http, clock);

        assertRefused(now(down.find("laptop-1")), ReasonCode.POSTURE_UNAVAILABLE, "could not be reached");
    }

    @Test
    void unreadableAnswersAreUnavailable() throws Exception {
        service.answer("/devices/a", 200, "not json");
        service.answer("/devices/b", 200, "{\"compliant\": \"yes\"}");
        service.answer("/devices/c", 200, "{\"device_id\": \"someone-else\", \"compliant\": true}");
        service.answer("/devices/d", 200, "{\"user\": 12}");
        service.answer("/devices/e", 200, "{\"os\": \"" + "x".repeat(PostureLookup.MAX_BODY_BYTES) + "\"}");

        assertRefused(now(lookup.find("a")), ReasonCode.POSTURE_UNAVAILABLE, "not a JSON object");
        assertRefused(now(lookup.find("b")), ReasonCode.POSTURE_UNAVAILABLE, "compliant is not a boolean");
        assertRefused(now(lookup.find("c")), ReasonCode.POSTURE_UNAVAILABLE, "another device");
        assertRefused(now(lookup.find("d")), ReasonCode.POSTURE_UNAVAILABLE, "user");
        assertRefused(now(lookup.find("e")), ReasonCode.POSTURE_UNAVAILABLE, "could not be reached or its answer read");
    }

    @Test
    void answersAreCachedForTheirTtl() throws Exception {
        service.answer("/devices/laptop-1", 200, COMPLIANT);

        now(lookup.find("laptop-1"));
        now(lookup.find("laptop-1"));
        assertThat(service.requests()).hasSize(1);

        clock.advance(Duration.ofSeconds(31));
        now(lookup.find("laptop-1"));
        assertThat(service.requests()).hasSize(2);
    }

    @Test
    void concurrentLookupsOfOneDeviceShareOneCall() throws Exception {
        service.answer("/devices/laptop-1", 200, COMPLIANT);
        service.hold();
        PostureLookup patient = new PostureLookup(config(Duration.ofSeconds(5)), http, clock);

        List<CompletionStage<PostureAnswer>> answers = new ArrayList<>();
        for (int i = 0; i < 5; i++) {
            answers.add(patient.find("laptop-1"));
        }
        io.zerogate.testing.Await.until("the call reaches the service", Duration.ofSeconds(5),
                () -> !service.requests().isEmpty());
        assertThat(answers).allSatisfy(a -> assertThat(a.toCompletableFuture()).isNotDone());

        service.open();
        for (CompletionStage<PostureAnswer> a : answers) {
            assertThat(now(a)).isInstanceOf(PostureAnswer.Known.class);
        }
        assertThat(service.requests()).hasSize(1);
        // One caller giving up does not cancel the others' answer.
        assertThat(now(patient.find("laptop-1"))).isInstanceOf(PostureAnswer.Known.class);
    }

    @Test
    void theStageLooksUpADeviceIdWhenNoAttestationIsPresented() throws Exception {
        service.answer("/devices/laptop-1", 200, COMPLIANT);
        service.answer("/devices/laptop-2", 200, COMPLIANT.replace("\"compliant\": true", "\"compliant\": false")
                .replace("laptop-1", "laptop-2"));
        service.answer("/devices/laptop-3", 503, "");
        List<String> checks = new ArrayList<>();
        PostureConfig.Lookup config = config(Duration.ofMillis(300));
        PostureStage stage = new PostureStage(new PostureConfig(null, config), null, lookup,
                (source, result) -> checks.add(source + " " + result));

        Exchange ok = PostureStageTest.exchange(DeviceRequirement.COMPLIANT, "Device-Id", "laptop-1");
        ok.put(Subject.KEY, PostureStageTest.user("alice"));
        assertThat(now(stage.evaluate(ok))).isEqualTo(Decision.proceed());
        assertThat(ok.get(Device.KEY).source()).isEqualTo(Device.Source.LOOKUP);

        Exchange other = PostureStageTest.exchange(DeviceRequirement.NONE, "Device-Id", "laptop-1");
        other.put(Subject.KEY, PostureStageTest.user("mallory"));
        PostureStageTest.assertDenied(now(stage.evaluate(other)), ReasonCode.DEVICE_SUBJECT_MISMATCH);

        PostureStageTest.assertDenied(now(stage.evaluate(PostureStageTest.exchange(DeviceRequirement.COMPLIANT,
                "Device-Id", "laptop-2"))), ReasonCode.DEVICE_NOT_COMPLIANT);
        PostureStageTest.assertDenied(now(stage.evaluate(PostureStageTest.exchange(DeviceRequirement.NONE,
                "Device-Id", "laptop-3"))), ReasonCode.POSTURE_UNAVAILABLE);
        PostureStageTest.assertDenied(now(stage.evaluate(PostureStageTest.exchange(DeviceRequirement.NONE,
                "Device-Id", "ghost"))), ReasonCode.DEVICE_ATTESTATION_INVALID);
        PostureStageTest.assertDenied(now(stage.evaluate(PostureStageTest.exchange(DeviceRequirement.MANAGED))),
                ReasonCode.DEVICE_ATTESTATION_MISSING);

        assertThat(checks).containsExactly("LOOKUP OK", "LOOKUP MISMATCH", "LOOKUP OK", "LOOKUP UNAVAILABLE",
                "LOOKUP INVALID", "LOOKUP MISSING");
    }

    @Test
    void aCallerGivingUpDoesNotCancelTheSharedCall() throws Exception {
        service.answer("/devices/laptop-1", 200, COMPLIANT);
        service.hold();
        PostureLookup patient = new PostureLookup(config(Duration.ofSeconds(5)), http, clock);

        CompletableFuture<PostureAnswer> first = patient.find("laptop-1").toCompletableFuture();
        CompletionStage<PostureAnswer> second = patient.find("laptop-1");
        first.cancel(true);
        service.open();

        assertThat(now(second)).isInstanceOf(PostureAnswer.Known.class);
    }
}
