package io.zerogate.state;

import io.zerogate.state.Metering.State;
import io.zerogate.state.Metering.Step;
import java.time.Clock;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.LongSupplier;
import java.util.function.UnaryOperator;
import org.jspecify.annotations.Nullable;

/**
 * The metered limits of the embedded store: one immutable {@link State} per key in a concurrent map, replaced
 * with compare-and-set, so that no caller ever waits on another.
 *
 * <p>A call with several charges applies them one after the other; when a later enforced charge refuses, the
 * ones already applied are given back, again by compare-and-set. A concurrent caller may therefore see, for a
 * moment, a consumption that is given back an instant later: that errs toward refusing, never toward admitting
 * more than a limit allows.
 *
 * <p>Every call that adds an entry first examines a few others, continuing where the last one stopped, and
 * forgets the expired ones, so forgetting outpaces adding; calls that only update entries leave the table as
 * large as it was. A call that would add an entry to a full table first forgets every expired entry and fails if
 * the table is still full, rather than forgetting live state.
 */
final class LimitTable {

    /** Entries examined per added entry: more than one, so forgetting outpaces adding. */
    private static final int SWEEP_BATCH = 16;

    private final LongSupplier micros;
    private final Clock wallClock;
    private final int capacity;
    private final ConcurrentHashMap<String, State> entries = new ConcurrentHashMap<>();
    /** Set after every change to a quota, cleared by whoever writes the quotas out. */
    private final AtomicBoolean quotasChanged = new AtomicBoolean();
    private final AtomicBoolean sweeping = new AtomicBoolean();
    /** Where the incremental sweep continues; used only by the caller that holds {@link #sweeping}. */
    private Iterator<Map.Entry<String, State>> cursor;

    LimitTable(LongSupplier micros, Clock wallClock, int capacity, Map<String, Metering.Count> quotas) {
        this.micros = Objects.requireNonNull(micros, "micros");
        this.wallClock = Objects.requireNonNull(wallClock, "wallClock");
        this.capacity = capacity;
        entries.putAll(quotas);
        cursor = entries.entrySet().iterator();
    }

    /** @throws IllegalStateException when a charge would add an entry to a full table; nothing is applied then */
    ChargeVerdict charge(List<Charge> charges, String leaseId) {
        long now = micros.getAsLong();
        long nowMillis = wallClock.millis();
        if (charges.size() == 1) {
            Charge charge = charges.get(0);
            Step step = apply(charge, leaseId, now, nowMillis, null, 0);
            return new ChargeVerdict(step.allowed() || !charge.enforced(), List.of(step.result()));
        }
        int size = charges.size();
        Step[] steps = new Step[size];
        State[] befores = new State[size];
        boolean allowed = true;
        for (int i = 0; i < size; i++) {
            Charge charge = charges.get(i);
            if (!allowed) {
                steps[i] = Metering.evaluate(charge.meter(), entries.get(charge.key()), charge.cost(), leaseId, now,
                        nowMillis);
                continue;
            }
            try {
                steps[i] = apply(charge, leaseId, now, nowMillis, befores, i);
            } catch (IllegalStateException full) {
                refund(charges, steps, befores, i, leaseId, now);
                throw full;
            }
            if (charge.enforced() && !steps[i].allowed()) {
                allowed = false;
                refund(charges, steps, befores, i, leaseId, now);
            }
        }
        List<ChargeResult> results = new ArrayList<>(size);
        for (Step step : steps) {
            results.add(allowed ? step.result() : step.unapplied());
        }
        return new ChargeVerdict(allowed, results);
    }

    /**
     * Evaluates one charge and, when it allows, applies it. When {@code befores} is given, records there what
     * the key held before.
     */
    private Step apply(Charge charge, String leaseId, long now, long nowMillis, State @Nullable [] befores,
            int index) {
        String key = charge.key();
        while (true) {
            State stored = entries.get(key);
            Step step = Metering.evaluate(charge.meter(), stored, charge.cost(), leaseId, now, nowMillis);
            if (!step.allowed()) {
                return step;
            }
            if (stored == null ? insert(key, step.next(), now, nowMillis) : entries.replace(key, stored, step.next())) {
                if (befores != null) {
                    befores[index] = stored;
                }
                changed(charge.meter());
                return step;
            }
        }
    }

    private boolean insert(String key, State state, long now, long nowMillis) {
        sweep(now, nowMillis);
        if (entries.size() >= capacity) {
            sweepAll(now, nowMillis);
            if (entries.size() >= capacity) {
                throw new IllegalStateException("state store is full: " + capacity
                        + " live limit entries (expected: fewer; raise the capacity)");
            }
        }
        return entries.putIfAbsent(key, state) == null;
    }

    /** Gives back the charges before {@code end} that were applied. */
    private void refund(List<Charge> charges, Step[] steps, State[] befores, int end, String leaseId, long now) {
        for (int i = 0; i < end; i++) {
            if (steps[i].allowed()) {
                Charge charge = charges.get(i);
                Step applied = steps[i];
                State before = befores[i];
                update(charge, current -> Metering.refund(charge.meter(), applied, before, current, charge.cost(),
                        leaseId, now));
            }
        }
    }

    void release(List<Charge> charges, String leaseId) {
        long now = micros.getAsLong();
        for (Charge charge : charges) {
            if (charge.meter() instanceof Meter.Concurrency) {
                update(charge, current -> Metering.release(current, leaseId, now));
            }
        }
    }

    /** Replaces what the key of {@code charge} holds by {@code change} of it (null: nothing), retrying on races. */
    private void update(Charge charge, UnaryOperator<State> change) {
        String key = charge.key();
        while (true) {
            State current = entries.get(key);
            if (current == null) {
                return;
            }
            State next = change.apply(current);
            if (next == current) {
                return;
            }
            if (next == null ? entries.remove(key, current) : entries.replace(key, current, next)) {
                changed(charge.meter());
                return;
            }
        }
    }

    List<ChargeResult> peek(List<Charge> charges) {
        long now = micros.getAsLong();
        long nowMillis = wallClock.millis();
        List<ChargeResult> results = new ArrayList<>(charges.size());
        for (Charge charge : charges) {
            results.add(Metering.evaluate(charge.meter(), entries.get(charge.key()), charge.cost(), null, now, nowMillis)
                    .result());
        }
        return results;
    }

    private void changed(Meter meter) {
        if (meter instanceof Meter.Quota) {
            quotasChanged.set(true);
        }
    }

    /** True once after any quota changed since the last call. */
    boolean takeQuotasChanged() {
        return quotasChanged.getAndSet(false);
    }

    /** Marks the quotas as changed again, after writing them out failed. */
    void quotasUnsaved() {
        quotasChanged.set(true);
    }

    /** The live quota counts. */
    Map<String, Metering.Count> quotas() {
        long nowMillis = wallClock.millis();
        Map<String, Metering.Count> quotas = new HashMap<>();
        entries.forEach((key, state) -> {
            if (state instanceof Metering.Count count && !count.expired(0, nowMillis)) {
                quotas.put(key, count);
            }
        });
        return quotas;
    }

    /** Examines the next few entries, forgetting the expired ones; skipped while another caller does it. */
    private void sweep(long now, long nowMillis) {
        if (!sweeping.compareAndSet(false, true)) {
            return;
        }
        try {
            Iterator<Map.Entry<String, State>> next = cursor;
            boolean restarted = false;
            for (int examined = 0; examined < SWEEP_BATCH; examined++) {
                if (!next.hasNext()) {
                    if (restarted) {
                        break;
                    }
                    next = entries.entrySet().iterator();
                    restarted = true;
                    if (!next.hasNext()) {
                        break;
                    }
                }
                forgetIfExpired(next.next(), now, nowMillis);
            }
            cursor = next;
        } finally {
            sweeping.set(false);
        }
    }

    private void sweepAll(long now, long nowMillis) {
        for (Map.Entry<String, State> entry : entries.entrySet()) {
            forgetIfExpired(entry, now, nowMillis);
        }
    }

    private void forgetIfExpired(Map.Entry<String, State> entry, long now, long nowMillis) {
        State state = entry.getValue();
        if (state.expired(now, nowMillis)) {
            // Only this exact state: the key may have been charged again since.
            entries.remove(entry.getKey(), state);
        }
    }

    /** The number of entries held, live or not yet forgotten. */
    int size() {
        return entries.size();
    }

    void clear() {
        entries.clear();
    }
}
