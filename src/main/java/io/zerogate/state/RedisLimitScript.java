package io.zerogate.state;

import io.lettuce.core.RedisNoScriptException;
import io.lettuce.core.ScriptOutputType;
import io.lettuce.core.cluster.api.async.RedisClusterAsyncCommands;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;

/**
 * The Lua script that meters limits inside Redis ({@code redis-limits.lua} next to this class): one call
 * evaluates, applies, refunds or releases the charges of one slot atomically. It is called by its digest and
 * loaded again when a server answers that it does not know it (after a restart, a failover or
 * {@code SCRIPT FLUSH}).
 */
final class RedisLimitScript {

    /** What the script does with the charges it is given. */
    enum Mode {
        CHARGE, PEEK, RELEASE, REFUND;

        private final String argument = name().toLowerCase(Locale.ROOT);
    }

    /** The answer to one script call over some charges: the verdict and, per charge, a result and a mark. */
    record Reply(boolean allowed, List<ChargeResult> results, List<Long> marks) {}

    static final String SOURCE = load();
    static final String DIGEST = sha1(SOURCE);

    private static final int RESULT_FIELDS = 5;

    private final RedisClusterAsyncCommands<String, String> commands;

    RedisLimitScript(RedisClusterAsyncCommands<String, String> commands) {
        this.commands = commands;
    }

    /**
     * Runs the script over charges that share one slot. {@code marks} are those the charge call answered, for
     * {@link Mode#REFUND} only (empty otherwise).
     */
    CompletableFuture<Reply> run(Mode mode, List<Charge> charges, String leaseId, List<Long> marks) {
        String[] keys = new String[charges.size()];
        String[] args = new String[2 + 6 * charges.size()];
        args[0] = mode.argument;
        args[1] = leaseId;
        for (int n = 0; n < charges.size(); n++) {
            Charge charge = charges.get(n);
            keys[n] = RedisStateStore.KEY_PREFIX + charge.key();
            long flag = mode == Mode.REFUND ? marks.get(n) : charge.enforced() ? 1 : 0;
            long[] parameters = parameters(charge.meter());
            int base = 2 + 6 * n;
            args[base] = kind(charge.meter());
            args[base + 1] = Long.toString(parameters[0]);
            args[base + 2] = Long.toString(parameters[1]);
            args[base + 3] = Long.toString(parameters[2]);
            args[base + 4] = Long.toString(charge.cost());
            args[base + 5] = Long.toString(flag);
        }
        return evaluate(keys, args).thenApply(reply -> decode(mode, charges, reply));
    }

    private CompletableFuture<Object> evaluate(String[] keys, String[] args) {
        return commands.evalsha(DIGEST, ScriptOutputType.MULTI, keys, args).toCompletableFuture()
                .exceptionallyCompose(failure -> unwrap(failure) instanceof RedisNoScriptException
                        ? commands.scriptLoad(SOURCE).toCompletableFuture().thenCompose(loaded ->
                                commands.evalsha(DIGEST, ScriptOutputType.MULTI, keys, args).toCompletableFuture())
                        : CompletableFuture.failedFuture(unwrap(failure)));
    }

    private static Reply decode(Mode mode, List<Charge> charges, Object reply) {
        if (mode == Mode.RELEASE) {
            return new Reply(true, List.of(), List.of());
        }
        List<?> values = (List<?>) reply;
        if (values.size() != 1 + RESULT_FIELDS * charges.size()) {
            throw new IllegalStateException("limit script reply: " + values.size() + " values (expected: "
                    + (1 + RESULT_FIELDS * charges.size()) + ")");
        }
        List<ChargeResult> results = new ArrayList<>(charges.size());
        List<Long> marks = new ArrayList<>(charges.size());
        for (int n = 0; n < charges.size(); n++) {
            int base = 1 + RESULT_FIELDS * n;
            results.add(new ChargeResult(number(values, base) == 1, charges.get(n).meter().limit(),
                    number(values, base + 1), number(values, base + 2), number(values, base + 3)));
            marks.add(number(values, base + 4));
        }
        return new Reply(number(values, 0) == 1, results, marks);
    }

    private static long number(List<?> values, int index) {
        return (Long) values.get(index);
    }

    private static String kind(Meter meter) {
        return switch (meter) {
            case Meter.Gcra gcra -> "g";
            case Meter.FixedWindow window -> "f";
            case Meter.SlidingWindow window -> "s";
            case Meter.Concurrency concurrency -> "c";
            case Meter.Quota quota -> "q";
        };
    }

    private static long[] parameters(Meter meter) {
        return switch (meter) {
            case Meter.Gcra gcra -> new long[] {gcra.limit(), gcra.periodMicros(), gcra.burst()};
            case Meter.FixedWindow window -> new long[] {window.limit(), window.windowMicros(), 0};
            case Meter.SlidingWindow window -> new long[] {window.limit(), window.windowMicros(), 0};
            case Meter.Concurrency concurrency -> new long[] {concurrency.limit(), concurrency.leaseMicros(), 0};
            case Meter.Quota quota -> new long[] {quota.limit(), quota.periodEndEpochMillis(), 0};
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
