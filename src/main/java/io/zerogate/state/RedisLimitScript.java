package io.zerogate.state;

import io.lettuce.core.RedisFuture;
import io.lettuce.core.RedisNoScriptException;
import io.lettuce.core.cluster.api.async.RedisClusterAsyncCommands;
import io.lettuce.core.codec.StringCodec;
import io.lettuce.core.output.ByteArrayOutput;
import io.lettuce.core.protocol.CommandArgs;
import io.lettuce.core.protocol.CommandType;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.function.Supplier;

/**
 * The Lua script that meters limits inside Redis ({@code redis-limits.lua} next to this class): one call
 * evaluates, applies, refunds or releases the charges of one or more requests of one slot atomically, each
 * request decided on its own. It is called by its digest and loaded again when a server answers that it does
 * not know it (after a restart, a failover or {@code SCRIPT FLUSH}).
 */
final class RedisLimitScript {

    /** What the script does with the charges it is given. */
    enum Mode {
        CHARGE, PEEK, RELEASE, REFUND;

        private final String argument = name().toLowerCase(Locale.ROOT);
    }

    /**
     * The charges of one request in a call. {@code marks} are those the charge call answered, for
     * {@link Mode#REFUND} only (empty otherwise).
     */
    record Request(List<Charge> charges, String leaseId, List<Long> marks) {}

    /** The answer to one request in a call: the verdict and, per charge, a result and a mark. */
    record Reply(boolean allowed, List<ChargeResult> results, List<Long> marks) {}

    static final String SOURCE = load();
    static final String DIGEST = sha1(SOURCE);

    /** Bytes per charge in the packed requests: key and meter indexes (2 each), cost and flag (8 each). */
    private static final int CHARGE_BYTES = 20;
    /** Bytes per charge in the packed reply: allowed (1), remaining, reset, retry and mark (8 each). */
    private static final int RESULT_BYTES = 33;
    /** The most keys, and meters, one call can name: their indexes are two bytes. */
    private static final int MAX_INDEX = 0xffff;
    /** The most requests one run can hold: its count is two bytes. */
    private static final int MAX_RUN = 0xffff;
    private static final byte[] NO_LEASE = new byte[0];
    private static final Reply RELEASED = new Reply(true, List.of(), List.of());

    private final RedisClusterAsyncCommands<String, String> commands;

    RedisLimitScript(RedisClusterAsyncCommands<String, String> commands) {
        this.commands = commands;
    }

    /** Runs the script over the charges of one request, which share one slot. */
    CompletableFuture<Reply> run(Mode mode, List<Charge> charges, String leaseId, List<Long> marks) {
        return run(mode, List.of(new Request(charges, leaseId, marks))).thenApply(replies -> replies.get(0));
    }

    /** Runs the script once over the charges of several requests, which all share one slot; one reply each. */
    CompletableFuture<List<Reply>> run(Mode mode, List<Request> requests) {
        return evaluate(() -> arguments(mode, requests)).thenApply(reply -> decode(mode, requests, reply));
    }

    /**
     * {@code EVALSHA}'s arguments: each key and each meter once however many charges use them, and the requests
     * packed into one argument in runs of alike requests (see {@code redis-limits.lua}). This is built for every
     * call, so nothing is turned into text that need not be.
     */
    private static CommandArgs<String, String> arguments(Mode mode, List<Request> requests) {
        Map<String, Integer> keys = new LinkedHashMap<>();
        List<Meter> meters = new ArrayList<>(2);
        int size = 0;
        byte[][] leases = new byte[requests.size()][];
        // runs[r]: how many requests the run that starts at request r holds (0: r is in an earlier run).
        int[] runs = new int[requests.size()];
        int runStart = -1;
        for (int r = 0; r < requests.size(); r++) {
            Request request = requests.get(r);
            // The lease id is only stored by concurrency limits; other requests spare Redis the bytes.
            leases[r] = mode == Mode.CHARGE && !leases(request.charges()) ? NO_LEASE
                    : request.leaseId().getBytes(StandardCharsets.UTF_8);
            if (runStart >= 0 && runs[runStart] < MAX_RUN && alike(requests.get(runStart), leases[runStart], request, leases[r])) {
                runs[runStart]++;
                continue;
            }
            runStart = r;
            runs[r] = 1;
            size += 6 + leases[r].length + CHARGE_BYTES * request.charges().size();
            for (Charge charge : request.charges()) {
                keys.putIfAbsent(charge.key(), keys.size() + 1);
                if (!meters.contains(charge.meter())) {
                    meters.add(charge.meter());
                }
            }
        }
        if (keys.size() > MAX_INDEX || meters.size() > MAX_INDEX) {
            throw new IllegalArgumentException("one script call: " + keys.size() + " keys and " + meters.size()
                    + " meters (expected: at most " + MAX_INDEX + " each)");
        }
        ByteBuffer packed = ByteBuffer.allocate(size).order(ByteOrder.LITTLE_ENDIAN);
        for (int r = 0; r < requests.size(); r++) {
            if (runs[r] == 0) {
                continue;
            }
            Request request = requests.get(r);
            List<Charge> charges = request.charges();
            packed.putShort((short) runs[r]).putShort((short) leases[r].length).put(leases[r])
                    .putShort((short) charges.size());
            for (int n = 0; n < charges.size(); n++) {
                Charge charge = charges.get(n);
                packed.putShort((short) (int) keys.get(charge.key()))
                        .putShort((short) (meters.indexOf(charge.meter()) + 1))
                        .putLong(charge.cost())
                        .putLong(mode == Mode.REFUND ? request.marks().get(n) : charge.enforced() ? 1 : 0);
            }
        }
        CommandArgs<String, String> args = new CommandArgs<>(StringCodec.UTF8).add(DIGEST).add(keys.size());
        for (String key : keys.keySet()) {
            args.addKey(RedisStateStore.KEY_PREFIX + key);
        }
        args.add(mode.argument).add(packed.array()).add(meters.size());
        for (Meter meter : meters) {
            meter(args, meter);
        }
        return args;
    }

    /** Whether two requests pack alike: the same lease id as sent, the same charges and, for a refund, marks. */
    private static boolean alike(Request first, byte[] firstLease, Request next, byte[] nextLease) {
        return Arrays.equals(firstLease, nextLease) && first.charges().equals(next.charges())
                && first.marks().equals(next.marks());
    }

    private static boolean leases(List<Charge> charges) {
        for (Charge charge : charges) {
            if (charge.meter() instanceof Meter.Concurrency) {
                return true;
            }
        }
        return false;
    }

    private CompletableFuture<byte[]> evaluate(Supplier<CommandArgs<String, String>> args) {
        return call(args.get()).exceptionallyCompose(failure -> unwrap(failure) instanceof RedisNoScriptException
                ? commands.scriptLoad(SOURCE).toCompletableFuture().thenCompose(loaded -> call(args.get()))
                : CompletableFuture.failedFuture(unwrap(failure)));
    }

    private CompletableFuture<byte[]> call(CommandArgs<String, String> args) {
        RedisFuture<byte[]> reply = commands.dispatch(CommandType.EVALSHA, new ByteArrayOutput<>(StringCodec.UTF8), args);
        return reply.toCompletableFuture();
    }

    private static List<Reply> decode(Mode mode, List<Request> requests, byte[] reply) {
        if (mode == Mode.RELEASE) {
            return java.util.Collections.nCopies(requests.size(), RELEASED);
        }
        int expected = 0;
        for (Request request : requests) {
            expected += 1 + RESULT_BYTES * request.charges().size();
        }
        if (reply == null || reply.length != expected) {
            throw new IllegalStateException("limit script reply: " + (reply == null ? "none" : reply.length + " bytes")
                    + " (expected: " + expected + " bytes)");
        }
        ByteBuffer values = ByteBuffer.wrap(reply).order(ByteOrder.LITTLE_ENDIAN);
        List<Reply> replies = new ArrayList<>(requests.size());
        for (Request request : requests) {
            List<Charge> charges = request.charges();
            boolean allowed = values.get() == 1;
            ChargeResult[] results = new ChargeResult[charges.size()];
            Long[] marks = new Long[charges.size()];
            for (int n = 0; n < charges.size(); n++) {
                boolean chargeAllowed = values.get() == 1;
                results[n] = new ChargeResult(chargeAllowed, charges.get(n).meter().limit(), values.getLong(),
                        values.getLong(), values.getLong());
                marks[n] = values.getLong();
            }
            replies.add(new Reply(allowed, Arrays.asList(results), Arrays.asList(marks)));
        }
        return replies;
    }

    /** Adds the kind and the three parameters of a meter, as the script reads them. */
    private static CommandArgs<String, String> meter(CommandArgs<String, String> args, Meter meter) {
        return switch (meter) {
            case Meter.Gcra gcra -> args.add("g").add(gcra.limit()).add(gcra.periodMicros()).add(gcra.burst());
            case Meter.FixedWindow window -> args.add("f").add(window.limit()).add(window.windowMicros()).add(0);
            case Meter.SlidingWindow window -> args.add("s").add(window.limit()).add(window.windowMicros()).add(0);
            case Meter.Concurrency concurrency -> args.add("c").add(concurrency.limit()).add(concurrency.leaseMicros()).add(0);
            case Meter.Quota quota -> args.add("q").add(quota.limit()).add(quota.periodEndEpochMillis()).add(0);
        };
    }

    static Throwable unwrap(Throwable failure) {
        return failure instanceof CompletionException && failure.getCause() != null ? failure.getCause() : failure;
    }

    private static String load() {
        try (InputStream in = RedisLimitScript.class.getResourceAsStream("redis-limits.lua")) {
            if (in == null) {
                throw new IllegalStateException("redis-limits.lua is missing from the class path next to "
                        + RedisLimitScript.class.getName());
            }
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static String sha1(String source) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-1").digest(source.getBytes(StandardCharsets.UTF_8)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-1 is not available: Redis names scripts by it", e);
        }
    }
}
