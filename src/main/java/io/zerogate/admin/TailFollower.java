package io.zerogate.admin;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.handler.codec.http.DefaultHttpContent;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One admin client following the audit tail as server-sent events. The audit writer offers lines from its thread;
 * the connection's event loop writes them while the connection can take more, and again when it drains. Lines
 * that the connection cannot take wait in a bounded buffer; when it is full the follower is dropped.
 */
final class TailFollower {

    private static final Logger log = LoggerFactory.getLogger(TailFollower.class);
    private static final byte[] DATA = "data: ".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] END = "\n\n".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] NEWLINE = "\n".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] HEARTBEAT = ": heartbeat\n\n".getBytes(StandardCharsets.US_ASCII);

    private final Channel channel;
    private final ArrayBlockingQueue<byte[]> waiting;
    private final AtomicBoolean drainScheduled = new AtomicBoolean();

    TailFollower(Channel channel, int bufferLines) {
        this.channel = channel;
        this.waiting = new ArrayBlockingQueue<>(bufferLines);
    }

    /** Called by the audit writer: never waits. False when the buffer is full. */
    boolean offer(byte[] line) {
        if (!waiting.offer(line)) {
            return false;
        }
        if (drainScheduled.compareAndSet(false, true)) {
            try {
                channel.eventLoop().execute(this::drain);
            } catch (RejectedExecutionException stopping) {
                // The admin listener is shutting down; the writer is told to drop this follower.
                return false;
            }
        }
        return true;
    }

    /** Closes the stream of a follower that fell {@code bufferLines} lines behind. */
    void drop(int bufferLines) {
        waiting.clear();
        try {
            channel.eventLoop().execute(() -> {
                if (channel.isOpen()) {
                    log.info("admin audit tail: dropped the follower at {}: it fell {} lines behind", channel.remoteAddress(),
                            bufferLines);
                    channel.close();
                }
            });
        } catch (RejectedExecutionException stopping) {
            // The admin listener is shutting down and closes the connection itself.
        }
    }

    /** Writes waiting lines while the connection takes them; on the event loop. */
    void drain() {
        drainScheduled.set(false);
        boolean wrote = false;
        while (channel.isWritable()) {
            byte[] line = waiting.poll();
            if (line == null) {
                break;
            }
            channel.write(new DefaultHttpContent(event(line)));
            wrote = true;
        }
        if (wrote) {
            channel.flush();
        }
    }

    /** A comment that keeps an idle stream open; skipped while lines are waiting or the connection is full. */
    void heartbeat() {
        if (waiting.isEmpty() && channel.isWritable()) {
            channel.writeAndFlush(new DefaultHttpContent(Unpooled.wrappedBuffer(HEARTBEAT)));
        }
    }

    /**
     * One {@code data:} event. Audit lines are single-line JSON; should one ever hold a line break, each part
     * becomes a {@code data:} field of the same event, which clients join again with a newline.
     */
    static ByteBuf event(byte[] line) {
        int breakAt = indexOfBreak(line, 0);
        if (breakAt < 0) {
            return Unpooled.wrappedBuffer(DATA, line, END);
        }
        ByteBuf out = Unpooled.buffer(line.length + 16);
        int from = 0;
        while (true) {
            int to = breakAt < 0 ? line.length : breakAt;
            out.writeBytes(DATA).writeBytes(line, from, to - from).writeBytes(NEWLINE);
            if (breakAt < 0) {
                return out.writeBytes(NEWLINE);
            }
            from = breakAt + 1;
            if (line[breakAt] == '\r' && from < line.length && line[from] == '\n') {
                from++;
            }
            breakAt = indexOfBreak(line, from);
        }
    }

    private static int indexOfBreak(byte[] line, int from) {
        for (int i = from; i < line.length; i++) {
            if (line[i] == '\n' || line[i] == '\r') {
                return i;
            }
        }
        return -1;
    }
}
