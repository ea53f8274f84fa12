package io.zerogate.config;

import io.zerogate.network.CidrSet;
import java.util.List;
import java.util.Objects;

/**
 * Allow and deny lists of client addresses ({@code network: { allow: [...], deny: [...] }}), globally or on a route.
 * An entry is a CIDR block, a single address or the name of a configured network; the written entries are kept for
 * messages, and the sets they resolve to are what requests are checked against. A deny entry wins over an allow
 * entry; when {@code allow} is given, an address outside it is refused.
 *
 * @param allow    the entries as written; empty when every address not denied is allowed
 * @param allowSet the addresses {@code allow} resolves to
 * @param deny     the entries as written
 * @param denySet  the addresses {@code deny} resolves to
 * @param line     line of the section in the configuration file, 0 when absent
 */
public record NetworkRules(List<String> allow, CidrSet allowSet, List<String> deny, CidrSet denySet, int line) {

    public static final NetworkRules NONE = new NetworkRules(List.of(), CidrSet.empty(), List.of(), CidrSet.empty(), 0);

    public NetworkRules {
        allow = List.copyOf(allow);
        deny = List.copyOf(deny);
        Objects.requireNonNull(allowSet, "allowSet");
        Objects.requireNonNull(denySet, "denySet");
    }

    /** True when there is nothing to check. */
    public boolean isEmpty() {
        return allow.isEmpty() && deny.isEmpty();
    }
}
