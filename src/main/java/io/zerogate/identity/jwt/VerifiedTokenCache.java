package io.zerogate.identity.jwt;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import com.github.benmanes.caffeine.cache.Expiry;
import io.zerogate.identity.Verification;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import org.jspecify.annotations.Nullable;

/**
 * Tokens already verified, so that a repeated token costs a hash lookup instead of a signature check. Entries
 * are keyed by the issuer that accepted the token and the SHA-256 of the token (the token itself is not kept),
 * hold only acceptances, and end at the token's {@code exp}, never later. The number of entries is bounded.
 */
final class VerifiedTokenCache {

    private final @Nullable Cache<Key, Verification.Accepted> entries;
    private final Clock clock;

    /** @param maximumSize how many tokens to remember; 0 remembers none */
    VerifiedTokenCache(int maximumSize, Clock clock) {
        if (maximumSize < 0) {
            throw new IllegalArgumentException("token_cache_size: " + maximumSize + " (expected: >= 0)");
        }
        this.clock = clock;
        this.entries = maximumSize == 0 ? null : Caffeine.newBuilder()
                .maximumSize(maximumSize)
                .expireAfter(new UntilExpiry(clock))
                .ticker(() -> nanos(clock.instant()))
                .executor(Runnable::run)
                .build();
    }

    /** Which token, for which issuer. */
    record Key(String issuerName, long h0, long h1, long h2, long h3) {

        /** The key of a token for an issuer, from the token's {@link #digest}. */
        static Key of(String issuerName, byte[] digest) {
            ByteBuffer bytes = ByteBuffer.wrap(digest);
            return new Key(issuerName, bytes.getLong(), bytes.getLong(), bytes.getLong(), bytes.getLong());
        }
    }

    /** The SHA-256 of a token: what the cache knows it by. */
    static byte[] digest(String token) {
        return SHA256.get().digest(token.getBytes(StandardCharsets.UTF_8));
    }

    // One digest per thread: looking a MessageDigest up costs about as much as hashing a token.
    private static final ThreadLocal<MessageDigest> SHA256 = ThreadLocal.withInitial(() -> {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every JDK has SHA-256", e);
        }
    });

    /** The remembered acceptance, or null when there is none or it has reached the token's expiry. */
    Verification.@Nullable Accepted get(Key key) {
        if (entries == null) {
            return null;
        }
        Verification.Accepted accepted = entries.getIfPresent(key);
        // The cache's own expiry already ends the entry at exp; checking again keeps that true whatever its timer
        // granularity.
        if (accepted == null || accepted.expiresAt() == null || !clock.instant().isBefore(accepted.expiresAt())) {
            return null;
        }
        return accepted;
    }

    /** Remembers an acceptance until its expiry; one without an expiry, or already expired, is not kept. */
    void put(Key key, Verification.Accepted accepted) {
        if (entries != null && accepted.expiresAt() != null && clock.instant().isBefore(accepted.expiresAt())) {
            entries.put(key, accepted);
        }
    }

    /** How many entries are held now (after pending evictions ran). */
    long size() {
        if (entries == null) {
            return 0;
        }
        entries.cleanUp();
        return entries.estimatedSize();
    }

    private static long nanos(Instant instant) {
        return instant.getEpochSecond() * 1_000_000_000L + instant.getNano();
    }

    private record UntilExpiry(Clock clock) implements Expiry<Key, Verification.Accepted> {

        private static final Duration LONGEST = Duration.ofDays(100 * 365);

        @Override
        public long expireAfterCreate(Key key, Verification.Accepted value, long currentTime) {
            Instant expiresAt = value.expiresAt();
            if (expiresAt == null) {
                return 0;
            }
            Duration left = Duration.between(clock.instant(), expiresAt);
            if (left.isNegative()) {
                return 0;
            }
            // Beyond about 290 years the nanoseconds overflow; the cache treats Long.MAX_VALUE as "no expiry".
            return left.compareTo(LONGEST) > 0 ? Long.MAX_VALUE : left.toNanos();
        }

        @Override
        public long expireAfterUpdate(Key key, Verification.Accepted value, long currentTime,
                                      long currentDuration) {
            return expireAfterCreate(key, value, currentTime);
        }

        @Override
        public long expireAfterRead(Key key, Verification.Accepted value, long currentTime, long currentDuration) {
            return currentDuration;
        }
    }
}
