package io.zerogate.audit;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Audit lines are valid JSON whatever a client put into the recorded values, and hold what the record holds. */
class RecordEncoderTest {

    private static final ObjectMapper JSON = new ObjectMapper();

    @Test
    void hostileTextIsEscapedAndReadsBackExactly() throws Exception {
        String nasty = "q\"b\\s/\n\r\t\b\f\u0000\u001f\u007f é ✓ 😀 end";
        AuditRecord r = new AuditRecord(Instant.parse("2026-11-24T10:00:01.123456789Z"), "id-1", "4bf92f3577b34da6a3ce929d0e0e4736",
                "public", "route", "GET", nasty, "/items/{id}", "/items/" + nasty, "127.0.0.1", "10.0.0.1",
                new AuditRecord.SubjectFacts("alice\"", "user", "corp", "app", "token", "dpop"),
                new AuditRecord.DeviceFacts("dev-1", "compliant"), AuditRecord.Outcome.DENIED, "rate_limited", "per-caller",
                "detail " + nasty, List.of("limits:a", "limits:" + nasty), new AuditRecord.LimitState("per-caller", 0, true),
                "127.0.0.1:9000", 429, 12, 0, 150, 20, 0, Map.of("user-agent", nasty, "x-tenant", "acme"),
                "00f067aa0ba902b7", "1111111111111111", true);
        JsonNode n = JSON.readTree(line(new RecordEncoder().record(r)));
        assertThat(n.get("time").asText()).isEqualTo("2026-11-24T10:00:01.123456Z");
        assertThat(n.get("host").asText()).isEqualTo(nasty);
        assertThat(n.get("path").asText()).isEqualTo("/items/" + nasty);
        assertThat(n.get("detail").asText()).isEqualTo("detail " + nasty);
        assertThat(n.get("shadow").get(1).asText()).isEqualTo("limits:" + nasty);
        assertThat(n.get("headers").get("user-agent").asText()).isEqualTo(nasty);
        assertThat(n.get("subject").get("id").asText()).isEqualTo("alice\"");
        assertThat(n.get("subject").get("binding").asText()).isEqualTo("dpop");
        assertThat(n.get("device").get("verdict").asText()).isEqualTo("compliant");
        assertThat(n.get("limit").get("local").asBoolean()).isTrue();
        assertThat(n.get("status").asInt()).isEqualTo(429);
        assertThat(n.get("span_id").asText()).isEqualTo("00f067aa0ba902b7");
        assertThat(n.get("parent_span_id").asText()).isEqualTo("1111111111111111");
        assertThat(n.get("forwarded_for").asText()).isEqualTo("10.0.0.1");
        assertThat(new String(new RecordEncoder().record(r), StandardCharsets.UTF_8)).doesNotContain("\n");
    }

    @Test
    void aLoneSurrogateBecomesTheReplacementCharacter() throws Exception {
        AuditRecord r = AuditLogTest.record("lone\uD800x");
        JsonNode n = JSON.readTree(line(new RecordEncoder().record(r)));
        assertThat(n.get("request_id").asText()).isEqualTo("lone\uFFFDx");
    }

    @Test
    void checkpointsAndResumesCarryTheirMembers() throws Exception {
        RecordEncoder e = new RecordEncoder();
        JsonNode c = JSON.readTree(line(e.checkpoint(Instant.parse("2026-11-24T10:00:00Z"), "kid", "sig")));
        assertThat(c.get("time").asText()).isEqualTo("2026-11-24T10:00:00.000000Z");
        assertThat(c.get("key").asText()).isEqualTo("kid");
        JsonNode first = JSON.readTree(line(e.resume(Instant.parse("2026-11-24T10:00:00Z"), null, 0)));
        assertThat(first.get("previous_file").isNull()).isTrue();
        JsonNode later = JSON.readTree(line(e.resume(Instant.parse("2026-11-24T10:00:00Z"), "audit-1.jsonl", 20)));
        assertThat(later.get("discarded_bytes").asLong()).isEqualTo(20);
    }

    private static String line(byte[] members) {
        return "{" + new String(members, StandardCharsets.UTF_8) + "}";
    }
}
