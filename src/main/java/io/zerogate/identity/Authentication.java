package io.zerogate.identity;

import java.time.Instant;
import java.util.List;
import org.jspecify.annotations.Nullable;

/**
 * How the person behind a credential authenticated, as the issuer stated it.
 *
 * @param methods  the {@code amr} values (RFC 8176), such as {@code pwd}, {@code otp}, {@code mfa}, {@code hwk}
 * @param acr      the authentication context class reference, or null
 * @param authTime when the person last authenticated ({@code auth_time}), or null when not stated
 */
public record Authentication(List<String> methods, @Nullable String acr, @Nullable Instant authTime) {

    /** Nothing is known about how the caller authenticated. */
    public static final Authentication NONE = new Authentication(List.of(), null, null);

    /** {@code amr} values that show more than one factor was used. */
    private static final java.util.Set<String> MULTI_FACTOR = java.util.Set.of("mfa", "otp", "hwk", "swk", "sms", "fpt",
            "face", "iris", "retina", "vbm");

    public Authentication {
        methods = List.copyOf(methods);
    }

    /** True when the issuer says several factors were used: {@code mfa} itself, or a second-factor method. */
    public boolean multiFactor() {
        for (String m : methods) {
            if (MULTI_FACTOR.contains(m)) {
                return true;
            }
        }
        return false;
    }
}
