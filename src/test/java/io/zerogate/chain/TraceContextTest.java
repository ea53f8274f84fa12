package io.zerogate.chain;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.Test;

/** W3C Trace Context: a valid {@code traceparent} is continued with a new span; anything else starts a new trace. */
class TraceContextTest {

    @Test
    void aValidTraceparentIsContinuedWithTheGatewaysOwnSpan() {
        TraceContext t = TraceContext.from("00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01");
        assertThat(t.continued()).isTrue();
        assertThat(t.traceId()).isEqualTo("4bf92f3577b34da6a3ce929d0e0e4736");
        assertThat(t.spanId()).matches("[0-9a-f]{16}").isNotEqualTo("00f067aa0ba902b7");
        assertThat(t.traceparent()).isEqualTo("00-4bf92f3577b34da6a3ce929d0e0e4736-" + t.spanId() + "-01");
    }

    @Test
    void aLaterVersionIsReadByItsFirstFieldsAndSentAsVersionZero() {
        TraceContext t = TraceContext.from("01-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-00-extra");
        assertThat(t.continued()).isTrue();
        assertThat(t.traceparent()).startsWith("00-4bf92f3577b34da6a3ce929d0e0e4736-").endsWith("-00");
    }

    @ParameterizedTest
    @ValueSource(strings = {
            "",
            "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7",
            "00-4BF92F3577B34DA6A3CE929D0E0E4736-00f067aa0ba902b7-01",
            "00-00000000000000000000000000000000-00f067aa0ba902b7-01",
            "00-4bf92f3577b34da6a3ce929d0e0e4736-0000000000000000-01",
            "ff-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01",
            "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01-extra",
            "00_4bf92f3577b34da6a3ce929d0e0e4736_00f067aa0ba902b7_01",
            "0g-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01",
    })
    void anythingElseStartsANewTrace(String header) {
        TraceContext t = TraceContext.from(header);
        assertThat(t.continued()).isFalse();
        assertThat(t.traceId()).matches("[0-9a-f]{32}").isNotEqualTo("4bf92f3577b34da6a3ce929d0e0e4736");
        assertThat(t.traceparent()).matches("00-[0-9a-f]{32}-[0-9a-f]{16}-00");
    }

    @Test
    void noHeaderStartsANewTrace() {
        assertThat(TraceContext.from(null).continued()).isFalse();
        assertThat(TraceContext.from(null).traceId()).isNotEqualTo(TraceContext.from(null).traceId());
    }
}
