package io.zerogate.http;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class FieldSyntaxTest {

    private static int common(String line, int nameLength) {
        return FieldSyntax.commonName(line.getBytes(StandardCharsets.ISO_8859_1), nameLength);
    }

    @Test
    void commonNamesAreFoundExactlyAsWritten() {
        for (int i = 0; i < FieldSyntax.COMMON_NAMES.size(); i++) {
            String name = FieldSyntax.COMMON_NAMES.get(i);
            assertThat(common(name + ": x", name.length())).as(name).isEqualTo(i);
        }
        assertThat(FieldSyntax.COMMON_NAMES).contains("Content-Type", "content-type", "Host", "host", "Traceparent",
                "traceparent");
        assertThat(FieldSyntax.COMMON_NAMES).doesNotHaveDuplicates();
    }

    @Test
    void anyOtherSpellingOrNameIsNotCommon() {
        assertThat(common("CONTENT-TYPE: x", 12)).isEqualTo(-1);
        assertThat(common("Content-type: x", 12)).isEqualTo(-1);
        assertThat(common("Content-Typo: x", 12)).isEqualTo(-1);
        assertThat(common("Content-Types: x", 13)).isEqualTo(-1);
        assertThat(common("Content-Type: x", 11)).as("a prefix").isEqualTo(-1);
        assertThat(common("X-Custom: x", 8)).isEqualTo(-1);
        assertThat(common("", 0)).isEqualTo(-1);
        String longest = "X".repeat(300);
        assertThat(common(longest, 300)).isEqualTo(-1);
    }
}
