package io.zerogate.state;

import java.util.List;

/**
 * The answer to one {@link StateStore#charge} call.
 *
 * @param allowed true when every enforced charge allowed; then every charge that allowed was applied. When false,
 *                nothing was applied.
 * @param results one per charge, in the order the charges were given
 */
public record ChargeVerdict(boolean allowed, List<ChargeResult> results) {

    public ChargeVerdict {
        results = List.copyOf(results);
    }
}
