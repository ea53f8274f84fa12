package io.zerogate.admin;

import io.netty.channel.Channel;
import io.zerogate.audit.AuditListener;
import io.zerogate.audit.AuditRecord;
import java.time.Duration;
import java.util.Arrays;
import java.util.concurrent.CopyOnWriteArrayList;
import org.jspecify.annotations.Nullable;

/**
 * The live tail of the audit trail: each linked record line goes to every admin client following
 * {@code /admin/audit/tail}. Each follower has a small buffer of its own; one that falls a buffer behind is
 * dropped (its stream is closed), so that a slow or stalled client never slows the audit writer, which calls
 * {@link #recorded} and never waits here. At most {@code maxFollowers} follow at once.
 */
public final class AuditTail implements AuditListener {

    private final int maxFollowers;
    private final int bufferLines;
    private final Duration heartbeat;
    private final CopyOnWriteArrayList<TailFollower> followers = new CopyOnWriteArrayList<>();

    /**
     * @param maxFollowers streams open at once, at most
     * @param bufferLines  lines waiting for one follower, at most, before it is dropped
     * @param heartbeat    how often an idle stream gets a comment, so that proxies and clients keep it open
     */
    public AuditTail(int maxFollowers, int bufferLines, Duration heartbeat) {
        if (maxFollowers < 1) {
            throw new IllegalArgumentException("maxFollowers: " + maxFollowers + " (expected: >= 1)");
        }
        if (bufferLines < 1) {
            throw new IllegalArgumentException("bufferLines: " + bufferLines + " (expected: >= 1)");
        }
        if (heartbeat.isNegative() || heartbeat.isZero()) {
            throw new IllegalArgumentException("heartbeat: " + heartbeat + " (expected: > 0)");
        }
        this.maxFollowers = maxFollowers;
        this.bufferLines = bufferLines;
        this.heartbeat = heartbeat;
    }

    /** 16 followers, 1024 lines each, a heartbeat every 15 s. */
    public static AuditTail withDefaults() {
        return new AuditTail(16, 1024, Duration.ofSeconds(15));
    }

    @Override
    public void recorded(AuditRecord record, byte[] line) {
        if (followers.isEmpty()) {
            return;
        }
        // One copy shared by every follower: the writer may reuse its array once this returns.
        byte[] copy = Arrays.copyOf(line, line.length);
        for (TailFollower f : followers) {
            if (!f.offer(copy)) {
                followers.remove(f);
                f.drop(bufferLines);
            }
        }
    }

    /** Starts a follower on {@code channel}, or returns null when {@code maxFollowers} already follow. */
    synchronized @Nullable TailFollower follow(Channel channel) {
        if (followers.size() >= maxFollowers) {
            return null;
        }
        TailFollower f = new TailFollower(channel, bufferLines);
        followers.add(f);
        channel.closeFuture().addListener(done -> followers.remove(f));
        return f;
    }

    int maxFollowers() {
        return maxFollowers;
    }

    Duration heartbeat() {
        return heartbeat;
    }

    /** Streams open right now. */
    public int followers() {
        return followers.size();
    }
}
