package io.zerogate.state;

import io.lettuce.core.cluster.SlotHash;
import io.zerogate.state.RedisLimitScript.Reply;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.function.Function;

/**
 * How the charges of one request fall into Redis Cluster hash slots, where one script call may only touch keys of
 * one slot, and the verdict of a request whose charges span several slots. Each slot's call is all-or-nothing by
 * itself; when one slot refuses while others allowed, the allowing slots are given back with a refund call (a
 * rate's theoretical arrival time moves back by what was added, counts go down by the cost, leases are removed),
 * and the verdict refuses. Outside a cluster every charge is in one slot.
 */
final class SlotGroups {

    /** The charges of one slot, by their indexes in a request's list. */
    record Group(int slot, List<Integer> indexes) {

        /** The charges of this slot, out of the request's list. */
        List<Charge> of(List<Charge> charges) {
            return indexes.stream().map(charges::get).toList();
        }
    }

    /** Gives back charges of one slot that were applied, with the marks their charge answered. */
    @FunctionalInterface
    interface Refund {
        CompletableFuture<Reply> send(List<Charge> applied, List<Long> marks);
    }

    private final boolean clustered;

    SlotGroups(boolean clustered) {
        this.clustered = clustered;
    }

    /** The charges that one script call may take together: all of them, or those of one slot. */
    List<Group> groups(List<Charge> charges) {
        Objects.requireNonNull(charges, "charges");
        Map<Integer, List<Integer>> bySlot = new LinkedHashMap<>();
        for (int n = 0; n < charges.size(); n++) {
            bySlot.computeIfAbsent(slot(charges.get(n)), s -> new ArrayList<>()).add(n);
        }
        return bySlot.entrySet().stream().map(e -> new Group(e.getKey(), e.getValue())).toList();
    }

    /** The slot every charge shares, or -1 when they fall into several. */
    int oneSlot(List<Charge> charges) {
        if (!clustered) {
            return 0;
        }
        int slot = -1;
        for (Charge charge : charges) {
            int s = slot(charge);
            if (slot >= 0 && s != slot) {
                return -1;
            }
            slot = s;
        }
        return Math.max(slot, 0);
    }

    private int slot(Charge charge) {
        return clustered ? SlotHash.getSlot(RedisStateStore.KEY_PREFIX + charge.key()) : 0;
    }

    /**
     * The verdict of all groups, once every group's call has completed: allowed when every group allowed.
     * Otherwise what allowing groups applied is refunded first, and so it is when a group failed, which then
     * fails the whole charge with {@code failed} of its failure.
     */
    static CompletableFuture<ChargeVerdict> settle(List<Charge> charges, List<Group> groups,
                                                   List<CompletableFuture<Reply>> calls, Refund refund,
                                                   Function<Throwable, RuntimeException> failed) {
        ChargeResult[] results = new ChargeResult[charges.size()];
        List<CompletableFuture<?>> refunds = new ArrayList<>();
        Throwable failure = calls.stream().filter(CompletableFuture::isCompletedExceptionally)
                .map(call -> call.handle((reply, error) -> RedisLimitScript.unwrap(error)).join())
                .findFirst().orElse(null);
        boolean allowed = failure == null && calls.stream().allMatch(call -> call.join().allowed());
        for (int g = 0; g < groups.size(); g++) {
            List<Integer> group = groups.get(g).indexes();
            if (calls.get(g).isCompletedExceptionally()) {
                continue;
            }
            Reply reply = calls.get(g).join();
            for (int n = 0; n < group.size(); n++) {
                results[group.get(n)] = reply.results().get(n);
            }
            if (!allowed && reply.allowed()) {
                refunds.add(refund(charges, group, reply, results, refund));
            }
        }
        return CompletableFuture.allOf(refunds.toArray(CompletableFuture[]::new))
                .handle((done, refundFailure) -> {
                    if (failure != null) {
                        throw failed.apply(failure);
                    }
                    return new ChargeVerdict(allowed, Arrays.asList(results));
                });
    }

    /** Gives back the charges of one group that were applied, and reports their state after the refund. */
    private static CompletableFuture<Void> refund(List<Charge> charges, List<Integer> group, Reply reply,
                                                  ChargeResult[] results, Refund refund) {
        List<Integer> applied = new ArrayList<>();
        List<Long> marks = new ArrayList<>();
        for (int n = 0; n < group.size(); n++) {
            if (reply.results().get(n).allowed()) {
                applied.add(group.get(n));
                marks.add(reply.marks().get(n));
            }
        }
        return refund.send(applied.stream().map(charges::get).toList(), marks).thenAccept(refunded -> {
            for (int n = 0; n < applied.size(); n++) {
                results[applied.get(n)] = refunded.results().get(n);
            }
        });
    }
}
