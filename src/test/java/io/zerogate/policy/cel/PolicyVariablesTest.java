package io.zerogate.policy.cel;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.zerogate.chain.ClientAddress;
import io.zerogate.chain.Exchange;
import io.zerogate.identity.Authentication;
import io.zerogate.identity.Subject;
import io.zerogate.identity.TokenBinding;
import io.zerogate.network.NetworkContext;
import io.zerogate.posture.Device;
import io.zerogate.testing.Exchanges;
import io.zerogate.testing.MutableClock;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.Test;

/** The device, network, service and route variables, the subject's binding, and the time-of-day functions. */
class PolicyVariablesTest {

    private static final Instant CHECKED = Instant.parse("2026-06-01T09:55:00Z");

    private final MutableClock clock = new MutableClock(Instant.parse("2026-06-01T10:00:00Z"));

    // --- device ---

    @Test
    void readsTheDevice() throws Exception {
        Exchange exchange = exchange();
        exchange.put(Device.KEY, new Device("dev-7", "alice", true, true, true, "macOS", "15.1", "2026-05-01", true,
                CHECKED, Device.Source.ATTESTATION));
        assertThat(condition("device.present && device.managed && device.compliant && device.disk_encrypted"
                + " && device.edr_running").test(exchange)).isTrue();
        assertThat(key("device.id + \" \" + device.os + \" \" + device.os_version + \" \" + device.patch_level")
                .text(exchange)).isEqualTo("dev-7 macOS 15.1 2026-05-01");
        assertThat(condition("now - device.checked_at == duration(\"5m\")").test(exchange)).isTrue();
        assertThat(condition("device.patch_level >= \"2026-04-01\"").test(exchange)).isTrue();
    }

    @Test
    void anAbsentDeviceIsADeviceThatVouchesForNothing() throws Exception {
        Exchange exchange = exchange();
        assertThat(condition("!device.present && !device.managed && !device.compliant && !device.disk_encrypted"
                + " && !device.edr_running && device.id == \"\" && device.os == \"\" && device.os_version == \"\""
                + " && device.patch_level == \"\" && device.checked_at == timestamp(\"1970-01-01T00:00:00Z\")").test(exchange)).isTrue();
        assertThat(condition("device.compliant || request.method == \"GET\"").test(exchange)).isTrue();
    }

    @Test
    void misspeltDeviceAndNetworkFieldsAreRefusedAtCompileTime() {
        assertThatThrownBy(() -> condition("device.complaint"))
                .isInstanceOf(ExpressionException.class)
                .hasMessage("column 7: undefined field 'complaint'");
        assertThatThrownBy(() -> condition("\"office\" in network.network"))
                .hasMessage("column 20: undefined field 'network'");
        assertThatThrownBy(() -> condition("service.id == \"orders\""))
                .hasMessage("column 8: undefined field 'id'");
    }

    @Test
    void deviceAndNetworkTypesAreChecked() {
        assertThatThrownBy(() -> condition("device.managed == \"true\""))
                .hasMessageContaining("found no matching overload for '_==_' applied to '(bool, string)'");
        assertThatThrownBy(() -> condition("network.networks == \"office\""))
                .hasMessageContaining("applied to '(list(string), string)'");
        assertThatThrownBy(() -> condition("now - device.checked_at < 300"))
                .hasMessageContaining("found no matching overload for '_<_' applied to '(google.protobuf.Duration, int)'");
    }

    // --- network, route, service ---

    @Test
    void networkIsTheNetworkStagesViewWhenItRan() throws Exception {
        Exchange exchange = exchange();
        exchange.put(NetworkContext.KEY, new NetworkContext(InetAddress.getByName("203.0.113.9"),
                InetAddress.getByName("10.0.0.2"), List.of("office", "corp")));
        assertThat(key("network.ip + \" via \" + network.peer_ip").text(exchange)).isEqualTo("203.0.113.9 via 10.0.0.2");
        assertThat(condition("\"office\" in network.networks && network.networks.size() == 2").test(exchange)).isTrue();
        assertThat(condition("cidr(network.ip, \"203.0.113.0/24\")").test(exchange)).isTrue();
    }

    @Test
    void withoutTheNetworkStageNetworkIsTheConnectionsAddresses() throws Exception {
        Exchange exchange = exchange();
        assertThat(key("network.ip + \" via \" + network.peer_ip").text(exchange)).isEqualTo("2001:db8::7 via 10.1.2.3");
        assertThat(condition("network.networks.size() == 0 && !(\"office\" in network.networks)").test(exchange))
                .isTrue();
        assertThat(key("client.ip").text(exchange)).isEqualTo("2001:db8::7");
    }

    @Test
    void routeAndServiceAreNamed() throws Exception {
        Exchange exchange = exchange();
        assertThat(key("route.id + \" -> \" + route.service + \" / \" + service.name").text(exchange))
                .isEqualTo("read-order -> orders-svc / orders-svc");
    }

    // --- subject binding ---

    @Test
    void subjectBindingSaysWhatTheCredentialIsBoundTo() throws Exception {
        assertThat(key("subject.binding").text(exchange())).isEqualTo("none");
        assertThat(key("subject.binding").text(exchange(TokenBinding.NONE))).isEqualTo("none");
        assertThat(key("subject.binding").text(exchange(TokenBinding.certificate("x5t")))).isEqualTo("mtls");
        assertThat(key("subject.binding").text(exchange(TokenBinding.dpop("jkt")))).isEqualTo("dpop");
        assertThatThrownBy(() -> condition("subject.binding == true")).isInstanceOf(ExpressionException.class);
    }

    // --- one exchange, several expressions ---

    @Test
    void aFactAttachedAfterAnEarlierEvaluationIsSeen() throws Exception {
        Exchange exchange = exchange();
        Expression signedIn = condition("subject.authenticated && subject.id == \"bob\"");
        Expression compliant = condition("device.compliant");
        Expression office = condition("\"office\" in network.networks");
        assertThat(signedIn.test(exchange)).isFalse();
        assertThat(compliant.test(exchange)).isFalse();
        assertThat(office.test(exchange)).isFalse();

        exchange.put(Subject.KEY, new Subject("bob", Subject.Kind.USER, "corp", Set.of(), Set.of(), Map.of(),
                Authentication.NONE, TokenBinding.NONE));
        exchange.put(Device.KEY, new Device("dev-1", null, true, true, false, "", "", "", false, CHECKED,
                Device.Source.LOOKUP));
        exchange.put(NetworkContext.KEY, new NetworkContext(InetAddress.getByName("203.0.113.9"),
                InetAddress.getByName("10.0.0.2"), List.of("office")));
        assertThat(signedIn.test(exchange)).isTrue();
        assertThat(compliant.test(exchange)).isTrue();
        assertThat(office.test(exchange)).isTrue();
        assertThat(key("network.ip").text(exchange)).isEqualTo("203.0.113.9");
    }

    // --- time of day ---

    @Test
    void timeOfDayIsLocalAndFollowsDaylightSavingTime() throws Exception {
        Exchange exchange = exchange();
        // 10:00 UTC on 1 June is 12:00 in Paris (summer time), 06:00 in New York.
        assertThat(key("time_of_day(now, \"Europe/Paris\")").text(exchange)).isEqualTo("12:00");
        assertThat(key("time_of_day(now, \"America/New_York\")").text(exchange)).isEqualTo("06:00");
        assertThat(key("time_of_day(now, \"+05:30\")").text(exchange)).isEqualTo("15:30");
        clock.set(Instant.parse("2026-01-15T10:00:00Z"));
        assertThat(key("time_of_day(now, \"Europe/Paris\")").text(exchange)).isEqualTo("11:00");
        clock.set(Instant.parse("2026-01-15T23:05:00Z"));
        assertThat(key("time_of_day(now, \"Europe/Paris\")").text(exchange)).isEqualTo("00:05");
        assertThat(condition("time_of_day(now, \"UTC\") >= \"23:00\"").test(exchange)).isTrue();
    }

    @Test
    void timeBetweenHoldsFromTheStartUntilBeforeTheEnd() throws Exception {
        Exchange exchange = exchange();
        Expression office = condition("time_between(now, \"08:00\", \"18:00\", \"Europe/Paris\")");
        clock.set(Instant.parse("2026-06-01T05:59:00Z"));
        assertThat(office.test(exchange)).isFalse();
        clock.set(Instant.parse("2026-06-01T06:00:00Z"));
        assertThat(office.test(exchange)).isTrue();
        clock.set(Instant.parse("2026-06-01T15:59:00Z"));
        assertThat(office.test(exchange)).isTrue();
        clock.set(Instant.parse("2026-06-01T16:00:00Z"));
        assertThat(office.test(exchange)).isFalse();
    }

    @Test
    void timeBetweenWrapsOverMidnight() throws Exception {
        Exchange exchange = exchange();
        Expression night = condition("time_between(now, \"22:00\", \"06:00\", \"UTC\")");
        for (String at : List.of("22:00", "23:59", "00:00", "05:59")) {
            clock.set(Instant.parse("2026-06-01T" + at + ":00Z"));
            assertThat(night.test(exchange)).as(at).isTrue();
        }
        for (String at : List.of("06:00", "12:00", "21:59")) {
            clock.set(Instant.parse("2026-06-01T" + at + ":00Z"));
            assertThat(night.test(exchange)).as(at).isFalse();
        }
    }

    @Test
    void literalTimesAndZonesAreCheckedAtCompileTime() {
        assertThatThrownBy(() -> condition("time_between(now, \"8:00\", \"18:00\", \"Europe/Paris\")"))
                .isInstanceOf(ExpressionException.class)
                .hasMessage("time_between: '8:00' is not a time of day (expected: HH:MM, as in 08:30)")
                .extracting(e -> ((ExpressionException) e).column()).isEqualTo(19);
        assertThatThrownBy(() -> condition("time_between(now, \"08:00\", \"24:00\", \"UTC\")"))
                .hasMessage("time_between: '24:00' is not a time of day (expected: 00:00 to 23:59)");
        assertThatThrownBy(() -> condition("time_between(now, \"08:00\", \"08:00\", \"UTC\")"))
                .hasMessage("time_between: the window from 08:00 to 08:00 is empty (expected: two different times)");
        assertThatThrownBy(() -> condition("time_between(now, \"08:00\", \"18:00\", \"Europe/Pariss\")"))
                .hasMessage("time_between: 'Europe/Pariss' is not a time zone (expected: an IANA name such as "
                        + "Europe/Paris, or an offset such as +02:00)")
                .extracting(e -> ((ExpressionException) e).column()).isEqualTo(37);
        assertThatThrownBy(() -> condition("time_of_day(now, \"Mars/Olympus\") > \"08:00\""))
                .hasMessageStartingWith("time_of_day: 'Mars/Olympus' is not a time zone");
        assertThatThrownBy(() -> condition("time_between(now, 8, 18, \"UTC\")"))
                .hasMessageContaining("found no matching overload for 'time_between'");
    }

    @Test
    void timesFromTheRequestAreCheckedWhenEvaluated() throws Exception {
        Expression fromHeader = condition("time_between(now, request.headers[\"x-from\"], \"18:00\", \"UTC\")");
        Exchange exchange = exchange();
        assertThatThrownBy(() -> fromHeader.test(exchange))
                .isInstanceOf(ExpressionException.class)
                .hasMessageContaining("x-from");
    }

    // --- fixtures ---

    private Expression condition(String source) throws ExpressionException {
        return Expression.condition(source, clock);
    }

    private Expression key(String source) throws ExpressionException {
        return Expression.key(source, clock);
    }

    private static Exchange exchange() throws Exception {
        return exchange(null);
    }

    private static Exchange exchange(@Nullable TokenBinding binding) throws Exception {
        Exchange base = Exchanges.exchange("read-order", false, false, Exchanges.service("orders-svc"));
        ClientAddress client = new ClientAddress(new InetSocketAddress(InetAddress.getByName("10.1.2.3"), 44321),
                InetAddress.getByName("2001:db8::7"));
        Exchange exchange = new Exchange("r1", "public", base.request(), client, base.route(), Map.of(), 0);
        if (binding != null) {
            exchange.put(Subject.KEY, new Subject("alice", Subject.Kind.USER, "corp", Set.of(), Set.of(), Map.of(),
                    Authentication.NONE, binding));
        }
        return exchange;
    }
}
