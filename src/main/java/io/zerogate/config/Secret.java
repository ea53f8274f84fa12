package io.zerogate.config;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.Objects;

/**
 * A secret from the configuration (a client secret, an HMAC key). Its value is handed out only to the code that
 * uses it; it never appears in {@code toString()}, a log or an error message.
 */
public final class Secret {

    private final String value;

    public Secret(String value) {
        this.value = Objects.requireNonNull(value, "value");
    }

    /** The secret itself, for the one place that needs it. */
    public String reveal() {
        return value;
    }

    /** The secret as UTF-8 bytes (a fresh copy). */
    public byte[] bytes() {
        return value.getBytes(StandardCharsets.UTF_8);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Secret other && MessageDigest.isEqual(bytes(), other.bytes());
    }

    @Override
    public int hashCode() {
        return 0;
    }

    @Override
    public String toString() {
        return "Secret[redacted]";
    }
}
