package io.zerogate.policy.cel;

import dev.cel.common.types.SimpleType;
import io.zerogate.posture.Device;
import java.time.Instant;
import java.util.HashMap;
import java.util.Map;
import org.jspecify.annotations.Nullable;

/**
 * The {@code device} variable: the calling device as the posture stage established it. A request without a verified
 * device still has one ({@code present} false, empty strings, false flags, {@code checked_at} the epoch), so that
 * {@code device.compliant} is simply false rather than an error when no attestation came.
 */
final class DeviceFields extends FieldMap {

    static final ObjectType TYPE = ObjectType.of("zerogate.Device",
            "present", SimpleType.BOOL,
            "id", SimpleType.STRING,
            "managed", SimpleType.BOOL,
            "compliant", SimpleType.BOOL,
            "disk_encrypted", SimpleType.BOOL,
            "os", SimpleType.STRING,
            "os_version", SimpleType.STRING,
            "patch_level", SimpleType.STRING,
            "edr_running", SimpleType.BOOL,
            "checked_at", SimpleType.TIMESTAMP);

    static final Map<String, Object> ABSENT = absent();

    private final Device device;

    private DeviceFields(Device device) {
        super(TYPE.fields());
        this.device = device;
    }

    static Map<String, Object> of(@Nullable Device device) {
        return device == null ? ABSENT : new DeviceFields(device);
    }

    @Override
    Object field(String name) {
        return switch (name) {
            case "present" -> true;
            case "id" -> device.id();
            case "managed" -> device.managed();
            case "compliant" -> device.compliant();
            case "disk_encrypted" -> device.diskEncrypted();
            case "os" -> device.os();
            case "os_version" -> device.osVersion();
            case "patch_level" -> device.patchLevel();
            case "edr_running" -> device.edrRunning();
            case "checked_at" -> device.checkedAt();
            default -> throw new IllegalArgumentException("device has no field '" + name + "'");
        };
    }

    private static Map<String, Object> absent() {
        Map<String, Object> m = new HashMap<>();
        m.put("present", false);
        m.put("id", "");
        m.put("managed", false);
        m.put("compliant", false);
        m.put("disk_encrypted", false);
        m.put("os", "");
        m.put("os_version", "");
        m.put("patch_level", "");
        m.put("edr_running", false);
        m.put("checked_at", Instant.EPOCH);
        return Map.copyOf(m);
    }
}
