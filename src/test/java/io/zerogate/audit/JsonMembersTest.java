package io.zerogate.audit;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class JsonMembersTest {

    private static final byte[] N = JsonMembers.key("n");

    @Test
    void numbersAreWrittenAsJavaWritesThem() {
        long[] values = {0, 1, 9, 10, 99, 100, 12345, 999_999_999_999_999_999L, Long.MAX_VALUE, -1, -10, -987654321,
                Long.MIN_VALUE + 1, Long.MIN_VALUE};
        JsonMembers json = new JsonMembers();
        for (long v : values) {
            String text = new String(json.reset().number(N, v).toBytes(), StandardCharsets.US_ASCII);
            assertThat(text).isEqualTo("\"n\":" + v);
        }
        for (long v = 1; v > 0 && v < Long.MAX_VALUE / 10; v *= 10) {
            assertThat(new String(json.reset().number(N, v - 1).number(N, v).toBytes(), StandardCharsets.US_ASCII))
                    .isEqualTo("\"n\":" + (v - 1) + ",\"n\":" + v);
        }
    }

    @Test
    void escapesNeverOutgrowWhatWasReservedForTheRestOfAString() throws Exception {
        ObjectMapper json = new ObjectMapper();
        String[] values = {"\u0001".repeat(3) + "\u20ac".repeat(676), "\u0002\"\\".repeat(200) + "\u0800".repeat(300),
                "a".repeat(1010) + "\u0003" + "\uffff".repeat(40), "\u0000".repeat(400)};
        for (String value : values) {
            for (int fill = 0; fill < 1100; fill += 37) {
                JsonMembers members = new JsonMembers();
                members.string(N, "x".repeat(fill)).string(N, value);
                String object = "{" + new String(members.toBytes(), StandardCharsets.UTF_8) + "}";
                assertThat(json.readTree(object).get("n").asText()).isEqualTo(value);
            }
        }
    }

    @Test
    void aRememberedValueIsWrittenAsItsStringWouldBeAndOnlyTheSameObjectIsCopied() {
        JsonMembers json = new JsonMembers();
        JsonMembers.Remembered last = new JsonMembers.Remembered();
        String route = "orders \"v2\" \u00e9\u0001";
        String plain = new String(json.reset().string(N, route).toBytes(), StandardCharsets.UTF_8);
        for (int i = 0; i < 3; i++) {
            assertThat(new String(json.reset().string(N, route, last).toBytes(), StandardCharsets.UTF_8)).isEqualTo(plain);
        }
        // An equal string that is another object, and then a different value, are escaped afresh.
        String copy = new String(route.toCharArray());
        assertThat(new String(json.reset().string(N, copy, last).toBytes(), StandardCharsets.UTF_8)).isEqualTo(plain);
        assertThat(new String(json.reset().string(N, "other", last).string(N, route, last).toBytes(),
                StandardCharsets.UTF_8)).isEqualTo("\"n\":\"other\"," + plain);
        assertThat(new String(json.reset().optional(N, null, last).number(N, 1).toBytes(), StandardCharsets.UTF_8))
                .isEqualTo("\"n\":1");
    }
}
