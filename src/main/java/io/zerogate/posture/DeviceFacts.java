package io.zerogate.posture;

import io.zerogate.chain.ReasonCode;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import org.jspecify.annotations.Nullable;

/**
 * Reads the facts about a device that an attestation's claims or a posture service's answer state, under the same
 * names in both: {@code managed}, {@code compliant}, {@code disk_encrypted}, {@code edr_running} (booleans, false
 * when absent), {@code os}, {@code os_version}, {@code patch_level} (strings, empty when absent) and
 * {@code checked_at} (seconds since the epoch). A fact of the wrong JSON type refuses the whole answer rather
 * than being read as absent: a posture service that says {@code "compliant": "yes"} is not understood.
 */
final class DeviceFacts {

    /** Longer device ids, user names and fact strings are refused: no posture service needs them. */
    static final int MAX_TEXT_LENGTH = 256;
    /** How far in the future a date may lie before the clocks are taken to disagree. */
    static final Duration CLOCK_SKEW = Duration.ofSeconds(30);
    /** The last second of the year 9999: later dates (and dates before 1970) are not plausible. */
    private static final long LATEST_SECOND = 253_402_300_799L;

    private DeviceFacts() {}

    /**
     * The device these facts describe.
     *
     * @param id               the device's id, already checked
     * @param user             the user the device belongs to, or null when not named
     * @param defaultCheckedAt when the device was checked if {@code checked_at} does not say
     * @param now              the current time, to refuse a check said to lie in the future
     */
    static PostureAnswer read(Map<String, Object> json, String id, @Nullable String user, Instant defaultCheckedAt,
                              Instant now, Device.Source source) {
        Boolean managed = flag(json, "managed");
        Boolean compliant = flag(json, "compliant");
        Boolean diskEncrypted = flag(json, "disk_encrypted");
        Boolean edrRunning = flag(json, "edr_running");
        if (managed == null || compliant == null || diskEncrypted == null || edrRunning == null) {
            return invalid(firstBad(json, "managed", "compliant", "disk_encrypted", "edr_running") + " is not a boolean");
        }
        String os = text(json, "os");
        String osVersion = text(json, "os_version");
        String patchLevel = text(json, "patch_level");
        if (os == null || osVersion == null || patchLevel == null) {
            String name = os == null ? "os" : osVersion == null ? "os_version" : "patch_level";
            return invalid(name + " is not a string of at most " + MAX_TEXT_LENGTH + " characters");
        }
        Instant checkedAt = defaultCheckedAt;
        if (json.containsKey("checked_at")) {
            checkedAt = seconds(json.get("checked_at"));
            if (checkedAt == null) {
                return invalid("checked_at is not a date in seconds since the epoch");
            }
            if (checkedAt.isAfter(now.plus(CLOCK_SKEW))) {
                return invalid("checked_at lies in the future");
            }
        }
        return new PostureAnswer.Known(new Device(id, user, managed, compliant, diskEncrypted, os, osVersion, patchLevel,
                edrRunning, checkedAt, source));
    }

    /** A date in seconds since the epoch (fractions allowed) from 1970 to 9999, or null when it is not one. */
    static @Nullable Instant seconds(@Nullable Object value) {
        if (!(value instanceof Number number)) {
            return null;
        }
        double seconds = number.doubleValue();
        if (!(seconds >= 0 && seconds <= LATEST_SECOND)) {
            return null;
        }
        long whole = (long) Math.floor(seconds);
        return Instant.ofEpochSecond(whole, (long) ((seconds - whole) * 1_000_000_000L));
    }

    /** True when the value is an acceptable id or user name: non-empty, bounded, without control characters. */
    static boolean plausibleText(String value) {
        if (value.isEmpty() || value.length() > MAX_TEXT_LENGTH) {
            return false;
        }
        for (int i = 0; i < value.length(); i++) {
            if (Character.isISOControl(value.charAt(i))) {
                return false;
            }
        }
        return true;
    }

    static PostureAnswer.Refused invalid(String detail) {
        return PostureAnswer.refused(ReasonCode.DEVICE_ATTESTATION_INVALID, detail);
    }

    private static @Nullable Boolean flag(Map<String, Object> json, String name) {
        Object value = json.get(name);
        if (value == null && !json.containsKey(name)) {
            return Boolean.FALSE;
        }
        return value instanceof Boolean b ? b : null;
    }

    private static @Nullable String text(Map<String, Object> json, String name) {
        Object value = json.get(name);
        if (value == null && !json.containsKey(name)) {
            return "";
        }
        return value instanceof String s && s.length() <= MAX_TEXT_LENGTH ? s : null;
    }

    private static String firstBad(Map<String, Object> json, String... names) {
        for (String name : names) {
            if (json.containsKey(name) && !(json.get(name) instanceof Boolean)) {
                return name;
            }
        }
        return names[0];
    }
}
