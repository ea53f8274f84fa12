package io.zerogate.state;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.netty.channel.DefaultEventLoop;
import io.netty.channel.EventLoop;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Charges made on one event loop while it works are sent to a real Redis together, one script call for all of
 * them, and each request is still decided on its own, in the order the loop made them: what one request applies
 * is seen by the next, and a request that is refused applies nothing and changes nothing for the others.
 */
@Timeout(60)
class RedisBatchedChargesTest {

    private static final long HOUR = 3_600_000_000L;
    private static final Pattern EVALSHA_CALLS = Pattern.compile("cmdstat_evalsha:calls=(\\d+)");

    @RegisterExtension
    static final RedisServer.PerClass server = new RedisServer.PerClass();
    private EventLoop loop;
    private RedisStateStore store;
    private String prefix;

    @BeforeEach
    void open() {
        loop = new DefaultEventLoop();
        store = RedisStateStore.connect(server.uri(), Duration.ofMillis(500));
        prefix = "b-" + UUID.randomUUID() + ":";
    }

    @AfterEach
    void close() throws Exception {
        store.close();
        loop.shutdownGracefully(0, 1, TimeUnit.SECONDS).await(5, TimeUnit.SECONDS);
    }

    /** One request: its charges, and the thread its verdict arrived on. */
    private record Sent(CompletableFuture<ChargeVerdict> verdict, AtomicReference<Thread> answeredOn) {}

    /** Makes every request's charges in one task of the loop, as the loop would while reading many connections. */
    private List<Sent> chargeInOneTurn(List<List<Charge>> requests) throws Exception {
        List<Sent> sent = new ArrayList<>();
        loop.submit(() -> {
            for (List<Charge> charges : requests) {
                AtomicReference<Thread> thread = new AtomicReference<>();
                CompletableFuture<ChargeVerdict> verdict = store.charge(charges, "lease-" + UUID.randomUUID(), loop)
                        .whenComplete((v, failure) -> thread.set(Thread.currentThread()))
                        .toCompletableFuture();
                sent.add(new Sent(verdict, thread));
            }
        }).get(5, TimeUnit.SECONDS);
        return sent;
    }

    private Charge enforced(String name, Meter meter) {
        return new Charge(prefix + name, meter, 1, true);
    }

    private static ChargeVerdict verdict(Sent sent) throws Exception {
        return sent.verdict().get(5, TimeUnit.SECONDS);
    }

    private static long evalshaCalls() {
        Matcher m = EVALSHA_CALLS.matcher(server.inspect().info("commandstats"));
        return m.find() ? Long.parseLong(m.group(1)) : 0;
    }

    @Test
    void requestsOfOneTurnTravelInOneCallAndAreDecidedOneAfterTheOther() throws Exception {
        Meter rate = new Meter.Gcra(3, 3 * HOUR, 3);
        List<List<Charge>> requests = new ArrayList<>();
        for (int i = 0; i < 5; i++) {
            requests.add(List.of(enforced("caller", rate)));
        }
        long before = evalshaCalls();
        List<Sent> sent = chargeInOneTurn(requests);

        long[] remaining = {2, 1, 0, 0, 0};
        for (int i = 0; i < 5; i++) {
            ChargeVerdict v = verdict(sent.get(i));
            assertThat(v.allowed()).as("request %d", i).isEqualTo(i < 3);
            assertThat(v.results().get(0).remaining()).as("remaining after request %d", i).isEqualTo(remaining[i]);
            assertThat(sent.get(i).answeredOn().get()).as("answered on the loop").isSameAs(threadOf(loop));
        }
        assertThat(evalshaCalls() - before).isEqualTo(1);
    }

    @Test
    void aRefusedRequestAppliesNothingAndChangesNothingForTheOthers() throws Exception {
        Meter rate = new Meter.Gcra(10, 10 * HOUR, 10);
        Meter once = new Meter.FixedWindow(1, HOUR);
        Charge sharedRate = enforced("{t}:rate", rate);
        Charge exhausted = enforced("{t}:window", once);
        assertThat(store.charge(List.of(exhausted), "l0").toCompletableFuture().get(5, TimeUnit.SECONDS).allowed()).isTrue();

        long before = evalshaCalls();
        List<Sent> sent = chargeInOneTurn(List.of(
                List.of(sharedRate),
                // Refused by the exhausted window: its rate charge must not be applied.
                List.of(sharedRate, exhausted),
                List.of(sharedRate),
                // A shadow limit that refuses does not refuse the request.
                List.of(sharedRate, new Charge(prefix + "{t}:window", once, 1, false))));

        ChargeVerdict first = verdict(sent.get(0));
        ChargeVerdict refused = verdict(sent.get(1));
        ChargeVerdict third = verdict(sent.get(2));
        ChargeVerdict shadowed = verdict(sent.get(3));
        assertThat(first.allowed()).isTrue();
        assertThat(first.results().get(0).remaining()).isEqualTo(9);
        assertThat(refused.allowed()).isFalse();
        assertThat(refused.results().get(0).allowed()).isTrue();
        assertThat(refused.results().get(0).remaining()).as("the rate as it was, not applied").isEqualTo(9);
        assertThat(refused.results().get(1).allowed()).isFalse();
        assertThat(refused.results().get(1).retryAfterMicros()).isPositive();
        assertThat(third.allowed()).isTrue();
        assertThat(third.results().get(0).remaining()).as("the refused request took nothing").isEqualTo(8);
        assertThat(shadowed.allowed()).isTrue();
        assertThat(shadowed.results().get(0).remaining()).isEqualTo(7);
        assertThat(shadowed.results().get(1).allowed()).isFalse();
        assertThat(evalshaCalls() - before).isEqualTo(1);

        List<ChargeResult> now = store.peek(List.of(sharedRate, exhausted)).toCompletableFuture().get(5, TimeUnit.SECONDS);
        assertThat(now.get(0).remaining()).isEqualTo(6);
        assertThat(now.get(1).remaining()).isZero();
    }

    @Test
    void alikeRequestsWithSeveralLimitsTravelAsOneRunAndAreStillDecidedOneByOne() throws Exception {
        Meter rate = new Meter.Gcra(10, 10 * HOUR, 10);
        Meter twice = new Meter.FixedWindow(2, HOUR);
        Meter inFlight = new Meter.Concurrency(2, HOUR);
        List<Charge> alike = List.of(enforced("{r}:rate", rate), enforced("{r}:window", twice));
        List<List<Charge>> requests = new ArrayList<>(List.of(alike, alike, alike, alike));
        // Leases differ from request to request, so these never share a run.
        for (int i = 0; i < 3; i++) {
            requests.add(List.of(enforced("{r}:flight", inFlight)));
        }
        long before = evalshaCalls();
        List<Sent> sent = chargeInOneTurn(requests);

        long[] rateRemaining = {9, 8, 8, 8};
        long[] windowRemaining = {1, 0, 0, 0};
        for (int i = 0; i < 4; i++) {
            ChargeVerdict v = verdict(sent.get(i));
            assertThat(v.allowed()).as("request %d", i).isEqualTo(i < 2);
            assertThat(v.results().get(0).remaining()).as("rate after request %d", i).isEqualTo(rateRemaining[i]);
            assertThat(v.results().get(1).remaining()).as("window after request %d", i).isEqualTo(windowRemaining[i]);
            assertThat(v.results().get(1).allowed()).as("window of request %d", i).isEqualTo(i < 2);
        }
        assertThat(verdict(sent.get(4)).allowed()).isTrue();
        assertThat(verdict(sent.get(5)).allowed()).isTrue();
        assertThat(verdict(sent.get(6)).allowed()).as("a third lease in flight").isFalse();
        assertThat(evalshaCalls() - before).isEqualTo(1);
        assertThat(server.inspect().zcard("zerogate:" + prefix + "{r}:flight")).as("two leases held").isEqualTo(2);
    }

    /**
     * A run of alike requests of one rate is decided in one step inside Redis; every request must still be told
     * exactly what it is told when it is charged alone, one call after the other: enforced and shadow limits, costs
     * of 1, 2 and 3, a rate already partly or wholly used, and a run that crosses the limit in its middle.
     */
    @Test
    void aRunOfAlikeRateChargesAnswersWhatChargingOneByOneAnswers() throws Exception {
        Meter rate = new Meter.Gcra(10, 10 * HOUR, 7);
        record Case(String name, long cost, boolean enforced, int used, int requests) {}
        List<Case> cases = List.of(
                new Case("fresh", 1, true, 0, 12),
                new Case("costly", 3, true, 0, 5),
                new Case("shadow", 1, false, 0, 10),
                new Case("partly-used", 1, true, 4, 6),
                new Case("used-up", 1, true, 7, 3),
                new Case("shadow-used-up", 2, false, 7, 3));
        for (Case c : cases) {
            Charge batched = new Charge(prefix + c.name() + ":batched", rate, c.cost(), c.enforced());
            Charge alone = new Charge(prefix + c.name() + ":alone", rate, c.cost(), c.enforced());
            for (int i = 0; i < c.used(); i++) {
                for (Charge key : List.of(batched, alone)) {
                    store.charge(List.of(new Charge(key.key(), rate, 1, true)), "warm").toCompletableFuture()
                            .get(5, TimeUnit.SECONDS);
                }
            }
            List<List<Charge>> requests = new ArrayList<>();
            for (int i = 0; i < c.requests(); i++) {
                requests.add(List.of(batched));
            }
            long before = evalshaCalls();
            List<Sent> sent = chargeInOneTurn(requests);
            for (Sent each : sent) {
                verdict(each);
            }
            assertThat(evalshaCalls() - before).as("%s: one call", c.name()).isEqualTo(1);
            for (int i = 0; i < c.requests(); i++) {
                ChargeVerdict expected = store.charge(List.of(alone), "lease-" + i).toCompletableFuture()
                        .get(5, TimeUnit.SECONDS);
                ChargeVerdict actual = verdict(sent.get(i));
                String what = c.name() + ", request " + i;
                assertThat(actual.allowed()).as(what).isEqualTo(expected.allowed());
                ChargeResult e = expected.results().get(0);
                ChargeResult a = actual.results().get(0);
                assertThat(a.allowed()).as(what).isEqualTo(e.allowed());
                assertThat(a.limit()).as(what).isEqualTo(e.limit());
                assertThat(a.remaining()).as(what).isEqualTo(e.remaining());
                // The one-by-one calls run a little later: what is measured in time may differ by that much.
                assertThat(a.resetMicros()).as(what).isCloseTo(e.resetMicros(), org.assertj.core.data.Offset.offset(2_000_000L));
                assertThat(a.retryAfterMicros()).as(what)
                        .isCloseTo(e.retryAfterMicros(), org.assertj.core.data.Offset.offset(2_000_000L));
                assertThat(a.retryAfterMicros() > 0).as(what).isEqualTo(e.retryAfterMicros() > 0);
            }
            List<ChargeResult> left = store.peek(List.of(batched, alone)).toCompletableFuture().get(5, TimeUnit.SECONDS);
            assertThat(left.get(0).remaining()).as("%s: what the run left", c.name()).isEqualTo(left.get(1).remaining());
        }
    }

    @Test
    void aLargeTurnIsSplitIntoBoundedCalls() throws Exception {
        Meter rate = new Meter.Gcra(1_000, HOUR, 1_000);
        int requests = LoopCharges.MAX_REQUESTS_PER_CALL * 2 + 1;
        List<List<Charge>> charges = new ArrayList<>();
        for (int i = 0; i < requests; i++) {
            charges.add(List.of(enforced("many", rate)));
        }
        long before = evalshaCalls();
        List<Sent> sent = chargeInOneTurn(charges);
        for (int i = 0; i < requests; i++) {
            assertThat(verdict(sent.get(i)).results().get(0).remaining()).isEqualTo(1_000 - 1 - i);
        }
        assertThat(evalshaCalls() - before).isEqualTo(3);
    }

    @Test
    void everyRequestOfACallThatTimesOutFails() throws Exception {
        Meter rate = new Meter.Gcra(10, HOUR, 10);
        server.pause();
        List<Sent> sent;
        try {
            sent = chargeInOneTurn(List.of(List.of(enforced("a", rate)), List.of(enforced("b", rate))));
            for (Sent s : sent) {
                assertThatThrownBy(() -> s.verdict().get(5, TimeUnit.SECONDS))
                        .isInstanceOf(ExecutionException.class)
                        .hasMessageContaining("did not meter the charges");
                assertThat(s.answeredOn().get()).isSameAs(threadOf(loop));
            }
        } finally {
            server.resume();
        }
        // Redis ran the call when it woke up, after the gateway had given up on it: a timeout errs towards
        // refusing (the requests were refused and still counted), never towards letting more through.
        List<Sent> again = chargeInOneTurn(List.of(List.of(enforced("a", rate))));
        assertThat(verdict(again.get(0)).results().get(0).remaining()).isEqualTo(8);
    }

    private static Thread threadOf(EventLoop loop) throws Exception {
        return loop.submit(Thread::currentThread).get(5, TimeUnit.SECONDS);
    }
}
