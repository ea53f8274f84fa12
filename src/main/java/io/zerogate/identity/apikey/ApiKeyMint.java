package io.zerogate.identity.apikey;

import io.zerogate.config.Secret;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.Collection;
import java.util.Objects;
import java.util.Set;
import org.jspecify.annotations.Nullable;

/** Issues new API keys: a fresh random id and secret, and the entry that the key file keeps for them. */
public final class ApiKeyMint {

    private final KeyHasher hasher;
    private final SecureRandom random;
    private final Clock clock;

    /**
     * @param hashKey the key the file's hashes are made with (at least 16 bytes); the gateway must use the same one
     * @throws IllegalArgumentException when the hash key is too short
     */
    public ApiKeyMint(Secret hashKey, SecureRandom random, Clock clock) {
        this.hasher = new KeyHasher(Objects.requireNonNull(hashKey, "hashKey"));
        this.random = Objects.requireNonNull(random, "random");
        this.clock = Objects.requireNonNull(clock, "clock");
    }

    /**
     * A new key whose id is none of {@code takenIds}.
     *
     * @param expires when the key stops working, or null for never; must be later than now
     * @throws IllegalArgumentException when the owner, a scope or the expiry is not acceptable
     */
    public Issued create(String owner, Set<String> scopes, @Nullable Instant expires, Collection<String> takenIds) {
        // Whole seconds: the file is read by people, and a key's creation needs no more precision.
        Instant now = clock.instant().truncatedTo(ChronoUnit.SECONDS);
        if (expires != null && !expires.isAfter(now)) {
            throw new IllegalArgumentException("expires: " + expires + " (expected: later than now, " + now + ")");
        }
        String id;
        do {
            id = KeyText.newId(random);
        } while (takenIds.contains(id));
        String key = KeyText.format(id, KeyText.newSecret(random));
        ApiKeyEntry entry = new ApiKeyEntry(id, owner, scopes, now, expires, false, KeyHasher.encode(hasher.hash(key)));
        return new Issued(key, entry);
    }

    /**
     * A newly issued key.
     *
     * @param key   the whole key, to hand to its owner once; it is not kept anywhere
     * @param entry what the key file keeps
     */
    public record Issued(String key, ApiKeyEntry entry) {

        public Issued {
            Objects.requireNonNull(key, "key");
            Objects.requireNonNull(entry, "entry");
        }

        @Override
        public String toString() {
            return "Issued[key=redacted, entry=" + entry + "]";
        }
    }
}
