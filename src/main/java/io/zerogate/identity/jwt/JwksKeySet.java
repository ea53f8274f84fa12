package io.zerogate.identity.jwt;

import com.nimbusds.jose.jwk.JWK;
import com.nimbusds.jose.jwk.JWKSet;
import com.nimbusds.jose.jwk.KeyOperation;
import com.nimbusds.jose.jwk.KeyUse;
import java.text.ParseException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.jspecify.annotations.Nullable;

/**
 * The keys of one JWK set that may verify a token signature: public keys only, in the order the issuer lists
 * them. Keys meant for encryption, keys whose operations exclude verifying and symmetric keys (which a public
 * set must never hold) are left out; private parts an issuer published by mistake are dropped.
 */
final class JwksKeySet {

    private final List<JWK> keys;
    private final Map<String, List<JWK>> byKid;

    private JwksKeySet(List<JWK> keys) {
        this.keys = List.copyOf(keys);
        Map<String, List<JWK>> index = new HashMap<>();
        for (JWK key : this.keys) {
            if (key.getKeyID() != null) {
                index.computeIfAbsent(key.getKeyID(), k -> new ArrayList<>()).add(key);
            }
        }
        index.replaceAll((kid, list) -> List.copyOf(list));
        this.byKid = Map.copyOf(index);
    }

    static JwksKeySet parse(String json) throws JwksFetchException {
        JWKSet set;
        try {
            set = JWKSet.parse(json);
        } catch (ParseException | RuntimeException e) {
            throw new JwksFetchException("not a JWK set (" + e.getClass().getSimpleName() + ")");
        }
        List<JWK> usable = new ArrayList<>();
        for (JWK key : set.getKeys()) {
            if (key.getKeyUse() != null && !KeyUse.SIGNATURE.equals(key.getKeyUse())) {
                continue;
            }
            Set<KeyOperation> operations = key.getKeyOperations();
            if (operations != null && !operations.contains(KeyOperation.VERIFY)) {
                continue;
            }
            JWK publicKey = key.toPublicJWK();
            if (publicKey != null) {
                usable.add(publicKey);
            }
        }
        return new JwksKeySet(usable);
    }

    /**
     * The keys a token with this key id may have been signed with: those with the same {@code kid}, or every key
     * when the token names none. Empty when there is no such key.
     */
    List<JWK> candidates(@Nullable String kid) {
        if (kid == null) {
            return keys;
        }
        List<JWK> found = byKid.get(kid);
        return found == null ? List.of() : found;
    }

    int size() {
        return keys.size();
    }
}
