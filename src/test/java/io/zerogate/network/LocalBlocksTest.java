package io.zerogate.network;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.zerogate.testing.MutableClock;
import java.net.InetAddress;
import java.time.Duration;
import java.time.Instant;
import org.junit.jupiter.api.Test;

/** The in-memory block list: placing, finding, expiring, removing, and its bound. */
class LocalBlocksTest {

    private final MutableClock clock = new MutableClock(Instant.parse("2026-03-01T10:00:00Z"));

    private static InetAddress ip(String text) throws Exception {
        return InetAddress.getByName(text);
    }

    @Test
    void findsTheMostSpecificActiveBlock() throws Exception {
        LocalBlocks blocks = new LocalBlocks(clock);
        assertThat(blocks.blocking(ip("198.51.100.7"))).isNull();
        blocks.place("198.51.100.0/24", Duration.ofHours(1), "network");
        blocks.place("198.51.100.7", Duration.ofMinutes(5), "host");
        assertThat(blocks.blocking(ip("198.51.100.7")).target()).isEqualTo("198.51.100.7");
        assertThat(blocks.blocking(ip("198.51.100.8")).target()).isEqualTo("198.51.100.0/24");
        assertThat(blocks.blocking(ip("198.51.101.7"))).isNull();
        clock.advance(Duration.ofMinutes(5));
        // The host block has expired; the wider one still holds.
        assertThat(blocks.blocking(ip("198.51.100.7")).target()).isEqualTo("198.51.100.0/24");
        assertThat(blocks.active()).isEqualTo(1);
    }

    @Test
    void ipv6AndMappedAddressesAreBlockedInTheirOwnForm() throws Exception {
        LocalBlocks blocks = new LocalBlocks(clock);
        ClientBlock v6 = blocks.place("2001:DB8:0:0:1::/80", Duration.ofMinutes(1), "v6");
        assertThat(v6.target()).isEqualTo("2001:db8:0:0:1::/80");
        assertThat(blocks.blocking(ip("2001:db8::1:0:0:9")).target()).isEqualTo("2001:db8:0:0:1::/80");
        assertThat(blocks.blocking(ip("2001:db8::2:0:0:9"))).isNull();
        ClientBlock mapped = blocks.place("::ffff:192.0.2.0/120", Duration.ofMinutes(1), "mapped");
        assertThat(mapped.target()).isEqualTo("192.0.2.0/24");
        assertThat(blocks.blocking(ip("192.0.2.44")).target()).isEqualTo("192.0.2.0/24");
        assertThat(blocks.place("::", Duration.ofMinutes(1), "zero").target()).isEqualTo("::");
        assertThat(blocks.place("0.0.0.0/0", Duration.ofMinutes(1), "all").target()).isEqualTo("0.0.0.0/0");
        assertThat(blocks.blocking(ip("8.8.8.8")).target()).isEqualTo("0.0.0.0/0");
    }

    @Test
    void placingTheSameTargetAgainReplacesTheBlock() throws Exception {
        LocalBlocks blocks = new LocalBlocks(clock);
        blocks.place("198.51.100.7", Duration.ofMinutes(1), "first");
        ClientBlock second = blocks.place("198.51.100.7/32", Duration.ofHours(2), "second");
        assertThat(blocks.list()).containsExactly(second);
        assertThat(second).isEqualTo(new ClientBlock("198.51.100.7", "second", clock.instant(), clock.instant().plus(Duration.ofHours(2))));
    }

    @Test
    void removeTakesOffExactlyTheTargetGiven() throws Exception {
        LocalBlocks blocks = new LocalBlocks(clock);
        blocks.place("198.51.100.0/24", Duration.ofHours(1), "network");
        assertThat(blocks.remove("198.51.100.7")).isNull();
        assertThat(blocks.remove("198.51.100.0/24").reason()).isEqualTo("network");
        assertThat(blocks.blocking(ip("198.51.100.7"))).isNull();
        assertThat(blocks.list()).isEmpty();
        blocks.place("198.51.100.9", Duration.ofMinutes(1), "host");
        clock.advance(Duration.ofMinutes(1));
        assertThat(blocks.remove("198.51.100.9")).as("an expired block is not active").isNull();
    }

    @Test
    void listsActiveBlocksSoonestToExpireFirst() {
        LocalBlocks blocks = new LocalBlocks(clock);
        ClientBlock later = blocks.place("192.0.2.1", Duration.ofHours(2), "later");
        ClientBlock sooner = blocks.place("192.0.2.2", Duration.ofHours(1), "sooner");
        blocks.place("192.0.2.3", Duration.ofMinutes(1), "gone");
        clock.advance(Duration.ofMinutes(1));
        assertThat(blocks.list()).containsExactly(sooner, later);
        assertThat(blocks.active()).isEqualTo(2);
    }

    @Test
    void refusesNewBlocksWhenFullUntilSomeExpire() {
        LocalBlocks blocks = new LocalBlocks(clock, 3);
        blocks.place("192.0.2.1", Duration.ofMinutes(1), "a");
        blocks.place("192.0.2.2", Duration.ofMinutes(10), "b");
        blocks.place("192.0.2.3", Duration.ofMinutes(10), "c");
        assertThatThrownBy(() -> blocks.place("192.0.2.4", Duration.ofMinutes(10), "d"))
                .isInstanceOf(IllegalStateException.class)
                .hasMessage("the block list is full (3 active blocks); remove some or wait for them to expire");
        // Replacing a block already placed needs no room.
        blocks.place("192.0.2.3", Duration.ofMinutes(20), "c again");
        clock.advance(Duration.ofMinutes(1));
        assertThat(blocks.place("192.0.2.4", Duration.ofMinutes(10), "d").target()).isEqualTo("192.0.2.4");
        assertThat(blocks.active()).isEqualTo(3);
    }

    @Test
    void refusesBadTargetsTimesAndReasonsSayingWhy() {
        LocalBlocks blocks = new LocalBlocks(clock);
        assertThatThrownBy(() -> blocks.place("198.51.100.7/24", Duration.ofMinutes(1), "r"))
                .hasMessage("'198.51.100.7/24' has bits set beyond its prefix length (expected: 198.51.100.0/24)");
        assertThatThrownBy(() -> blocks.place("2001:db8::1/64", Duration.ofMinutes(1), "r"))
                .hasMessage("'2001:db8::1/64' has bits set beyond its prefix length (expected: 2001:db8::/64)");
        assertThatThrownBy(() -> blocks.place("example.com", Duration.ofMinutes(1), "r"))
                .hasMessage("'example.com' is not an IPv4 or IPv6 address or CIDR block");
        assertThatThrownBy(() -> blocks.place("10.0.0.0/33", Duration.ofMinutes(1), "r"))
                .hasMessage("'10.0.0.0/33' has prefix length 33 (expected: 0..32)");
        assertThatThrownBy(() -> blocks.place("10.0.0.1", Duration.ZERO, "r"))
                .hasMessageContaining("ttl PT0S is out of range");
        assertThatThrownBy(() -> blocks.place("10.0.0.1", Duration.ofDays(31), "r"))
                .hasMessageContaining("at most 30 days");
        assertThatThrownBy(() -> blocks.place("10.0.0.1", Duration.ofMinutes(1), " "))
                .hasMessageStartingWith("reason is empty");
        assertThatThrownBy(() -> blocks.place("10.0.0.1", Duration.ofMinutes(1), "x".repeat(201)))
                .hasMessage("reason is 201 characters long (expected: at most 200)");
        assertThatThrownBy(() -> blocks.place("10.0.0.1", Duration.ofMinutes(1), "two\nlines"))
                .hasMessageStartingWith("reason contains control characters");
        assertThat(blocks.list()).isEmpty();
    }

    @Test
    void addressTextIsCompressedAsRfc5952Says() throws Exception {
        assertThat(AddressText.of(ip("2001:db8:0:0:1:0:0:1").getAddress())).isEqualTo("2001:db8::1:0:0:1");
        assertThat(AddressText.of(ip("2001:0:0:1:0:0:0:1").getAddress())).isEqualTo("2001:0:0:1::1");
        assertThat(AddressText.of(ip("2001:db8:1:2:3:4:0:6").getAddress())).isEqualTo("2001:db8:1:2:3:4:0:6");
        assertThat(AddressText.of(ip("::1").getAddress())).isEqualTo("::1");
        assertThat(AddressText.of(ip("fe80::").getAddress())).isEqualTo("fe80::");
        assertThat(AddressText.of(ip("198.51.100.7").getAddress())).isEqualTo("198.51.100.7");
    }
}
