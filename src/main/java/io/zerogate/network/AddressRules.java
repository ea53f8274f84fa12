package io.zerogate.network;

import io.zerogate.chain.Decision;
import io.zerogate.chain.ReasonCode;
import io.zerogate.config.NetworkRules;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.jspecify.annotations.Nullable;

/**
 * One set of allow and deny rules compiled for requests: each entry as written with the addresses it stands for, so
 * that a refusal names the entry that decided.
 */
final class AddressRules {

    private record Entry(String written, CidrSet addresses) {}

    private final NetworkRules source;
    private final String ruleId;
    private final String scope;
    private final Entry[] allow;
    private final Entry[] deny;

    private AddressRules(NetworkRules source, String ruleId, String scope, Entry[] allow, Entry[] deny) {
        this.source = source;
        this.ruleId = ruleId;
        this.scope = scope;
        this.allow = allow;
        this.deny = deny;
    }

    /**
     * Compiles {@code rules}; entries that name a network take its addresses from {@code named}.
     *
     * @param ruleId what a refusal is attributed to: {@code network} for the global rules, else the route's id
     * @param scope  how details name the rules (such as {@code the global network rules})
     * @throws IllegalArgumentException when an entry is neither a configured network nor an address or block
     */
    static AddressRules compile(NetworkRules rules, Map<String, CidrSet> named, String ruleId, String scope) {
        return new AddressRules(rules, ruleId, scope, entries(rules.allow(), named), entries(rules.deny(), named));
    }

    private static Entry[] entries(List<String> written, Map<String, CidrSet> named) {
        List<Entry> out = new ArrayList<>(written.size());
        for (String w : written) {
            CidrSet set = named.get(w);
            out.add(new Entry(w, set != null ? set : CidrSet.of(List.of(w))));
        }
        return out.toArray(Entry[]::new);
    }

    /** The rules these were compiled from. */
    NetworkRules source() {
        return source;
    }

    /**
     * The refusal of an address ({@link CidrSet#unmapped} bytes), or null when the rules let it through: a deny entry
     * that contains it refuses, and so does an allow list that does not.
     */
    Decision.@Nullable Deny check(byte[] address) {
        for (Entry e : deny) {
            if (e.addresses().containsUnmapped(address)) {
                return Decision.deny(ReasonCode.NETWORK_DENIED, "client " + AddressText.of(address) + " matches deny entry '"
                        + e.written() + "' of " + scope, ruleId);
            }
        }
        if (allow.length == 0) {
            return null;
        }
        for (Entry e : allow) {
            if (e.addresses().containsUnmapped(address)) {
                return null;
            }
        }
        return Decision.deny(ReasonCode.NETWORK_DENIED, "client " + AddressText.of(address) + " is outside the allow list "
                + source.allow() + " of " + scope, ruleId);
    }
}
