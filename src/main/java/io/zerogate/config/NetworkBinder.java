package io.zerogate.config;

import io.zerogate.network.CidrSet;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;
import org.jspecify.annotations.Nullable;

/**
 * Binds the named networks ({@code networks:}), the global client address rules ({@code network:}) and a route's
 * own ({@code routes[].network}). Rules name networks only after the networks are bound, so a name that is not
 * configured is refused with the names that are.
 */
final class NetworkBinder {

    private static final Pattern NAME = Pattern.compile("[A-Za-z0-9_.-]+");
    /** What an entry made only of these reads as: an IPv4 address, never a network's name. */
    private static final Pattern DOTTED = Pattern.compile("[0-9.]+");

    private NetworkBinder() {}

    /** {@code networks:} and the top-level {@code network:}; {@link NetworksConfig#NONE} when both are absent. */
    static NetworksConfig bind(@Nullable ConfigNode networksNode, @Nullable ConfigNode rulesNode) throws ConfigException {
        Map<String, CidrSet> named = networksNode == null ? Map.of() : named(networksNode);
        NetworkRules global = rules(rulesNode, named);
        if (named.isEmpty() && global.isEmpty()) {
            return NetworksConfig.NONE;
        }
        return new NetworksConfig(named, global);
    }

    /** {@code { allow: [...], deny: [...] }}; {@link NetworkRules#NONE} when {@code node} is null. */
    static NetworkRules rules(@Nullable ConfigNode node, Map<String, CidrSet> named) throws ConfigException {
        if (node == null) {
            return NetworkRules.NONE;
        }
        ConfigMapping m = node.mapping("allow", "deny");
        ConfigNode allowNode = m.optional("allow");
        ConfigNode denyNode = m.optional("deny");
        if (allowNode == null && denyNode == null) {
            throw node.error("expected allow, deny or both (leave out network for no address rules)");
        }
        List<String> allow = new ArrayList<>();
        List<String> allowBlocks = new ArrayList<>();
        if (allowNode != null) {
            entries(allowNode, "allow", named, allow, allowBlocks);
        }
        List<String> deny = new ArrayList<>();
        List<String> denyBlocks = new ArrayList<>();
        if (denyNode != null) {
            entries(denyNode, "deny", named, deny, denyBlocks);
        }
        return new NetworkRules(allow, CidrSet.of(allowBlocks), deny, CidrSet.of(denyBlocks), node.line());
    }

    private static Map<String, CidrSet> named(ConfigNode node) throws ConfigException {
        Map<String, CidrSet> named = new LinkedHashMap<>();
        Map<String, Integer> lines = new LinkedHashMap<>();
        for (ConfigNode.Named entry : node.entries()) {
            String name = entry.key();
            if (!NAME.matcher(name).matches()) {
                throw entry.error(YamlNode.Scalar.quote(name) + " is not a valid network name (expected letters, digits and _ . -)");
            }
            if (DOTTED.matcher(name).matches()) {
                throw entry.error("network name " + YamlNode.Scalar.quote(name)
                        + " reads as an address; give the network a name with a letter in it");
            }
            Integer first = lines.putIfAbsent(name, entry.keyLine());
            if (first != null) {
                throw entry.error("duplicate network name " + YamlNode.Scalar.quote(name) + " (first defined on line " + first + ")");
            }
            List<ConfigNode> items = entry.value().list();
            if (items.isEmpty()) {
                throw entry.error("network " + YamlNode.Scalar.quote(name) + " lists no addresses (expected at least one CIDR block or address)");
            }
            List<String> blocks = new ArrayList<>(items.size());
            for (ConfigNode item : items) {
                ConfigValue value = item.string();
                block(value);
                if (blocks.contains(value.text())) {
                    throw value.error("duplicate block " + value.shown() + " in network " + YamlNode.Scalar.quote(name));
                }
                blocks.add(value.text());
            }
            named.put(name, CidrSet.of(blocks));
        }
        return Collections.unmodifiableMap(named);
    }

    /** Reads a list of rule entries into the entries as written and the blocks they stand for. */
    private static void entries(ConfigNode node, String key, Map<String, CidrSet> named, List<String> written,
                                List<String> blocks) throws ConfigException {
        List<ConfigNode> items = node.list();
        if (items.isEmpty()) {
            throw node.error("an empty " + key + " list "
                    + (key.equals("allow") ? "would refuse every address" : "denies nothing")
                    + " (expected at least one CIDR block, address or network name; leave out " + key + " instead)");
        }
        for (ConfigNode item : items) {
            ConfigValue value = item.string();
            if (written.contains(value.text())) {
                throw value.error("duplicate " + key + " entry " + value.shown());
            }
            if (isName(value.text())) {
                CidrSet set = named.get(value.text());
                if (set == null) {
                    String known = named.isEmpty() ? "none" : String.join(", ", named.keySet());
                    throw value.error("unknown network " + value.shown() + " (known: " + known
                            + "; or write a CIDR block or an address)");
                }
                blocks.addAll(set.blocks());
            } else {
                block(value);
                blocks.add(value.text());
            }
            written.add(value.text());
        }
    }

    /** An entry that is not an address or block: it names a network. */
    private static boolean isName(String text) {
        return NAME.matcher(text).matches() && !DOTTED.matcher(text).matches();
    }

    /** Checks that {@code value} is one CIDR block or address. */
    private static void block(ConfigValue value) throws ConfigException {
        try {
            CidrSet.of(List.of(value.text()));
        } catch (IllegalArgumentException e) {
            // CidrSet's message quotes the entry, which is only safe when the entry was written literally.
            throw value.error(value.referenced()
                    ? value.shown() + " is not an IPv4 or IPv6 address or CIDR block"
                    : e.getMessage());
        }
    }
}
