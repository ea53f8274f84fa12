package io.zerogate.identity.apikey;

import java.time.Instant;
import java.util.Objects;
import java.util.Set;
import org.jspecify.annotations.Nullable;

/**
 * One API key as the key file holds it: everything about the key except the key itself, of which only a keyed
 * hash is kept.
 *
 * @param id       the key's public id (the part after {@code zg_}); also the subject id of its callers
 * @param owner    who the key was issued to, for people and audit records
 * @param scopes   the scopes a request with this key carries
 * @param created  when the key was issued
 * @param expires  when the key stops working, or null when it does not expire
 * @param disabled true once the key is revoked
 * @param hash     the keyed hash of the key ({@code hmac-sha256:} and base64url); never shown
 */
public record ApiKeyEntry(String id, String owner, Set<String> scopes, Instant created, @Nullable Instant expires,
                          boolean disabled, String hash) {

    static final int MAX_OWNER_LENGTH = 200;
    static final int MAX_SCOPE_LENGTH = 200;
    static final int MAX_SCOPES = 100;

    /** Whether a key works at a given time. */
    public enum State { ACTIVE, EXPIRED, DISABLED }

    /**
     * @throws IllegalArgumentException naming the field that is not acceptable
     */
    public ApiKeyEntry {
        Objects.requireNonNull(id, "id");
        Objects.requireNonNull(owner, "owner");
        Objects.requireNonNull(created, "created");
        Objects.requireNonNull(hash, "hash");
        if (!KeyText.isId(id)) {
            throw new IllegalArgumentException("id: expected " + KeyText.ID_LENGTH + " characters of a-z 2-7");
        }
        checkOwner(owner);
        scopes = Set.copyOf(scopes);
        if (scopes.size() > MAX_SCOPES) {
            throw new IllegalArgumentException("scopes: " + scopes.size() + " (expected: at most " + MAX_SCOPES + ")");
        }
        for (String scope : scopes) {
            checkScope(scope);
        }
        KeyHasher.decode(hash);
    }

    /** The state at {@code now}; a disabled key reads as disabled even after it expired. */
    public State state(Instant now) {
        if (disabled) {
            return State.DISABLED;
        }
        if (expires != null && !now.isBefore(expires)) {
            return State.EXPIRED;
        }
        return State.ACTIVE;
    }

    /** This entry, revoked. */
    public ApiKeyEntry revoked() {
        return new ApiKeyEntry(id, owner, scopes, created, expires, true, hash);
    }

    /**
     * Checks an owner name: 1 to 200 characters, none of them control characters.
     *
     * @throws IllegalArgumentException saying what is wrong
     */
    public static void checkOwner(String owner) {
        if (owner.isBlank() || owner.length() > MAX_OWNER_LENGTH) {
            throw new IllegalArgumentException("owner: expected 1 to " + MAX_OWNER_LENGTH + " characters, not all blank");
        }
        for (int i = 0; i < owner.length(); i++) {
            if (Character.isISOControl(owner.charAt(i))) {
                throw new IllegalArgumentException("owner: control characters are not allowed");
            }
        }
    }

    /**
     * Checks a scope: an RFC 6749 scope token (printable ASCII except space, {@code "} and {@code \}).
     *
     * @throws IllegalArgumentException saying what is wrong
     */
    public static void checkScope(String scope) {
        if (scope.isEmpty() || scope.length() > MAX_SCOPE_LENGTH) {
            throw new IllegalArgumentException("scope: expected 1 to " + MAX_SCOPE_LENGTH + " characters");
        }
        for (int i = 0; i < scope.length(); i++) {
            char c = scope.charAt(i);
            if (c < 0x21 || c > 0x7e || c == '"' || c == '\\') {
                throw new IllegalArgumentException("scope '" + printable(scope) + "': expected printable ASCII without space, '\"' or '\\'");
            }
        }
    }

    private static String printable(String s) {
        StringBuilder b = new StringBuilder();
        for (int i = 0; i < s.length() && i < MAX_SCOPE_LENGTH; i++) {
            char c = s.charAt(i);
            b.append(c >= 0x20 && c < 0x7f ? c : '?');
        }
        return b.toString();
    }

    @Override
    public String toString() {
        return "ApiKeyEntry[id=" + id + ", owner=" + owner + ", scopes=" + scopes + ", created=" + created
                + ", expires=" + expires + ", disabled=" + disabled + "]";
    }
}
