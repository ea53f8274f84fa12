package io.zerogate.audit;

import java.time.Instant;
import java.util.List;
import org.jspecify.annotations.Nullable;

/**
 * What {@link AuditVerifier} found in a trail: the first break, if any, what was read up to it, and notes about
 * what holds but deserves saying (the trail starts mid-chain, a restart after a crash, a live tail allowed).
 *
 * @param broken            the first break, or null when the chain holds to the end
 * @param signaturesChecked whether checkpoints were checked against a trusted key
 * @param keyIds            the key ids the checkpoints name (the first few), for an operator to compare when
 *                          signatures were not checked
 * @param files             how many files were read (up to the break)
 * @param lines             how many lines linked before the break, or in all
 * @param records           how many of them are records
 * @param checkpoints       how many of them are checkpoints
 * @param firstSeq          the first line's sequence number (0 when there is none)
 * @param lastSeq           the last linked line's sequence number (0 when there is none)
 * @param lastSealedSeq     the last checkpoint's sequence number (0 when there is none)
 * @param lastSealedAt      the last checkpoint's time, or null when there is none
 * @param startsMidChain    whether the first file given starts after seq 1 (older files deleted or not given)
 */
public record VerifyReport(@Nullable TrailBreak broken, boolean signaturesChecked, List<String> keyIds, int files,
                           long lines, long records, long checkpoints, long firstSeq, long lastSeq, long lastSealedSeq,
                           @Nullable Instant lastSealedAt, boolean startsMidChain, List<String> notes) {

    /** The verdict on a trail. */
    public enum Verdict {
        /** The chain holds from the first line to a final checkpoint, and every checkpoint verifies. */
        INTACT,
        /** The chain holds, but no checkpoint signature was checked: the files alone cannot prove anything. */
        UNSIGNED,
        /** The chain is broken; {@link #broken()} says where. */
        BROKEN
    }

    public VerifyReport {
        keyIds = List.copyOf(keyIds);
        notes = List.copyOf(notes);
    }

    public Verdict verdict() {
        return broken != null ? Verdict.BROKEN : signaturesChecked ? Verdict.INTACT : Verdict.UNSIGNED;
    }
}
