package io.zerogate.audit.sink;

import io.zerogate.audit.AuditSink;
import java.io.IOException;
import java.io.OutputStream;
import java.util.List;
import org.jspecify.annotations.Nullable;

/** Writes audit lines to standard output (for containers whose log collector reads it). */
public final class StdoutAuditSink implements AuditSink {

    private final OutputStream out;
    private volatile @Nullable String problem;

    public StdoutAuditSink(OutputStream out) {
        this.out = out;
    }

    @Override
    public String name() {
        return "stdout";
    }

    @Override
    public void write(List<byte[]> lines) throws IOException {
        int total = 0;
        for (byte[] line : lines) {
            total += line.length + 1;
        }
        byte[] all = new byte[total];
        int at = 0;
        for (byte[] line : lines) {
            System.arraycopy(line, 0, all, at, line.length);
            at += line.length;
            all[at++] = '\n';
        }
        try {
            // One write per batch, so that lines from a batch are never interleaved with other output.
            out.write(all);
            out.flush();
            problem = null;
        } catch (IOException e) {
            problem = "cannot write to standard output: " + e.getMessage();
            throw e;
        }
    }

    @Override
    public void sync() throws IOException {
        out.flush();
    }

    @Override
    public @Nullable String problem() {
        return problem;
    }

    @Override
    public void close() throws IOException {
        out.flush();
    }
}
