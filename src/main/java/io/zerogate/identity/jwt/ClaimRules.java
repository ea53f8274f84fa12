package io.zerogate.identity.jwt;

import io.zerogate.chain.ReasonCode;
import io.zerogate.config.IssuerConfig;
import java.math.BigDecimal;
import java.math.RoundingMode;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.jspecify.annotations.Nullable;

/**
 * What an issuer demands of a token's registered claims (RFC 7519 §4.1): the right JSON types, the exact
 * {@code iss}, an {@code aud} it serves, an {@code exp} always, {@code nbf} and {@code iat} respected within the
 * clock skew, a lifetime ({@code exp - iat}) no longer than allowed, a {@code sub}, and the configured claims.
 */
final class ClaimRules {

    /** The last second of the year 9999: later dates (and dates before 1970) are not plausible NumericDates. */
    private static final BigDecimal LATEST = BigDecimal.valueOf(253_402_300_799L);
    private static final BigDecimal NANOS = BigDecimal.valueOf(1_000_000_000L);

    private final IssuerConfig issuer;
    private final Clock clock;

    ClaimRules(IssuerConfig issuer, Clock clock) {
        this.issuer = issuer;
        this.clock = clock;
    }

    /** The token's expiry when every rule holds. */
    Checked<Instant> check(Map<String, Object> claims) {
        for (String name : List.of("iss", "sub", "jti")) {
            Object value = claims.get(name);
            if (value != null && !(value instanceof String)) {
                return Checked.no(ReasonCode.TOKEN_MALFORMED, "claim " + name + " is not a string");
            }
        }
        Object aud = claims.get("aud");
        if (aud != null && !(aud instanceof String) && !isStringList(aud)) {
            return Checked.no(ReasonCode.TOKEN_MALFORMED, "claim aud is neither a string nor a list of strings");
        }
        Checked<Optional<Instant>> exp = numericDate(claims, "exp");
        Checked<Optional<Instant>> nbf = numericDate(claims, "nbf");
        Checked<Optional<Instant>> iat = numericDate(claims, "iat");
        for (Checked<Optional<Instant>> date : List.of(exp, nbf, iat)) {
            if (date instanceof Checked.No<Optional<Instant>> no) {
                return no.as();
            }
        }
        if (!issuer.issuer().equals(claims.get("iss"))) {
            return Checked.no(ReasonCode.TOKEN_ISSUER_REJECTED, claims.containsKey("iss")
                    ? "iss is not " + issuer.issuer() : "token has no iss");
        }
        if (!namesAudience(aud)) {
            return Checked.no(ReasonCode.TOKEN_AUDIENCE_REJECTED, aud == null
                    ? "token has no aud" : "aud names none of " + sorted(issuer.audiences()));
        }
        Instant expiresAt = value(exp);
        if (expiresAt == null) {
            return Checked.no(ReasonCode.TOKEN_CLAIMS_REJECTED, "token has no exp");
        }
        Instant now = clock.instant();
        Duration skew = issuer.clockSkew();
        if (!now.isBefore(expiresAt.plus(skew))) {
            return Checked.no(ReasonCode.TOKEN_EXPIRED, "token expired at " + expiresAt);
        }
        Instant notBefore = value(nbf);
        if (notBefore != null && now.plus(skew).isBefore(notBefore)) {
            return Checked.no(ReasonCode.TOKEN_NOT_YET_VALID, "token is not valid before " + notBefore);
        }
        Instant issuedAt = value(iat);
        if (issuedAt != null && now.plus(skew).isBefore(issuedAt)) {
            return Checked.no(ReasonCode.TOKEN_NOT_YET_VALID, "token is issued in the future, at " + issuedAt);
        }
        Duration maxLifetime = issuer.maxTokenLifetime();
        if (maxLifetime.isPositive()) {
            if (issuedAt == null) {
                return Checked.no(ReasonCode.TOKEN_CLAIMS_REJECTED,
                        "token has no iat, needed to bound its lifetime to " + maxLifetime);
            }
            Duration lifetime = Duration.between(issuedAt, expiresAt);
            if (lifetime.compareTo(maxLifetime) > 0) {
                return Checked.no(ReasonCode.TOKEN_LIFETIME_EXCEEDED,
                        "token lives " + lifetime + " (expected at most " + maxLifetime + ")");
            }
        }
        if (!(claims.get("sub") instanceof String sub) || sub.isEmpty()) {
            return Checked.no(ReasonCode.TOKEN_CLAIMS_REJECTED, "token has no sub");
        }
        for (String required : issuer.requiredClaims()) {
            if (!claims.containsKey(required)) {
                return Checked.no(ReasonCode.TOKEN_CLAIMS_REJECTED, "token has no " + required + " claim");
            }
        }
        return Checked.ok(expiresAt);
    }

    /**
     * A NumericDate claim (seconds since the epoch, fractions allowed): empty when absent, refused when it is not
     * a number from 1970 to 9999.
     */
    static Checked<Optional<Instant>> numericDate(Map<String, Object> claims, String name) {
        Object value = claims.get(name);
        if (value == null) {
            return Checked.ok(Optional.empty());
        }
        if (!(value instanceof Number number)) {
            return Checked.no(ReasonCode.TOKEN_MALFORMED, "claim " + name + " is not a number");
        }
        BigDecimal seconds = new BigDecimal(number.toString());
        if (seconds.signum() < 0 || seconds.compareTo(LATEST) > 0) {
            return Checked.no(ReasonCode.TOKEN_MALFORMED, "claim " + name + " is not a date from 1970 to 9999");
        }
        BigDecimal whole = seconds.setScale(0, RoundingMode.FLOOR);
        long nanos = seconds.subtract(whole).multiply(NANOS).longValue();
        return Checked.ok(Optional.of(Instant.ofEpochSecond(whole.longValueExact(), nanos)));
    }

    private static @Nullable Instant value(Checked<Optional<Instant>> date) {
        return date instanceof Checked.Ok<Optional<Instant>>(Optional<Instant> instant) ? instant.orElse(null) : null;
    }

    private boolean namesAudience(@Nullable Object aud) {
        if (aud instanceof String single) {
            return issuer.audiences().contains(single);
        }
        if (aud instanceof List<?> list) {
            for (Object element : list) {
                if (issuer.audiences().contains(element)) {
                    return true;
                }
            }
        }
        return false;
    }

    static boolean isStringList(Object value) {
        if (!(value instanceof List<?> list)) {
            return false;
        }
        for (Object element : list) {
            if (!(element instanceof String)) {
                return false;
            }
        }
        return true;
    }

    private static List<String> sorted(Set<String> values) {
        return values.stream().sorted().toList();
    }
}
