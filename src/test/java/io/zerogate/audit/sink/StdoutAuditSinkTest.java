package io.zerogate.audit.sink;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The standard-output sink: whole lines, one write per batch, and a refused write reported as a problem. */
class StdoutAuditSinkTest {

    @Test
    void aBatchIsWrittenAsWholeLinesInOneWrite() throws Exception {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        int[] writes = {0};
        StdoutAuditSink sink = new StdoutAuditSink(new OutputStream() {
            @Override
            public void write(int b) {
                out.write(b);
            }

            @Override
            public void write(byte[] b, int off, int len) {
                writes[0]++;
                out.write(b, off, len);
            }
        });
        sink.write(List.of("{\"seq\":1}".getBytes(StandardCharsets.UTF_8), "{\"seq\":2}".getBytes(StandardCharsets.UTF_8)));
        assertThat(out.toString(StandardCharsets.UTF_8)).isEqualTo("{\"seq\":1}\n{\"seq\":2}\n");
        assertThat(writes[0]).isEqualTo(1);
        assertThat(sink.problem()).isNull();
        assertThat(sink.name()).isEqualTo("stdout");
    }

    @Test
    void aClosedOutputIsAProblemUntilAWriteSucceeds() throws Exception {
        boolean[] broken = {true};
        StdoutAuditSink sink = new StdoutAuditSink(new OutputStream() {
            @Override
            public void write(int b) throws IOException {
                if (broken[0]) {
                    throw new IOException("Broken pipe");
                }
            }

            @Override
            public void write(byte[] b, int off, int len) throws IOException {
                write(0);
            }
        });
        assertThat(catchThrowable(() -> sink.write(List.of(new byte[] {'x'})))).isInstanceOf(IOException.class);
        assertThat(sink.problem()).contains("Broken pipe");
        broken[0] = false;
        sink.write(List.of(new byte[] {'x'}));
        assertThat(sink.problem()).isNull();
    }
}
