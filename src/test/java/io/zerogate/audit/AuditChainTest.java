package io.zerogate.audit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.HexFormat;
import org.junit.jupiter.api.Test;

class AuditChainTest {

    @Test
    void linesCarryTheirNumberAndThePreviousLinesHashAcrossEveryDigitCount() throws Exception {
        AuditChain chain = new AuditChain(0, AuditChain.GENESIS);
        String prev = AuditChain.GENESIS;
        for (long seq = 1; seq <= 1001; seq++) {
            byte[] line = chain.link("record", ("\"n\":" + seq).getBytes(StandardCharsets.US_ASCII));
            String text = new String(line, StandardCharsets.US_ASCII);
            assertThat(text).isEqualTo("{\"seq\":" + seq + ",\"prev\":\"" + prev + "\",\"type\":\"record\",\"n\":" + seq + "}");
            prev = HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(line));
            assertThat(chain.head()).isEqualTo(prev);
            assertThat(chain.seq()).isEqualTo(seq);
        }
    }

    @Test
    void continuesFromAnyNumberAndHash() {
        String hash = "ab".repeat(32);
        AuditChain chain = new AuditChain(999_999_999_999L, hash);
        String text = new String(chain.link("checkpoint", "\"k\":1".getBytes(StandardCharsets.US_ASCII)),
                StandardCharsets.US_ASCII);
        assertThat(text).startsWith("{\"seq\":1000000000000,\"prev\":\"" + hash + "\",\"type\":\"checkpoint\",");
        assertThat(new AuditChain(Long.MAX_VALUE - 1, hash).link("resume", "\"k\":1".getBytes(StandardCharsets.US_ASCII)))
                .asString(StandardCharsets.US_ASCII).startsWith("{\"seq\":" + Long.MAX_VALUE + ",");
    }

    @Test
    void refusesWhatWouldBreakTheLine() {
        AuditChain chain = new AuditChain(0, AuditChain.GENESIS);
        assertThatThrownBy(() -> chain.link("record", new byte[0])).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> chain.link("re\"cord", new byte[] {'1'})).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new AuditChain(0, "AB".repeat(32))).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new AuditChain(-1, AuditChain.GENESIS)).isInstanceOf(IllegalArgumentException.class);
        assertThat(chain.seq()).isZero();
    }
}
